//===- FoldEmptyTensors.cpp - tensors with a zero-size dim kept out of kernels -===//
//
// A tensor with a static zero-size dim holds no elements. ONNX allows them (an empty slice, a
// zero batch, a mutated model), but a kernel over an empty buffer trips MLIR's tile-and-fuse
// (tile sizes from a zero extent) and bufferization (results promoted to out-params): crashes.
// So no kernel gets one:
//   - a result with no elements is an empty constant: there is nothing to compute;
//   - a concat drops its empty inputs;
//   - a reduction over an empty extent is its identity (ONNX 18: sum, l1, l2, sum_square 0,
//     prod 1, max the lowest value, min the highest, log_sum and log_sum_exp -inf, mean NaN);
//   - a matmul with an empty contraction is zeros;
//   - any other op that reads a computed empty tensor and yet produces elements (static
//     shapes) is an error naming it; results shaped at run time are left to the plan. Empty
//     constants (a Resize's unused roi, an empty axes list) are operands that
//     ops read as attributes; they stay.
//
//===----------------------------------------------------------------------===//
#include "passes/Graph/Passes.h"

#include "kiln/Dialect/Graph/KilnDialect.h"
#include "mlir/IR/BuiltinAttributes.h"

#include <limits>

namespace kiln {
#define GEN_PASS_DEF_FOLDEMPTYTENSORS
#include "passes/Graph/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
bool isEmpty(Type type) {
  auto ranked = dyn_cast<RankedTensorType>(type);
  return ranked && ranked.hasStaticShape() && ranked.getNumElements() == 0;
}

/// A constant of `type` with every element `value` (a float, or rounded for integers, where
/// +-inf are the type's highest and lowest values); null for an element type it cannot hold.
Attribute splat(RankedTensorType type, double value) {
  Type element = type.getElementType();
  if (auto f = dyn_cast<FloatType>(element)) {
    APFloat v(value);
    bool lost;
    v.convert(f.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
    return DenseElementsAttr::get(type, v);
  }
  auto i = dyn_cast<IntegerType>(element);
  if (!i || std::isnan(value))
    return {};
  unsigned bits = i.getWidth();
  bool isUnsigned = i.isUnsigned();
  APInt v = std::isinf(value) ? (value > 0 ? (isUnsigned ? APInt::getMaxValue(bits)
                                                         : APInt::getSignedMaxValue(bits))
                                           : (isUnsigned ? APInt::getMinValue(bits)
                                                         : APInt::getSignedMinValue(bits)))
                              : APInt(bits, int64_t(value), /*isSigned=*/true);
  return DenseElementsAttr::get(type, v);
}

/// What a reduction of no elements gives (ONNX's reduce ops on an empty set).
double identityOf(kiln::ReduceKind kind) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  switch (kind) {
  case kiln::ReduceKind::prod:
    return 1;
  case kiln::ReduceKind::max:
  case kiln::ReduceKind::log_sum:
  case kiln::ReduceKind::log_sum_exp:
    return -inf;
  case kiln::ReduceKind::min:
    return inf;
  case kiln::ReduceKind::mean:
    return std::numeric_limits<double>::quiet_NaN();
  default: // sum, sum_square, l1, l2
    return 0;
  }
}

/// Whether `v` is computed (not a constant): empty constants are read like attributes.
bool isComputedEmpty(Value v) {
  return isEmpty(v.getType()) && !v.getDefiningOp<kiln::ConstantOp>();
}

struct FoldEmptyTensorsPass : kiln::impl::FoldEmptyTensorsBase<FoldEmptyTensorsPass> {
  void runOnOperation() override {
    SmallVector<Operation *> ops;
    getOperation().walk([&](Operation *op) {
      if (isa<kiln::KilnDialect>(op->getDialect()) && !isa<kiln::ConstantOp>(op))
        ops.push_back(op);
    });
    for (Operation *op : ops)
      if (failed(fold(op)))
        return signalPassFailure();
  }

  /// Replaces `op`'s result with a constant `value` (a splat attribute); false if none.
  static bool replaceWith(Operation *op, Attribute value) {
    if (!value)
      return false;
    OpBuilder b(op);
    Value c = b.create<kiln::ConstantOp>(op->getLoc(), cast<ElementsAttr>(value));
    op->getResult(0).replaceAllUsesWith(c);
    op->erase();
    return true;
  }

  LogicalResult fold(Operation *op) {
    // Results with no elements: an empty constant each.
    if (op->getNumResults() > 0 && llvm::all_of(op->getResultTypes(), isEmpty) &&
        op->getNumRegions() == 0) {
      OpBuilder b(op);
      for (Value r : op->getResults()) {
        auto type = cast<RankedTensorType>(r.getType());
        r.replaceAllUsesWith(b.create<kiln::ConstantOp>(
            op->getLoc(), cast<ElementsAttr>(DenseElementsAttr::get(type, ArrayRef<Attribute>{}))));
      }
      op->erase();
      return success();
    }
    if (!llvm::any_of(op->getOperands(), isComputedEmpty))
      return success();
    if (auto concat = dyn_cast<kiln::ConcatOp>(op)) {
      SmallVector<Value> kept;
      for (Value v : concat.getInputs())
        if (!isEmpty(v.getType()))
          kept.push_back(v);
      if (kept.size() == 1 && kept.front().getType() == concat.getType()) {
        concat.getResult().replaceAllUsesWith(kept.front());
        concat.erase();
      } else {
        concat->setOperands(kept);
      }
      return success();
    }
    auto resultType = op->getNumResults() == 1
                          ? dyn_cast<RankedTensorType>(op->getResult(0).getType())
                          : RankedTensorType();
    if (resultType && resultType.hasStaticShape()) {
      if (auto reduce = dyn_cast<kiln::ReduceOp>(op)) {
        if (replaceWith(op, splat(resultType, identityOf(reduce.getKind()))))
          return success();
        return op->emitError() << "a mean over no elements (an empty "
                               << reduce.getInput().getType() << ") of integers has no value";
      }
      if (isa<kiln::MatMulOp>(op) && replaceWith(op, splat(resultType, 0)))
        return success();
    }
    // Results of run-time shape (a reshape to a shape value, a split by sizes) are sized by the
    // plan at run time: left as they were.
    bool staticResults = llvm::all_of(op->getResultTypes(), [](Type t) {
      auto ranked = dyn_cast<RankedTensorType>(t);
      return ranked && ranked.hasStaticShape();
    });
    if (!staticResults)
      return success();
    Value empty = *llvm::find_if(op->getOperands(), isComputedEmpty);
    return op->emitError() << "'" << op->getName() << "' with an empty input (" << empty.getType()
                           << ", a zero-size dim) and a non-empty result is not supported";
  }
};
} // namespace
