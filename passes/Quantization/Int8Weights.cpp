//===- Int8Weights.cpp - dequantized 8-bit weights laid out as a [K, N] matrix ---===//
#include "passes/Quantization/Int8Weights.h"

#include "kiln/Dialect/Graph/KilnDialect.h"
#include "mlir/IR/Matchers.h"

#include <cmath>

using namespace mlir;

namespace {
/// The one dim of `shape` that is not 1 (-1: none, a scalar), or nullopt when there are more.
std::optional<int64_t> onlyDim(ArrayRef<int64_t> shape) {
  int64_t dim = -1;
  for (int64_t d = 0; d < int64_t(shape.size()); ++d)
    if (shape[d] != 1) {
      if (dim >= 0)
        return std::nullopt;
      dim = d;
    }
  return dim;
}

/// The pieces of [transpose(perm)] (cast(W8) [- zp]) [* s].
struct Dequantization {
  SmallVector<int64_t> perm;
  DenseIntElementsAttr w8;
  SmallVector<Operation *> chain; ///< sub / mul, innermost first
  SmallVector<DenseElementsAttr> operands;
  SmallVector<bool> perChannel;
};

FailureOr<Dequantization> matchDequantization(Value weights, std::string &why) {
  auto type = cast<RankedTensorType>(weights.getType());
  int64_t rank = type.getRank();
  Dequantization d;
  d.perm = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  Value v = weights;
  if (auto t = v.getDefiningOp<kiln::TransposeOp>()) {
    d.perm.assign(t.getPerm().begin(), t.getPerm().end());
    v = t.getInput();
  }
  while (isa_and_nonnull<kiln::MulOp, kiln::SubOp>(v.getDefiningOp())) {
    Operation *op = v.getDefiningOp();
    DenseElementsAttr attr;
    auto rhsType = cast<RankedTensorType>(op->getOperand(1).getType());
    std::optional<int64_t> dim = onlyDim(rhsType.getShape());
    // The output channel's dim in the operand's (right-aligned) shape.
    int64_t outputDim = d.perm[rank - 1] - (rank - rhsType.getRank());
    if (!matchPattern(op->getOperand(1), m_Constant(&attr)) ||
        op->getOperand(0).getType() != op->getResult(0).getType() || !dim ||
        (*dim >= 0 && (*dim != outputDim || rhsType.getDimSize(*dim) != type.getShape().back())))
      return why = "the weight scale or zero point is not per output channel", failure();
    d.chain.push_back(op);
    d.operands.push_back(attr);
    d.perChannel.push_back(*dim >= 0);
    v = op->getOperand(0);
  }
  auto widen = v.getDefiningOp<kiln::CastOp>();
  if (!widen || !cast<ShapedType>(widen.getInput().getType()).getElementType().isInteger(8) ||
      !matchPattern(widen.getInput(), m_Constant(&d.w8)))
    return why = "the weights are not a constant or a dequantized 8-bit constant", failure();
  return d;
}

/// `w8` transposed by `perm` (result dim i = input dim perm[i]), flattened to [K, N].
DenseElementsAttr layOut(DenseIntElementsAttr w8, ArrayRef<int64_t> perm,
                         ArrayRef<int64_t> resultShape, int64_t k, int64_t n) {
  auto srcType = cast<RankedTensorType>(w8.getType());
  ArrayRef<int64_t> src = srcType.getShape();
  int64_t rank = src.size();
  SmallVector<APInt> values(w8.getValues<APInt>().begin(), w8.getValues<APInt>().end());
  SmallVector<APInt> laid(values.size(), APInt(8, 0));
  SmallVector<int64_t> strides(rank, 1);
  for (int64_t d = rank - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * src[d + 1];
  for (int64_t i = 0; i < int64_t(laid.size()); ++i) {
    int64_t rest = i, at = 0;
    for (int64_t d = rank - 1; d >= 0; --d) { // i indexes the transposed result
      at += (rest % resultShape[d]) * strides[perm[d]];
      rest /= resultShape[d];
    }
    laid[i] = values[at];
  }
  return DenseElementsAttr::get(srcType.clone({k, n}), ArrayRef<APInt>(laid));
}
} // namespace

bool kiln::isUnfoldedDequantization(Value weights) {
  std::string why;
  auto type = cast<RankedTensorType>(weights.getType());
  if (!type.hasStaticShape() || matchPattern(weights, m_Constant()) ||
      failed(matchDequantization(weights, why)))
    return false;
  // Already the [K, N] form the matmul passes read: no transpose, per-column [N] operands.
  auto t = weights.getDefiningOp<kiln::TransposeOp>();
  return t || type.getRank() != 2 ||
         llvm::any_of(weights.getDefiningOp()->getOperands().drop_front(), [](Value v) {
           return cast<RankedTensorType>(v.getType()).getRank() > 1;
         });
}

FailureOr<Value> kiln::weightMatrix(PatternRewriter &rewriter, Location loc, Value weights,
                                    std::string &why) {
  auto type = cast<RankedTensorType>(weights.getType());
  if (!type.hasStaticShape())
    return why = "the weights are not static", failure();
  int64_t n = type.getShape().back(), k = type.getNumElements() / std::max<int64_t>(n, 1);
  if (matchPattern(weights, m_Constant()))
    return rewriter.createOrFold<kiln::ReshapeOp>(loc, type.clone({k, n}), weights);
  FailureOr<Dequantization> d = matchDequantization(weights, why);
  if (failed(d))
    return failure();
  Value m = rewriter.create<kiln::ConstantOp>(loc, layOut(d->w8, d->perm, type.getShape(), k, n));
  m = rewriter.create<kiln::CastOp>(loc, type.clone({k, n}), m);
  for (int64_t i = int64_t(d->chain.size()) - 1; i >= 0; --i) {
    DenseElementsAttr attr = d->operands[i];
    SmallVector<int64_t> shape;
    if (d->perChannel[i])
      shape.push_back(n);
    Value c = rewriter.create<kiln::ConstantOp>(
        loc, attr.reshape(RankedTensorType::get(shape, attr.getElementType())));
    m = isa<kiln::MulOp>(d->chain[i]) ? Value(rewriter.create<kiln::MulOp>(loc, m, c))
                                      : Value(rewriter.create<kiln::SubOp>(loc, m, c));
  }
  return m;
}

std::optional<float> kiln::recoverInt8Column(const std::vector<float> &w, int64_t k, int64_t n,
                                             int64_t c, std::vector<int64_t> &q) {
  float amax = 0;
  for (int64_t r = 0; r < k; ++r)
    amax = std::max(amax, std::fabs(w[r * n + c]));
  if (amax == 0) {
    for (int64_t r = 0; r < k; ++r)
      q[r * n + c] = 0;
    return 1.0f;
  }
  // The largest |q| of the column: 127 (or 128) for min-max calibrated weights; smaller ones
  // are tried after (a column that is not quantized fails at its first element).
  SmallVector<float> qmaxes{127.0f, 128.0f};
  for (int i = 126; i >= 1; --i)
    qmaxes.push_back(float(i));
  for (float qmax : qmaxes) {
    float s = amax / qmax;
    for (int ulps = 0; ulps <= 4; ++ulps) {
      float candidate = s;
      for (int i = 0; i < (ulps + 1) / 2; ++i)
        candidate = std::nextafter(candidate, ulps % 2 ? INFINITY : 0.0f);
      bool exact = true;
      for (int64_t r = 0; r < k && exact; ++r) {
        float x = std::nearbyint(w[r * n + c] / candidate);
        exact = x >= -128 && x <= 127 && x * candidate == w[r * n + c];
        q[r * n + c] = int64_t(x);
      }
      if (exact)
        return candidate;
    }
  }
  return std::nullopt;
}

namespace {
/// The values of a constant of `d.operands[i]` as doubles (float or integer elements).
std::vector<double> valuesOf(DenseElementsAttr attr) {
  std::vector<double> out;
  if (auto fp = dyn_cast<DenseFPElementsAttr>(attr))
    for (const APFloat &x : fp.getValues<APFloat>())
      out.push_back(x.convertToDouble());
  else
    for (const APInt &x : cast<DenseIntElementsAttr>(attr).getValues<APInt>())
      out.push_back(double(x.getSExtValue()));
  return out;
}
} // namespace

FailureOr<kiln::Int8Columns> kiln::int8Columns(Value weights, std::string &why) {
  auto type = cast<RankedTensorType>(weights.getType());
  if (type.getRank() < 2 || !type.hasStaticShape() || type.getShape().back() == 0)
    return why = "the weights are not static", failure();
  int64_t n = type.getShape().back(), k = type.getNumElements() / n;
  Int8Columns out;
  out.q.resize(k * n);
  out.scales.assign(n, 1.0f);
  DenseFPElementsAttr attr;
  if (matchPattern(weights, m_Constant(&attr))) {
    if (!attr.getElementType().isF32())
      return why = "the weights are not float32", failure();
    std::vector<float> w(attr.getValues<float>().begin(), attr.getValues<float>().end());
    for (int64_t c = 0; c < n; ++c) {
      std::optional<float> s = recoverInt8Column(w, k, n, c, out.q);
      if (!s)
        return why = "the weights are not int8 values times a per-column scale", failure();
      out.scales[c] = *s;
    }
    return out;
  }
  // (cast(W8) [- zp]) [* s], transposed or not: q = W8 - zp (integers), per column or scalar.
  FailureOr<Dequantization> d = matchDequantization(weights, why);
  if (failed(d))
    return failure();
  DenseElementsAttr laid = layOut(d->w8, d->perm, type.getShape(), k, n);
  bool isUnsigned = d->w8.getElementType().isUnsignedInteger();
  int64_t i = 0;
  for (const APInt &x : laid.getValues<APInt>())
    out.q[i++] = isUnsigned ? int64_t(x.getZExtValue()) : x.getSExtValue();
  bool scaled = false;
  for (int64_t j = int64_t(d->chain.size()) - 1; j >= 0; --j) { // innermost first
    std::vector<double> v = valuesOf(d->operands[j]);
    auto at = [&](int64_t c) { return v[d->perChannel[j] ? c : 0]; };
    if (isa<kiln::MulOp>(d->chain[j])) {
      if (scaled || !d->operands[j].getElementType().isF32())
        return why = "the weight dequantization is not one float32 scale", failure();
      for (int64_t c = 0; c < n; ++c) {
        out.scales[c] = float(at(c));
        if (!(out.scales[c] > 0) || !std::isfinite(out.scales[c]))
          return why = "a weight scale is not positive and finite", failure();
      }
      scaled = true;
      continue;
    }
    if (scaled)
      return why = "the weight zero point is subtracted after the scale", failure();
    for (int64_t c = 0; c < n; ++c)
      if (at(c) != std::nearbyint(at(c)))
        return why = "a weight zero point is not an integer", failure();
    for (int64_t e = 0; e < k * n; ++e)
      out.q[e] -= int64_t(at(e % n));
  }
  return out;
}

bool kiln::isInt8Grid(Value weights) {
  DenseFPElementsAttr attr;
  auto type = cast<RankedTensorType>(weights.getType());
  if (!matchPattern(weights, m_Constant(&attr)) || !attr.getElementType().isF32() ||
      !type.hasStaticShape() || type.getRank() < 1)
    return false;
  std::vector<float> w(attr.getValues<float>().begin(), attr.getValues<float>().end());
  int64_t n = type.getShape().back(), k = int64_t(w.size()) / std::max<int64_t>(n, 1);
  std::vector<int64_t> q(w.size());
  for (int64_t c = 0; c < n; ++c)
    if (!recoverInt8Column(w, k, n, c, q))
      return false;
  return true;
}
