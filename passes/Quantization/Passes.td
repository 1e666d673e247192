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
    warning naming the node. Weights too large for the constant folder, the unfolded
    dequantization of an 8-bit constant (a transposed Gemm's), are laid out as [K, N] at
    compile time first (Int8Weights.h).
  }];
  let dependentDialects = ["mlir::kiln::KilnDialect"];
}

def Int8ConvIm2col : Pass<"kiln-int8-conv-im2col", "mlir::func::FuncOp"> {
  let summary = "Convolutions of 8-bit activations as an im2col of the 8-bit values + matmul";
  let description = [{
    A dense (group 1) NHWC convolution of any kernel size, stride, dilation
    and padding whose input is 8-bit values widened: conv(cast(x) - zx, W) in i32
    (QLinearConv, ConvInteger) or conv((float(x) - zx) * sx, W) in float (DequantizeLinear
    in a QDQ model), possibly through a transpose, with scalar constant zx and sx and
    constant weights, becomes matmul(cast(im2col(x)) - zx [* sx], W[KH*KW*C, F]) + bias:
    the patch matrix [N*OH*OW, KH*KW*C] is built from the 8-bit x (padding filled with zx,
    which centres to 0), so kiln-form-int8-matmul / kiln-form-int8-qdq run the product on
    the int8 kernel (a pointwise conv's patch matrix is its input, reshaped). Filters too
    large for the constant folder, still their dequantization of an 8-bit constant, are laid
    out as [K, F] 8-bit constants at compile time (Int8Weights.h). Runs before
    kiln-winograd-conv and kiln-conv-to-matmul. A grouped conv of dequantized activations
    (groups of a multiple of 4 channels, int8-grid weights, the CPU's kiln.im2col) becomes
    the same patch matrix times kiln.matmul_int8 {groups = [G, Cg]} (each output column sums
    its own group's columns), then the scales and bias in float; with static shapes, groups
    of fewer than 16 outputs stay float convs (the float kernel is faster there). Integer
    grouped convs, and convs with run-time weights or symbolic channels, stay as they are,
    with a warning naming the node. With `vector-im2col` (targets with hand-written
    vector kernels: the CPU) the patch matrix is a kiln.im2col, the padding read in place;
    else the input padded, one slice per tap and their concat in one kernel.
  }];
  let options = [
    Option<"vectorIm2col", "vector-im2col", "bool", "true",
           "build the patch matrix as a kiln.im2col (vector code) rather than slices">
  ];
  let dependentDialects = ["mlir::kiln::KilnDialect"];
}

def Int8GroupedConvInF32 : Pass<"kiln-int8-grouped-conv-in-f32", "mlir::func::FuncOp"> {
  let summary = "Grouped / depthwise i32 convolutions of 8-bit values as exact float convs";
  let description = [{
    A grouped NCHW conv(cast(x) - zx, W) + b in i32 (QLinearConv, ConvInteger with group > 1)
    with x of ui8/i8, zx one constant and constant W and b becomes
    cast<i32>(conv(float(x) - zx, float(W), float(b))) when every output channel's
    sum |b| + max|x - zx| * sum |w| stays below 2^24, where float32 sums of integers are exact
    in any order: bit-identical, and the float conv takes the fp32 models' vector paths
    (layout, kiln-depthwise-conv, kiln-grouped-conv) instead of scalar i32 loops. Runs before
    kiln-conv-layout-nhwc. Convs past the bound stay i32 (kiln-form-int8-matmul warns).
  }];
  let dependentDialects = ["mlir::kiln::KilnDialect"];
}

def Int8Depthwise : Pass<"kiln-int8-depthwise", "mlir::func::FuncOp"> {
  let summary = "The dequantize before and the quantize after a depthwise conv, in the conv";
  let description = [{
    A float kiln.depthwise_conv2d whose input is [a reshape of] (float(x8) [- zx]) [* sx] (x8
    of ui8/i8, zx and sx scalar constants: a DequantizeLinear, or a QLinearConv's widened
    input) reads x8 itself, dequantizing as it loads (`input_scale`, `input_zero_point`); one whose result's only use is
    clip(round(v / sy) [+ zy], type range) cast to ui8/i8 (a QuantizeLinear) writes that 8-bit
    result, quantizing before it stores (`output_scale`, `output_zero_point`). Either or both.
    The arithmetic is the float ops it replaces (bit-identical), without the float tensors
    between them: 4 bytes per value written and read back once each side. A float depthwise
    conv of dequantized values it cannot take is reported with a warning naming the node.
    Runs after kiln-depthwise-conv.
  }];
  let dependentDialects = ["mlir::kiln::KilnDialect"];
}

def Int8MaxPool : Pass<"kiln-int8-max-pool", "mlir::func::FuncOp"> {
  let summary = "Max pools of dequantized 8-bit values pool the 8-bit values";
  let description = [{
    kiln.max_pool of [a transpose of] (float(x8) [- zx]) * sx (x8 of ui8/i8, zx and sx > 0
    scalar constants: a DequantizeLinear) becomes the dequantization of an 8-bit max pool of
    x8 (dequantization is increasing: the same values, bit for bit). Where the pool's only use
    is a QuantizeLinear with the same scale, zero point and 8-bit type, the pooled 8-bit
    values replace its result. The producer then writes, and the pool reads, 1 byte per value.
    Only pools that the CPU's vector code takes in 8 bits (NHWC, channels in whole 8-lane
    vectors; see VectorPools.h): elsewhere a float pool runs faster than a scalar 8-bit one.
  }];
  let dependentDialects = ["mlir::kiln::KilnDialect"];
}

def FoldByteRoundTrips : Pass<"kiln-fold-byte-round-trips", "mlir::func::FuncOp"> {
  let summary = "float(int8(x)) of an integer-valued x clipped into the 8-bit range is x";
  let description = [{
    kiln.cast to f32 of a kiln.cast to ui8/i8 of x, where x is a kiln.clip to bounds inside the
    8-bit type's range of integer values (round, floor, ceil, widened integers, sums and
    differences with integer constants), when the 8-bit cast has no other user: x itself.
    A QuantizeLinear followed by a
    DequantizeLinear feeding float ops (SiLU, hard-swish, sigmoid gates of QDQ models) then
    converts nothing. Runs after the int8 passes, which recognize dequantization by its 8-bit
    cast.
  }];
  let dependentDialects = ["mlir::kiln::KilnDialect"];
}

#endif
