//===- Int8Input.h - 8-bit activations widened or dequantized for a float/i32 op ---===//
#ifndef KILN_PASSES_QUANTIZATION_INT8INPUT_H
#define KILN_PASSES_QUANTIZATION_INT8INPUT_H

#include "kiln/Dialect/Graph/KilnDialect.h"

#include <optional>
#include <string>

namespace kiln {
/// The value of a one-element int or float constant, as a double.
std::optional<double> scalarConstant(mlir::Value v);

/// The activations of an int8 conv: `x8` (8-bit, NHWC once `perm` is applied) widened by
/// `cast`, minus the scalar `sub` (zero point zx), times the scalar `mul` (QDQ scale).
struct Int8Input {
  mlir::Value x8;
  std::optional<llvm::SmallVector<int64_t>> perm;
  CastOp cast;
  SubOp sub;
  MulOp mul;
  int64_t zeroPoint = 0;
  /// A zero point known at run time (integer widening only: DynamicQuantizeLinear's output
  /// feeding ConvInteger): the one-element 8-bit tensor the subtrahend widens; `zeroPoint`
  /// is then unused.
  mlir::Value runtimeZeroPoint;
};

/// The one-element 8-bit tensor whose widening `zp` is, through reshapes (a zero point known
/// at run time: DynamicQuantizeLinear's, [1, 1, 1, 1] in an NHWC frame); null otherwise.
mlir::Value runtimeZeroPoint(mlir::Value zp);

/// Matches [transpose] [mul by a scalar] [sub of a scalar] cast(8-bit) (the mul required for
/// float values, `isFloat`; the scalar subtrahend a constant, or for integers the widening
/// of a one-element 8-bit tensor), or fails with why.
mlir::FailureOr<Int8Input> matchInt8Input(mlir::Value v, bool isFloat, std::string &why);

/// The quantization of a float value (a QuantizeLinear): clip(round(v / s) [+ zp], lo, hi)
/// cast to an 8-bit type whose range [lo, hi] is, s and zp scalar constants, zp an integer of
/// the type; each op the only user of the one before. `ops` are the div, round, [add] and clip.
struct Quantize {
  llvm::SmallVector<mlir::Operation *> ops;
  CastOp cast;
  double scale = 0, zeroPoint = 0;
};

/// The quantization of `v`, which its only user begins; nullopt where it is not one.
std::optional<Quantize> matchQuantize(mlir::Value v);
} // namespace kiln

#endif
