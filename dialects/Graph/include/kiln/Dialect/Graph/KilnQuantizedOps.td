//===- KilnQuantizedOps.td - integer ops of quantized models (int8 x int8 → int32) ===//
#ifndef KILN_QUANTIZED_OPS_TD
#define KILN_QUANTIZED_OPS_TD

include "kiln/Dialect/Graph/KilnBase.td"

def Kiln_MatMulInt8Op : Kiln_Op<"matmul_int8", [Pure]> {
  let summary = "uint8 x int8 → int32 matrix product, the int8 weights pre-packed in panels";
  let description = [{
    lhs [B..., M, K] of ui8, rhs [ceil(N / 64), ceil(K / 4), 256] of i8 (the weights packed:
    w[k][n] at rhs[n / 64, k / 4, (n % 64) * 4 + k % 4], zeros past K and N), result
    [B..., M, N] of i32: result[..., m, n] = sum_k lhs[..., m, k] * w[k][n] with exact int32
    accumulation. The raw product: zero points are folded around it by
    kiln-form-int8-matmul (passes/Quantization). The layout is the operand order of the
    AVX-512 VNNI `vpdpbusd` (4 consecutive k per 32-bit lane, 16 columns per register, panels
    of 64 columns contiguous per group of 4 k), which the CPU codegen uses (compiler/Codegen/CPU/VnniGemm.cpp).
  }];
  let arguments = (ins Kiln_Tensor:$lhs, Kiln_Tensor:$rhs);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

#endif // KILN_QUANTIZED_OPS_TD
