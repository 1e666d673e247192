//===- Int8Weights.h - dequantized 8-bit weights laid out as a [K, N] matrix ---===//
#ifndef KILN_PASSES_QUANTIZATION_INT8WEIGHTS_H
#define KILN_PASSES_QUANTIZATION_INT8WEIGHTS_H

#include "mlir/IR/PatternMatch.h"

#include <string>

namespace kiln {
/// Weights of rank r (the output channel last: a matmul's [K, N], a conv's HWCF) as the
/// [K, N] matrix of a matmul, K the product of the other dims, in a form the int8 matmul
/// passes read. A constant reshapes (and folds). Weights too large for the constant folder
/// are still their dequantization, [transpose of] (cast(W8) [- zp]) [* s] with W8 an 8-bit
/// constant and zp, s scalars or per output channel: W8 is laid out as [K, N] at compile
/// time and zp, s become [N] (or scalar) constants. Failure, with `why`, creates nothing.
mlir::FailureOr<mlir::Value> weightMatrix(mlir::PatternRewriter &rewriter, mlir::Location loc,
                                          mlir::Value weights, std::string &why);

/// Whether `weights` is the unfolded dequantization weightMatrix re-lays out (not a
/// constant, and not already [K, N] with per-column operands).
bool isUnfoldedDequantization(mlir::Value weights);
} // namespace kiln

#endif
