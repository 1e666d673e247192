//===- Int8MatMul.h - building kiln.matmul_int8 from 8-bit activations and weights ===//
//
// What the quantization passes share: the packed weight layout, weights minus their zero
// point split into int8 values and a per-column shift, and the exact i32 product
// sum_k (a - za) * w built around kiln.matmul_int8.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_PASSES_QUANTIZATION_INT8MATMUL_H
#define KILN_PASSES_QUANTIZATION_INT8MATMUL_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/PatternMatch.h"

#include <cstdint>
#include <string>
#include <vector>

namespace kiln {
/// Weights w[k][n] of a K x N matrix (row-major, each in [-128, 127]) packed in the
/// kiln.matmul_int8 layout [ceil(N/64)][ceil(K/4)][64][4], zeros past K and N; with `groups`
/// of `cg` channels, each group's N / groups columns packed so, one after the other, unless
/// the groups share vectors (groupsShareVectors, Int8Layout.h: packed as one matrix).
std::vector<int8_t> packInt8Weights(const std::vector<int32_t> &w, int64_t k, int64_t n,
                                    int64_t groups = 1, int64_t cg = 0);

/// Weights minus their zero point, w (row-major K x N), as values[k][n] + shift[n] with every
/// value in int8: shift[n] = 0 where a column fits, else min(column) + 128.
struct Int8Weights {
  std::vector<int32_t> values;
  std::vector<int64_t> shift;
  bool shifted = false;
};

/// Splits `w` (K x N, minus its zero point) into int8 values and per-column shifts; failure
/// when a column spans more than 256 values.
mlir::FailureOr<Int8Weights> splitInt8Weights(const std::vector<int64_t> &w, int64_t n);

/// The 8-bit activations of an integer product: `source` (ui8 or i8, reshaped to
/// `reshapedTo` first when set) minus the scalar `zeroPoint`.
struct Int8Activation {
  mlir::Value source;
  int64_t zeroPoint = 0;
  mlir::RankedTensorType reshapedTo;
  /// A zero point known at run time instead (a one-element i32 tensor: DynamicQuantizeLinear's
  /// widened); the terms it enters are computed at run time.
  mlir::Value runtimeZeroPoint;
};

/// sum_k (a[..., m, k] - za) * w[k][n] as i32 (`resultType`, exact modulo 2^32): a
/// kiln.matmul_int8 of ui8 activations (i8 shifted by +128) and the packed weights, minus
/// za' * colsum(values), plus shift[n] * rowsum(a' - za') when weights were shifted. K is
/// the weights' rows: the activations' last dim, or with `groups` = [G, Cg] (kiln.matmul_int8's
/// grouped form: a grouped conv's patch matrix, weights [K / G, N], never shifted) G times it.
mlir::Value buildInt8MatMul(mlir::PatternRewriter &rewriter, mlir::Location loc, Int8Activation act,
                            const Int8Weights &weights, mlir::RankedTensorType resultType,
                            llvm::ArrayRef<int64_t> groups = {});
/// float(acc) * (activationScale * columnScales[n]): a QDQ product's real value from its exact
/// int32 sums, the scales applied once per output (the float product rounded once per scale,
/// as onnxruntime runs the same model).
mlir::Value scaleInt8Product(mlir::PatternRewriter &rewriter, mlir::Location loc, mlir::Value acc,
                             float activationScale, llvm::ArrayRef<float> columnScales);

/// "node 'NAME': " for an op located at an ONNX node's NameLoc (or a fusion of them), else "".
std::string nodePrefix(mlir::Location loc);

/// "kiln: node 'NAME': `message`" as a warning on `op`, once: a pattern that fails on `op`
/// again in the same greedy rewrite says nothing more (the mark is an attribute that
/// clearInt8Warnings removes when the pass ends).
void warnOnce(mlir::PatternRewriter &rewriter, mlir::Operation *op, const llvm::Twine &message);
void clearInt8Warnings(mlir::Operation *root);
} // namespace kiln

#endif
