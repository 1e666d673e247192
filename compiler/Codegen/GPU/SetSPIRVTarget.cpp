//===- SetSPIRVTarget.cpp - Vulkan target environment and entry point ABIs ===//
#include "compiler/Codegen/GPU/Passes.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/Dialect/SPIRV/IR/TargetAndABI.h"

namespace kiln {
#define GEN_PASS_DEF_SETSPIRVTARGET
#include "compiler/Codegen/GPU/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
/// What every Vulkan 1.1 compute device offers (lavapipe and NVIDIA do): 8/16-bit values
/// are emulated in 32-bit words unless the 8/16-bit storage capabilities are listed.
constexpr const char *kVulkanTargetEnv =
    "#spirv.target_env<#spirv.vce<v1.0, [Shader, Int64, Int16, Int8], "
    "[SPV_KHR_storage_buffer_storage_class]>, api=Vulkan, "
    "#spirv.resource_limits<max_compute_workgroup_invocations = 1024, "
    "max_compute_workgroup_size = [1024, 1024, 64]>>";

struct SetSPIRVTargetPass : kiln::impl::SetSPIRVTargetBase<SetSPIRVTargetPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    Attribute env = parseAttribute(kVulkanTargetEnv, ctx);
    if (!env) {
      module.emitError("kiln: invalid built-in SPIR-V target environment");
      return signalPassFailure();
    }
    module->setAttr(spirv::getTargetEnvAttrName(), env);
    WalkResult result = module.walk([&](gpu::GPUFuncOp fn) {
      if (!fn.isKernel())
        return WalkResult::advance();
      std::optional<ArrayRef<int32_t>> size = fn.getKnownBlockSize();
      if (!size || size->size() != 3) {
        fn.emitError("kiln: kernel '") << fn.getName() << "' has no known workgroup size";
        return WalkResult::interrupt();
      }
      fn->setAttr(spirv::getEntryPointABIAttrName(),
                  spirv::getEntryPointABIAttr(ctx, *size));
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
