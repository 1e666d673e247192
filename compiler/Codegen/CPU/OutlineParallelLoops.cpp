//===- OutlineParallelLoops.cpp - scf.parallel → runtime thread-pool dispatch ===//
#include "compiler/Codegen/CPU/CodegenNotes.h"
#include "compiler/Codegen/CPU/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/Passes.h"
#include "mlir/Transforms/RegionUtils.h"

#include <numeric>

namespace kiln {
#define GEN_PASS_DEF_OUTLINEPARALLELLOOPS
#include "compiler/Codegen/CPU/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
/// Clones pure ops that the loop body uses from above into the body, with the pure ops they
/// use in turn, until only values that cannot move (arguments, allocations) are captured. One
/// walk of the body: rescanning it per level of the producer chain was quadratic and took
/// minutes on a large kernel (vit_b_16).
void sinkPureProducers(scf::ParallelOp loop) {
  llvm::SetVector<Value> captured;
  getUsedValuesDefinedAbove(loop.getRegion(), captured);
  auto movable = [](Operation *def) {
    return def && !def->getNumRegions() && isMemoryEffectFree(def);
  };
  OpBuilder b = OpBuilder::atBlockBegin(loop.getBody());
  IRMapping map;
  llvm::SmallPtrSet<Operation *, 16> expanded;
  // Depth first, post order on an explicit stack (chains may be long): every clone follows
  // the clones of its producers.
  SmallVector<std::pair<Operation *, bool>> stack;
  for (Value v : captured)
    if (movable(v.getDefiningOp()))
      stack.push_back({v.getDefiningOp(), false});
  while (!stack.empty()) {
    auto [op, operandsDone] = stack.pop_back_val();
    if (operandsDone) {
      b.clone(*op, map);
      continue;
    }
    if (!expanded.insert(op).second)
      continue;
    stack.push_back({op, true});
    for (Value operand : op->getOperands())
      if (Operation *producer = operand.getDefiningOp();
          movable(producer) && !expanded.contains(producer))
        stack.push_back({producer, false});
  }
  for (Value v : captured)
    if (Value copy = map.lookupOrNull(v))
      replaceAllUsesInRegionWith(v, copy, loop.getRegion());
}

/// What the body may capture: static identity memrefs (pointers), index values (the
/// kernel's dynamic dims, the dims of passDynamicBuffers) and integer or float scalars, which
/// the dispatch packs into its context. Static kernels capture no indices: their loops are outlined
/// as before dynamic shapes.
bool isPassable(Value v) {
  // Scalars: indices, and integers or floats of at most 64 bits (a run-time zero point that
  // pads an im2col: its loop ran on one thread when only indices passed).
  if (v.getType().isIndex() ||
      (v.getType().isIntOrFloat() && v.getType().getIntOrFloatBitWidth() <= 64))
    return true;
  auto type = dyn_cast<MemRefType>(v.getType());
  return type && type.hasStaticShape() && type.getLayout().isIdentity();
}

/// A buffer with dynamic dims that the body uses (a temporary between two ops of a fused
/// kernel that were tiled apart) passes as a bare pointer and its dims: the body rebuilds the
/// view. It left the loop sequential (the bare-pointer calling convention has no dynamic
/// memrefs): a GPT decoder's matmuls over a symbolic sequence ran on one thread.
void passDynamicBuffers(scf::ParallelOp loop, llvm::SetVector<Value> &captured) {
  OpBuilder outside(loop);
  OpBuilder inside = OpBuilder::atBlockBegin(loop.getBody());
  Location loc = loop.getLoc();
  for (Value v : captured) {
    auto type = dyn_cast<MemRefType>(v.getType());
    if (!type || type.hasStaticShape() || !type.getLayout().isIdentity())
      continue;
    auto pointerType = MemRefType::get({}, type.getElementType());
    Value pointer = outside.create<memref::ReinterpretCastOp>(
        loc, pointerType, v, outside.getIndexAttr(0), ArrayRef<OpFoldResult>{},
        ArrayRef<OpFoldResult>{});
    SmallVector<OpFoldResult> sizes;
    for (int64_t d = 0; d < type.getRank(); ++d)
      sizes.push_back(type.isDynamicDim(d)
                          ? OpFoldResult(outside.create<memref::DimOp>(loc, v, d).getResult())
                          : outside.getIndexAttr(type.getDimSize(d)));
    Value view = inside.create<memref::ReinterpretCastOp>(
        loc, type, pointer, inside.getIndexAttr(0), sizes,
        kiln::rowMajorStrides(inside, loc, type, sizes));
    replaceAllUsesInRegionWith(v, view, loop.getRegion());
  }
}

std::optional<int64_t> constantIndex(Value v) {
  if (auto c = v.getDefiningOp<arith::ConstantIndexOp>())
    return c.value();
  return std::nullopt;
}

/// Moves a 1-D `loop` into `<fn>.par<index>` + a dispatch call. Fails (leaving the loop
/// sequential, `why` saying why) if the lower bound or step is not constant or the body
/// captures values other than static memrefs and indices. A dynamic upper bound (a dynamic
/// batch) is fine.
LogicalResult outline(scf::ParallelOp loop, func::FuncOp fn, int index, SymbolTable &symbols,
                      std::string &why) {
  auto lb = constantIndex(loop.getLowerBound()[0]), ub = constantIndex(loop.getUpperBound()[0]),
       step = constantIndex(loop.getStep()[0]);
  if (!lb || !step || *step <= 0) {
    why = "its lower bound or step is not a constant";
    return failure();
  }
  sinkPureProducers(loop);
  llvm::SetVector<Value> captured;
  getUsedValuesDefinedAbove(loop.getRegion(), captured);
  passDynamicBuffers(loop, captured);
  captured.clear();
  getUsedValuesDefinedAbove(loop.getRegion(), captured);
  for (Value v : captured)
    if (!isPassable(v)) {
      llvm::raw_string_ostream os(why);
      os << "its body uses a value the dispatch cannot pass (" << v.getType() << ")";
      return failure();
    }

  MLIRContext *ctx = fn.getContext();
  Location loc = loop.getLoc();
  OpBuilder b(fn);
  b.setInsertionPointAfter(fn);
  std::string name = (fn.getName() + ".par" + Twine(index)).str();
  SmallVector<Type> argTypes{b.getIndexType(), b.getIndexType()};
  for (Value v : captured)
    argTypes.push_back(v.getType());
  auto body = b.create<func::FuncOp>(loc, name, b.getFunctionType(argTypes, {}));
  body.setPrivate();
  Block *entry = body.addEntryBlock();
  b.setInsertionPointToStart(entry);
  auto forOp = b.create<scf::ForOp>(loc, entry->getArgument(0), entry->getArgument(1),
                                    b.create<arith::ConstantIndexOp>(loc, 1));
  b.create<func::ReturnOp>(loc);
  b.setInsertionPointToStart(forOp.getBody());
  Value iv = b.create<arith::AddIOp>(
      loc, b.create<arith::ConstantIndexOp>(loc, *lb),
      b.create<arith::MulIOp>(loc, forOp.getInductionVar(),
                              b.create<arith::ConstantIndexOp>(loc, *step)));
  IRMapping map;
  map.map(loop.getInductionVars()[0], iv);
  for (auto [v, arg] : llvm::zip(captured, entry->getArguments().drop_front(2)))
    map.map(v, arg);
  for (Operation &op : loop.getBody()->without_terminator())
    b.clone(op, map);

  SmallVector<Type> dispatchTypes{b.getIndexType()};
  dispatchTypes.append(argTypes.begin() + 2, argTypes.end());
  b.setInsertionPointAfter(body);
  auto dispatch = b.create<func::FuncOp>(loc, name + ".dispatch",
                                         b.getFunctionType(dispatchTypes, {}));
  dispatch.setPrivate();
  symbols.insert(body);
  symbols.insert(dispatch);

  b.setInsertionPoint(loop);
  Value count;
  if (ub) {
    count = b.create<arith::ConstantIndexOp>(loc, (*ub - *lb + *step - 1) / *step);
  } else if (*lb == 0 && *step == 1) {
    count = loop.getUpperBound()[0];
  } else { // ceil((ub - lb) / step) at run time
    Value span = b.create<arith::SubIOp>(loc, loop.getUpperBound()[0],
                                         b.create<arith::ConstantIndexOp>(loc, *lb));
    count = b.create<arith::CeilDivSIOp>(loc, span,
                                         b.create<arith::ConstantIndexOp>(loc, *step));
  }
  SmallVector<Value> operands{count};
  operands.append(captured.begin(), captured.end());
  b.create<func::CallOp>(loc, dispatch, operands);
  loop.erase();
  (void)ctx;
  return success();
}

SmallVector<scf::ParallelOp> outermostLoops(func::FuncOp fn) {
  SmallVector<scf::ParallelOp> loops;
  fn.walk([&](scf::ParallelOp loop) {
    if (!loop->getParentOfType<scf::ParallelOp>())
      loops.push_back(loop);
  });
  return loops;
}

struct OutlineParallelLoopsPass
    : kiln::impl::OutlineParallelLoopsBase<OutlineParallelLoopsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::FuncOp> functions(module.getOps<func::FuncOp>());
    // Collapse every outermost loop to one dim, then fold its bounds to constants.
    IRRewriter rewriter(&getContext());
    for (func::FuncOp fn : functions)
      for (scf::ParallelOp loop : outermostLoops(fn))
        if (loop.getNumLoops() > 1) {
          std::vector<unsigned> all(loop.getNumLoops());
          std::iota(all.begin(), all.end(), 0);
          rewriter.setInsertionPoint(loop);
          collapseParallelLoops(rewriter, loop, {all});
        }
    OpPassManager fold("builtin.module");
    fold.addPass(createCanonicalizerPass());
    if (failed(runPipeline(fold, module)))
      return signalPassFailure();

    SymbolTable symbols(module);
    for (func::FuncOp fn : functions) {
      int index = 0;
      for (scf::ParallelOp loop : outermostLoops(fn)) {
        // A loop that cannot be outlined stays a correct sequential loop, reported: the
        // function is marked for the kernel's codegen notes (read after lowering).
        std::string why;
        if (succeeded(outline(loop, fn, index, symbols, why)))
          ++index;
        else
          fn->setAttr(
              kiln::kNotOutlinedAttr,
              StringAttr::get(fn.getContext(), "a parallel loop stays on one thread: " + why));
      }
    }
  }
};
} // namespace
