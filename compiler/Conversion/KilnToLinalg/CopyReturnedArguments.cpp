//===- CopyReturnedArguments.cpp - kernels never return an argument itself -===//
//
// Folding can leave a kernel that is the identity on one of its arguments (Clip(x, max=x);
// a concat whose other inputs were empty). buffer-results-to-out-params, which turns returned
// buffers into the caller's out-parameters, expects each to be allocated in the function and
// crashed (a null defining op) on an argument. The kernel returns a copy instead.
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/KilnToLinalg/KilnToLinalg.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace kiln {
#define GEN_PASS_DEF_COPYRETURNEDARGUMENTS
#include "compiler/Conversion/KilnToLinalg/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
struct CopyReturnedArgumentsPass
    : kiln::impl::CopyReturnedArgumentsBase<CopyReturnedArgumentsPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    func.walk([](func::ReturnOp ret) {
      OpBuilder b(ret);
      for (OpOperand &operand : ret->getOpOperands()) {
        auto arg = dyn_cast<BlockArgument>(operand.get());
        auto type = arg ? dyn_cast<RankedTensorType>(arg.getType()) : RankedTensorType();
        if (!type)
          continue;
        Location loc = ret.getLoc();
        SmallVector<Value> dynamicSizes;
        for (int64_t d = 0; d < type.getRank(); ++d)
          if (type.isDynamicDim(d))
            dynamicSizes.push_back(b.create<tensor::DimOp>(loc, arg, d));
        Value init = b.create<tensor::EmptyOp>(loc, type, dynamicSizes);
        operand.set(b.create<linalg::CopyOp>(loc, arg, init).getResult(0));
      }
    });
  }
};
} // namespace
