//===- VnniEpilogue.h - an int8 GEMM's requantization, applied to its accumulators ---===//
#ifndef KILN_COMPILER_CODEGEN_CPU_VNNIEPILOGUE_H
#define KILN_COMPILER_CODEGEN_CPU_VNNIEPILOGUE_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include <optional>

namespace kiln {
/// The all-parallel linalg.generic over [M, N] that consumes an int8 GEMM's i32 result element
/// for element (the requantization of a quantized conv or matmul: zero-point term, scales,
/// bias, rounding, saturation, the cast to 8 bits, a residual add), its other inputs read per
/// element ([M, N]), per column ([N]), per row ([M] or [M, 1]: the activations' row sums
/// that shifted weights add) or once (rank 0), its body arith/math ops on scalars.
/// The VNNI kernel applies it to the accumulators of its last k block and stores its result:
/// no i32 [M, N] tensor written and read back.
struct GemmEpilogue {
  mutable mlir::linalg::GenericOp op; ///< op handles are not const-correct
  mlir::Value gemm; ///< the GEMM's result, one of op's inputs

  /// The body's ops on 16 lanes: columns [col, col + 16) of row `row` of the result, `acc`
  /// the i32 sums; the inputs read masked past their end unless `inBounds`.
  mlir::Value apply(mlir::OpBuilder &b, mlir::Location loc, mlir::Value acc, mlir::Value row,
                    mlir::Value col, bool inBounds) const;

  mlir::RankedTensorType resultType() const {
    return mlir::cast<mlir::RankedTensorType>(op.getResult(0).getType());
  }
};

/// The epilogue that is the only user of `gemm` (an [M, N] i32 value), if it has that form.
std::optional<GemmEpilogue> matchGemmEpilogue(mlir::Value gemm);
} // namespace kiln

#endif
