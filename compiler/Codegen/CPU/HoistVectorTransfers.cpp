//===- HoistVectorTransfers.cpp - keep accumulators in registers ----------===//
#include "compiler/Codegen/CPU/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/Transforms/Hoisting.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/Transforms/VectorTransforms.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

namespace kiln {
#define GEN_PASS_DEF_HOISTVECTORTRANSFERS
#include "compiler/Codegen/CPU/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
/// The buffer a memref view reads: through view-like ops (reinterpret_cast, expand_shape,
/// subview, ...) to a kernel argument or a local allocation; null for anything else.
Value bufferRoot(Value memref) {
  while (auto view = memref.getDefiningOp<ViewLikeOpInterface>())
    memref = view.getViewSource();
  if (auto arg = dyn_cast<BlockArgument>(memref))
    return isa<func::FuncOp>(arg.getOwner()->getParentOp()) ? memref : Value();
  if (memref.getDefiningOp<memref::AllocOp>() || memref.getDefiningOp<memref::AllocaOp>())
    return memref;
  return Value();
}

/// Whether nothing in `loop` but `read` and `write` touches the buffer under `root`: every
/// other memory access names a value rooted in another buffer. A kernel's arguments never
/// share bytes (the memory plan gives values alive at the same step disjoint bytes; a view
/// is a step of its own, not a kernel argument), and allocations are fresh.
bool onlyPairTouches(scf::ForOp loop, Value root, Operation *read, Operation *write) {
  WalkResult result = loop.getBody()->walk([&](Operation *op) {
    if (op == read || op == write || op->hasTrait<OpTrait::HasRecursiveMemoryEffects>())
      return WalkResult::advance();
    // Another transfer on the same view that provably misses the slot (a register tile
    // split in several vectors).
    auto transfer = dyn_cast<VectorTransferOpInterface>(op);
    if (transfer && transfer.getSource() == read->getOperand(0) &&
        vector::isDisjointTransferSet(transfer, cast<VectorTransferOpInterface>(read), true))
      return WalkResult::advance();
    auto iface = dyn_cast<MemoryEffectOpInterface>(op);
    if (!iface)
      return isMemoryEffectFree(op) ? WalkResult::advance() : WalkResult::interrupt();
    SmallVector<MemoryEffects::EffectInstance> effects;
    iface.getEffects(effects);
    for (auto &effect : effects) {
      if (isa<MemoryEffects::Allocate, MemoryEffects::Free>(effect.getEffect()))
        continue;
      Value value = effect.getValue();
      Value other = value && isa<MemRefType>(value.getType()) ? bufferRoot(value) : Value();
      if (!other || other == root)
        return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return !result.wasInterrupted();
}

/// A transfer_write in `loop`'s body that stores back what `read` loaded: same memref, same
/// indices, same vector type and map, after it; or null.
vector::TransferWriteOp matchingWrite(scf::ForOp loop, vector::TransferReadOp read) {
  for (Operation *user : read.getSource().getUsers()) {
    auto write = dyn_cast<vector::TransferWriteOp>(user);
    if (write && write->getBlock() == loop.getBody() && read->isBeforeInBlock(write) &&
        write.getIndices() == read.getIndices() && write.getVectorType() == read.getVectorType() &&
        write.getPermutationMap() == read.getPermutationMap() && !write.getMask() &&
        write.getInBoundsValues() == read.getInBoundsValues())
      return write;
  }
  return {};
}

/// Moves one read/write pair of a loop-invariant slot whose memref is a view out of `loop`
/// (the upstream hoisting leaves any view alone: every dynamic-shape kernel, whose arguments
/// are reinterpreted base pointers, kept its accumulators in memory, a load and a store
/// around every FMA). Returns the loop that replaces `loop`, or null when none moved.
scf::ForOp hoistOnePair(RewriterBase &rewriter, scf::ForOp loop) {
  for (Operation &op : *loop.getBody()) {
    auto read = dyn_cast<vector::TransferReadOp>(&op);
    if (!read || read.getMask() || !isa<MemRefType>(read.getSource().getType()) ||
        !read.getSource().getDefiningOp<ViewLikeOpInterface>() ||
        !loop.isDefinedOutsideOfLoop(read.getSource()) || !loop.isDefinedOutsideOfLoop(read.getPadding()) ||
        !llvm::all_of(read.getIndices(), [&](Value v) { return loop.isDefinedOutsideOfLoop(v); }))
      continue;
    vector::TransferWriteOp write = matchingWrite(loop, read);
    Value root = bufferRoot(read.getSource());
    if (!write || !root || !onlyPairTouches(loop, root, read, write))
      continue;
    read->moveBefore(loop);
    write->moveAfter(loop);
    auto yield = [&](OpBuilder &, Location, ArrayRef<BlockArgument>) {
      return SmallVector<Value>{write.getVector()};
    };
    FailureOr<LoopLikeOpInterface> hoisted = cast<LoopLikeOpInterface>(loop.getOperation())
        .replaceWithAdditionalYields(rewriter, read.getVector(), /*replaceInitOperandUsesInLoop=*/true, yield);
    if (failed(hoisted))
      return {};
    write.getVectorMutable().assign(hoisted->getOperation()->getResults().back());
    return cast<scf::ForOp>(hoisted->getOperation());
  }
  return {};
}

/// hoistOnePair over every loop, innermost first, until nothing moves.
void hoistViewTransfers(func::FuncOp func) {
  IRRewriter rewriter(func.getContext());
  SmallVector<scf::ForOp> loops;
  func.walk([&](scf::ForOp loop) { loops.push_back(loop); }); // post-order: inner first
  for (scf::ForOp loop : loops)
    while (scf::ForOp next = hoistOnePair(rewriter, loop))
      loop = next;
}

struct HoistVectorTransfersPass
    : kiln::impl::HoistVectorTransfersBase<HoistVectorTransfersPass> {
  void runOnOperation() override {
    // The VNNI GEMM keeps its sums in registers itself (loop-carried vectors): nothing here
    // applies to it, and the store-to-load forwarding below is quadratic in its hundreds of
    // transfers (mobilenet_v2's int8 kernels spent half of their compile time here).
    bool vnni = getOperation()
                    .walk([](LLVM::CallIntrinsicOp call) {
                      return call.getIntrin() == "llvm.x86.avx512.vpdpbusd.512"
                                 ? WalkResult::interrupt()
                                 : WalkResult::advance();
                    })
                    .wasInterrupted();
    if (vnni)
      return;
    // Upstream hoisting needs transfers on the base memref with CSE'd indices.
    OpPassManager prep("func.func");
    prep.addPass(memref::createFoldMemRefAliasOpsPass());
    prep.addPass(createCSEPass());
    prep.addPass(createCanonicalizerPass());
    if (failed(runPipeline(prep, getOperation())))
      return signalPassFailure();
    linalg::hoistRedundantVectorTransfers(getOperation());
    hoistViewTransfers(getOperation());
    // A register tile's zero fill, accumulator and epilogue: forward each write to the read
    // of the same vector and drop writes that are overwritten before being read.
    IRRewriter rewriter(&getContext());
    vector::transferOpflowOpt(rewriter, getOperation());
  }
};
} // namespace
