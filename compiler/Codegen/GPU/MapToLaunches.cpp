//===- MapToLaunches.cpp - top-level loop nests → gpu.launch, one thread each ===//
#include "compiler/Codegen/GPU/Passes.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"

namespace kiln {
#define GEN_PASS_DEF_MAPTOLAUNCHES
#include "compiler/Codegen/GPU/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
/// Vulkan guarantees 65535 workgroups per grid dimension (so does CUDA for y and z).
constexpr int64_t kMaxGridDim = 65535;

/// Ops that stay on the host: they only name memory (allocations, views) or compute what
/// views and loop bounds need. Pure producers used by a launch are also cloned into it.
bool staysOnHost(Operation *op) {
  if (isa<func::ReturnOp, memref::AllocOp, memref::DeallocOp>(op))
    return true;
  return op->getNumRegions() == 0 && isMemoryEffectFree(op);
}

/// Clones the pure producers of values the launch uses from above into it, until it captures
/// only what cannot move (function arguments, allocations).
void sinkPureProducers(gpu::LaunchOp launch) {
  bool changed = true;
  while (changed) {
    changed = false;
    llvm::SetVector<Value> captured;
    getUsedValuesDefinedAbove(launch.getBody(), captured);
    for (Value v : captured) {
      Operation *def = v.getDefiningOp();
      if (!def || isa<memref::AllocOp>(def) || def->getNumRegions() || !isMemoryEffectFree(def))
        continue;
      OpBuilder b = OpBuilder::atBlockBegin(&launch.getBody().front());
      Operation *copy = b.clone(*def);
      replaceAllUsesInRegionWith(v, copy->getResult(cast<OpResult>(v).getResultNumber()),
                                 launch.getBody());
      changed = true;
    }
  }
}

/// The static trip counts of `loop` (per dim), or failure with a diagnostic.
FailureOr<SmallVector<int64_t>> tripCounts(scf::ParallelOp loop) {
  SmallVector<int64_t> counts;
  for (auto [lb, ub, step] :
       llvm::zip(loop.getLowerBound(), loop.getUpperBound(), loop.getStep())) {
    std::optional<int64_t> l = getConstantIntValue(lb), u = getConstantIntValue(ub),
                           s = getConstantIntValue(step);
    if (!l || !u || !s || *s <= 0)
      return loop.emitError("kiln: GPU codegen needs static loop bounds (dynamic shapes are not "
                            "supported on GPU targets yet)");
    counts.push_back(*u > *l ? (*u - *l + *s - 1) / *s : 0);
  }
  return counts;
}

/// A memref.copy as a parallel loop nest of loads and stores (so that it runs as a launch).
scf::ParallelOp copyAsLoop(memref::CopyOp copy) {
  OpBuilder b(copy);
  Location loc = copy.getLoc();
  auto type = cast<MemRefType>(copy.getTarget().getType());
  SmallVector<Value> lbs, ubs, steps;
  for (int64_t d : type.getShape()) {
    lbs.push_back(b.create<arith::ConstantIndexOp>(loc, 0));
    ubs.push_back(b.create<arith::ConstantIndexOp>(loc, d));
    steps.push_back(b.create<arith::ConstantIndexOp>(loc, 1));
  }
  Value src = copy.getSource(), dst = copy.getTarget();
  return b.create<scf::ParallelOp>(
      loc, lbs, ubs, steps, [&](OpBuilder &nb, Location l, ValueRange ivs) {
        Value v = nb.create<memref::LoadOp>(l, src, ivs);
        nb.create<memref::StoreOp>(l, v, dst, ivs);
      });
}

/// Creates a launch of `total` threads before `at`; `body` builds what thread `id` (an index
/// below `total`) runs.
LogicalResult buildLaunch(Operation *at, int64_t total, int64_t workgroupSize,
                          function_ref<void(OpBuilder &, Location, Value id)> body) {
  Location loc = at->getLoc();
  OpBuilder b(at);
  int64_t threads = std::max<int64_t>(1, std::min(workgroupSize, total));
  int64_t groups = std::max<int64_t>(1, (total + threads - 1) / threads);
  int64_t gx = std::min(groups, kMaxGridDim), gy = (groups + gx - 1) / gx;
  if (gy > kMaxGridDim)
    return at->emitError("kiln: loop nest of ")
           << total << " iterations exceeds the GPU grid limit (" << kMaxGridDim << " x "
           << kMaxGridDim << " workgroups of " << threads << " threads)";
  auto cst = [&](int64_t v) { return b.create<arith::ConstantIndexOp>(loc, v); };
  Value one = cst(1);
  auto launch = b.create<gpu::LaunchOp>(loc, cst(gx), cst(gy), one, cst(threads), one, one);
  Block &block = launch.getBody().front();
  OpBuilder in = OpBuilder::atBlockBegin(&block);
  auto icst = [&](int64_t v) { return in.create<arith::ConstantIndexOp>(loc, v); };
  Value group = in.create<arith::AddIOp>(
      loc, in.create<arith::MulIOp>(loc, launch.getBlockIds().y, icst(gx)),
      launch.getBlockIds().x);
  Value id = in.create<arith::AddIOp>(loc, in.create<arith::MulIOp>(loc, group, icst(threads)),
                                      launch.getThreadIds().x);
  if (gx * gy * threads != total) {
    Value inside = in.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ult, id, icst(total));
    auto guard = in.create<scf::IfOp>(loc, inside, /*withElseRegion=*/false);
    OpBuilder then = guard.getThenBodyBuilder();
    body(then, loc, id);
  } else {
    body(in, loc, id);
  }
  in.setInsertionPointToEnd(&block);
  in.create<gpu::TerminatorOp>(loc);
  sinkPureProducers(launch);
  return success();
}

/// One thread per iteration of `loop`; the loop is erased.
LogicalResult launchParallel(scf::ParallelOp loop, int64_t workgroupSize) {
  if (loop.getNumResults() != 0)
    return loop.emitError("kiln: GPU codegen does not support scf.parallel with reductions");
  FailureOr<SmallVector<int64_t>> counts = tripCounts(loop);
  if (failed(counts))
    return failure();
  int64_t total = 1;
  for (int64_t c : *counts)
    total *= c;
  if (total == 0) {
    loop.erase();
    return success();
  }
  LogicalResult built = buildLaunch(loop, total, workgroupSize, [&](OpBuilder &b, Location loc,
                                                                    Value id) {
    IRMapping map;
    int64_t stride = 1;
    for (int64_t d = int64_t(counts->size()) - 1; d >= 0; --d) {
      Value i = stride == 1 ? id
                            : b.create<arith::DivUIOp>(
                                  loc, id, b.create<arith::ConstantIndexOp>(loc, stride));
      if (d > 0)
        i = b.create<arith::RemUIOp>(loc, i, b.create<arith::ConstantIndexOp>(loc, (*counts)[d]));
      Value iv = b.create<arith::AddIOp>(
          loc, loop.getLowerBound()[d],
          b.create<arith::MulIOp>(loc, i, loop.getStep()[d]));
      map.map(loop.getInductionVars()[d], iv);
      stride *= (*counts)[d];
    }
    for (Operation &op : loop.getBody()->without_terminator())
      b.clone(op, map);
  });
  if (failed(built))
    return failure();
  loop.erase();
  return success();
}

/// `op` (with memory effects, no results) on a single thread.
LogicalResult launchSingle(Operation *op) {
  if (op->getNumResults() != 0)
    return op->emitError("kiln: GPU codegen cannot run '")
           << op->getName() << "' on the device: its results are used on the host";
  LogicalResult built = buildLaunch(op, 1, 1, [&](OpBuilder &b, Location, Value) {
    b.clone(*op);
  });
  if (failed(built))
    return failure();
  if (isa<scf::ForOp>(op))
    op->emitWarning("kiln: a sequential loop nest runs on one GPU thread (slow)");
  op->erase();
  return success();
}

struct MapToLaunchesPass : kiln::impl::MapToLaunchesBase<MapToLaunchesPass> {
  using MapToLaunchesBase::MapToLaunchesBase;

  void runOnOperation() override {
    func::FuncOp fn = getOperation();
    if (fn.isExternal())
      return;
    if (!fn.getBody().hasOneBlock()) {
      fn.emitError("kiln: GPU codegen expects kernel functions of one block");
      return signalPassFailure();
    }
    SmallVector<Operation *> ops;
    for (Operation &op : fn.getBody().front())
      ops.push_back(&op);
    for (Operation *op : ops) {
      if (auto copy = dyn_cast<memref::CopyOp>(op)) {
        scf::ParallelOp loop = copyAsLoop(copy);
        copy.erase();
        op = loop;
      }
      LogicalResult done = success();
      if (auto loop = dyn_cast<scf::ParallelOp>(op))
        done = launchParallel(loop, workgroupSize);
      else if (!staysOnHost(op))
        done = launchSingle(op);
      if (failed(done))
        return signalPassFailure();
    }
  }
};
} // namespace
