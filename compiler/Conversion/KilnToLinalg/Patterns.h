//===- Patterns.h - per-category kiln-to-linalg pattern sets (internal) ---===//
#ifndef KILN_CONVERSION_KILNTOLINALG_PATTERNS_H
#define KILN_CONVERSION_KILNTOLINALG_PATTERNS_H

#include "compiler/Conversion/KilnToLinalg/LoweringUtils.h"

namespace kiln::lowering {

/// Unary/binary/compare/where/cast and activation ops → one broadcasting linalg.generic.
void populateElementwisePatterns(const TypeConverter &converter, RewritePatternSet &patterns);
/// kiln.where / kiln.cast / kiln.pow → one broadcasting linalg.generic (added by the above).
void populateSelectCastPowPatterns(const TypeConverter &converter, RewritePatternSet &patterns);
/// kiln.matmul → linalg.matmul / batch_matmul / matvec / vecmat / dot.
void populateMatMulPatterns(const TypeConverter &converter, RewritePatternSet &patterns);
/// kiln.conv → linalg conv ops.
void populateConvPatterns(const TypeConverter &converter, RewritePatternSet &patterns);
/// kiln.conv_transpose → zero-inserted input + flipped-filter linalg conv.
void populateConvTransposePatterns(const TypeConverter &converter, RewritePatternSet &patterns);
/// kiln.max_pool / kiln.avg_pool → linalg pooling ops.
void populatePoolPatterns(const TypeConverter &converter, RewritePatternSet &patterns);
/// kiln.reduce / softmax / log_softmax → reduction generics.
void populateReducePatterns(const TypeConverter &converter, RewritePatternSet &patterns);
/// kiln.layer_norm / batch_norm → reduction and elementwise generics.
void populateNormPatterns(const TypeConverter &converter, RewritePatternSet &patterns);
/// constant, shape, reshape, transpose, concat, slice, expand → tensor/linalg ops.
void populateDataMovementPatterns(const TypeConverter &converter, RewritePatternSet &patterns);
/// kiln.expand_to / constant_of_shape / range: result dims from run-time shape values.
void populateShapeValuePatterns(const TypeConverter &converter, RewritePatternSet &patterns);
/// kiln.slice_by / tile_by / pad_by: gathers at coordinates from run-time parameters.
void populateShapeValueGatherPatterns(const TypeConverter &converter,
                                      RewritePatternSet &patterns);
/// kiln.gather / kiln.pad → generics with index arithmetic or tensor.pad.
void populateGatherPadPatterns(const TypeConverter &converter, RewritePatternSet &patterns);
/// kiln.scatter_elements / scatter_nd → a copy and a loop nest of tensor.insert.
void populateScatterPatterns(const TypeConverter &converter, RewritePatternSet &patterns);
/// kiln.winograd_input / winograd_output → scf loops of vector ops on tensors.
void populateWinogradPatterns(const TypeConverter &converter, RewritePatternSet &patterns);

/// Builds `init + conv(input, filter)` of an already padded input with 1, 2 or 3 spatial
/// dims and any group. NCHW: input NC<spatial>, filter F(C/group)<kernel>, `init`
/// N F <out spatial>; NHWC: input N<spatial>C, filter <kernel>(C/group)F, `init`
/// N <out spatial> F. Named linalg conv ops where one exists, else a linalg.generic.
Value buildConvolution(OpBuilder &b, Location loc, Value input, Value filter, Value init,
                       ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations, int64_t group,
                       bool nhwc);

/// Checks what every conv lowering needs (emitting an error at `op` otherwise): static
/// shapes, one float or integer element type across input, filter and (optional) bias, and
/// 1 to 3 spatial dims. Shapes are static, but for dim 0 (the batch) with `dynamicBatch`.
LogicalResult checkConvOperands(Operation *op, Value input, Value filter, Value bias,
                                bool dynamicBatch = false);

/// The conv accumulator of `resultType`: `bias` [F] broadcast along `channelDim` (1 in NCHW,
/// the last dim in NHWC), or zeros when `bias` is null. `dynamicSizes`: one per dynamic dim.
Value buildConvInit(OpBuilder &b, Location loc, RankedTensorType resultType, Value bias,
                    int64_t channelDim, ValueRange dynamicSizes = {});

} // namespace kiln::lowering

#endif // KILN_CONVERSION_KILNTOLINALG_PATTERNS_H
