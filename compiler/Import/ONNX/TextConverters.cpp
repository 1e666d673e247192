//===- TextConverters.cpp - ONNX TfIdfVectorizer (integer n-grams) → kiln --===//
//
// TfIdfVectorizer counts, per row of the input, the occurrences of every n-gram of its pool
// (with up to max_skip_count items skipped between the items of an n-gram of length >= 2).
// For each length n and skip s, the n items of every start position are strided slices of
// the row, compared with the pool's n-grams of length n (broadcast), and-ed, and summed over
// the positions; a one-hot matmul moves the pool-order counts to their output columns.
//
//===----------------------------------------------------------------------===//
#include "compiler/Import/ONNX/ConverterUtils.h"

#include <algorithm>

using namespace mlir;
using namespace kiln::importer;

namespace {
/// The counts [N, grams] of the `grams` n-grams of length `length` starting at `pool[first]`
/// in the rows of `x` [N, L] (int64), summed over the skips 0 .. maxSkip.
FailureOr<Value> countNGrams(NodeContext &n, Value x, ArrayRef<int64_t> pool, int64_t first,
                             int64_t grams, int64_t length, int64_t maxSkip) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rows = type.getDimSize(0), items = type.getDimSize(1);
  Type i64 = n.builder().getI64Type(), f32 = n.builder().getF32Type();
  FailureOr<Value> total = Value();
  for (int64_t skip = 0; skip <= (length == 1 ? 0 : maxSkip); ++skip) {
    int64_t span = (length - 1) * (skip + 1) + 1, positions = items - span + 1;
    if (positions <= 0)
      break;
    FailureOr<Value> match;
    for (int64_t j = 0; j < length; ++j) {
      int64_t start = j * (skip + 1);
      FailureOr<Value> item = buildSlice(n, x, {0, start}, {rows, start + positions}, {1, 1});
      if (succeeded(item))
        item = n.reshape(*item, {rows, positions, 1});
      SmallVector<int64_t> column;
      for (int64_t g = 0; g < grams; ++g)
        column.push_back(pool[first + g * length + j]);
      auto columnType = RankedTensorType::get({1, 1, grams}, i64);
      Value expected = n.constant(DenseElementsAttr::get(columnType, ArrayRef<int64_t>(column)));
      FailureOr<Value> equal = binary<kiln::EqualOp>(n, item, expected);
      match = j == 0 ? equal : binary<kiln::AndOp>(n, match, equal);
    }
    FailureOr<Value> count = reduce(n, castTo(n, match, f32), kiln::ReduceKind::sum, {1}, false);
    total = *total ? binary<kiln::AddOp>(n, total, count) : count;
    if (failed(total))
      return failure();
  }
  if (*total) // else no n-gram of this length fits in a row
    return total;
  return n.constant(DenseElementsAttr::get(RankedTensorType::get({rows, grams}, f32), 0.0f));
}

LogicalResult convertTfIdfVectorizer(NodeContext &n) {
  RankedTensorType in = n.inputType(0);
  if (n.hasAttr("pool_strings"))
    return n.fail("string pools are not supported (pool_int64s only)");
  if (!isa<IntegerType>(in.getElementType()) || in.getElementType().isInteger(1))
    return n.fail("the input must hold integers");
  FailureOr<SmallVector<int64_t>> shape = requireStaticShape(n, in, "TfIdfVectorizer");
  if (failed(shape))
    return failure();
  if (shape->size() != 1 && shape->size() != 2)
    return n.fail("the input must be [C] or [N, C]");
  std::string mode = n.attrString("mode", "");
  if (mode != "TF" && mode != "IDF" && mode != "TFIDF")
    return n.fail("mode '" + mode + "' is not supported (TF, IDF, TFIDF)");
  int64_t minLength = n.attrInt("min_gram_length", 0), maxLength = n.attrInt("max_gram_length", 0);
  int64_t maxSkip = n.attrInt("max_skip_count", 0);
  SmallVector<int64_t> starts = n.attrInts("ngram_counts"), indexes = n.attrInts("ngram_indexes");
  SmallVector<int64_t> pool = n.attrInts("pool_int64s");
  SmallVector<double> weights = n.attrFloats("weights");
  if (minLength < 1 || maxLength < minLength || maxSkip < 0 ||
      (int64_t)starts.size() < maxLength || indexes.empty())
    return n.fail("invalid gram lengths, skip count, ngram_counts or ngram_indexes");
  // The pool holds the n-grams of length 1, 2, ... from starts[0], starts[1], ...
  int64_t grams = 0;
  for (size_t len = 1; len <= starts.size(); ++len) {
    int64_t end = len < starts.size() ? starts[len] : (int64_t)pool.size();
    if (starts[len - 1] > end || (end - starts[len - 1]) % (int64_t)len != 0)
      return n.fail("ngram_counts do not split the pool into whole n-grams");
    grams += (end - starts[len - 1]) / len;
  }
  if ((int64_t)indexes.size() != grams || (!weights.empty() && (int64_t)weights.size() != grams))
    return n.fail("ngram_indexes (and weights) must have one entry per n-gram of the pool (" +
                  llvm::Twine(grams) + ")");
  int64_t width = *std::max_element(indexes.begin(), indexes.end()) + 1;
  Type i64 = n.builder().getI64Type(), f32 = n.builder().getF32Type();
  int64_t rows = shape->size() == 2 ? (*shape)[0] : 1, items = shape->back();
  FailureOr<Value> x = n.reshape(n.input(0), {rows, items});
  x = castTo(n, x, i64);
  // Counts in pool order [rows, grams] (0 for the lengths outside [min, max]).
  SmallVector<Value> counts;
  for (int64_t len = 1; len <= (int64_t)starts.size(); ++len) {
    int64_t end = len < (int64_t)starts.size() ? starts[len] : (int64_t)pool.size();
    int64_t count = (end - starts[len - 1]) / len;
    if (count == 0)
      continue;
    FailureOr<Value> c =
        len < minLength || len > maxLength
            ? FailureOr<Value>(n.constant(DenseElementsAttr::get(
                  RankedTensorType::get({rows, count}, f32), 0.0f)))
            : countNGrams(n, *x, pool, starts[len - 1], count, len, maxSkip);
    if (failed(c))
      return failure();
    counts.push_back(*c);
  }
  FailureOr<Value> tf = counts.size() == 1 ? FailureOr<Value>(counts[0])
                                            : n.create<kiln::ConcatOp>(ValueRange(counts), 1);
  FailureOr<Value> result = tf;
  if (mode != "TF") { // IDF: weight where present; TFIDF: count x weight
    SmallVector<float> w(weights.begin(), weights.end());
    if (w.empty())
      w.assign(grams, 1.0f);
    auto wType = RankedTensorType::get({1, grams}, f32);
    Value wv = n.constant(DenseElementsAttr::get(wType, ArrayRef<float>(w)));
    if (mode == "IDF")
      result = castTo(n, binary<kiln::GreaterOp>(n, tf, scalarLike(n, tf, 0.0)), f32);
    result = binary<kiln::MulOp>(n, result, wv);
  }
  // Pool order → output columns.
  SmallVector<float> oneHot(grams * width, 0.0f);
  for (int64_t g = 0; g < grams; ++g) {
    if (indexes[g] < 0)
      return n.fail("ngram_indexes must be non-negative");
    oneHot[g * width + indexes[g]] = 1.0f;
  }
  auto hotType = RankedTensorType::get({grams, width}, f32);
  result = n.create<kiln::MatMulOp>(
      *result, n.constant(DenseElementsAttr::get(hotType, ArrayRef<float>(oneHot))));
  if (failed(result) || shape->size() == 2)
    return n.setResult(result);
  return n.setResult(n.reshape(*result, {width}));
}
} // namespace

void kiln::importer::registerTextConverters(ConverterRegistry &r) {
  r.add("TfIdfVectorizer", 9, convertTfIdfVectorizer, {1, 1});
}
