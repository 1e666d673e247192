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
