//===- KilnDepthwiseOps.td - depthwise and grouped convolutions, im2col: vector-coded conv ops ===//
#ifndef KILN_DEPTHWISE_OPS_TD
#define KILN_DEPTHWISE_OPS_TD

include "kiln/Dialect/Graph/KilnBase.td"

def Kiln_DepthwiseConv2DOp : Kiln_Op<"depthwise_conv2d", [Pure]> {
  let summary = "NHWC depthwise 2-D convolution, zero padding read in place, bias, clamp";
  let description = [{
    result[n, oh, ow, c] = clamp(bias[c] + sum_{i,j} filter[i, j, c] *
    input[n, oh * sh + i - top, ow * sw + j - left, c], min, max), input positions outside
    the input reading as zero (`pads` = top, left, bottom, right): no padded copy of the
    input. One channel per group (a channel multiplier of 1), no dilation. `min`/`max` are
    -inf/inf without an activation, 0/inf for relu, 0/6 for relu6; `hard_swish` then applies
    x * max(0, min(1, x / 6 + 1 / 2)) (MobileNetV3), or `silu` x * sigmoid(x) (EfficientNet;
    not both). kiln-depthwise-conv (passes/Graph) makes it of a kiln.conv and the relu or clip
    and hard swish or SiLU (sigmoid and mul) after it; it lowers straight to
    vector code (DepthwiseToVectors.cpp).

    Quantized (kiln-int8-depthwise, passes/Quantization): an 8-bit input (ui8/i8) is read as
    the float (x - `input_zero_point`) * `input_scale` (padding reads 0), and an 8-bit result
    holds clamp(round_half_even(v / `output_scale`) + `output_zero_point`) over the result
    type's range, v the float value above: the dequantize before the convolution and the
    quantize after it in the convolution's own loads and stores, the sums in f32 as before.
  }];
  let arguments = (ins Kiln_Tensor:$input, Kiln_Tensor:$filter, Optional<Kiln_Tensor>:$bias,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads, F64Attr:$min,
                       F64Attr:$max, DefaultValuedAttr<BoolAttr, "false">:$hard_swish,
                       OptionalAttr<F64Attr>:$input_scale,
                       OptionalAttr<F64Attr>:$input_zero_point,
                       OptionalAttr<F64Attr>:$output_scale,
                       OptionalAttr<F64Attr>:$output_zero_point,
                       DefaultValuedAttr<BoolAttr, "false">:$silu);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $filter (`bias` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Kiln_Im2colOp : Kiln_Op<"im2col", [Pure]> {
  let summary = "The patch matrix of an NHWC 2-D convolution, padding read in place";
  let description = [{
    result[n, oh, ow, (i * KW + j) * C + c] = input[n, oh * sh + i * dh - top,
    ow * sw + j * dw - left, c], `pad_value` where that position is outside the input
    (`kernel` = KH, KW; `pads` = top, left, bottom, right); with the rank-0 operand `pad` (a
    zero point known at run time: DynamicQuantizeLinear's), its value instead. Reshaped to [N*OH*OW, KH*KW*C]
    it is the left operand of the convolution as a matmul with the HWCF filter as [KH*KW*C, F]
    (kiln-int8-conv-im2col: the 8-bit activations, padded with their zero point). It lowers
    straight to vector code (Im2colToVectors.cpp): per output row on the threads, each filter
    row's KW * C values of a pixel copied as one contiguous run (dilation 1), no padded copy
    of the input.
  }];
  let arguments = (ins Kiln_Tensor:$input, Optional<Kiln_Tensor>:$pad,
                       DenseI64ArrayAttr:$kernel, DenseI64ArrayAttr:$strides,
                       DenseI64ArrayAttr:$dilations, DenseI64ArrayAttr:$pads, F64Attr:$pad_value);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = [{
    $input (`pad` $pad^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Kiln_GroupedConv2DOp : Kiln_Op<"grouped_conv2d", [Pure]> {
  let summary = "NHWC grouped 2-D convolution, zero padding read in place, bias, clamp";
  let description = [{
    With `group` groups of cg = C / group input and fg = F / group output channels and the
    filter in blocks of B output channels, [ceil(F / B), KH, KW, cg, B] (the weights of one
    block of channels contiguous; channels past F are zeros):
    result[n, oh, ow, f] = clamp(bias[f] + sum_{i,j,c < cg} filter[f / B, i, j, c, f % B] *
    input[n, oh * sh + i - top, ow * sw + j - left, (f / fg) * cg + c], min, max), input
    positions outside the input reading as zero (`pads` = top, left, bottom, right). No
    dilation; `min`/`max`, `hard_swish` and `silu` as in kiln.depthwise_conv2d. kiln-grouped-conv (passes/Graph) makes
    it of a kiln.conv and the relu or clip (and hard swish or SiLU) after it, with B = filterBlock(...) (the channels
    one vector tile of the lowering computes); it lowers straight to vector code
    (GroupedToVectors.cpp).
  }];
  let arguments = (ins Kiln_Tensor:$input, Kiln_Tensor:$filter, Optional<Kiln_Tensor>:$bias,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads, I64Attr:$group,
                       F64Attr:$min, F64Attr:$max,
                       DefaultValuedAttr<BoolAttr, "false">:$hard_swish,
                       DefaultValuedAttr<BoolAttr, "false">:$silu);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $filter (`bias` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Whether vectors of `lanes` consecutive output channels (starting at multiples of
    /// `lanes`) have a vector lowering: inside one group (fg % lanes == 0) or spanning two
    /// (fg = lanes / 2), one input channel broadcast per group; or spanning more whole
    /// groups whose inputs fit one vector (lanes % fg == 0 and cg <= fg: input channels
    /// shuffled to their group's lanes).
    static bool vectorsFit(int64_t inPerGroup, int64_t outPerGroup, int64_t lanes);
    /// Whether these channels run in vectors: F % 8 == 0 and vectorsFit(cg, fg, 8).
    static bool hasVectorLowering(int64_t channels, int64_t filters, int64_t group);
    /// The lanes of the lowering's vectors: 16 where they fit the groups, else 8.
    static int64_t vectorLanes(int64_t inPerGroup, int64_t outPerGroup);
    /// The filter's block B: the output channels of one tile of the lowering, up to 4
    /// vectors inside one group, else one vector.
    static int64_t filterBlock(int64_t inPerGroup, int64_t outPerGroup);
  }];
}

#endif // KILN_DEPTHWISE_OPS_TD
