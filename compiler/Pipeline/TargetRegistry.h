//===- TargetRegistry.h - the targets this compiler was built with --------===//
#ifndef KILN_PIPELINE_TARGETREGISTRY_H
#define KILN_PIPELINE_TARGETREGISTRY_H

#include "compiler/Target/CPU/KernelLibrary.h"
#include "compiler/Target/Target.h"

#include <memory>
#include <string>

namespace kiln {
/// The target named `name` (`--target`), or null with `error` saying why: an unknown name, or
/// a known target this build does not include (both list the targets that are built).
/// `gpuArch`: the CUDA architecture (sm_NN) of the cuda target.
std::unique_ptr<Target> createTarget(llvm::StringRef name, const CPUTargetOptions &cpu,
                                     std::string &error, llvm::StringRef gpuArch = "sm_90");

/// Names of the targets this build includes, comma-separated.
std::string builtTargetNames();
} // namespace kiln

#endif
