//===- MergeKernelModules.cpp - every kernel in one gpu.module -------------===//
#include "compiler/Codegen/GPU/Passes.h"

#include "mlir/IR/SymbolTable.h"

namespace kiln {
#define GEN_PASS_DEF_MERGEKERNELMODULES
#include "compiler/Codegen/GPU/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
constexpr llvm::StringLiteral kMerged = "kiln_kernels";

struct MergeKernelModulesPass : kiln::impl::MergeKernelModulesBase<MergeKernelModulesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<gpu::GPUModuleOp> modules = llvm::to_vector(module.getOps<gpu::GPUModuleOp>());
    if (modules.empty())
      return;
    if (module.lookupSymbol(kMerged)) {
      module.emitError("kiln: symbol @") << kMerged << " already exists";
      return signalPassFailure();
    }
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    auto merged = b.create<gpu::GPUModuleOp>(module.getLoc(), kMerged);
    // (old module, old function) → new function name.
    llvm::DenseMap<std::pair<StringAttr, StringAttr>, StringAttr> renamed;
    for (gpu::GPUModuleOp old : modules) {
      for (Operation &op : llvm::make_early_inc_range(old.getBody()->without_terminator())) {
        auto fn = dyn_cast<gpu::GPUFuncOp>(op);
        if (!fn) {
          op.emitError("kiln: a kernel module holds something other than kernels");
          return signalPassFailure();
        }
        // One kernel per module (outlining): the module's name is unique.
        StringAttr name = old.getNameAttr();
        if (merged.lookupSymbol(name)) {
          fn.emitError("kiln: kernel modules with several functions cannot be merged");
          return signalPassFailure();
        }
        renamed[{old.getNameAttr(), fn.getNameAttr()}] = name;
        fn->moveBefore(merged.getBody(), merged.getBody()->getTerminator()->getIterator());
        SymbolTable::setSymbolName(fn, name);
      }
    }
    WalkResult result = module.walk([&](gpu::LaunchFuncOp launch) {
      auto it = renamed.find({launch.getKernelModuleName(), launch.getKernelName()});
      if (it == renamed.end()) {
        launch.emitError("kiln: launch of an unknown kernel");
        return WalkResult::interrupt();
      }
      launch.setKernelAttr(SymbolRefAttr::get(merged.getNameAttr(),
                                              {FlatSymbolRefAttr::get(it->second)}));
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      return signalPassFailure();
    for (gpu::GPUModuleOp old : modules)
      old.erase();
  }
};
} // namespace
