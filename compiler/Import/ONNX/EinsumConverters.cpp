//===- EinsumConverters.cpp - ONNX Einsum → kiln (transpose, broadcast multiply, sum) -===//
//
// Each operand's repeated subscripts take their diagonal (mask + sum) and subscripts used
// nowhere else are summed out; then every operand is transposed and reshaped onto one common
// subscript order (output subscripts first), multiplied with broadcasting, and the contracted
// subscripts are summed. Exact, and general (ellipses, any number of operands); the
// intermediate product holds every subscript, so large contractions cost memory.
//
//===----------------------------------------------------------------------===//
#include "compiler/Import/ONNX/ConverterUtils.h"

using namespace mlir;
using namespace kiln::importer;

namespace {
/// One operand: its value and one subscript character per dim.
struct Term {
  Value value;
  std::string subscripts;
};

/// Subscripts of one side with "..." replaced by `ellipsis` (right-aligned to the rank).
FailureOr<std::string> expandEllipsis(NodeContext &n, llvm::StringRef text, int64_t rank,
                                      llvm::StringRef ellipsis) {
  size_t at = text.find("...");
  if (at == llvm::StringRef::npos)
    return text.str();
  int64_t explicitDims = text.size() - 3;
  if (rank < explicitDims || rank - explicitDims > (int64_t)ellipsis.size())
    return n.fail("the equation does not match the operand ranks");
  return (text.take_front(at) + ellipsis.take_back(rank - explicitDims) + text.drop_front(at + 3))
      .str();
}

/// Sums out dim `dim` of a term.
LogicalResult sumOut(NodeContext &n, Term &t, size_t dim) {
  FailureOr<Value> v = reduce(n, t.value, kiln::ReduceKind::sum, {(int64_t)dim}, false);
  if (failed(v))
    return failure();
  t.value = *v;
  t.subscripts.erase(dim, 1);
  return success();
}

/// Replaces a subscript repeated at dims p < q by its diagonal (kept at p).
LogicalResult takeDiagonal(NodeContext &n, Term &t, size_t p, size_t q) {
  auto type = cast<RankedTensorType>(t.value.getType());
  int64_t size = type.getDimSize(p);
  if (ShapedType::isDynamic(size) || size != type.getDimSize(q))
    return n.fail("a repeated subscript needs equal static dims");
  SmallVector<int64_t> shape(type.getRank(), 1);
  shape[p] = shape[q] = size;
  SmallVector<bool> eye;
  for (int64_t i = 0; i < size; ++i)
    for (int64_t j = 0; j < size; ++j)
      eye.push_back(i == j);
  Value mask = n.constant(DenseElementsAttr::get(
      RankedTensorType::get(shape, n.builder().getI1Type()), ArrayRef<bool>(eye)));
  FailureOr<Value> masked = select(n, mask, t.value, scalarLike(n, t.value, 0));
  if (failed(masked))
    return failure();
  t.value = *masked;
  return sumOut(n, t, q);
}

/// Transposes and reshapes `t` onto `order` (unit dims for subscripts it lacks).
FailureOr<Value> alignTo(NodeContext &n, const Term &t, llvm::StringRef order) {
  SmallVector<int64_t> perm;
  for (char c : order)
    if (size_t at = t.subscripts.find(c); at != std::string::npos)
      perm.push_back(at);
  FailureOr<Value> v = t.value;
  if (!llvm::equal(perm, llvm::seq<int64_t>(0, perm.size())))
    v = n.create<kiln::TransposeOp>(t.value, perm);
  if (failed(v))
    return failure();
  auto type = cast<RankedTensorType>(v->getType());
  SmallVector<int64_t> shape;
  for (char c : order)
    shape.push_back(t.subscripts.find(c) == std::string::npos
                        ? 1
                        : type.getDimSize(llvm::find(perm, t.subscripts.find(c)) - perm.begin()));
  return n.reshape(*v, shape);
}

LogicalResult convertEinsum(NodeContext &n) {
  std::string equation;
  for (char c : n.attrString("equation", ""))
    if (c != ' ')
      equation += c;
  llvm::StringRef lhs = equation, rhs;
  bool explicitOutput = llvm::StringRef(equation).contains("->");
  if (explicitOutput)
    std::tie(lhs, rhs) = llvm::StringRef(equation).split("->");
  SmallVector<llvm::StringRef> sides;
  lhs.split(sides, ',');
  if ((int64_t)sides.size() != n.numInputs())
    return n.fail("the equation names " + llvm::Twine(sides.size()) + " operands, the node has " +
                  llvm::Twine(n.numInputs()));
  // Ellipsis dims get subscripts that letters never use.
  const std::string ellipsis = "0123456789";
  SmallVector<Term> terms;
  int64_t ellipsisDims = 0;
  for (auto [i, side] : llvm::enumerate(sides)) {
    if (!n.hasInput(i)) // an empty input name: every Einsum operand is required
      return n.fail("operand " + llvm::Twine(i) + " is missing (an empty input name)");
    int64_t rank = n.inputType(i).getRank();
    FailureOr<std::string> subs = expandEllipsis(n, side, rank, ellipsis);
    if (failed(subs))
      return failure();
    if ((int64_t)subs->size() != rank)
      return n.fail("operand " + llvm::Twine(i) + " has rank " + llvm::Twine(rank) +
                    ", the equation gives it " + llvm::Twine(subs->size()) + " subscripts");
    if (side.contains("..."))
      ellipsisDims = std::max<int64_t>(ellipsisDims, rank - (side.size() - 3));
    terms.push_back({n.input(i), *subs});
  }
  std::string output;
  if (explicitOutput) {
    FailureOr<std::string> out =
        expandEllipsis(n, rhs, rhs.size() - (rhs.contains("...") ? 3 : 0) + ellipsisDims, ellipsis);
    if (failed(out))
      return failure();
    output = *out;
  } else {
    // Implicit output: the ellipsis dims, then the letters used once, sorted.
    output = ellipsis.substr(ellipsis.size() - ellipsisDims);
    std::string letters;
    for (const Term &t : terms)
      letters += t.subscripts;
    for (char c = 'A'; c <= 'z'; ++c)
      if (llvm::count(letters, c) == 1)
        output += c;
  }
  // Diagonals, then subscripts used by this operand only (and not the output).
  for (Term &t : terms) {
    for (size_t p = 0; p < t.subscripts.size(); ++p)
      for (size_t q = t.subscripts.size(); q-- > p + 1;)
        if (t.subscripts[q] == t.subscripts[p] && failed(takeDiagonal(n, t, p, q)))
          return failure();
    for (size_t d = t.subscripts.size(); d-- > 0;) {
      char c = t.subscripts[d];
      bool elsewhere =
          output.find(c) != std::string::npos || llvm::any_of(terms, [&](const Term &o) {
            return &o != &t && o.subscripts.find(c) != std::string::npos;
          });
      if (!elsewhere && failed(sumOut(n, t, d)))
        return failure();
    }
  }
  std::string order = output;
  for (const Term &t : terms)
    for (char c : t.subscripts)
      if (order.find(c) == std::string::npos)
        order += c;
  FailureOr<Value> product = alignTo(n, terms[0], order);
  for (const Term &t : llvm::drop_begin(terms))
    product = binary<kiln::MulOp>(n, product, alignTo(n, t, order));
  if (failed(product))
    return failure();
  SmallVector<int64_t> contracted =
      llvm::to_vector(llvm::seq<int64_t>(output.size(), order.size()));
  if (contracted.empty())
    return n.setResult(product);
  return n.setResult(reduce(n, product, kiln::ReduceKind::sum, contracted, false));
}
} // namespace

void kiln::importer::registerEinsumConverters(ConverterRegistry &r) {
  r.add("Einsum", 12, convertEinsum, {1, Arity::kUnbounded});
}
