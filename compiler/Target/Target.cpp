//===- Target.cpp - the names of the targets ------------------------------===//
#include "compiler/Target/Target.h"

llvm::ArrayRef<llvm::StringRef> kiln::knownTargetNames() {
  static const llvm::StringRef names[] = {"cpu", "vulkan", "cuda", "accel"};
  return names;
}
