// runPhase: a pass that fails without a message gets one naming the phase and the pass; a
// pass that reports its own error, or succeeds, is left alone.
#include "compiler/Pipeline/SilentPassFailure.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/Pass.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace mlir;

namespace {
/// Fails on every function (silently, or with an error of its own), or succeeds.
struct FailingPass : PassWrapper<FailingPass, OperationPass<func::FuncOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(FailingPass)
  enum Mode { silent, reported, none } mode;
  explicit FailingPass(Mode mode) : mode(mode) {}
  StringRef getArgument() const override { return "test-failing-pass"; }
  void runOnOperation() override {
    if (mode == reported)
      getOperation().emitError("the pass's own message");
    if (mode != none)
      signalPassFailure();
  }
};

struct Fixture {
  MLIRContext ctx;
  OwningOpRef<ModuleOp> module;
  std::vector<std::string> errors;

  Fixture() {
    ctx.loadDialect<func::FuncDialect>();
    OpBuilder b(&ctx);
    module = ModuleOp::create(b.getUnknownLoc());
    b.setInsertionPointToEnd(module->getBody());
    b.create<func::FuncOp>(NameLoc::get(b.getStringAttr("node_7")), "f",
                           b.getFunctionType({}, {}))
        .addEntryBlock();
    func::FuncOp f = *module->getOps<func::FuncOp>().begin();
    b.setInsertionPointToEnd(&f.getBody().front());
    b.create<func::ReturnOp>(b.getUnknownLoc());
  }

  LogicalResult run(FailingPass::Mode mode) {
    ScopedDiagnosticHandler capture(&ctx, [&](Diagnostic &d) {
      if (d.getSeverity() == DiagnosticSeverity::Error)
        errors.push_back(d.str());
      return success();
    });
    PassManager pm(&ctx);
    pm.addNestedPass<func::FuncOp>(std::make_unique<FailingPass>(mode));
    return kiln::runPhase(pm, *module, "graph");
  }
};

TEST(SilentPassFailure, NamesThePhaseAndThePass) {
  Fixture f;
  EXPECT_TRUE(failed(f.run(FailingPass::silent)));
  ASSERT_EQ(f.errors.size(), 1u);
  EXPECT_NE(f.errors[0].find("the graph phase failed in pass 'test-failing-pass' without an "
                             "error message"),
            std::string::npos)
      << f.errors[0];
}

TEST(SilentPassFailure, LeavesAReportedErrorAlone) {
  Fixture f;
  EXPECT_TRUE(failed(f.run(FailingPass::reported)));
  ASSERT_EQ(f.errors.size(), 1u);
  EXPECT_EQ(f.errors[0], "the pass's own message");
}

TEST(SilentPassFailure, SaysNothingOnSuccess) {
  Fixture f;
  EXPECT_TRUE(succeeded(f.run(FailingPass::none)));
  EXPECT_TRUE(f.errors.empty());
}
} // namespace
