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
/// kiln.matmul_int8 → a linalg.generic marked kInt8GemmAttr (MatMulInt8ToLinalg.cpp).
void populateMatMulInt8Patterns(const TypeConverter &converter, RewritePatternSet &patterns);
/// Marks the int8 GEMM generics that the CPU codegen may replace with its VNNI kernel.
constexpr llvm::StringLiteral kInt8GemmAttr = "kiln.int8_gemm";
/// kiln.conv → linalg conv ops.
void populateConvPatterns(const TypeConverter &converter, RewritePatternSet &patterns);
/// kiln.conv_transpose → zero-inserted input + flipped-filter linalg conv.
void populateConvTransposePatterns(const TypeConverter &converter, RewritePatternSet &patterns);
/// kiln.max_pool / kiln.avg_pool → linalg pooling ops.
void populatePoolPatterns(const TypeConverter &converter, RewritePatternSet &patterns);
/// Static NHWC f32 2-D pools as vector code, tried before populatePoolPatterns' linalg.
void populateVectorPoolPatterns(const TypeConverter &converter, RewritePatternSet &patterns);
void populateVectorNormPatterns(const TypeConverter &converter, RewritePatternSet &patterns);
/// f32 softmax along the last axis of static rows as vector code (one exponential per element),
/// tried before populateReducePatterns' linalg.
void populateVectorSoftmaxPatterns(const TypeConverter &converter, RewritePatternSet &patterns);
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
/// kiln.depthwise_conv2d → scf loops of vector ops on tensors.
void populateDepthwisePatterns(const TypeConverter &converter, RewritePatternSet &patterns);
void populateIm2colPatterns(const TypeConverter &converter, RewritePatternSet &patterns);
/// kiln.grouped_conv2d → scf loops of vector ops on tensors.
void populateGroupedConvPatterns(const TypeConverter &converter, RewritePatternSet &patterns);
/// kiln.resize → one gather generic per resized dim.
void populateResizePatterns(const TypeConverter &converter, RewritePatternSet &patterns);
/// kiln.reduce_by / split_by / compress / non_zero: sized by run-time values.
void populateDynamicPatterns(const TypeConverter &converter, RewritePatternSet &patterns);
/// kiln.top_k / det: loop nests of tensor.extract / tensor.insert.
void populateLoopPatterns(const TypeConverter &converter, RewritePatternSet &patterns);
/// kiln.non_max_suppression: greedy selection in scf loops (NonMaxSuppressionToLoops.cpp).
void populateNonMaxSuppressionPatterns(const TypeConverter &converter, RewritePatternSet &patterns);
/// An scf.for nest from 0 to `extents` (step 1) carrying `inits`; `body` gets the induction
/// variables and the carried values and returns their next values.
SmallVector<Value>
loopNest(OpBuilder &b, Location loc, ArrayRef<Value> extents, ValueRange inits,
         function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange, ValueRange)> body);
/// kiln.recurrent: an scf.for over time per direction (RecurrentToLinalg.cpp).
void populateRecurrentPatterns(const TypeConverter &converter, RewritePatternSet &patterns);
/// kiln.random_like: a counter-based hash per element.
void populateRandomPatterns(const TypeConverter &converter, RewritePatternSet &patterns);

/// Scalar i64 helpers at a fixed location.
struct I64 {
  OpBuilder &b;
  Location loc;
  Value c(int64_t v) { return b.create<arith::ConstantIntOp>(loc, v, 64); }
  /// An index constant (the arithmetic below works on index values as well).
  Value ci(int64_t v) { return b.create<arith::ConstantIndexOp>(loc, v); }
  Value at(Value tensor, int64_t i) {
    Value index = b.create<arith::ConstantIndexOp>(loc, i);
    return b.create<tensor::ExtractOp>(loc, tensor, ValueRange{index});
  }
  Value dim(Value tensor, int64_t d) {
    Value n = b.create<tensor::DimOp>(loc, tensor, d);
    return b.create<arith::IndexCastOp>(loc, b.getI64Type(), n);
  }
  Value index(Value v) { return b.create<arith::IndexCastOp>(loc, b.getIndexType(), v); }
  Value add(Value x, Value y) { return b.create<arith::AddIOp>(loc, x, y); }
  Value sub(Value x, Value y) { return b.create<arith::SubIOp>(loc, x, y); }
  Value mul(Value x, Value y) { return b.create<arith::MulIOp>(loc, x, y); }
  Value max(Value x, Value y) { return b.create<arith::MaxSIOp>(loc, x, y); }
  Value min(Value x, Value y) { return b.create<arith::MinSIOp>(loc, x, y); }
  Value clamp(Value x, Value lo, Value hi) { return min(max(x, lo), hi); }
  Value cmp(arith::CmpIPredicate p, Value x, Value y) {
    return b.create<arith::CmpIOp>(loc, p, x, y);
  }
  Value select(Value c, Value x, Value y) { return b.create<arith::SelectOp>(loc, c, x, y); }
};

/// The accumulation step `acc (+) f(x)` of a reduce kind (f: square, abs, ...; log_sum_exp
/// is handled apart) and its initial value.
Value reduceAccumulate(graph::ReduceKind kind, OpBuilder &b, Location l, Value x, Value acc);
Value reduceInitialValue(graph::ReduceKind kind, OpBuilder &b, Location l, Type type);

/// A generic over `type` (`sizes`: its dynamic dims) whose element is
/// `input[coords(indices)]`, or `finish(indices, element)` when given.
Value gatherGeneric(OpBuilder &b, Location loc, RankedTensorType type, ValueRange sizes,
                    Value input,
                    function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)> coords,
                    function_ref<Value(OpBuilder &, Location, ValueRange, Value)> finish = {});

/// Builds `init + conv(input, filter)` of an already padded input with 1, 2 or 3 spatial
/// dims and any group. NCHW: input NC<spatial>, filter F(C/group)<kernel>, `init`
/// N F <out spatial>; NHWC: input N<spatial>C, filter <kernel>(C/group)F, `init`
/// N <out spatial> F. Named linalg conv ops where one exists, else a linalg.generic.
Value buildConvolution(OpBuilder &b, Location loc, Value input, Value filter, Value init,
                       ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations, int64_t group,
                       bool nhwc);

/// Checks what every conv lowering needs (emitting an error at `op` otherwise): static
/// shapes, one float or integer element type across input, filter and (optional) bias, and
/// 1 to 3 spatial dims. With `dynamicSpatial`, the batch and spatial dims may be dynamic
/// (channels, filter and bias stay static); `nhwc` says where the channels are.
LogicalResult checkConvOperands(Operation *op, Value input, Value filter, Value bias,
                                bool dynamicSpatial = false, bool nhwc = false);

/// The dynamic dims of a conv's result (one Value per `?` of `resultType`, in order): the
/// batch of `padded` (the explicitly padded input), and per spatial dim
/// (padded - dilation * (k - 1) - 1) / stride + 1.
SmallVector<Value> convOutputSizes(OpBuilder &b, Location loc, RankedTensorType resultType,
                                   Value padded, ArrayRef<int64_t> filterShape,
                                   ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations,
                                   bool nhwc);

/// The conv accumulator of `resultType`: `bias` [F] broadcast along `channelDim` (1 in NCHW,
/// the last dim in NHWC), or zeros when `bias` is null. `dynamicSizes`: one per dynamic dim.
Value buildConvInit(OpBuilder &b, Location loc, RankedTensorType resultType, Value bias,
                    int64_t channelDim, ValueRange dynamicSizes = {});

} // namespace kiln::lowering

#endif // KILN_CONVERSION_KILNTOLINALG_PATTERNS_H
