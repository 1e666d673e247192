//===- FuseElementwise.cpp - anchors + elementwise consumers → kiln.fused -===//
#include "passes/Fusion/Passes.h"

#include "kiln/Dialect/Graph/KilnDialect.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringExtras.h"

namespace kiln {
#define GEN_PASS_DEF_FUSEELEMENTWISE
#include "passes/Fusion/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
/// Ops whose result a group is built around: compute-heavy ops that read their inputs many
/// times, so that their consumers are worth running on each output tile while it is in cache.
/// With `int8`, kiln.matmul_int8 too (its requantization runs in the GEMM's epilogue).
bool isAnchor(Operation *op, bool int8) {
  return isa<kiln::ConvOp, kiln::MatMulOp, kiln::ReduceOp>(op) ||
         (int8 && isa<kiln::MatMulInt8Op>(op));
}

ArrayRef<int64_t> shapeOf(Value v) { return cast<ShapedType>(v.getType()).getShape(); }

/// Bool tensors stay out of groups: the CPU codegen keeps kernels that touch i1 scalar.
bool touchesBool(Operation *op) {
  auto isBool = [](Type t) { return getElementTypeOrSelf(t).isInteger(1); };
  return llvm::any_of(op->getOperandTypes(), isBool) ||
         llvm::any_of(op->getResultTypes(), isBool);
}

/// With `?` dims, reductions stay out (their fused tiling has no dynamic schedule: an
/// openWakeWord spectrogram's max + sub fell to scalar loops).
bool canStartGroup(Operation *op, bool int8) {
  if (op->getNumResults() != 1)
    return false;
  auto isDynamic = [](Type t) {
    auto shaped = dyn_cast<ShapedType>(t);
    return shaped && !shaped.hasStaticShape();
  };
  bool dynamicReduce = isa<kiln::ReduceOp>(op) && (llvm::any_of(op->getOperandTypes(), isDynamic) ||
                                                   isDynamic(op->getResult(0).getType()));
  return (isAnchor(op, int8) || kiln::isElementwise(op)) &&
         isa<RankedTensorType>(op->getResult(0).getType()) && !dynamicReduce && !touchesBool(op);
}

/// An elementwise op that may join a group producing values of `shape`: one result of that
/// very shape (it must not broadcast the group's values to a larger tensor).
bool canJoin(Operation *op, ArrayRef<int64_t> shape) {
  return kiln::isElementwise(op) && op->getNumResults() == 1 &&
         shapeOf(op->getResult(0)) == shape && !touchesBool(op);
}

/// Grows the group that starts at `start`: every elementwise op reachable through uses that
/// may join, then the longest prefix (in block order) in which only the last op has uses
/// outside the group, then a constant pad that is the only user of that last op. Ops in
/// `taken` belong to other groups.
SmallVector<Operation *> growGroup(Operation *start, const kiln::FusionControlFn &control,
                                   const llvm::DenseSet<Operation *> &taken) {
  ArrayRef<int64_t> shape = shapeOf(start->getResult(0));
  Block *block = start->getBlock();
  llvm::SetVector<Operation *> reached;
  reached.insert(start);
  for (size_t i = 0; i < reached.size(); ++i)
    for (Operation *user : reached[i]->getUsers())
      if (user->getBlock() == block && !taken.contains(user) && canJoin(user, shape) &&
          control(start, user))
        reached.insert(user);
  SmallVector<Operation *> members = reached.takeVector();
  llvm::sort(members, [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });

  size_t best = 1;
  llvm::DenseSet<Operation *> prefix;
  for (size_t k = 0; k < members.size(); ++k) {
    prefix.insert(members[k]);
    bool valid = llvm::all_of(ArrayRef(members).take_front(k), [&](Operation *m) {
      return llvm::all_of(m->getUsers(), [&](Operation *u) { return prefix.contains(u); });
    });
    if (valid)
      best = k + 1;
  }
  members.resize(best);

  // A constant pad of the group's value (the input of the next convolution) is written by the
  // group itself: border fills plus the group's result in the interior of the padded buffer,
  // instead of a kernel of its own that copies the value once more.
  Operation *last = members.back();
  if (last->hasOneUse())
    if (auto pad = dyn_cast<kiln::PadOp>(*last->getUsers().begin()))
      if (pad.getMode() == kiln::PadMode::constant && !taken.contains(pad) &&
          llvm::all_of(pad.getPads(), [](int64_t p) { return p >= 0; }) && control(start, pad))
        members.push_back(pad);
  return members;
}

/// Elementwise producers that only the group uses join it, computed in the anchor's loops
/// instead of each written whole by a kernel of its own for one reader: the producers of a
/// reduction's input (the cast that widens an int8 GEMM's 8-bit patch matrix for its row sums,
/// 4x the bytes), and for an int8 GEMM those of its epilogue (the row sums times the weights'
/// column shifts, added to the sums). Members stay in block order; the last is still the
/// group's result, since a producer's users are all in the group.
void addProducers(SmallVector<Operation *> &members, Operation *start,
                  const kiln::FusionControlFn &control, const llvm::DenseSet<Operation *> &taken) {
  bool reduce = isa<kiln::ReduceOp>(start);
  if (!reduce && !isa<kiln::MatMulInt8Op>(start))
    return;
  // A reduction's producers have its input's shape; an epilogue's, the group's.
  ArrayRef<int64_t> shape = shapeOf((reduce ? start->getOperand(0) : start->getResult(0)));
  llvm::SetVector<Operation *> group(members.begin(), members.end());
  SmallVector<Operation *> from =
      reduce ? SmallVector<Operation *>{start}
             : SmallVector<Operation *>(members.begin() + 1, members.end());
  Block *block = start->getBlock();
  while (!from.empty()) {
    Operation *member = from.pop_back_val();
    for (Value operand : member->getOperands()) {
      Operation *p = operand.getDefiningOp();
      if (!p || p->getBlock() != block || taken.contains(p) || group.contains(p) ||
          !canJoin(p, shape) || !control(start, p) ||
          !llvm::all_of(p->getUsers(), [&](Operation *u) { return group.contains(u); }))
        continue;
      group.insert(p);
      from.push_back(p);
    }
  }
  if (group.size() == members.size())
    return;
  members.assign(group.begin(), group.end());
  llvm::sort(members, [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });
}

std::string kindOf(ArrayRef<Operation *> members) {
  return llvm::join(llvm::map_range(members,
                                    [](Operation *op) {
                                      return op->getName().stripDialect().str();
                                    }),
                    "+");
}

/// Moves `members` (in block order) into a kiln.fused placed where the last one was.
void makeFused(ArrayRef<Operation *> members) {
  Operation *last = members.back();
  OpBuilder b(last);
  auto fused = b.create<kiln::FusedOp>(last->getLoc(), last->getResultTypes(),
                                       b.getStringAttr(kindOf(members)));
  Block *body = b.createBlock(&fused.getBody());
  b.setInsertionPointToEnd(body);
  auto yield = b.create<kiln::YieldOp>(last->getLoc(), last->getResults());
  for (Operation *m : members)
    m->moveBefore(yield);
  last->getResult(0).replaceUsesWithIf(fused.getResult(0), [&](OpOperand &use) {
    return use.getOwner() != yield.getOperation();
  });
}

bool acceptAll(Operation *, Operation *) { return true; }

struct FuseElementwisePass : kiln::impl::FuseElementwiseBase<FuseElementwisePass> {
  using FuseElementwiseBase::FuseElementwiseBase;
  FuseElementwisePass(kiln::FusionControlFn control, const kiln::FuseElementwiseOptions &options)
      : FuseElementwiseBase(options), control(std::move(control)) {}

  void runOnOperation() override {
    for (Block &block : getOperation().getBody()) {
      llvm::DenseSet<Operation *> taken;
      SmallVector<SmallVector<Operation *>> groups;
      auto startAt = [&](Operation &op) {
        if (taken.contains(&op) || !canStartGroup(&op, int8Epilogues))
          return;
        SmallVector<Operation *> group = growGroup(&op, control, taken);
        if (producers)
          addProducers(group, &op, control, taken);
        if (group.size() < 2)
          return;
        taken.insert(group.begin(), group.end());
        groups.push_back(std::move(group));
      };
      // int8 GEMMs first: a residual Add after a quantized conv belongs in its epilogue (the
      // other branch's dequantization joining as a producer), not in a group started earlier
      // in block order at that dequantization, which left the conv writing its dequantized
      // f32 result for a kernel of its own to add and requantize.
      if (int8Epilogues)
        for (Operation &op : block)
          if (isa<kiln::MatMulInt8Op>(op))
            startAt(op);
      for (Operation &op : block)
        startAt(op);
      for (ArrayRef<Operation *> group : groups)
        makeFused(group);
    }
  }

  kiln::FusionControlFn control = acceptAll;
};
} // namespace

std::unique_ptr<Pass> kiln::createFuseElementwise(FusionControlFn control,
                                                 const FuseElementwiseOptions &options) {
  return std::make_unique<FuseElementwisePass>(std::move(control), options);
}
