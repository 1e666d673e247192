//===- Passes.td - quantization passes of Kiln ----------------------------===//
#ifndef KILN_PASSES_QUANTIZATION_PASSES_TD
#define KILN_PASSES_QUANTIZATION_PASSES_TD

include "mlir/Pass/PassBase.td"

def FormInt8MatMul : Pass<"kiln-form-int8-matmul", "mlir::func::FuncOp"> {
  let summary = "Integer matmuls of 8-bit values with constant weights → kiln.matmul_int8";
  let description = [{
    The importer widens QLinearMatMul / MatMulInteger (and QDQ models once their float
    arithmetic is rewritten) to `matmul(cast(a) - za, W)` in i32, W a constant whose
    zero point is already folded in. When `a` is ui8 or i8 with a scalar zero point and every
    weight fits in int8, the product becomes a kiln.matmul_int8 of ui8 activations (i8 ones
    shifted by +128) and the weights packed for `vpdpbusd`, minus the compile-time constant
    za' * colsum(W): sum_k (a - za) w = sum_k a w - za * sum_k w. Integer matmuls of 8-bit
    values that do not qualify stay i32 matmuls and are reported with a warning naming the
    node (never silently slow).
  }];
  let dependentDialects = ["mlir::kiln::KilnDialect"];
}

def FormInt8FromQDQ : Pass<"kiln-form-int8-qdq", "mlir::func::FuncOp"> {
  let summary = "QDQ matmuls (DequantizeLinear'd activations x int8-valued weights) → int8";
  let description = [{
    matmul((float(x_q) - zx) * sx, W) with x_q of ui8/i8, zx and sx scalar constants and W a
    float constant whose every column is exactly (in float32) int8 values times one scale
    (what the importer folds DequantizeLinear of symmetric per-channel int8 weights to)
    becomes float(kiln.matmul_int8-based exact i32 product) * (sx * s_n). A matmul of
    dequantized activations whose weights are not of that form stays in float, with a
    warning naming the node.
  }];
  let dependentDialects = ["mlir::kiln::KilnDialect"];
}

#endif
