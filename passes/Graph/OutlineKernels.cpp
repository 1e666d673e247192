//===- OutlineKernels.cpp - one kernel function per compute op of @main ---===//
#include "passes/Graph/Passes.h"

#include "kiln/Dialect/Graph/KilnDialect.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "mlir/IR/SymbolTable.h"

namespace kiln {
#define GEN_PASS_DEF_OUTLINEKERNELS
#include "passes/Graph/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
/// Ops the execution plan handles itself: they never become kernels.
bool isPlanOp(Operation *op) {
  return isa<kiln::ConstantOp, kiln::ReshapeOp, kiln::ReshapeToOp, func::ReturnOp>(op);
}

bool isInlinableConstant(Value v, int64_t limit) {
  auto cst = v.getDefiningOp<kiln::ConstantOp>();
  return cst && cast<ShapedType>(cst.getType()).getNumElements() <= limit;
}

/// Marks a clone of a cheap producer of a shape value that the consumer's kernel computes.
constexpr llvm::StringLiteral kInlineProducer = "kiln.inline_producer";
/// The most elements a cloned producer computes.
constexpr int64_t kProducerElementLimit = 64;

/// The operands of `op` whose values size its result (shape values), or none.
SmallVector<unsigned> shapeValueOperands(Operation *op) {
  if (isa<kiln::RangeOp, kiln::ConstantOfShapeOp>(op))
    return llvm::to_vector(llvm::seq<unsigned>(0, op->getNumOperands()));
  if (isa<kiln::ChooseOp, kiln::NonMaxSuppressionOp>(op))
    return {isa<kiln::ChooseOp>(op) ? 0u : 2u};
  if (isa<kiln::ExpandToOp, kiln::SliceByOp, kiln::TileByOp, kiln::PadByOp, kiln::ResizeOp,
          kiln::ReduceByOp, kiln::SplitByOp, kiln::TopKOp, kiln::CompressOp>(op))
    return llvm::to_vector(llvm::seq<unsigned>(1, op->getNumOperands()));
  return {};
}

/// Ops that may compute a shape value inside its consumer's kernel: small elementwise ops and
/// the shape arithmetic of exported graphs (Shape, Gather, Slice, Concat, Reshape of shapes).
bool isCheapShapeOp(Operation *def) {
  return kiln::isElementwise(def) ||
         isa<kiln::ShapeOp, kiln::GatherOp, kiln::SliceOp, kiln::ConcatOp, kiln::ReshapeOp>(def);
}

/// Appends to `chain` (producers first) the ops computing `v` from graph inputs, constants
/// and the dims of any tensor (kiln.shape) when they are all small cheap ops (isCheapShapeOp);
/// false when some other op computes it.
bool cheapProducers(Value v, SmallVectorImpl<Operation *> &chain) {
  Operation *def = v.getDefiningOp();
  if (!def || isa<kiln::ConstantOp>(def) || llvm::is_contained(chain, def))
    return true;
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!isCheapShapeOp(def) || def->getNumResults() != 1 || !type ||
      !type.hasStaticShape() || type.getNumElements() > kProducerElementLimit)
    return false;
  // kiln.shape reads only the dims of its operand: the chain ends there.
  if (!isa<kiln::ShapeOp>(def))
    for (Value operand : def->getOperands())
      if (!cheapProducers(operand, chain))
        return false;
  chain.push_back(def);
  return true;
}

/// A shape value computed by small elementwise ops (e.g. a Range limit cast from an int input)
/// gets its own copy of them, marked kInlineProducer, that the consumer's kernel computes: its
/// shape function then reads the graph inputs the chain starts from. The originals stay for
/// their other users (or die).
void cloneShapeValueProducers(func::FuncOp main) {
  for (Operation &op : llvm::make_early_inc_range(main.getBody().front())) {
    for (unsigned i : shapeValueOperands(&op)) {
      SmallVector<Operation *> chain;
      Value v = op.getOperand(i);
      if (!v.getDefiningOp() || isa<kiln::ConstantOp>(v.getDefiningOp()) ||
          !cheapProducers(v, chain))
        continue;
      OpBuilder b(&op);
      IRMapping map;
      for (Operation *producer : chain)
        b.clone(*producer, map)->setAttr(kInlineProducer, b.getUnitAttr());
      op.setOperand(i, map.lookup(v));
      for (Operation *producer : llvm::reverse(chain))
        if (producer->use_empty())
          producer->erase();
    }
  }
}

/// The ops a kernel runs and the values it returns: one op, or the body of a kiln.fused.
struct KernelBody {
  SmallVector<Operation *> ops;
  SmallVector<Value> results;
  std::string opName;
};

KernelBody kernelBody(Operation *op) {
  KernelBody body;
  if (auto fused = dyn_cast<kiln::FusedOp>(op)) {
    Block &block = fused.getBody().front();
    for (Operation &inner : block.without_terminator())
      body.ops.push_back(&inner);
    llvm::append_range(body.results, block.getTerminator()->getOperands());
    body.opName = ("kiln.fused(" + fused.getKind() + ")").str();
    return body;
  }
  // Inlined producers of its shape values first (in order), then the op.
  SmallVector<Operation *> producers{op};
  for (size_t i = 0; i < producers.size(); ++i)
    for (Value v : producers[i]->getOperands())
      if (Operation *def = v.getDefiningOp();
          def && def->hasAttr(kInlineProducer) && !llvm::is_contained(producers, def))
        producers.push_back(def);
  llvm::sort(producers, [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });
  body.ops.append(producers.begin(), producers.end());
  llvm::append_range(body.results, op->getResults());
  body.opName = op->getName().getStringRef().str();
  return body;
}

/// Builds `func @name(<operands>) -> <results>` holding a clone of `op` (or of the body of a
/// kiln.fused); small constant operands are cloned inside. Returns the values the call must
/// pass.
func::FuncOp outlineOp(Operation *op, StringRef name, int64_t constantLimit,
                       SmallVectorImpl<Value> &callOperands) {
  KernelBody body = kernelBody(op);
  llvm::SmallPtrSet<Operation *, 8> inside(body.ops.begin(), body.ops.end());
  SmallVector<Value> constants;
  SmallVector<Type> argTypes;
  for (Operation *inner : body.ops)
    for (Value v : inner->getOperands()) {
      if (inside.contains(v.getDefiningOp()))
        continue;
      if (isInlinableConstant(v, constantLimit)) {
        if (!llvm::is_contained(constants, v))
          constants.push_back(v);
      } else if (!llvm::is_contained(callOperands, v)) {
        callOperands.push_back(v);
        argTypes.push_back(v.getType());
      }
    }
  OpBuilder b(op->getParentOfType<func::FuncOp>());
  auto fn = b.create<func::FuncOp>(op->getLoc(), name,
                                   b.getFunctionType(argTypes, op->getResultTypes()));
  fn->setAttr("kiln.kernel", b.getUnitAttr());
  fn->setAttr("kiln.op", b.getStringAttr(body.opName));
  Block *entry = fn.addEntryBlock();
  b.setInsertionPointToStart(entry);
  IRMapping map;
  for (auto [v, arg] : llvm::zip(callOperands, entry->getArguments()))
    map.map(v, arg);
  for (Value v : constants)
    map.map(v, b.clone(*v.getDefiningOp())->getResult(0));
  for (Operation *inner : body.ops)
    b.clone(*inner, map)->removeAttr(kInlineProducer);
  b.create<func::ReturnOp>(op->getLoc(),
                           llvm::map_to_vector(body.results, [&](Value v) {
                             return map.lookup(v);
                           }));
  return fn;
}

struct OutlineKernelsPass : kiln::impl::OutlineKernelsBase<OutlineKernelsPass> {
  using OutlineKernelsBase::OutlineKernelsBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto main = module.lookupSymbol<func::FuncOp>("main");
    if (!main) {
      module.emitError("kiln-outline-kernels: the module has no @main function");
      return signalPassFailure();
    }
    SymbolTable symbols(module);
    cloneShapeValueProducers(main);
    int index = 0;
    for (Operation &op : llvm::make_early_inc_range(main.getBody().front())) {
      if (isPlanOp(&op) || op.hasAttr(kInlineProducer))
        continue;
      SmallVector<Value> operands;
      func::FuncOp fn = outlineOp(&op, "kiln_k" + std::to_string(index++), inlineConstantLimit,
                                  operands);
      symbols.insert(fn);
      OpBuilder b(&op);
      auto call = b.create<func::CallOp>(op.getLoc(), fn, operands);
      op.replaceAllUsesWith(call.getResults());
      op.erase();
    }
    // The inlined producers' copies in @main are dead now that their consumers are calls.
    for (Operation &op : llvm::make_early_inc_range(llvm::reverse(main.getBody().front())))
      if (op.hasAttr(kInlineProducer) && op.use_empty())
        op.erase();
    // Constants now used only inside kernels are dead in @main.
    for (Operation &op : llvm::make_early_inc_range(llvm::reverse(main.getBody().front())))
      if (isa<kiln::ConstantOp>(op) && op.use_empty())
        op.erase();
  }
};
} // namespace
