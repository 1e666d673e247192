//===- Passes.td - GPU code generation passes of Kiln ---------------------===//
#ifndef KILN_CODEGEN_GPU_PASSES_TD
#define KILN_CODEGEN_GPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def MapToLaunches : Pass<"kiln-gpu-map-to-launches", "mlir::func::FuncOp"> {
  let summary = "Turns each top-level loop nest of a bufferized kernel into a gpu.launch";
  let description = [{
    Runs on a kernel function after bufferization and linalg → parallel loops. Every
    top-level scf.parallel becomes one gpu.launch whose threads each run one iteration: the
    loop's dims are linearized (the innermost fastest, so neighbouring threads touch
    neighbouring elements), split into workgroups of `workgroup-size` threads and a grid of at
    most 65535 x 65535 workgroups; threads past the end do nothing. Sequential loops inside
    (reductions) stay loops in each thread. A memref.copy becomes such a loop nest; other
    top-level work with memory effects (a top-level scf.for, loads/stores) runs on one thread.
    Pure producers the body uses (constants, index arithmetic, views of memrefs) are cloned
    into the launch, so that a launch captures only function arguments and allocations.
  }];
  let options = [
    Option<"workgroupSize", "workgroup-size", "int64_t", /*default=*/"256",
           "threads per workgroup (at most; fewer when the loop has fewer iterations)">
  ];
  let dependentDialects = ["mlir::gpu::GPUDialect", "mlir::scf::SCFDialect",
                           "mlir::arith::ArithDialect", "mlir::memref::MemRefDialect"];
}

def SplatConstantsToFills : Pass<"kiln-gpu-splat-constants-to-fills", "mlir::func::FuncOp"> {
  let summary = "Splat tensor constants in kernels become linalg.fill of a new tensor";
  let description = [{
    A GPU kernel cannot read host globals: `arith.constant dense<v> : tensor<...>` (a zero
    bias, a padding value) becomes `linalg.fill` of a `tensor.empty`, which bufferizes to a
    scratch buffer filled on the device. A constant tensor of several values is an error naming
    its size (the plan's weights carry real constants).
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect", "mlir::tensor::TensorDialect"];
}

def ParallelDimsFirst : Pass<"kiln-gpu-parallel-dims-first", "mlir::func::FuncOp"> {
  let summary = "Interchanges linalg.generic loops so that parallel dims come first";
  let description = [{
    linalg → parallel loops keeps the loop order: a generic whose reduction dims come before
    a parallel dim (a mean over H and W of NHWC) would put its parallel loop inside sequential
    ones, and the whole nest would run on one GPU thread. The parallel dims move outermost
    (in their order), the reductions innermost, so every output element gets its own thread.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def ExpandMath : Pass<"kiln-gpu-expand-math"> {
  let summary = "Math ops without a GPU instruction become arithmetic (erf as a polynomial)";
  let description = [{
    SPIR-V's GLSL.std.450 set has exp, log, tanh, sqrt, pow, but no erf (GELU): erf becomes
    MLIR's polynomial approximation, and fpowi / roundeven their arithmetic expansions. Runs
    on the GPU kernels before math → SPIR-V.
  }];
  let dependentDialects = ["mlir::math::MathDialect", "mlir::arith::ArithDialect"];
}

def MergeKernelModules : Pass<"kiln-gpu-merge-kernel-modules", "mlir::ModuleOp"> {
  let summary = "Moves every kernel into one gpu.module, each named for its old module";
  let description = [{
    gpu-kernel-outlining makes one gpu.module per launch, all of whose functions share the
    name of their host function; a back end that emits one binary for the whole model (PTX)
    wants one module: every gpu.func moves into `@kiln_kernels`, renamed to its old module's
    (unique) name, and each gpu.launch_func refers to it there.
  }];
  let dependentDialects = ["mlir::gpu::GPUDialect"];
}

def SetSPIRVTarget : Pass<"kiln-gpu-set-spirv-target", "mlir::ModuleOp"> {
  let summary = "Attaches the Vulkan SPIR-V target environment and each kernel's entry point ABI";
  let description = [{
    Sets `spirv.target_env` (SPIR-V 1.0, Vulkan, Shader + Int64/Int16/Int8, storage-buffer
    class; what convert-gpu-to-spirv reads) on the module and `spirv.entry_point_abi` with the
    workgroup size (from each gpu.func's known block size) on every kernel gpu.func. A kernel
    without a known block size is an error naming it.
  }];
  let dependentDialects = ["mlir::spirv::SPIRVDialect", "mlir::gpu::GPUDialect"];
}

#endif
