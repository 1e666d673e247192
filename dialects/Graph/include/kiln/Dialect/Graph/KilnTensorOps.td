//===- KilnTensorOps.td - data-movement ops of the kiln dialect -----------===//
#ifndef KILN_TENSOR_OPS_TD
#define KILN_TENSOR_OPS_TD

include "kiln/Dialect/Graph/KilnBase.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"

def Kiln_ConstantOp : Kiln_Op<"constant", [ConstantLike, Pure, AllTypesMatch<["value", "result"]>]> {
  let summary = "a constant tensor (initializers and Constant nodes)";
  let arguments = (ins ElementsAttr:$value);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
  let builders = [OpBuilder<(ins "::mlir::ElementsAttr":$value), [{
    build($_builder, $_state, ::llvm::cast<::mlir::RankedTensorType>(value.getType()), value);
  }]>];
}

def Kiln_ReshapeOp : Kiln_Op<"reshape", [Pure]> {
  let summary = "same elements, new static shape (a view: no data moves)";
  let description = [{
    `dims_from` (optional, one entry per result dim): the input dim that a result dim equals,
    or -1. The importer sets it where a run-time shape traces back to the input's own dims
    (`x.view(b, g, c // g, h, w)` with h, w = x.shape[2:]), so that the execution plan sizes
    `?` dims soundly rather than by matching the two shapes.
  }];
  let arguments = (ins Kiln_Tensor:$input, OptionalAttr<DenseI64ArrayAttr>:$dims_from);
  let results = (outs Kiln_Tensor:$result);
  let builders = [OpBuilder<(ins "mlir::Type":$result, "mlir::Value":$input), [{
    build($_builder, $_state, result, input, mlir::DenseI64ArrayAttr());
  }]>];
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Kiln_TransposeOp : Kiln_Op<"transpose", [Pure, InferTypeOpAdaptor]> {
  let summary = "permute dims: result dim i = input dim perm[i]";
  let arguments = (ins Kiln_Tensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

def Kiln_DepthToSpaceOp : Kiln_Op<"depth_to_space", [Pure, InferTypeOpAdaptor]> {
  let summary = "NHWC depth to space (channels in block-row, block-column, channel order), cropped";
  let description = [{
    Input [N, H, W, bh * bw * C], `block` = [bh, bw], `crops` = [top, left, bottom, right]:
    result[n, y, x, c] = input[n, (y + top) / bh, (x + left) / bw,
                               ((y + top) % bh * bw + (x + left) % bw) * C + c],
    of shape [N, H * bh - top - bottom, W * bw - left - right, C]. ONNX DepthToSpace (DCR)
    in NHWC, and the phase interleave of a transposed convolution decomposed into one
    stride-1 convolution per output phase. H and W may be dynamic.
  }];
  let arguments = (ins Kiln_Tensor:$input, DenseI64ArrayAttr:$block, DenseI64ArrayAttr:$crops);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def Kiln_ConcatOp : Kiln_Op<"concat", [Pure, InferTypeOpAdaptor]> {
  let summary = "concatenate along a non-negative axis";
  let arguments = (ins Variadic<Kiln_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$inputs attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

def Kiln_SliceOp : Kiln_Op<"slice", [Pure, InferTypeOpAdaptor]> {
  let summary = "strided slice; starts/ends/steps cover every dim";
  let description = [{
    Element i of result dim d reads input index starts[d] + i * steps[d]; the result extent
    is max(0, ceil((ends[d] - starts[d]) / steps[d])). Negative steps walk backwards. For a
    static input dim the bounds are already clamped into range. For a dynamic input dim they
    are ONNX's (a negative bound counts from the end, both are clamped at run time; 0 and
    INT64_MAX with step 1 take the whole dim) and the result dim is dynamic.
  }];
  let arguments = (ins Kiln_Tensor:$input, DenseI64ArrayAttr:$starts, DenseI64ArrayAttr:$ends,
                       DenseI64ArrayAttr:$steps);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

def Kiln_GatherOp : Kiln_Op<"gather", [Pure, InferTypeOpAdaptor]> {
  let summary = "ONNX Gather: take slices of `data` along `axis` at `indices` (negative wrap)";
  let arguments = (ins Kiln_Tensor:$data, Kiln_Tensor:$indices, I64Attr:$axis);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$data `,` $indices attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

def Kiln_GatherElementsOp : Kiln_Op<"gather_elements", [Pure, InferTypeOpAdaptor]> {
  let summary = "ONNX GatherElements: result[i] = data[i with i[axis] = indices[i]]";
  let description = [{
    `indices` has the rank of `data` and gives the result's shape; negative indices count
    from the end of `axis`.
  }];
  let arguments = (ins Kiln_Tensor:$data, Kiln_Tensor:$indices, I64Attr:$axis);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$data `,` $indices attr-dict `:` functional-type(operands, results)";
}

def Kiln_GatherNDOp : Kiln_Op<"gather_nd", [Pure, InferTypeOpAdaptor]> {
  let summary = "ONNX GatherND: slices of `data` at index tuples (last dim of `indices`)";
  let description = [{
    With b = `batch_dims`, indices [B..., I..., k] (B: the first b dims of data) select
    data[B..., i_1, ..., i_k, rest...]; the result is [B..., I..., rest...]. Negative indices
    count from the end of their dim.
  }];
  let arguments = (ins Kiln_Tensor:$data, Kiln_Tensor:$indices, I64Attr:$batch_dims);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$data `,` $indices attr-dict `:` functional-type(operands, results)";
}

def Kiln_ScatterElementsOp : Kiln_Op<"scatter_elements", [Pure, InferTypeOpAdaptor]> {
  let summary = "ONNX ScatterElements: data with updates[i] written at i[axis] = indices[i]";
  let description = [{
    `indices` and `updates` have one shape, of the rank of `data`; negative indices count from
    the end of `axis`. `reduction` ("none", "add", "mul", "min", "max") combines an update
    with the element it lands on; with "none", of duplicate indices the last update wins.
  }];
  let arguments = (ins Kiln_Tensor:$data, Kiln_Tensor:$indices, Kiln_Tensor:$updates,
                       I64Attr:$axis, DefaultValuedStrAttr<StrAttr, "none">:$reduction);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = [{
    $data `,` $indices `,` $updates attr-dict `:` functional-type(operands, results)
  }];
}

def Kiln_ScatterNDOp : Kiln_Op<"scatter_nd", [Pure, InferTypeOpAdaptor]> {
  let summary = "ONNX ScatterND: data with slices of `updates` written at index tuples";
  let description = [{
    indices [I..., k] select data[i_1, ..., i_k, ...]; updates is [I..., data dims k...].
    `reduction` as for scatter_elements.
  }];
  let arguments = (ins Kiln_Tensor:$data, Kiln_Tensor:$indices, Kiln_Tensor:$updates,
                       DefaultValuedStrAttr<StrAttr, "none">:$reduction);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = [{
    $data `,` $indices `,` $updates attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
}

def Kiln_ExpandOp : Kiln_Op<"expand", [Pure]> {
  let summary = "numpy broadcast to the result shape";
  let arguments = (ins Kiln_Tensor:$input);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Kiln_PadOp : Kiln_Op<"pad", [Pure, InferTypeOpAdaptor]> {
  let summary = "pad every dim: `pads` = begin pads of all dims, then end pads";
  let arguments = (ins Kiln_Tensor:$input, DenseI64ArrayAttr:$pads, Kiln_PadModeAttr:$mode,
                       F64Attr:$value);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$mode $input attr-dict `:` functional-type(operands, results)";
}

def Kiln_ShapeOp : Kiln_Op<"shape", [Pure, InferTypeOpAdaptor]> {
  let summary = "the input's shape as a 1-D i64 tensor (folds when static)";
  let arguments = (ins Kiln_Tensor:$input);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

//===-- Shape values: dims from the values of a tensor known at run time ---===//
// A "shape value" operand (a Reshape shape, Unsqueeze axes, an Expand shape, a Range limit,
// ...) that is neither a constant nor traceable to dims stays a tensor operand; the result's
// rank is static, its value-dependent dims are `?`. The runtime computes them from the host
// data of the operand (a graph input or a weight) before any kernel runs (docs/design.md,
// "Dynamic shapes").

def Kiln_ReshapeToOp : Kiln_Op<"reshape_to", [Pure]> {
  let summary = "a view whose dims follow the int64 values of `shape` at run time";
  let description = [{
    `mode` says how the values of the 1-D int64 `shape` give the result dims:
    "reshape" (ONNX Reshape: 0 copies the input dim, -1 is inferred), "reshape_allowzero"
    (0 is a zero dim), "unsqueeze" (axes of the result that get extent 1), "squeeze" (axes
    of the input, each of extent 1, that are dropped). The execution plan holds it as a view
    (no kernel); the runtime resolves the dims.
  }];
  let arguments = (ins Kiln_Tensor:$input, Kiln_Tensor:$shape, StrAttr:$mode);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$mode $input `,` $shape attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Kiln_ExpandToOp : Kiln_Op<"expand_to", [Pure]> {
  let summary = "numpy broadcast of `input` with the int64 values of `shape` (run time)";
  let arguments = (ins Kiln_Tensor:$input, Kiln_Tensor:$shape);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$input `,` $shape attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Kiln_ConstantOfShapeOp : Kiln_Op<"constant_of_shape", [Pure]> {
  let summary = "a tensor of the dims given by the int64 values of `shape`, filled with `value`";
  let arguments = (ins Kiln_Tensor:$shape, TypedAttrInterface:$value);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$shape attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Kiln_RangeOp : Kiln_Op<"range", [Pure]> {
  let summary = "start, start + delta, ... up to (excluding) limit; one-element operands";
  let arguments = (ins Kiln_Tensor:$start, Kiln_Tensor:$limit, Kiln_Tensor:$delta);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$start `,` $limit `,` $delta attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Kiln_SliceByOp : Kiln_Op<"slice_by", [Pure]> {
  let summary = "ONNX Slice with run-time starts, ends, axes and steps (1-D int64, same length)";
  let arguments = (ins Kiln_Tensor:$input, Kiln_Tensor:$starts, Kiln_Tensor:$ends,
                       Kiln_Tensor:$axes, Kiln_Tensor:$steps);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$input `,` $starts `,` $ends `,` $axes `,` $steps attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Kiln_TileByOp : Kiln_Op<"tile_by", [Pure]> {
  let summary = "ONNX Tile with run-time repeats (1-D int64, one per input dim)";
  let arguments = (ins Kiln_Tensor:$input, Kiln_Tensor:$repeats);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$input `,` $repeats attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Kiln_PadByOp : Kiln_Op<"pad_by", [Pure]> {
  let summary = "ONNX Pad with run-time pads (begins, then ends) and a one-element value";
  let arguments = (ins Kiln_Tensor:$input, Kiln_Tensor:$pads, Kiln_Tensor:$value,
                       Kiln_PadModeAttr:$mode);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$mode $input `,` $pads `,` $value attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

#endif // KILN_TENSOR_OPS_TD
