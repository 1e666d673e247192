//===- TargetRegistry.cpp - the targets this compiler was built with ------===//
#include "compiler/Pipeline/TargetRegistry.h"
#include "compiler/Target/CPU/CPUCodegenTarget.h"
#include "compiler/Target/Vulkan/VulkanTarget.h"

namespace kiln {
namespace {
using TargetFactory = std::unique_ptr<Target> (*)(const CPUTargetOptions &);

struct BuiltTarget {
  const char *name;
  TargetFactory create;
};

constexpr BuiltTarget kBuilt[] = {
    {"cpu", [](const CPUTargetOptions &cpu) { return createCPUTarget(cpu); }},
    {"vulkan", [](const CPUTargetOptions &) { return createVulkanTarget(); }},
};
} // namespace

std::string builtTargetNames() {
  std::string names;
  for (const BuiltTarget &t : kBuilt)
    names += (names.empty() ? "" : ", ") + std::string(t.name);
  return names;
}

std::unique_ptr<Target> createTarget(llvm::StringRef name, const CPUTargetOptions &cpu,
                                     std::string &error) {
  for (const BuiltTarget &t : kBuilt)
    if (name == t.name)
      return t.create(cpu);
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
