//===- WorkloadTest.h - a gtest fixture that builds workloads from specs --===//
#ifndef KILN_AUTOTUNE_TEST_WORKLOADTEST_H
#define KILN_AUTOTUNE_TEST_WORKLOADTEST_H

#include "autotune/workload/Workload.h"
#include "compiler/Pipeline/Registration.h"

#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace kiln::tune::test {
/// An MLIR context with every Kiln dialect and pass (the codegen pipeline is partly textual),
/// and the modules of the workloads built so far.
struct WorkloadTest : ::testing::Test {
  void SetUp() override {
    static std::once_flag once;
    std::call_once(once, [] { kiln::registerKilnPasses(); });
    mlir::DialectRegistry registry;
    kiln::registerKilnDialects(registry);
    ctx = std::make_unique<mlir::MLIRContext>(registry);
    ctx->loadAllAvailableDialects();
  }
  /// The workloads of `spec` (e.g. "matmul:64,128,256"); the module lives as long as the test.
  std::vector<std::pair<Workload, int>> workloads(const std::string &spec) {
    auto module = buildWorkloadModule(*ctx, spec);
    EXPECT_TRUE(mlir::succeeded(module)) << spec;
    modules.push_back(std::move(*module));
    return extractWorkloads(modules.back().get());
  }
  std::unique_ptr<mlir::MLIRContext> ctx;
  std::vector<mlir::OwningOpRef<mlir::ModuleOp>> modules;
};
} // namespace kiln::tune::test

#endif
