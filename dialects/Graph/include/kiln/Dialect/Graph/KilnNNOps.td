//===- KilnNNOps.td - neural-network ops of the kiln dialect --------------===//
#ifndef KILN_NN_OPS_TD
#define KILN_NN_OPS_TD

include "kiln/Dialect/Graph/KilnBase.td"

def Kiln_MatMulOp : Kiln_Op<"matmul", [Pure, InferTypeOpAdaptor]> {
  let summary = "numpy matmul: batched, batch dims broadcast, 1-D operands promoted";
  let arguments = (ins Kiln_Tensor:$lhs, Kiln_Tensor:$rhs);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
}

def Kiln_ConvOp : Kiln_Op<"conv", [Pure, InferTypeOpAdaptor]> {
  let summary = "grouped, dilated N-d convolution";
  let description = [{
    `pads` holds the begin pads of every spatial dim, then the end pads (ONNX order).
    The optional bias has shape [F]. `layout` is "NCHW" (input N,C,spatial...; filter
    F,C/group,spatial..., as in ONNX) or "NHWC" (input N,spatial...,C; filter
    spatial...,C/group,F), which the layout pass picks because it vectorizes best.
  }];
  let arguments = (ins Kiln_Tensor:$input, Kiln_Tensor:$filter, Optional<Kiln_Tensor>:$bias,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                       DenseI64ArrayAttr:$dilations, I64Attr:$group,
                       DefaultValuedStrAttr<StrAttr, "NCHW">:$layout);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $filter (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Kiln_ConvTransposeOp : Kiln_Op<"conv_transpose", [Pure, InferTypeOpAdaptor]> {
  let summary = "transposed convolution, input NC..., filter C(F/group)...";
  let arguments = (ins Kiln_Tensor:$input, Kiln_Tensor:$filter, Optional<Kiln_Tensor>:$bias,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                       DenseI64ArrayAttr:$dilations, DenseI64ArrayAttr:$output_padding,
                       I64Attr:$group);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $filter (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
}

// `layout` is "NCHW" (N, C, spatial...) as in ONNX or "NHWC" (N, spatial..., C).
class Kiln_PoolOp<string mnemonic> : Kiln_Op<mnemonic, [Pure, InferTypeOpAdaptor]> {
  let arguments = (ins Kiln_Tensor:$input, DenseI64ArrayAttr:$kernel_shape,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                       DenseI64ArrayAttr:$dilations, BoolAttr:$ceil_mode,
                       BoolAttr:$count_include_pad,
                       DefaultValuedStrAttr<StrAttr, "NCHW">:$layout);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}
def Kiln_MaxPoolOp : Kiln_PoolOp<"max_pool"> { let summary = "max pooling over NC... input"; }
def Kiln_AvgPoolOp : Kiln_PoolOp<"avg_pool"> { let summary = "average pooling over NC... input"; }

def Kiln_BatchNormOp : Kiln_Op<"batch_norm", [Pure, InferTypeOpAdaptor]> {
  let summary = "inference batch normalization over channel dim 1";
  let arguments = (ins Kiln_Tensor:$input, Kiln_Tensor:$scale, Kiln_Tensor:$bias,
                       Kiln_Tensor:$mean, Kiln_Tensor:$variance, F64Attr:$epsilon);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $scale `,` $bias `,` $mean `,` $variance attr-dict `:` functional-type(operands, results)
  }];
}

def Kiln_LayerNormOp : Kiln_Op<"layer_norm", [Pure, InferTypeOpAdaptor]> {
  let summary = "normalize over dims [axis, rank), then scale (+ bias)";
  let arguments = (ins Kiln_Tensor:$input, Kiln_Tensor:$scale, Optional<Kiln_Tensor>:$bias,
                       I64Attr:$axis, F64Attr:$epsilon);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $scale (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
}

def Kiln_SoftmaxOp : Kiln_Op<"softmax", [Pure, SameOperandsAndResultType]> {
  let summary = "softmax along one axis";
  let arguments = (ins Kiln_Tensor:$input, I64Attr:$axis);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}
def Kiln_LogSoftmaxOp : Kiln_Op<"log_softmax", [Pure, SameOperandsAndResultType]> {
  let summary = "log of softmax along one axis";
  let arguments = (ins Kiln_Tensor:$input, I64Attr:$axis);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Kiln_ReduceOp : Kiln_Op<"reduce", [Pure, InferTypeOpAdaptor]> {
  let summary = "reduction over sorted, non-negative `axes`";
  let arguments = (ins Kiln_Tensor:$input, Kiln_ReduceKindAttr:$kind,
                       DenseI64ArrayAttr:$axes, BoolAttr:$keepdims);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$kind $input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

#endif // KILN_NN_OPS_TD
