//===- TargetRegistry.cpp - the targets this compiler was built with ------===//
#include "compiler/Pipeline/TargetRegistry.h"
#include "compiler/Target/CPU/CPUCodegenTarget.h"
#include "compiler/Target/CUDA/CUDATarget.h"
#include "compiler/Target/Vulkan/VulkanTarget.h"

namespace kiln {
namespace {
using TargetFactory = std::unique_ptr<Target> (*)(const CPUTargetOptions &, llvm::StringRef);

struct BuiltTarget {
  const char *name;
  TargetFactory create;
};

constexpr BuiltTarget kBuilt[] = {
    {"cpu", [](const CPUTargetOptions &cpu, llvm::StringRef) { return createCPUTarget(cpu); }},
    {"vulkan", [](const CPUTargetOptions &, llvm::StringRef) { return createVulkanTarget(); }},
    {"cuda",
     [](const CPUTargetOptions &, llvm::StringRef arch) { return createCUDATarget(arch); }},
};
} // namespace

std::string builtTargetNames() {
  std::string names;
  for (const BuiltTarget &t : kBuilt)
    names += (names.empty() ? "" : ", ") + std::string(t.name);
  return names;
}

std::unique_ptr<Target> createTarget(llvm::StringRef name, const CPUTargetOptions &cpu,
                                     std::string &error, llvm::StringRef gpuArch) {
  for (const BuiltTarget &t : kBuilt)
    if (name == t.name)
      return t.create(cpu, gpuArch);
  if (llvm::is_contained(knownTargetNames(), name))
    error = ("target '" + name + "' is not built into this compiler (this build supports: " +
             builtTargetNames() + ")")
                .str();
  else
    error = ("unsupported target '" + name + "' (this build supports: " + builtTargetNames() +
             ")")
                .str();
  return nullptr;
}
} // namespace kiln
