//===- ConvertKilnToLinalgPass.cpp - the kiln-to-linalg conversion pass ---===//
#include "compiler/Conversion/KilnToLinalg/KilnToLinalg.h"
#include "compiler/Conversion/KilnToLinalg/Patterns.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Transforms/DialectConversion.h"

namespace kiln {
#define GEN_PASS_DEF_CONVERTKILNTOLINALGPASS
#define GEN_PASS_DECL_SHAPEFUNCTIONSPASS
#define GEN_PASS_DECL_COPYRETURNEDARGUMENTS
#define GEN_PASS_DECL_ORDERCONSTANTGLOBALS
#define GEN_PASS_DECL_SINKROWRESHAPES
#define GEN_PASS_REGISTRATION
#include "compiler/Conversion/KilnToLinalg/Passes.h.inc"
} // namespace kiln

using namespace mlir;

void kiln::populateKilnToLinalgPatterns(const TypeConverter &converter, RewritePatternSet &patterns,
                                        bool vectorCode) {
  lowering::populateElementwisePatterns(converter, patterns);
  lowering::populateMatMulPatterns(converter, patterns);
  lowering::populateMatMulInt8Patterns(converter, patterns);
  lowering::populateConvPatterns(converter, patterns);
  lowering::populateConvTransposePatterns(converter, patterns);
  lowering::populatePoolPatterns(converter, patterns);
  if (vectorCode) {
    lowering::populateVectorPoolPatterns(converter, patterns);
    lowering::populateVectorNormPatterns(converter, patterns);
    lowering::populateVectorSoftmaxPatterns(converter, patterns);
  }
  lowering::populateReducePatterns(converter, patterns);
  lowering::populateNormPatterns(converter, patterns);
  lowering::populateDataMovementPatterns(converter, patterns);
  lowering::populateGatherPadPatterns(converter, patterns);
  lowering::populateShapeValuePatterns(converter, patterns);
  lowering::populateShapeValueGatherPatterns(converter, patterns);
  lowering::populateScatterPatterns(converter, patterns);
  lowering::populateWinogradPatterns(converter, patterns);
  lowering::populateDepthwisePatterns(converter, patterns);
  lowering::populateIm2colPatterns(converter, patterns);
  lowering::populateGroupedConvPatterns(converter, patterns);
  lowering::populateResizePatterns(converter, patterns);
  lowering::populateDynamicPatterns(converter, patterns);
  lowering::populateLoopPatterns(converter, patterns);
  lowering::populateNonMaxSuppressionPatterns(converter, patterns);
  lowering::populateRandomPatterns(converter, patterns);
  lowering::populateRecurrentPatterns(converter, patterns);
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
  using ConvertKilnToLinalgPassBase::ConvertKilnToLinalgPassBase;
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    if (failed(kiln::lowering::checkUnsignedSupport(getOperation())))
      return signalPassFailure();
    kiln::lowering::SignlessTypeConverter converter;
    ConversionTarget target(*ctx);
    target.addIllegalDialect<kiln::lowering::graph::KilnDialect>();
    // Unsigned integer types become signless: ops (and functions) holding one are illegal.
    target.addDynamicallyLegalDialect<arith::ArithDialect, linalg::LinalgDialect,
                                      math::MathDialect, scf::SCFDialect, tensor::TensorDialect,
                                      vector::VectorDialect, func::FuncDialect>(
        [&](Operation *op) { return converter.isLegal(op); });
    target.addDynamicallyLegalOp<func::FuncOp>([&](func::FuncOp fn) {
      return converter.isSignatureLegal(fn.getFunctionType()) &&
             converter.isLegal(&fn.getBody());
    });
    RewritePatternSet patterns(ctx);
    kiln::populateKilnToLinalgPatterns(converter, patterns, vectorCode);
    populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(patterns, converter);
    populateReturnOpTypeConversionPattern(patterns, converter);
    RedundantLegalizationErrorFilter filter(ctx);
    if (failed(applyPartialConversion(getOperation(), target, std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace

void kiln::registerKilnToLinalgPass() {
  registerConvertKilnToLinalgPass();
  registerShapeFunctionsPass();
  registerCopyReturnedArguments();
  registerOrderConstantGlobals();
  registerSinkRowReshapes();
}
