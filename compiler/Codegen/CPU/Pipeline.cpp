//===- Pipeline.cpp - the CPU codegen pipeline: linalg on tensors → LLVM ---===//
#include "compiler/Codegen/CPU/Passes.h"
#include "compiler/Conversion/KilnToLinalg/KilnToLinalg.h"

#include "mlir/Pass/PassRegistry.h"

using namespace mlir;

namespace {
/// The phases after scheduling, as upstream passes. Kept as text so that the exact pipeline is
/// printable (`--dump-pass-pipeline`) and mirrors what kiln-opt runs in tests.
constexpr const char *kDeallocate = "buffer-deallocation-pipeline,convert-bufferization-to-memref";
constexpr const char *kLowerToLLVM =
    "func.func(convert-linalg-to-loops,convert-vector-to-scf{full-unroll=1},lower-affine,"
    "convert-scf-to-cf,canonicalize,cse),"
    "expand-strided-metadata,lower-affine,arith-expand,"
    "convert-vector-to-llvm{reassociate-fp-reductions=1 enable-amx=1},"
    "convert-math-to-llvm,convert-math-to-libm,"
    "finalize-memref-to-llvm,convert-arith-to-llvm,convert-index-to-llvm,convert-cf-to-llvm,"
    "convert-func-to-llvm{use-bare-ptr-memref-call-conv=1},"
    "reconcile-unrealized-casts,canonicalize,cse";

void addTextual(OpPassManager &pm, const char *pipeline) {
  // The strings above are fixed and tested; a parse error is a programming error.
  if (failed(parsePassPipeline(pipeline, pm)))
    llvm::report_fatal_error(llvm::Twine("kiln: invalid built-in pipeline: ") + pipeline);
}
} // namespace

void kiln::buildCPUSchedulePipeline(OpPassManager &pm) {
  OpPassManager &funcPm = pm.nest<func::FuncOp>();
  // Elementwise chains merge first: the requantization after an int8 GEMM is then one generic,
  // which the VNNI kernel applies to its accumulators.
  funcPm.addPass(createBoolBytes());
  funcPm.addPass(createFuseElementwiseGenerics());
  funcPm.addPass(createVnniGemm());
  funcPm.addPass(createTileAndVectorize());
  buildKernelBufferizationPipeline(pm);
  pm.nest<func::FuncOp>().addPass(createDynamicKernelABI());
  addTextual(pm, kDeallocate);
  OpPassManager &memrefPm = pm.nest<func::FuncOp>();
  memrefPm.addPass(createLowerStridedCopies());
  memrefPm.addPass(createHoistVectorTransfers());
}

void kiln::buildCPUCodegenPipeline(OpPassManager &pm) {
  buildCPUSchedulePipeline(pm);
  buildCPULoweringPipeline(pm);
}

void kiln::buildCPULoweringPipeline(OpPassManager &pm) {
  OpPassManager &memrefPm = pm.nest<func::FuncOp>();
  memrefPm.addPass(createPackWeightPanels());
  memrefPm.addPass(createPrefetchWeightPanels());
  memrefPm.addPass(createRoundedQuotients());
  memrefPm.addPass(createLowerVectorOps());
  addTextual(pm, "func.func(scf-forall-to-parallel,canonicalize)");
  pm.addPass(createOutlineParallelLoops());
  addTextual(pm, kLowerToLLVM);
}

void kiln::registerCPUCodegenPasses() {
  registerKilnCPUPasses();
  PassPipelineRegistration<>("kiln-cpu-codegen",
                             "Kernels on linalg-on-tensors to the LLVM dialect (CPU)",
                             [](OpPassManager &pm) { buildCPUCodegenPipeline(pm); });
}
