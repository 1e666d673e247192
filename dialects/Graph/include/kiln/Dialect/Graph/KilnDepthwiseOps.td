//===- KilnDepthwiseOps.td - depthwise convolution with its epilogue ------===//
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
    -inf/inf without an activation, 0/inf for relu, 0/6 for relu6. kiln-depthwise-conv
    (passes/Graph) makes it of a kiln.conv and the relu or clip after it; it lowers straight
    to vector code (DepthwiseToVectors.cpp).
  }];
  let arguments = (ins Kiln_Tensor:$input, Kiln_Tensor:$filter, Optional<Kiln_Tensor>:$bias,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads, F64Attr:$min,
                       F64Attr:$max);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $filter (`bias` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

#endif // KILN_DEPTHWISE_OPS_TD
