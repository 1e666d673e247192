//===- OutlineKernels.cpp - one kernel function per compute op of @main ---===//
#include "passes/Graph/Passes.h"

#include "kiln/Dialect/Graph/KilnDialect.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"

namespace kiln {
#define GEN_PASS_DEF_OUTLINEKERNELS
#include "passes/Graph/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
/// Ops the execution plan handles itself: they never become kernels.
bool isPlanOp(Operation *op) {
  return isa<kiln::ConstantOp, kiln::ReshapeOp, func::ReturnOp>(op);
}

bool isInlinableConstant(Value v, int64_t limit) {
  auto cst = v.getDefiningOp<kiln::ConstantOp>();
  return cst && cast<ShapedType>(cst.getType()).getNumElements() <= limit;
}

/// Builds `func @name(<operands>) -> <results>` holding a clone of `op`; small constant
/// operands are cloned inside. Returns the values the call must pass.
func::FuncOp outlineOp(Operation *op, StringRef name, int64_t constantLimit,
                       SmallVectorImpl<Value> &callOperands) {
  SmallVector<Type> argTypes;
  for (Value v : op->getOperands())
    if (!isInlinableConstant(v, constantLimit) && !llvm::is_contained(callOperands, v)) {
      callOperands.push_back(v);
      argTypes.push_back(v.getType());
    }
  OpBuilder b(op->getParentOfType<func::FuncOp>());
  auto fn = b.create<func::FuncOp>(op->getLoc(), name,
                                   b.getFunctionType(argTypes, op->getResultTypes()));
  fn->setAttr("kiln.kernel", b.getUnitAttr());
  fn->setAttr("kiln.op", b.getStringAttr(op->getName().getStringRef()));
  Block *body = fn.addEntryBlock();
  b.setInsertionPointToStart(body);
  IRMapping map;
  for (auto [v, arg] : llvm::zip(callOperands, body->getArguments()))
    map.map(v, arg);
  for (Value v : op->getOperands())
    if (!map.contains(v))
      map.map(v, b.clone(*v.getDefiningOp())->getResult(0));
  Operation *clone = b.clone(*op, map);
  b.create<func::ReturnOp>(op->getLoc(), clone->getResults());
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
