//===- SplatConstantsToFills.cpp - splat tensor constants → linalg.fill ----===//
#include "compiler/Codegen/GPU/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace kiln {
#define GEN_PASS_DEF_SPLATCONSTANTSTOFILLS
#include "compiler/Codegen/GPU/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
struct SplatConstantsToFillsPass
    : kiln::impl::SplatConstantsToFillsBase<SplatConstantsToFillsPass> {
  void runOnOperation() override {
    SmallVector<arith::ConstantOp> constants;
    getOperation().walk([&](arith::ConstantOp op) {
      if (isa<RankedTensorType>(op.getType()))
        constants.push_back(op);
    });
    for (arith::ConstantOp op : constants) {
      auto type = cast<RankedTensorType>(op.getType());
      auto dense = dyn_cast<DenseElementsAttr>(op.getValue());
      if (!dense || !dense.isSplat() || !type.hasStaticShape()) {
        op.emitError("kiln: a GPU kernel cannot hold a constant tensor of ")
            << type.getNumElements() << " distinct values (" << type << ")";
        return signalPassFailure();
      }
      OpBuilder b(op);
      Location loc = op.getLoc();
      Value scalar = b.create<arith::ConstantOp>(loc, dense.getSplatValue<TypedAttr>());
      Value empty = b.create<tensor::EmptyOp>(loc, type.getShape(), type.getElementType());
      Value fill = b.create<linalg::FillOp>(loc, scalar, empty).getResult(0);
      op.replaceAllUsesWith(fill);
      op.erase();
    }
  }
};
} // namespace
