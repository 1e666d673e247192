//===- Int8Weights.h - dequantized 8-bit weights laid out as a [K, N] matrix ---===//
#ifndef KILN_PASSES_QUANTIZATION_INT8WEIGHTS_H
#define KILN_PASSES_QUANTIZATION_INT8WEIGHTS_H

#include "mlir/IR/PatternMatch.h"

#include <optional>
#include <string>
#include <vector>

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

/// Column `c` of `w` (K x N, row-major) as int8 values (into `q`) times one float scale,
/// exactly in float32: the scale, the column's largest magnitude over its largest |q|, give
/// or take two ulps; nullopt when the column is no such grid.
std::optional<float> recoverInt8Column(const std::vector<float> &w, int64_t k, int64_t n,
                                       int64_t c, std::vector<int64_t> &q);

/// Float weights [K, N] as integer values `q` (row-major) times a scale per column.
struct Int8Columns {
  std::vector<int64_t> q;
  std::vector<float> scales;
};

/// The int8 values and column scales of `weights` (the output channel last, as
/// weightMatrix reads them; K the product of the other dims), computed without creating an
/// op: a float constant whose every column is an int8 grid (recoverInt8Column), or the
/// dequantization [transpose of] (cast(W8) [- zp]) [* s] of an 8-bit constant (q = W8 - zp,
/// which splitInt8Weights may still need to shift). Failure, with `why`.
mlir::FailureOr<Int8Columns> int8Columns(mlir::Value weights, std::string &why);

/// Whether `weights` is a float constant whose every output channel (last dim) is int8
/// values times one scale: what kiln-form-int8-qdq can run on the int8 kernel.
bool isInt8Grid(mlir::Value weights);
} // namespace kiln

#endif
