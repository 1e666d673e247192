// parallel_codegen_test.cpp - contexts that several codegen threads may share
// (prepareParallelCodegen, ParallelBuild.h): the CPU pipeline's passes must not make
// PassManager::run write to the context's dialect registry, which it does whenever their
// dependent registry carries an extension (a race that crashed ~MLIRContext in the Python
// test process when two partitions of one compile appended to it at once).
#include "compiler/Pipeline/Registration.h"
#include "compiler/Target/CPU/ParallelBuild.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include <gtest/gtest.h>

namespace {
mlir::DialectRegistry kilnRegistry() {
  static bool passes = (kiln::registerKilnPasses(), true);
  (void)passes;
  mlir::DialectRegistry registry;
  kiln::registerKilnDialects(registry);
  return registry;
}

TEST(ParallelCodegen, PipelineLeavesTheContextRegistryAlone) {
  mlir::MLIRContext ctx(kilnRegistry());
  EXPECT_TRUE(kiln::prepareParallelCodegen(&ctx));
  // Preparing twice changes nothing (a second compile in the same context).
  EXPECT_TRUE(kiln::prepareParallelCodegen(&ctx));
}

TEST(ParallelCodegen, OneThreadWhenUniquersDoNotLock) {
  mlir::MLIRContext ctx(kilnRegistry(), mlir::MLIRContext::Threading::DISABLED);
  EXPECT_FALSE(kiln::prepareParallelCodegen(&ctx));
}

TEST(ParallelCodegen, KilnRegistryGivesCallIntrinsicItsEffects) {
  mlir::MLIRContext ctx(kilnRegistry());
  ctx.getOrLoadDialect<mlir::LLVM::LLVMDialect>();
  std::optional<mlir::RegisteredOperationName> name = mlir::RegisteredOperationName::lookup(
      mlir::LLVM::CallIntrinsicOp::getOperationName(), &ctx);
  ASSERT_TRUE(name);
  EXPECT_TRUE(name->hasInterface<mlir::MemoryEffectOpInterface>());
}
} // namespace
