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

    With `groups = [G, Cg]` (a grouped convolution's patch matrix: K = T taps x G groups x Cg
    channels, the columns ordered (tap, group, channel)), output column n belongs to group
    g = n / Fg (Fg = N / G) and sums over its group's Kg = T * Cg columns only:
    result[..., m, n] = sum_kg lhs[..., m, (kg / Cg) * G * Cg + g * Cg + kg % Cg] * w[kg][n],
    w [Kg, N] packed per group: w[kg][n] at rhs[g * ceil(Fg / 64) + (n % Fg) / 64, kg / 4,
    (n % Fg % 64) * 4 + kg % 4]; or, where groups share vectors (Fg < 16 dividing 16:
    kiln::groupsShareVectors, Int8Layout.h), over all columns as the dense layout packs
    [Kg, N]: w[kg][n] at rhs[n / 64, kg / 4, (n % 64) * 4 + kg % 4]. Cg is a multiple of 4
    (4 consecutive k of a group are 4 adjacent bytes of the lhs).
  }];
  let arguments = (ins Kiln_Tensor:$lhs, Kiln_Tensor:$rhs,
                       OptionalAttr<DenseI64ArrayAttr>:$groups);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

#endif // KILN_QUANTIZED_OPS_TD
