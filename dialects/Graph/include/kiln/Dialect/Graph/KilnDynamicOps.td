//===- KilnDynamicOps.td - ops sized by run-time values, loops, sampling --===//
//
// Ops whose result dims may follow the values of an operand ("shape values": read with
// tensor.extract at constant indices in their lowering, so kiln-shape-functions passes the
// elements to the shape function; docs/design.md, "Shape values"), and ops that lower to
// loops (selection, elimination) rather than one generic. Result types are given by the
// importer (createTyped); the verifiers check ranks and element types.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_DYNAMIC_OPS_TD
#define KILN_DYNAMIC_OPS_TD

include "kiln/Dialect/Graph/KilnBase.td"

def Kiln_ResizeOp : Kiln_Op<"resize", [Pure]> {
  let summary = "ONNX Resize / Upsample: interpolate every dim by scales or to sizes";
  let description = [{
    `target` is 1-D with one entry per input dim: float `scales` (result dim =
    floor(scale x input dim)) or int64 `sizes` (the result dims; scale = size / input dim).
    `mode`: "nearest" (`nearest_mode`: round_prefer_floor, round_prefer_ceil, floor, ceil),
    "linear" or "cubic" (`cubic_coeff_a`), separable per dim as in ONNX's reference;
    `coordinate_transformation_mode`: half_pixel, pytorch_half_pixel, align_corners,
    asymmetric, tf_half_pixel_for_nn, tf_crop_and_resize (reads `roi`: starts of every dim,
    then ends; outside the input → `extrapolation_value`). `exclude_outside` drops taps
    outside the input and renormalizes the weights.
  }];
  let arguments = (ins Kiln_Tensor:$input, Kiln_Tensor:$target, Optional<Kiln_Tensor>:$roi,
                       StrAttr:$mode, StrAttr:$coordinate_transformation_mode,
                       StrAttr:$nearest_mode, F64Attr:$cubic_coeff_a, BoolAttr:$exclude_outside,
                       F64Attr:$extrapolation_value);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $target (`,` $roi^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Kiln_ReduceByOp : Kiln_Op<"reduce_by", [Pure]> {
  let summary = "reduction over the axes given by the int64 values of `axes` (run time), keepdims";
  let description = [{
    Reduced dims become 1 (the importer drops them with a kiln.reshape_to "squeeze" when
    keepdims = 0). Axes may be negative; repeated axes count once.
  }];
  let arguments = (ins Kiln_Tensor:$input, Kiln_Tensor:$axes, Kiln_ReduceKindAttr:$kind);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$kind $input `,` $axes attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Kiln_SplitByOp : Kiln_Op<"split_by", [Pure]> {
  let summary = "ONNX Split along `axis` into parts of the int64 sizes in `split` (run time)";
  let description = [{
    One result per entry of `split`; part i starts at the sum of the sizes before it. Sizes
    that are negative or do not add up to the input dim make the result sizes -1, which the
    runtime reports naming the node.
  }];
  let arguments = (ins Kiln_Tensor:$input, Kiln_Tensor:$split, I64Attr:$axis);
  let results = (outs Variadic<Kiln_Tensor>:$results);
  let assemblyFormat = "$input `,` $split attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Kiln_TopKOp : Kiln_Op<"top_k", [Pure]> {
  let summary = "the k largest (or smallest) elements along `axis` and their indices";
  let description = [{
    `k` is a one-element int64 tensor (a shape value: it sets the size of `axis` in both
    results). Values come out sorted (largest first, or smallest first when `largest` is
    false); of equal values the one with the smaller index comes first. Indices are int64.
  }];
  let arguments = (ins Kiln_Tensor:$input, Kiln_Tensor:$k, I64Attr:$axis, BoolAttr:$largest);
  let results = (outs Kiln_Tensor:$values, Kiln_Tensor:$indices);
  let assemblyFormat = "$input `,` $k attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Kiln_CompressOp : Kiln_Op<"compress", [Pure]> {
  let summary = "the slices along `axis` whose entry of the 1-D i1 `condition` is true";
  let description = [{
    Entries of `condition` past the input dim are ignored. The result size along `axis` is the
    number of true entries: a shape value computed from every element of `condition`.
  }];
  let arguments = (ins Kiln_Tensor:$input, Kiln_Tensor:$condition, I64Attr:$axis);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$input `,` $condition attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Kiln_NonZeroOp : Kiln_Op<"non_zero", [Pure]> {
  let summary = "the indices of the non-zero elements, [rank, count] int64, row-major order";
  let arguments = (ins Kiln_Tensor:$input);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Kiln_ChooseOp : Kiln_Op<"choose", [Pure]> {
  let summary = "the whole of `then_value` if `cond` holds, else of `else_value`";
  let description = [{
    ONNX If with a run-time condition whose branches give outputs of different shapes (an
    empty result in one branch): `cond` is one i1, a shape value that picks the result's dims.
    Both values have the result's element type and rank.
  }];
  let arguments = (ins Kiln_Tensor:$cond, Kiln_Tensor:$then_value, Kiln_Tensor:$else_value);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = [{
    $cond `,` $then_value `,` $else_value attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Kiln_NonMaxSuppressionOp : Kiln_Op<"non_max_suppression", [Pure]> {
  let summary = "ONNX NonMaxSuppression, its selection padded to a bound, and the count";
  let description = [{
    `boxes` [B, N, 4] and `scores` [B, C, N] (f32). `max_per_class` is a one-element int64
    tensor (a shape value: the bound, dim 0 of `selected`, is B * C * min(max(it, 0), N));
    `iou_threshold` and `score_threshold` are one-element f32 tensors read by the kernel.
    Per batch and class, greedily: the best-scoring box still a candidate (score above
    `score_threshold`; of equal scores the lower index) is selected and every candidate whose
    IoU with it exceeds `iou_threshold` is dropped, until `max_per_class` boxes are selected or
    none is left. Rows of `selected` are (batch, class, box) in that order; `count` (a
    one-element int64 tensor) says how many are valid, the rest are undefined.
    `center_point_box`: boxes are [x_center, y_center, width, height], else two opposite
    corners [y1, x1, y2, x2].
  }];
  let arguments = (ins Kiln_Tensor:$boxes, Kiln_Tensor:$scores, Kiln_Tensor:$max_per_class,
                       Kiln_Tensor:$iou_threshold, Kiln_Tensor:$score_threshold,
                       BoolAttr:$center_point_box);
  let results = (outs Kiln_Tensor:$selected, Kiln_Tensor:$count);
  let assemblyFormat = [{
    $boxes `,` $scores `,` $max_per_class `,` $iou_threshold `,` $score_threshold attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Kiln_NonZeroBoundedOp : Kiln_Op<"non_zero_bounded", [Pure]> {
  let summary = "the indices of the non-zero elements in the first `count` columns";
  let description = [{
    NonZero of a value a kernel computes: `indices` is [rank, elements of the input] int64,
    its first `count` (a one-element int64 tensor) columns the coordinates of the non-zero
    elements in row-major order; the other columns are undefined. The exact result is a
    slice of it by `count`, read by the runtime once this kernel has run.
  }];
  let arguments = (ins Kiln_Tensor:$input);
  let results = (outs Kiln_Tensor:$indices, Kiln_Tensor:$count);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Kiln_DetOp : Kiln_Op<"det", [Pure]> {
  let summary = "determinant of the [..., n, n] input's matrices (LU with partial pivoting)";
  let arguments = (ins Kiln_Tensor:$input);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Kiln_RandomLikeOp : Kiln_Op<"random_like", [Pure]> {
  let summary = "pseudo-random numbers of the shape of `like` (its values are not read)";
  let description = [{
    `distribution` "uniform" draws from [a, b), "normal" from mean a, standard deviation b
    (Box-Muller). The generator is a counter-based hash of (`seed`, element index):
    deterministic for a seed, independent of threads and tiling. It cannot reproduce other
    frameworks' generators.
  }];
  let arguments = (ins Kiln_Tensor:$like, StrAttr:$distribution, F64Attr:$a, F64Attr:$b,
                       I64Attr:$seed);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$distribution $like attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

#endif // KILN_DYNAMIC_OPS_TD
