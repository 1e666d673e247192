//===- Passes.h - CPU code generation passes and pipeline -----------------===//
#ifndef KILN_CODEGEN_CPU_PASSES_H
#define KILN_CODEGEN_CPU_PASSES_H

#include "mlir/Dialect/AMX/AMXDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

namespace kiln {
#define GEN_PASS_DECL
#include "compiler/Codegen/CPU/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "compiler/Codegen/CPU/Passes.h.inc"

/// Kernels on linalg-on-tensors → LLVM dialect: schedule, bufferize, lower. Function
/// signatures use the bare-pointer convention (one pointer per static memref).
void buildCPUCodegenPipeline(mlir::OpPassManager &pm);

/// The first part of buildCPUCodegenPipeline: schedule (tile, vectorize), bufferize, hoist
/// vector transfers. Leaves scf loops and vector ops on memrefs (the autotuner reads its
/// features from this loop nest).
void buildCPUSchedulePipeline(mlir::OpPassManager &pm);

/// The second part: vector lowering, parallel loops outlined, everything to the LLVM dialect.
void buildCPULoweringPipeline(mlir::OpPassManager &pm);

/// Row-major strides of `type` over `sizes` (static where every later size is static): the
/// strides of a view rebuilt from a bare pointer and its dims (DynamicKernelABI.cpp).
llvm::SmallVector<mlir::OpFoldResult> rowMajorStrides(mlir::OpBuilder &b, mlir::Location loc,
                                                      mlir::MemRefType type,
                                                      llvm::ArrayRef<mlir::OpFoldResult> sizes);

/// Registers the passes above and the pipeline `kiln-cpu-codegen` (for kiln-opt).
void registerCPUCodegenPasses();

/// Adds what the CPU codegen needs attached to other dialects' ops (the memory effects of
/// llvm.call_intrinsic, which the int8 GEMMs emit) to a context's registry. Passes leave their
/// dependent registries free of extensions, so pass managers on several threads of one context
/// never write to it (ParallelBuild.cpp).
void registerCPUCodegenExtensions(mlir::DialectRegistry &registry);
} // namespace kiln

#endif
