//===- KilnElementwiseOps.td - elementwise ops of the kiln dialect --------===//
#ifndef KILN_ELEMENTWISE_OPS_TD
#define KILN_ELEMENTWISE_OPS_TD

include "kiln/Dialect/Graph/KilnBase.td"

def Kiln_AddOp : Kiln_BinaryOp<"add", [Commutative]> { let summary = "lhs + rhs"; }
def Kiln_SubOp : Kiln_BinaryOp<"sub"> { let summary = "lhs - rhs"; }
def Kiln_MulOp : Kiln_BinaryOp<"mul", [Commutative]> { let summary = "lhs * rhs"; }
def Kiln_DivOp : Kiln_BinaryOp<"div"> {
  let summary = "lhs / rhs (integer division truncates)";
}
def Kiln_PowOp : Kiln_BinaryOp<"pow"> { let summary = "lhs ** rhs"; }
def Kiln_MinOp : Kiln_BinaryOp<"min", [Commutative]> { let summary = "elementwise minimum"; }
def Kiln_MaxOp : Kiln_BinaryOp<"max", [Commutative]> { let summary = "elementwise maximum"; }

def Kiln_ModOp : Kiln_Op<"mod", [Pure, InferTypeOpAdaptor]> {
  let summary = "remainder with numpy broadcasting";
  let description = [{
    `fmod` = true: the sign of the result follows `lhs` (C fmod; integers truncate).
    `fmod` = false (integers only): the sign follows `rhs` (Python's %).
  }];
  let arguments = (ins Kiln_Tensor:$lhs, Kiln_Tensor:$rhs, BoolAttr:$fmod);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

def Kiln_BitShiftOp : Kiln_Op<"bit_shift", [Pure, InferTypeOpAdaptor]> {
  let summary = "lhs << rhs or lhs >> rhs (logical) with numpy broadcasting";
  let description = [{
    Integer operands of one type. `left` = true shifts left, false shifts right, filling with
    zeros (ONNX BitShift is defined on unsigned types). A shift by the bit width or more
    gives 0.
  }];
  let arguments = (ins Kiln_Tensor:$lhs, Kiln_Tensor:$rhs, BoolAttr:$left);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
}

def Kiln_AndOp : Kiln_LogicalOp<"and", [Commutative]> { let summary = "lhs and rhs (i1)"; }
def Kiln_OrOp : Kiln_LogicalOp<"or", [Commutative]> { let summary = "lhs or rhs (i1)"; }
def Kiln_XorOp : Kiln_LogicalOp<"xor", [Commutative]> { let summary = "lhs xor rhs (i1)"; }
def Kiln_NotOp : Kiln_UnaryOp<"not"> {
  let summary = "logical not (i1)";
  let hasFolder = 1;
}

def Kiln_EqualOp : Kiln_CompareOp<"equal", [Commutative]> { let summary = "lhs == rhs"; }
def Kiln_LessOp : Kiln_CompareOp<"less"> { let summary = "lhs < rhs"; }
def Kiln_GreaterOp : Kiln_CompareOp<"greater"> { let summary = "lhs > rhs"; }

def Kiln_ReluOp : Kiln_UnaryOp<"relu"> { let summary = "max(x, 0)"; }
def Kiln_SigmoidOp : Kiln_UnaryOp<"sigmoid"> { let summary = "1 / (1 + exp(-x))"; }
def Kiln_TanhOp : Kiln_UnaryOp<"tanh"> { let summary = "tanh(x)"; }
def Kiln_ExpOp : Kiln_UnaryOp<"exp"> { let summary = "exp(x)"; }
def Kiln_LogOp : Kiln_UnaryOp<"log"> { let summary = "natural logarithm"; }
def Kiln_SqrtOp : Kiln_UnaryOp<"sqrt"> { let summary = "square root"; }
def Kiln_ErfOp : Kiln_UnaryOp<"erf"> { let summary = "Gauss error function"; }
def Kiln_NegOp : Kiln_UnaryOp<"neg"> {
  let summary = "-x";
  let hasFolder = 1;
}
def Kiln_AbsOp : Kiln_UnaryOp<"abs"> { let summary = "|x|"; }
def Kiln_ReciprocalOp : Kiln_UnaryOp<"reciprocal"> { let summary = "1 / x"; }
def Kiln_FloorOp : Kiln_UnaryOp<"floor"> {
  let summary = "floor(x)";
  let hasFolder = 1;
}
def Kiln_CeilOp : Kiln_UnaryOp<"ceil"> {
  let summary = "ceil(x)";
  let hasFolder = 1;
}
def Kiln_RoundOp : Kiln_UnaryOp<"round"> {
  let summary = "round half to even";
  let hasFolder = 1;
}
def Kiln_SinOp : Kiln_UnaryOp<"sin"> { let summary = "sin(x)"; }
def Kiln_CosOp : Kiln_UnaryOp<"cos"> { let summary = "cos(x)"; }
def Kiln_TanOp : Kiln_UnaryOp<"tan"> { let summary = "tan(x)"; }
def Kiln_AsinOp : Kiln_UnaryOp<"asin"> { let summary = "arcsin(x)"; }
def Kiln_AcosOp : Kiln_UnaryOp<"acos"> { let summary = "arccos(x)"; }
def Kiln_AtanOp : Kiln_UnaryOp<"atan"> { let summary = "arctan(x)"; }
def Kiln_SinhOp : Kiln_UnaryOp<"sinh"> { let summary = "sinh(x)"; }
def Kiln_CoshOp : Kiln_UnaryOp<"cosh"> { let summary = "cosh(x)"; }
def Kiln_AsinhOp : Kiln_UnaryOp<"asinh"> { let summary = "arsinh(x)"; }
def Kiln_AcoshOp : Kiln_UnaryOp<"acosh"> { let summary = "arcosh(x)"; }
def Kiln_AtanhOp : Kiln_UnaryOp<"atanh"> { let summary = "artanh(x)"; }
def Kiln_HardSwishOp : Kiln_UnaryOp<"hard_swish"> {
  let summary = "x * max(0, min(1, x / 6 + 1 / 2))";
}

def Kiln_ClipOp : Kiln_UnaryOp<"clip"> {
  let summary = "min(max(x, min), max) with constant bounds";
  let arguments = (ins Kiln_Tensor:$input, F64Attr:$min, F64Attr:$max);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}
def Kiln_LeakyReluOp : Kiln_UnaryOp<"leaky_relu"> {
  let summary = "x >= 0 ? x : alpha * x";
  let arguments = (ins Kiln_Tensor:$input, F64Attr:$alpha);
}
def Kiln_EluOp : Kiln_UnaryOp<"elu"> {
  let summary = "x >= 0 ? x : alpha * (exp(x) - 1)";
  let arguments = (ins Kiln_Tensor:$input, F64Attr:$alpha);
}
def Kiln_HardSigmoidOp : Kiln_UnaryOp<"hard_sigmoid"> {
  let summary = "max(0, min(1, alpha * x + beta))";
  let arguments = (ins Kiln_Tensor:$input, F64Attr:$alpha, F64Attr:$beta);
}

def Kiln_CastOp : Kiln_Op<"cast", [Pure]> {
  let summary = "element type conversion (same shape)";
  let arguments = (ins Kiln_Tensor:$input);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Kiln_WhereOp : Kiln_Op<"where", [Pure, InferTypeOpAdaptor]> {
  let summary = "cond ? x : y with numpy broadcasting";
  let arguments = (ins Kiln_Tensor:$cond, Kiln_Tensor:$x, Kiln_Tensor:$y);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$cond `,` $x `,` $y attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

#endif // KILN_ELEMENTWISE_OPS_TD
