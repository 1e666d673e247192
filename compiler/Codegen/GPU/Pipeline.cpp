//===- Pipeline.cpp - GPU codegen: linalg on tensors → gpu → SPIR-V --------===//
#include "compiler/Codegen/GPU/Passes.h"
#include "compiler/Conversion/KilnToLinalg/KilnToLinalg.h"

#include "mlir/Pass/PassRegistry.h"

using namespace mlir;

namespace {
/// Kept as text so that the exact pipeline is printable and mirrors the lit tests.
constexpr const char *kBeforeBufferize =
    "func.func(kiln-gpu-splat-constants-to-fills,kiln-gpu-parallel-dims-first)";
constexpr const char *kToLaunches =
    "func.func(convert-linalg-to-parallel-loops,canonicalize,cse,kiln-gpu-map-to-launches,"
    "canonicalize,cse,gpu-launch-sink-index-computations),"
    "gpu-kernel-outlining,"
    // Views of the arguments fold into index arithmetic on the arguments themselves.
    "gpu.module(fold-memref-alias-ops,lower-affine,canonicalize,cse)";
constexpr const char *kToSPIRV =
    "kiln-gpu-set-spirv-target,"
    "gpu.module(kiln-gpu-expand-math,convert-math-to-spirv),"
    "convert-gpu-to-spirv{use-64bit-index=0},"
    "spirv.module(spirv-lower-abi-attrs,spirv-update-vce,canonicalize)";

void addTextual(OpPassManager &pm, const char *pipeline) {
  if (failed(parsePassPipeline(pipeline, pm)))
    llvm::report_fatal_error(llvm::Twine("kiln: invalid built-in pipeline: ") + pipeline);
}
} // namespace

void kiln::buildGPUKernelPipeline(OpPassManager &pm) {
  addTextual(pm, kBeforeBufferize);
  buildKernelBufferizationPipeline(pm);
  addTextual(pm, kToLaunches);
}

void kiln::buildVulkanSPIRVPipeline(OpPassManager &pm) { addTextual(pm, kToSPIRV); }

void kiln::buildNVVMPipeline(OpPassManager &pm, llvm::StringRef chip,
                             llvm::StringRef libdevice) {
  std::string link = libdevice.empty() ? "" : (" l=" + libdevice).str();
  std::string pipeline =
      ("kiln-gpu-merge-kernel-modules,"
       "nvvm-attach-target{chip=" + chip + " features=+ptx80 O=3" + link + "},"
       "gpu.module(kiln-gpu-expand-math,convert-scf-to-cf,"
       "convert-gpu-to-nvvm{use-bare-ptr-memref-call-conv=1},convert-math-to-llvm,"
       "canonicalize,cse,reconcile-unrealized-casts)")
          .str();
  addTextual(pm, pipeline.c_str());
}

void kiln::registerGPUCodegenPasses() {
  registerKilnGPUPasses();
  PassPipelineRegistration<>("kiln-gpu-kernels",
                             "Kernels on linalg-on-tensors to gpu.launch_func + gpu.module",
                             [](OpPassManager &pm) { buildGPUKernelPipeline(pm); });
  PassPipelineRegistration<>("kiln-nvvm",
                             "gpu.module kernels to one gpu.module in NVVM (sm_90)",
                             [](OpPassManager &pm) { buildNVVMPipeline(pm, "sm_90", ""); });
  PassPipelineRegistration<>("kiln-vulkan-spirv",
                             "gpu.module kernels to spirv.module (Vulkan, storage buffers)",
                             [](OpPassManager &pm) { buildVulkanSPIRVPipeline(pm); });
}
