//===- KilnWinogradOps.td - Winograd F(m x m, 3 x 3) convolution ----------===//
//
// A 3x3 stride-1 NHWC convolution (any dilation) as winograd_input → batched matmul with the transformed
// filter (a constant [(m+2)^2, C, K], computed at compile time) → winograd_output. The
// multiplications per output fall from 9 C K to (m+2)^2 / m^2 C K (F(4x4, 3x3): 2.25 C K).
// kiln-winograd-conv (passes/Graph) makes them; they lower straight to vector code.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_WINOGRAD_OPS_TD
#define KILN_WINOGRAD_OPS_TD

include "kiln/Dialect/Graph/KilnBase.td"

def Kiln_WinogradInputOp : Kiln_Op<"winograd_input", [Pure]> {
  let summary = "Winograd input transform: B^T d B for each tile and channel";
  let description = [{
    `input` [N, H, W, C] (NHWC, f32; N, H and W may be symbolic without dilation, the tile
    count then too) is read as if zero-padded by `pads` (top, left, bottom,
    right) and cut into (m+2) x (m+2) tiles at a stride of m = `tile`, one per m x m block of
    the 3x3 convolution's output [OH, OW] = [H + top + bottom - 2, W + left + right - 2].
    The result is [(m+2)^2, N * TH * TW, C] with TH = ceil(OH / m), TW = ceil(OW / m): row
    xi * (m+2) + nu holds element (xi, nu) of every transformed tile, tiles in (n, th, tw)
    order. `tile` is 2 (F(2x2, 3x3)) or 4 (F(4x4, 3x3)).

    With `dilations` [dh, dw] (a dilated 3x3 convolution, DeepLab/FCN's atrous convs), OH =
    H + top + bottom - 2 dh and the output rows of one phase p < dh (rows p, p + dh, ...)
    form an undilated convolution of that phase's input rows: each phase is tiled on its own,
    TH = dh * ceil(ceil(OH / dh) / m) tile rows in (phase, tile) order (tile t of phase p
    covers output rows p + (t m + a) dh, a < m); likewise TW along the columns.
  }];
  let arguments = (ins Kiln_Tensor:$input, I64Attr:$tile, DenseI64ArrayAttr:$pads,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$dilations);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Kiln_WinogradOutputOp : Kiln_Op<"winograd_output", [Pure, AttrSizedOperandSegments]> {
  let summary = "Winograd output transform A^T M A, plus bias and residual, clamped";
  let description = [{
    `input` [(m+2)^2, N * TH * TW, K] holds the elementwise products of transformed tiles
    (summed over channels); each tile's A^T M A is its m x m block of the result
    [N, OH, OW, K] (blocks past OH or OW are cut). Then `bias` [K] and `residual` (the
    result's shape) are added, if present, and the sum is clamped to [`min`, `max`]: -inf/inf
    for none, 0/inf for relu, 0/6 for relu6: the epilogue of the convolution in one pass.
    `dilations` orders the tiles as winograd_input's do.

    Symbolic N, H or W (dilation 1): winograd_input's tile count is dynamic and the tiles
    alone do not give the result's size, so `image` is the convolution's input (only its dims
    are read) and `pads` its padding: OH = H + top + bottom - 2, OW likewise.
  }];
  let arguments = (ins Kiln_Tensor:$input, Optional<Kiln_Tensor>:$bias,
                       Optional<Kiln_Tensor>:$residual, Optional<Kiln_Tensor>:$image,
                       I64Attr:$tile, F64Attr:$min, F64Attr:$max,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$dilations,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{}">:$pads);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = [{
    $input (`bias` $bias^)? (`residual` $residual^)? (`image` $image^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

#endif // KILN_WINOGRAD_OPS_TD
