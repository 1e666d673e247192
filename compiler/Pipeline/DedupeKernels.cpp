//===- DedupeKernels.cpp - identical kernels compiled once ----------------===//
#include "compiler/Pipeline/DedupeKernels.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/OperationSupport.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace kiln {
namespace {
/// The text of `fn` as if it were named `@k` (large constants printed whole: a kernel's
/// constants are small, weights are arguments).
std::string bodyText(func::FuncOp fn) {
  if (!fn)
    return "";
  std::string text;
  llvm::raw_string_ostream os(text);
  StringAttr name = fn.getSymNameAttr();
  fn.setSymNameAttr(StringAttr::get(fn.getContext(), "k"));
  fn->print(os, OpPrintingFlags().printGenericOpForm().enableDebugInfo(false).useLocalScope());
  fn.setSymNameAttr(name);
  return os.str();
}
} // namespace

int64_t dedupeKernels(ModuleOp module, ExecutionPlan &plan) {
  llvm::StringMap<std::string> canonical; // kernel name → the name of its first copy
  llvm::StringMap<std::string> byText;    // text of kernel + shape function → kernel name
  int64_t erased = 0;
  // Names some op refers to (a call; none today), collected in one walk: asking per kernel
  // walked the whole module each time (ISNet: 22 s for 433 kernels).
  llvm::StringSet<> referenced;
  if (auto uses = SymbolTable::getSymbolUses(module.getOperation()))
    for (const SymbolTable::SymbolUse &use : *uses)
      referenced.insert(use.getSymbolRef().getRootReference().getValue());
  SymbolTable symbols(module);
  for (PlanStep &step : plan.steps) {
    if (canonical.count(step.kernel)) {
      step.kernel = canonical[step.kernel];
      if (!step.shapeFunction.empty())
        step.shapeFunction = step.kernel + "_shape";
      continue;
    }
    auto kernel = symbols.lookup<func::FuncOp>(step.kernel);
    auto shape = symbols.lookup<func::FuncOp>(step.kernel + "_shape");
    // A function another one calls (none today) keeps its name.
    if (!kernel || referenced.contains(step.kernel))
      continue;
    std::string key = bodyText(kernel) + "\n//shape\n" + bodyText(shape);
    auto [it, inserted] = byText.try_emplace(key, step.kernel);
    canonical[step.kernel] = it->second;
    if (inserted)
      continue;
    symbols.erase(kernel);
    if (shape)
      symbols.erase(shape);
    ++erased;
    step.kernel = it->second;
    if (!step.shapeFunction.empty())
      step.shapeFunction = step.kernel + "_shape";
  }
  return erased;
}
} // namespace kiln
