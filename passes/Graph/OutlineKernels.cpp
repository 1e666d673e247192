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
  body.ops.push_back(op);
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
    b.clone(*inner, map);
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
    int index = 0;
    for (Operation &op : llvm::make_early_inc_range(main.getBody().front())) {
      if (isPlanOp(&op))
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
    // Constants now used only inside kernels are dead in @main.
    for (Operation &op : llvm::make_early_inc_range(llvm::reverse(main.getBody().front())))
      if (isa<kiln::ConstantOp>(op) && op.use_empty())
        op.erase();
  }
};
} // namespace
