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
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

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

void kiln::buildKernelBufferizationPipeline(OpPassManager &pm) {
  // After the last canonicalization on tensors: a kernel folded to the identity of an argument.
  pm.nest<func::FuncOp>().addPass(createCopyReturnedArguments());
  // Kept as text so that the exact pipeline is printable and mirrors what kiln-opt runs.
  constexpr const char *kBufferize =
      // A padded result's interior is an insert_slice of the producer's value: give the
      // producer the interior of the result as its destination instead of a buffer of its own.
      "eliminate-empty-tensors,"
      "one-shot-bufferize{bufferize-function-boundaries=1 "
      "function-boundary-type-conversion=identity-layout-map},"
      // Canonicalize first: the returned value must be the alloc itself for it to be hoisted
      // into the caller's out-parameter, and CSE exposes self-copies that canonicalize drops.
      "canonicalize,cse,canonicalize,"
      "buffer-results-to-out-params{hoist-static-allocs=1},"
      "canonicalize,cse";
  // The string is fixed and tested; a parse error is a programming error.
  if (failed(parsePassPipeline(kBufferize, pm)))
    llvm::report_fatal_error(llvm::Twine("kiln: invalid built-in pipeline: ") + kBufferize);
  // Bufferization's constant globals in an order that does not depend on addresses.
  pm.addPass(createOrderConstantGlobals());
}
