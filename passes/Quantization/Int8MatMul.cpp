//===- Int8MatMul.cpp - building kiln.matmul_int8 (shared by the quantization passes) ===//
#include "passes/Quantization/Int8MatMul.h"

#include "kiln/Dialect/Graph/Int8Layout.h"
#include "kiln/Dialect/Graph/KilnDialect.h"

#include <algorithm>

using namespace mlir;

std::vector<int8_t> kiln::packInt8Weights(const std::vector<int32_t> &w, int64_t k, int64_t n,
                                          int64_t groups, int64_t cg) {
  // Each group's columns [g * fg, (g + 1) * fg) packed as a K x fg matrix of its own, or all
  // columns as one matrix (dense, or groups sharing vectors).
  if (groupsShareVectors(n, groups, cg))
    groups = 1;
  int64_t fg = n / groups, nb = (fg + 63) / 64, kb = (k + 3) / 4;
  std::vector<int8_t> packed(groups * nb * kb * 256, 0);
  for (int64_t r = 0; r < k; ++r)
    for (int64_t c = 0; c < n; ++c) {
      int64_t g = c / fg, cc = c % fg;
      packed[((g * nb + cc / 64) * kb + r / 4) * 256 + (cc % 64) * 4 + r % 4] =
          int8_t(w[r * n + c]);
    }
  return packed;
}

namespace {
Type elementTypeOf(Value v) { return cast<ShapedType>(v.getType()).getElementType(); }

  /// An i32 constant of `values` ([n], or a scalar).
Value i32Constant(PatternRewriter &rewriter, Location loc, ArrayRef<uint32_t> values,
                           bool scalar = false) {
    std::vector<int32_t> v(values.begin(), values.end());
    auto type = RankedTensorType::get(scalar ? ArrayRef<int64_t>{} : ArrayRef<int64_t>{int64_t(v.size())},
                                      rewriter.getI32Type());
    return rewriter.create<kiln::ConstantOp>(loc, DenseElementsAttr::get(type, ArrayRef<int32_t>(v)));
  }
} // namespace

std::string kiln::nodePrefix(Location loc) {
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location inner : fused.getLocations())
      if (std::string p = nodePrefix(inner); !p.empty())
        return p;
  if (auto name = dyn_cast<NameLoc>(loc))
    return "node '" + name.getName().str() + "': ";
  return "";
}

FailureOr<kiln::Int8Weights> kiln::splitInt8Weights(const std::vector<int64_t> &w, int64_t n) {
  std::vector<int64_t> lo(n, INT64_MAX), hi(n, INT64_MIN);
  for (size_t i = 0; i < w.size(); ++i) {
    lo[i % n] = std::min(lo[i % n], w[i]);
    hi[i % n] = std::max(hi[i % n], w[i]);
  }
  Int8Weights out;
  out.shift.assign(n, 0);
  for (int64_t c = 0; c < n; ++c) {
    if (lo[c] >= -128 && hi[c] <= 127)
      continue;
    if (hi[c] - lo[c] > 255)
      return failure();
    out.shift[c] = lo[c] + 128;
    out.shifted = true;
  }
  out.values.reserve(w.size());
  for (size_t i = 0; i < w.size(); ++i)
    out.values.push_back(int32_t(w[i] - out.shift[i % n]));
  return out;
}

Value kiln::buildInt8MatMul(PatternRewriter &rewriter, Location loc, Int8Activation act,
                            const Int8Weights &weights, RankedTensorType resultType,
                            ArrayRef<int64_t> groups) {
  const std::vector<int32_t> &w = weights.values;
  // Grouped: a row sum over all of K would mix the groups.
  assert((groups.empty() || !weights.shifted) && "grouped weights cannot be shifted");
  if (act.reshapedTo)
    act.source = rewriter.create<kiln::ReshapeOp>(
        loc, act.reshapedTo.clone(elementTypeOf(act.source)), act.source);
  auto srcType = cast<RankedTensorType>(act.source.getType());
  int64_t n = resultType.getShape().back();
  int64_t k = groups.empty() || n == 0 ? srcType.getShape().back() : int64_t(w.size()) / n;
  Type i32 = rewriter.getI32Type(), u8 = rewriter.getIntegerType(8, /*isSigned=*/false);
  Value a = act.source;
  int64_t zp = act.zeroPoint;
  // A run-time zero point as a rank-0 i32 tensor (+128 below for i8 activations).
  Value zpRuntime = act.runtimeZeroPoint;
  if (zpRuntime && cast<RankedTensorType>(zpRuntime.getType()).getRank() != 0)
    zpRuntime = rewriter.create<kiln::ReshapeOp>(loc, RankedTensorType::get({}, i32), zpRuntime);
  if (!elementTypeOf(a).isUnsignedInteger()) {
    // i8 → ui8 by +128: (a - za) = (a + 128) - (za + 128).
    Value wide = rewriter.create<kiln::CastOp>(loc, srcType.clone(i32), a);
    Value shift = rewriter.create<kiln::ConstantOp>(
        loc, DenseElementsAttr::get(RankedTensorType::get({}, i32), int32_t(128)));
    Value shifted = rewriter.create<kiln::AddOp>(loc, wide, shift);
    a = rewriter.create<kiln::CastOp>(loc, srcType.clone(u8), shifted);
    zp += 128;
    if (zpRuntime)
      zpRuntime = rewriter.create<kiln::AddOp>(loc, zpRuntime, shift);
  }
  int64_t g = groups.empty() ? 1 : groups[0], cg = groups.empty() ? 0 : groups[1];
  std::vector<int8_t> packed = kiln::packInt8Weights(w, k, n, g, cg);
  auto packedType =
      RankedTensorType::get(kiln::packedWeightShape(k * g, n, g, cg), rewriter.getIntegerType(8));
  Value rhs = rewriter.create<kiln::ConstantOp>(
      loc, DenseElementsAttr::get(packedType, ArrayRef<int8_t>(packed)));
  Value out = rewriter.create<kiln::MatMulInt8Op>(
      loc, resultType, a, rhs,
      groups.empty() ? DenseI64ArrayAttr() : rewriter.getDenseI64ArrayAttr(groups));
  // - za * colsum(values), modulo 2^32 like the kernel's int32 sums; za known at compile
  // time folds into the column sums.
  if (zpRuntime || zp != 0) {
    std::vector<uint32_t> sums(n, 0);
    for (int64_t r = 0; r < k; ++r)
      for (int64_t c = 0; c < n; ++c)
        sums[c] += uint32_t(w[r * n + c]);
    Value term;
    if (zpRuntime) {
      term = rewriter.create<kiln::MulOp>(loc, i32Constant(rewriter, loc, sums), zpRuntime);
    } else {
      for (uint32_t &sum : sums)
        sum *= uint32_t(zp);
      term = i32Constant(rewriter, loc, sums);
    }
    out = rewriter.create<kiln::SubOp>(loc, out, term);
  }
  if (!weights.shifted)
    return out;
  // + shift[n] * sum_k (a' - za'): the row sums of the activations, at run time.
  auto wideType = srcType.clone(i32);
  Value wide = rewriter.create<kiln::CastOp>(loc, wideType, a);
  int64_t last = srcType.getRank() - 1;
  Value rows = rewriter.create<kiln::ReduceOp>(loc, wide, kiln::ReduceKind::sum,
                                               ArrayRef<int64_t>{last}, true);
  if (zpRuntime)
    rows = rewriter.create<kiln::SubOp>(
        loc, rows,
        rewriter.create<kiln::MulOp>(loc, zpRuntime,
                                     i32Constant(rewriter, loc, {uint32_t(k)}, /*scalar=*/true)));
  else if (zp != 0)
    rows = rewriter.create<kiln::SubOp>(
        loc, rows, i32Constant(rewriter, loc, {uint32_t(k) * uint32_t(zp)}, /*scalar=*/true));
  std::vector<uint32_t> shift(weights.shift.begin(), weights.shift.end());
  Value term = rewriter.create<kiln::MulOp>(loc, rows, i32Constant(rewriter, loc, shift));
  return rewriter.create<kiln::AddOp>(loc, out, term);
}

Value kiln::scaleInt8Product(PatternRewriter &rewriter, Location loc, Value acc,
                             float activationScale, ArrayRef<float> columnScales) {
  std::vector<float> scales;
  for (float s : columnScales)
    scales.push_back(activationScale * s);
  auto type = cast<RankedTensorType>(acc.getType()).clone(rewriter.getF32Type());
  Value scale = rewriter.create<kiln::ConstantOp>(
      loc,
      DenseElementsAttr::get(RankedTensorType::get({int64_t(scales.size())}, rewriter.getF32Type()),
                             ArrayRef<float>(scales)));
  return rewriter.create<kiln::MulOp>(loc, rewriter.create<kiln::CastOp>(loc, type, acc), scale);
}

namespace {
constexpr llvm::StringLiteral kWarned = "kiln.int8_warned";
} // namespace

void kiln::warnOnce(PatternRewriter &rewriter, Operation *op, const llvm::Twine &message) {
  if (op->hasAttr(kWarned))
    return;
  op->emitWarning("kiln: ") << kiln::nodePrefix(op->getLoc()) << message;
  rewriter.modifyOpInPlace(op, [&] { op->setAttr(kWarned, rewriter.getUnitAttr()); });
}

void kiln::clearInt8Warnings(Operation *root) {
  root->walk([](Operation *op) { op->removeAttr(kWarned); });
}
