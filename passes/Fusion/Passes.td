//===- Passes.td - fusion passes of Kiln ----------------------------------===//
#ifndef KILN_PASSES_FUSION_PASSES_TD
#define KILN_PASSES_FUSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def FuseElementwise : Pass<"kiln-fuse-elementwise", "mlir::func::FuncOp"> {
  let summary = "Groups anchors and their elementwise consumers into kiln.fused regions";
  let description = [{
    An anchor (convolution, matmul, reduction) absorbs the elementwise ops that consume its
    result at the result's shape — bias adds, activations (relu, clip, the Erf form of GELU),
    residual adds — and an elementwise op that is no anchor's consumer starts a chain of its
    own. A group has one result: every member but the last is used only inside the group (a
    value also needed elsewhere would have to be written out anyway). Operands from outside
    (bias, residual) may broadcast; a consumer that would broadcast the group's value to a
    larger shape stays outside. A constant `kiln.pad` that is the only user of the group's
    value joins as its last op: the kernel then writes the border and its result into the
    interior of the padded buffer, and no pad kernel copies the value again. Each candidate
    goes through a control function (the heuristic default accepts every legal candidate; a
    cost model can veto). Each group becomes one
    `kiln.fused` region, outlined later as one kernel. With `int8-epilogues` (targets whose int8
    GEMM applies an epilogue to its accumulators: the CPU's VNNI kernel) kiln.matmul_int8 is an
    anchor too: the requantization after it (zero-point term, scales, bias, rounding,
    saturation, the cast to 8 bits) runs in its kernel. With `producers` (targets whose
    kernels merge an elementwise producer into its consumer's loops: the CPU) elementwise
    producers that only a group uses join it too, for reductions (the cast widening an int8
    GEMM's patch matrix for its row sums) and int8 GEMM epilogues.
  }];
  let options = [
    Option<"int8Epilogues", "int8-epilogues", "bool", "false",
           "kiln.matmul_int8 anchors its elementwise consumers">,
    Option<"producers", "producers", "bool", "false",
           "elementwise producers used only by a reduction or an int8 epilogue join its group">
  ];
  let dependentDialects = ["mlir::kiln::KilnDialect"];
}

def SinkReshapes : Pass<"kiln-sink-reshapes", "mlir::func::FuncOp"> {
  let summary = "Moves reshapes below elementwise ops so that producers and consumers meet";
  let description = [{
    `relu(reshape(x))` becomes `reshape(relu(x))`, and a binary op of two reshapes of the same
    source shape, or of a reshape and an operand that only varies along the trailing dims the
    reshape keeps (a bias), computes before the reshape. A matmul's epilogue (e.g. the bias add
    of an im2col convolution, then the residual add and relu on the 4-D shape) then follows
    the matmul directly and can fuse with it. A reduction over every axis, or over trailing
    axes that a reshape keeps, reads the reshape's source and reshapes its result instead.
  }];
  let dependentDialects = ["mlir::kiln::KilnDialect"];
}

def RecognizeLayerNorm : Pass<"kiln-recognize-layer-norm", "mlir::func::FuncOp"> {
  let summary = "Turns the decomposed LayerNorm of older exports into one kiln.layer_norm";
  let description = [{
    Exporters before opset 17 spell LayerNorm as `d = x - mean(x)`, `d / sqrt(mean(d^2) + eps)`,
    then `* gamma + beta`: nine ops, two of them reductions, and as many passes over memory.
    The pattern (trailing axes, keepdims means, exponent 2, a scalar eps, per-feature gamma and
    beta) becomes one `kiln.layer_norm`, which lowers to one kernel.
  }];
  let dependentDialects = ["mlir::kiln::KilnDialect"];
}

#endif
