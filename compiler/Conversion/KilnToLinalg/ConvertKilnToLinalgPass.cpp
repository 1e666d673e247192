//===- ConvertKilnToLinalgPass.cpp - the kiln-to-linalg conversion pass ---===//
#include "compiler/Conversion/KilnToLinalg/KilnToLinalg.h"
#include "compiler/Conversion/KilnToLinalg/Patterns.h"

#include "mlir/IR/Diagnostics.h"

namespace kiln {
#define GEN_PASS_DEF_CONVERTKILNTOLINALGPASS
#define GEN_PASS_REGISTRATION
#include "compiler/Conversion/KilnToLinalg/Passes.h.inc"
} // namespace kiln

using namespace mlir;

void kiln::populateKilnToLinalgPatterns(RewritePatternSet &patterns) {
  lowering::populateElementwisePatterns(patterns);
  lowering::populateMatMulPatterns(patterns);
  lowering::populateConvPatterns(patterns);
  lowering::populateConvTransposePatterns(patterns);
  lowering::populatePoolPatterns(patterns);
  lowering::populateReducePatterns(patterns);
  lowering::populateNormPatterns(patterns);
  lowering::populateDataMovementPatterns(patterns);
  lowering::populateGatherPadPatterns(patterns);
  lowering::populateScatterPatterns(patterns);
}

namespace {
/// Drops the driver's generic "failed to legalize operation" error for an op whose pattern
/// already said precisely why it cannot be lowered; every other diagnostic passes through.
class RedundantLegalizationErrorFilter {
public:
  explicit RedundantLegalizationErrorFilter(MLIRContext *ctx)
      : handler(ctx, [this](Diagnostic &diag) { return filter(diag); }) {}

private:
  LogicalResult filter(Diagnostic &diag) {
    if (diag.getSeverity() != DiagnosticSeverity::Error)
      return failure();
    std::string message = diag.str();
    const void *loc = diag.getLocation().getAsOpaquePointer();
    if (StringRef(message).contains(kiln::lowering::kUnsupportedMarker)) {
      reported.insert(loc);
      return failure(); // Let it through.
    }
    if (StringRef(message).starts_with("failed to legalize operation") && reported.contains(loc))
      return success(); // Consumed.
    return failure();
  }

  llvm::SmallPtrSet<const void *, 4> reported;
  ScopedDiagnosticHandler handler;
};

struct ConvertKilnToLinalgPass : kiln::impl::ConvertKilnToLinalgPassBase<ConvertKilnToLinalgPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    ConversionTarget target(*ctx);
    target.addIllegalDialect<kiln::lowering::graph::KilnDialect>();
    target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect, math::MathDialect,
                           scf::SCFDialect, tensor::TensorDialect>();
    RewritePatternSet patterns(ctx);
    kiln::populateKilnToLinalgPatterns(patterns);
    RedundantLegalizationErrorFilter filter(ctx);
    if (failed(applyPartialConversion(getOperation(), target, std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace

void kiln::registerKilnToLinalgPass() { registerConvertKilnToLinalgPass(); }
