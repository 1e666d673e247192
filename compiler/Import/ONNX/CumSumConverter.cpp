//===- CumSumConverter.cpp - ONNX CumSum → kiln matmuls with a triangular matrix -===//
//
// CumSum along an axis of extent L is a matmul with a constant L x L triangular matrix (the
// axis moved last and back with transposes); `exclusive` and `reverse` pick the triangle. A
// constant axis builds that one matmul; a run-time axis (known rank) stays an operand: every
// axis of the rank is built and kiln.where selects the one the axis value names, so one
// artifact serves every axis.
//
//===----------------------------------------------------------------------===//
#include "compiler/Import/ONNX/ConverterUtils.h"

#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace kiln::importer;

namespace {
/// The cumulative sum of `x` along `axis` as a matmul with a triangular matrix.
FailureOr<Value> cumSumAlong(NodeContext &n, Value x, int64_t axis, bool exclusive,
                             bool reverse) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank(), extent = type.getDimSize(axis);
  Type et = type.getElementType();
  // The triangle is extent^2 elements: an axis of 2^31 would take forever to build.
  if (failed(checkBuiltConstant(n, {extent, extent}, "a cumulative-sum triangle")))
    return failure();
  SmallVector<Attribute> values;
  for (int64_t i = 0; i < extent; ++i)
    for (int64_t j = 0; j < extent; ++j) {
      // out[j] = sum over i of x[i] * T[i][j].
      bool keep = reverse ? (exclusive ? i > j : i >= j) : (exclusive ? i < j : i <= j);
      values.push_back(isa<FloatType>(et) ? (Attribute)FloatAttr::get(et, keep)
                                          : (Attribute)IntegerAttr::get(et, keep));
    }
  Value triangle =
      n.constant(DenseElementsAttr::get(RankedTensorType::get({extent, extent}, et), values));
  SmallVector<int64_t> perm = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  std::swap(perm[axis], perm[rank - 1]);
  FailureOr<Value> moved = axis == rank - 1 ? FailureOr<Value>(x)
                                            : n.create<kiln::TransposeOp>(x, perm);
  if (failed(moved))
    return failure();
  FailureOr<Value> summed = n.create<kiln::MatMulOp>(*moved, triangle);
  if (failed(summed) || axis == rank - 1)
    return summed;
  return n.create<kiln::TransposeOp>(*summed, perm);
}

LogicalResult convertCumSum(NodeContext &n) {
  RankedTensorType type = n.inputType(0);
  if (!type.hasStaticShape() || type.getRank() == 0)
    return n.fail("the input must have a static shape and rank >= 1");
  Type et = type.getElementType();
  if (!isa<FloatType>(et) && !(isa<IntegerType>(et) && !et.isInteger(1)))
    return n.fail("the input must hold numbers");
  bool exclusive = n.attrInt("exclusive", 0) != 0, reverse = n.attrInt("reverse", 0) != 0;
  int64_t rank = type.getRank();
  RankedTensorType axisType = n.inputType(1);
  if (!axisType.hasStaticShape() || axisType.getNumElements() != 1 ||
      !isa<IntegerType>(axisType.getElementType()))
    return n.fail("axis must be one integer");
  if (!n.isRunTimeValue(1)) {
    FailureOr<SmallVector<int64_t>> axis = n.constantInts(1, "axis");
    if (failed(axis))
      return failure();
    FailureOr<int64_t> a = n.normalizeAxis(axis->front(), rank);
    return failed(a) ? failure() : n.setResult(cumSumAlong(n, n.input(0), *a, exclusive, reverse));
  }
  // A run-time axis: every candidate, selected by axis == a or axis == a - rank.
  FailureOr<Value> axis = n.reshape(n.input(1), {});
  FailureOr<Value> result = failure();
  for (int64_t a = rank - 1; a >= 0; --a) {
    FailureOr<Value> sum = cumSumAlong(n, n.input(0), a, exclusive, reverse);
    if (a == rank - 1) {
      result = sum;
      continue;
    }
    FailureOr<Value> is = binary<kiln::OrOp>(
        n, binary<kiln::EqualOp>(n, axis, scalarLike(n, axis, (double)a)),
        binary<kiln::EqualOp>(n, axis, scalarLike(n, axis, (double)(a - rank))));
    result = select(n, is, sum, result);
  }
  return n.setResult(result);
}
} // namespace

void kiln::importer::registerCumSumConverter(ConverterRegistry &r) {
  r.add("CumSum", 11, convertCumSum, {2, 2});
}
