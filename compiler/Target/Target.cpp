//===- Target.cpp - the names of the targets ------------------------------===//
#include "compiler/Target/Target.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/PassManager.h"

llvm::ArrayRef<llvm::StringRef> kiln::knownTargetNames() {
  static const llvm::StringRef names[] = {"cpu", "vulkan", "cuda", "accel"};
  return names;
}

mlir::FailureOr<bool>
kiln::lowerPlanKernels(KernelEmission &e, llvm::StringRef target, llvm::StringRef phase,
                       llvm::function_ref<void(mlir::OpPassManager &)> build) {
  for (auto fn : e.module.getOps<mlir::func::FuncOp>())
    if (!llvm::is_contained(e.kernels, fn.getName()))
      return fn.emitError("kiln: the ")
             << target << " target supports static shapes only (function '" << fn.getName()
             << "' is no plan kernel)";
  mlir::PassManager pm(e.module.getContext());
  build(pm);
  if (mlir::failed(pm.run(e.module)))
    return mlir::failure();
  if (!e.phaseWanted(phase))
    return false;
  return e.phaseDone(phase);
}
