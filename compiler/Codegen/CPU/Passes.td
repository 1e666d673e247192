//===- Passes.td - CPU code generation passes of Kiln ---------------------===//
#ifndef KILN_CODEGEN_CPU_PASSES_TD
#define KILN_CODEGEN_CPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def TileAndVectorize : Pass<"kiln-cpu-tile-and-vectorize", "mlir::func::FuncOp"> {
  let summary = "Applies each linalg op's schedule: tile (two levels) and vectorize";
  let description = [{
    Reads the `kiln.schedule` attribute of a linalg op (tile sizes per level) or, when it has
    none, asks the default heuristics (Schedule.h). Tiles with scf.for, decomposes size-1
    windowed convolutions to 1-D ones, then vectorizes every linalg op whose iteration space
    is small enough. Ops that cannot be vectorized stay scalar and become loops later.
  }];
  let dependentDialects = ["mlir::scf::SCFDialect", "mlir::vector::VectorDialect",
                           "mlir::tensor::TensorDialect", "mlir::linalg::LinalgDialect"];
}

def HoistVectorTransfers : Pass<"kiln-cpu-hoist-vector-transfers", "mlir::func::FuncOp"> {
  let summary = "Keeps accumulators in registers: hoists loop-invariant transfer pairs";
  let description = [{
    Runs on memrefs after bufferization. Folds subviews into transfers and CSEs indices first,
    since the upstream hoisting silently does nothing otherwise.
  }];
}

def LowerVectorOps : Pass<"kiln-cpu-lower-vector-ops", "mlir::func::FuncOp"> {
  let summary = "Lowers vector contractions to FMAs and math ops to polynomials";
  let dependentDialects = ["mlir::vector::VectorDialect", "mlir::math::MathDialect",
                           "mlir::arith::ArithDialect"];
}

def LowerStridedCopies : Pass<"kiln-cpu-lower-strided-copies", "mlir::func::FuncOp"> {
  let summary = "Turns memref.copy between non-contiguous memrefs into linalg.copy";
  let description = [{
    A strided memref.copy lowers to a call of `memrefCopy`, a symbol a standalone kernel library
    does not have; as linalg.copy it becomes loops.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

#endif
