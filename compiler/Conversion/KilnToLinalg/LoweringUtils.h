//===- LoweringUtils.h - helpers shared by the kiln-to-linalg patterns ----===//
#ifndef KILN_CONVERSION_KILNTOLINALG_LOWERINGUTILS_H
#define KILN_CONVERSION_KILNTOLINALG_LOWERINGUTILS_H

#include "kiln/Dialect/Graph/KilnDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/DialectConversion.h"

namespace kiln::lowering {
using namespace mlir;
/// The kiln graph dialect's ops (namespace `::kiln`), spelled `graph::ConvOp` here so that
/// they stand apart from the linalg/tensor ops they become.
namespace graph = ::kiln;

/// Text every "cannot lower" error contains; the pass keys its diagnostic filter on it.
inline constexpr llvm::StringLiteral kUnsupportedMarker = "cannot be lowered to linalg: ";

/// Starts the error "'<op>' op cannot be lowered to linalg: " at the op; stream the reason
/// into it and return it (it converts to failure()).
InFlightDiagnostic emitUnsupported(Operation *op);

/// Fails with a diagnostic unless every operand and result is a statically shaped tensor.
LogicalResult requireStaticShapes(Operation *op);
/// Fails with a diagnostic unless every operand and result is a ranked tensor whose dims are
/// static except dim 0 (a dynamic batch).
LogicalResult requireStaticExceptBatch(Operation *op);

/// Fails with a diagnostic unless `type` is a float type, or (when `allowInteger`) a
/// signless integer type; `what` names the value in the message ("input", "lhs", ...).
LogicalResult requireArithType(Operation *op, Type type, bool allowInteger, StringRef what);

/// `axis` (an I64Attr value, possibly negative ONNX-style) as a dim in [0, rank), or -1 when
/// it is out of range.
int64_t normalizeAxis(uint64_t axis, int64_t rank);

/// Unsigned integers (ui8 ... ui64, which the kiln dialect carries from ONNX's uint types)
/// lower to signless integers of the same width: arith and linalg only take signless ones.
/// The lowering of an op reads the signedness from the kiln op's own types and picks the
/// unsigned arith ops (divui, remui, cmpi ult, maxui, uitofp, extui, ...).
Type toSignless(Type type);
/// Whether the element type of `v` (a tensor or a scalar) is an unsigned integer type.
bool isUnsigned(Value v);
/// The type converter of the lowering: unsigned integers (and tensors of them) → signless.
class SignlessTypeConverter : public TypeConverter {
public:
  SignlessTypeConverter();
};

/// Whether the lowering of `op` honours unsigned element types.
bool supportsUnsigned(Operation *op);
/// Fails with an error at the first kiln op under `root` that has an unsigned element type
/// but a lowering that would treat it as signed.
LogicalResult checkUnsignedSupport(Operation *root);

/// The ranked tensor type of `v`, with an unsigned element type made signless.
RankedTensorType tensorTypeOf(Value v);

/// A scalar constant of the float or integer `type` holding `value` (truncated for integers,
/// saturated to the signed range, or the unsigned one when `isUnsigned`).
Value createScalar(OpBuilder &b, Location loc, Type type, double value, bool isUnsigned = false);
/// max(0, min(1, alpha * x + beta)) of a float scalar or vector: hard sigmoid, and the gate of
/// hard swish.
Value createHardSigmoid(OpBuilder &b, Location loc, Value x, double alpha, double beta);
/// x * hard_sigmoid(x) with alpha 1/6, beta 1/2, of a float scalar or vector: kiln.hard_swish's
/// kernel and the hard swish fused into depthwise/grouped convs compute it alike.
Value createHardSwish(OpBuilder &b, Location loc, Value x);
/// 1 / (1 + exp(-x)) of a float scalar or vector: kiln.sigmoid's kernel and the SiLU fused
/// into depthwise/grouped convs compute it alike.
Value createSigmoid(OpBuilder &b, Location loc, Value x);
/// x * sigmoid(x) (SiLU, swish) of a float scalar or vector.
Value createSilu(OpBuilder &b, Location loc, Value x);
/// The identity of max: -inf for floats, the smallest (signed or unsigned) integer.
Value createLowest(OpBuilder &b, Location loc, Type type, bool isUnsigned = false);
/// The identity of min: +inf for floats, the largest (signed or unsigned) integer.
Value createHighest(OpBuilder &b, Location loc, Type type, bool isUnsigned = false);

/// `tensor.empty` of a static shape.
Value createEmpty(OpBuilder &b, Location loc, ArrayRef<int64_t> shape, Type elementType);
/// `tensor.empty` + `linalg.fill` with `scalar` (whose type is the element type).
Value createFilled(OpBuilder &b, Location loc, ArrayRef<int64_t> shape, Value scalar);
/// `tensor.empty` of `type`; `dynamicSizes` holds one index value per dynamic dim, in order.
Value createEmpty(OpBuilder &b, Location loc, RankedTensorType type, ValueRange dynamicSizes);
/// `createEmpty` of `type` filled with `scalar`.
Value createFilled(OpBuilder &b, Location loc, RankedTensorType type, ValueRange dynamicSizes,
                   Value scalar);
/// The sizes of `type`'s dynamic dims read (tensor.dim) from the same dims of `like`.
SmallVector<Value> dynamicSizesLike(OpBuilder &b, Location loc, RankedTensorType type, Value like);
/// The sizes of the dynamic dims of a linalg op's result `type` (indexing map `resultMap`),
/// each read from the first input dim that `inputMaps` send to the same loop. Fails when a
/// dynamic dim has none (e.g. a convolution's output pixels, a sum of two loops).
FailureOr<SmallVector<Value>> dynamicSizesFromMaps(OpBuilder &b, Location loc,
                                                   RankedTensorType type, AffineMap resultMap,
                                                   ValueRange inputs,
                                                   ArrayRef<AffineMap> inputMaps);

/// Float-or-integer arithmetic on scalars of the same type.
Value createAdd(OpBuilder &b, Location loc, Value x, Value y);
Value createSub(OpBuilder &b, Location loc, Value x, Value y);
Value createMul(OpBuilder &b, Location loc, Value x, Value y);
/// Integer x / y or x % y (remainder with the sign of x) that never traps: a zero divisor gives
/// 0, and for signed types y = -1 gives -x (wrapping) or 0.
Value createIntDivOrRem(OpBuilder &b, Location loc, Value x, Value y, bool isUnsigned,
                        bool remainder);
/// Integer division (createIntDivOrRem), max and min are signed unless `isUnsigned`.
Value createDiv(OpBuilder &b, Location loc, Value x, Value y, bool isUnsigned = false);
Value createMax(OpBuilder &b, Location loc, Value x, Value y, bool isUnsigned = false);
Value createMin(OpBuilder &b, Location loc, Value x, Value y, bool isUnsigned = false);
/// Converts a scalar between float types (extf/truncf) or returns it unchanged.
Value convertFloat(OpBuilder &b, Location loc, Value x, Type to);

/// Indexing map that reads an operand of `operandShape` at the iteration point of a loop
/// nest over `resultShape` with numpy broadcasting: right-aligned, a size-1 dim that the
/// result broadcasts reads index 0.
AffineMap broadcastMap(MLIRContext *ctx, ArrayRef<int64_t> operandShape,
                       ArrayRef<int64_t> resultShape);
/// Whether `operandShape` broadcasts (numpy rules, one-directional) to `resultShape`.
bool broadcastsTo(ArrayRef<int64_t> operandShape, ArrayRef<int64_t> resultShape);
/// Map of a loop nest of `rank` dims onto the dims that are not in `droppedDims`
/// (per-row statistics of a reduction over `droppedDims`).
AffineMap dropDimsMap(MLIRContext *ctx, unsigned rank, ArrayRef<int64_t> droppedDims);

/// Builds the scalar payload of a generic: gets the block arguments (inputs, then the
/// output element) and returns the value to yield.
using PayloadFn = function_ref<Value(OpBuilder &, Location, ValueRange)>;

/// An all-parallel `linalg.generic` over `resultType` (identity output map) reading
/// `inputs` through `inputMaps`. The sizes of dynamic result dims are `dynamicSizes` when
/// given, else read from the inputs through the maps (dynamicSizesFromMaps, which must
/// succeed).
Value buildParallelGeneric(OpBuilder &b, Location loc, RankedTensorType resultType,
                           ValueRange inputs, ArrayRef<AffineMap> inputMaps, PayloadFn payload,
                           std::optional<ValueRange> dynamicSizes = std::nullopt);
/// An all-parallel `linalg.generic` over `resultType` whose inputs broadcast numpy-style.
Value buildElementwise(OpBuilder &b, Location loc, RankedTensorType resultType, ValueRange inputs,
                       PayloadFn payload);
/// A `linalg.generic` reducing `input` over `reducedDims` (result: the other dims, element
/// type of `init`), starting from `init`. `rowInputs` have the result's shape and are read
/// per row. `combine` gets (input element, row elements..., accumulator).
Value buildReduction(OpBuilder &b, Location loc, Value input, ValueRange rowInputs,
                     ArrayRef<int64_t> reducedDims, Value init, PayloadFn combine);

/// Reshapes a static tensor: `tensor.collapse_shape` or `tensor.expand_shape` when the new
/// shape is a pure collapse or expansion, else a collapse to 1-D followed by an expansion.
Value reshapeTo(OpBuilder &b, Location loc, Value v, ArrayRef<int64_t> shape);

/// The groups [[0, ..., lead - 1], [lead], ..., [rank - 1]]: the first `lead` of `rank` dims
/// merged into one.
SmallVector<ReassociationIndices> leadingGroups(int64_t rank, int64_t lead);
/// How many leading dims of `split` merge into dim 0 of `merged` ([R, T...] and
/// [d0, ..., T...], `split` of higher rank, the same static trailing dims T), or 0.
int64_t mergedLeadingDims(ShapedType merged, ShapedType split);
/// Size `d` of `v` as an OpFoldResult (a tensor.dim when dynamic).
OpFoldResult sizeOf(OpBuilder &b, Location loc, Value v, int64_t d);
/// `v` with its leading `lead` dims collapsed into one (the others kept).
Value collapseLeading(OpBuilder &b, Location loc, Value v, int64_t lead);
/// `v` with its dim 0 expanded into `sizes.size() - rank + 1` dims of `sizes` (all dims of the
/// result given); by a shape tensor where two of them are dynamic (MLIR 19 bufferizes no
/// tensor.expand_shape with two dynamic dims in one group).
Value expandLeading(OpBuilder &b, Location loc, Value v, ArrayRef<OpFoldResult> sizes);
/// `v` with its dims permuted (result dim i = dim perm[i] of `v`; dynamic dims read from `v`).
Value transposeTensor(OpBuilder &b, Location loc, Value v, ArrayRef<int64_t> perm);

/// Whether reshapeTo can reshape a tensor of `src` to `shape` (static shapes, a pure collapse
/// or expansion whose groups hold at most one dynamic dim each, or a target with at most one
/// dynamic dim).
bool canReshape(ArrayRef<int64_t> src, ArrayRef<int64_t> shape);

/// reshapeTo for a target whose dynamic dims cannot be inferred (several in one reshape
/// group): `sizes` gives every dim of the target (a Value for each dynamic one); the value is
/// collapsed to 1-D and expanded with those sizes.
Value reshapeToSizes(OpBuilder &b, Location loc, Value v, ArrayRef<OpFoldResult> sizes);

/// `tensor.pad` of `v` by non-negative `low`/`high` with `padValue`; `v` itself when all
/// pads are 0.
Value padWithValue(OpBuilder &b, Location loc, Value v, ArrayRef<int64_t> low,
                   ArrayRef<int64_t> high, Value padValue);

} // namespace kiln::lowering

#endif // KILN_CONVERSION_KILNTOLINALG_LOWERINGUTILS_H
