//===- Registration.cpp - one place that lists every dialect and pass -----===//
#include "compiler/Pipeline/Registration.h"

#include "kiln/Dialect/Graph/KilnDialect.h"
#include "passes/Fusion/Passes.h"
#include "passes/Graph/Passes.h"
#include "passes/Quantization/Passes.h"
#include "compiler/Codegen/CPU/Passes.h"
#include "compiler/Codegen/GPU/Passes.h"
#include "compiler/Conversion/KilnToLinalg/KilnToLinalg.h"

#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

void kiln::registerKilnDialects(mlir::DialectRegistry &registry) {
  registry.insert<mlir::kiln::KilnDialect>();
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::registerAllToLLVMIRTranslations(registry);
  kiln::registerCPUCodegenExtensions(registry);
}

void kiln::registerKilnPasses() {
  mlir::registerAllPasses();
  kiln::registerGraphPasses();
  kiln::registerFusionPasses();
  kiln::registerQuantizationPasses();
  kiln::registerCPUCodegenPasses();
  kiln::registerGPUCodegenPasses();
  kiln::registerKilnToLinalgPass();
}
