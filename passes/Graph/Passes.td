//===- Passes.td - graph-level passes of Kiln -----------------------------===//
#ifndef KILN_PASSES_GRAPH_PASSES_TD
#define KILN_PASSES_GRAPH_PASSES_TD

include "mlir/Pass/PassBase.td"

def OutlineKernels : Pass<"kiln-outline-kernels", "mlir::ModuleOp"> {
  let summary = "Moves every compute op of @main into its own kernel function";
  let description = [{
    Each kiln op of `@main` that computes (everything but constants and reshapes, which the
    execution plan turns into weights and views) becomes `func.func @kiln_k<N>` marked
    `kiln.kernel`, called from `@main`. Small constants (at most `inline-constant-limit`
    elements) are cloned into the kernel; larger ones stay in `@main` and become weights.
    A `kiln.fused` region outlines as one kernel holding its body.
  }];
  let options = [
    Option<"inlineConstantLimit", "inline-constant-limit", "int64_t", "64",
           "largest constant (in elements) cloned into a kernel instead of passed as weight">
  ];
  let dependentDialects = ["mlir::func::FuncDialect"];
}

def FoldBatchNorm : Pass<"kiln-fold-batch-norm", "mlir::func::FuncOp"> {
  let summary = "Folds an inference batch norm into the convolution before it";
  let description = [{
    `batch_norm(conv(x, W, b))` with constant weights and parameters becomes
    `conv(x, W * s, (b - mean) * s + beta)` with `s = scale / sqrt(var + eps)` per output
    channel. Runs before the layout pass (NCHW convs only); the conv must have no other user.
    Any other batch norm with constant parameters becomes `x * s + t` with per-channel
    constants of shape [C, 1, ...]: elementwise ops that transposes move through and fusion
    absorbs.
  }];
}

def ConvertConvLayout : Pass<"kiln-conv-layout-nhwc", "mlir::func::FuncOp"> {
  let summary = "Runs 1-D to 3-D convolutions and 2-D pools in NHWC with transposes around them";
  let description = [{
    NHWC convolutions (dense and depthwise) vectorize at near peak in MLIR 19, NCHW ones do
    not. Each chosen kiln.conv becomes transpose → conv{layout = "NHWC"} → transpose; the
    filter transpose folds into the constant weights. kiln-propagate-transposes then cancels
    the transposes between consecutive convolutions. The choice for convolutions goes through a
    control function; 2-D max/avg pools always follow (their NHWC form vectorizes along C).
  }];
}

def ComputeF16InF32 : Pass<"kiln-compute-f16-in-f32", "mlir::func::FuncOp"> {
  let summary = "Computes an f16/bf16 graph in f32 (casts at its inputs and outputs)";
  let description = [{
    For targets without f16 arithmetic (x86 CPUs: every f16 op would convert each element to
    f32 and back): f16/bf16 inputs are cast to f32 once, constants converted at compile time,
    every op computes in f32, results are cast back to their declared types. Casts to f16
    inside the graph become casts to f32. onnxruntime's CPU provider does the same with the
    casts it inserts around nodes that have no f16 kernel.
  }];
}

def DecomposeConv3D : Pass<"kiln-decompose-conv3d", "mlir::func::FuncOp"> {
  let summary = "Runs NDHWC 3-D convolutions as one 2-D convolution per depth tap";
  let description = [{
    y[n, od] = sum over kd of conv2d(x[n, od * sd + kd * dd], W[kd]): the depth slices each tap
    reads form a batch of images (depth folded into the batch), the tap results are summed.
    The 2-D convs then take the 2-D paths (NHWC direct, Winograd, im2col), which vectorize;
    MLIR 19 has none for 3-D convs. Static shapes, any group. NDHWC 3-D max pools likewise:
    the max over the depth window of strided depth slices (padded with -inf), then a 2-D pool.
  }];
}

def DecomposeConvTranspose : Pass<"kiln-decompose-conv-transpose", "mlir::func::FuncOp"> {
  let summary = "Runs 2-D transposed convolutions as one stride-1 NHWC conv + depth_to_space";
  let description = [{
    Output phase r of a stride-s transposed conv reads taps r, r + s, ... only: every phase
    is a stride-1 conv of the input, and all phases together one conv with s * s times the
    output channels, whose result kiln.depth_to_space interleaves (and crops by the pads).
    A grouped one runs one conv of the same groups per phase (depthwise for a bilinear
    upsampling), concatenated phase-major. 2-D (1-D as unit height), dilation 1, constant f32
    filters; symbolic batch and image dims included.
  }];
}

def PropagateTransposes : Pass<"kiln-propagate-transposes", "mlir::func::FuncOp"> {
  let summary = "Moves transposes through elementwise ops, concat and reductions to cancel them";
  let description = [{
    Pushes a transpose below unary elementwise ops, binary ops whose other operand is transposed
    the same way or is a constant, concat and keepdims reductions, so that transpose pairs meet
    and fold away; a transpose that only moves unit dims becomes a reshape (a view).
  }];
}

def ConvToMatmul : Pass<"kiln-conv-to-matmul", "mlir::func::FuncOp"> {
  let summary = "Runs chosen NHWC convolutions as im2col + matmul";
  let description = [{
    Deep layers have few output pixels and megabytes of weights: as a direct convolution each
    weight is reused by only a handful of pixels, as a GEMM ([pixels, kh*kw*c] x [kh*kw*c, f])
    the matmul schedule keeps weight blocks in cache. The im2col matrix is built from
    kiln.pad + one strided kiln.slice per filter tap + kiln.concat; 1x1 stride-1 convolutions
    are a reshape; patch embeddings (stride = kernel, unpadded: ViT, Swin, ConvNeXt stems) are
    reshape + one transpose + reshape. The choice goes through a control function (default:
    group 1, at most `max-pixels` output pixels and 64 filter taps; 1x1 unpadded stride 1; a
    patch embedding with few pixels or at least 4x4 taps).
  }];
  let options = [
    Option<"maxPixels", "max-pixels", "int64_t", "256",
           "largest number of output pixels (N*OH*OW) run as im2col + matmul">
  ];
}

def WinogradConv : Pass<"kiln-winograd-conv", "mlir::func::FuncOp"> {
  let summary = "Runs chosen 3x3 NHWC convolutions as Winograd F(m x m, 3 x 3)";
  let description = [{
    conv → [add residual] → [relu | clip] becomes kiln.winograd_input → kiln.matmul (batched
    over the (m+2)^2 tile positions, with the filter transformed at compile time) →
    kiln.winograd_output, which adds the bias and the residual and clamps in the same pass.
    F(4x4, 3x3) does 2.25 instead of 9 multiplications per output and channel pair. Dilated
    convolutions (stride 1) are tiled per dilation phase. The choice goes through a control
    function (default: the tile whose estimated time, multiply-adds at the FMA peak or, when
    longer, the transformed filter and tiles at memory bandwidth, plus 0.05 ms per MB of
    filter beyond the direct one's, is least, with a time of at most 3/4 of the direct
    convolution's and a transformed filter of at most `max-weight-bytes`); `tile` forces m =
    2 or 4 for every candidate (tests, experiments).
  }];
  let options = [
    Option<"tile", "tile", "int64_t", "0", "force this output tile (2 or 4); 0: the control function's choice">,
    Option<"maxWeightBytes", "max-weight-bytes", "int64_t", "(256 << 20)",
           "largest transformed filter ((m+2)^2 * C * K * 4 bytes, kept in memory) allowed">
  ];
}

def DepthwiseConv : Pass<"kiln-depthwise-conv", "mlir::func::FuncOp"> {
  let summary = "Depthwise NHWC convolutions (+ relu/clip) as kiln.depthwise_conv2d";
  let description = [{
    A padded depthwise conv otherwise runs as a kiln.pad (a copy of its whole input into a
    bigger buffer) and the conv; kiln.depthwise_conv2d reads the zero padding in place and
    applies the bias and a following relu or clip as it stores its result. Static f32 NHWC
    convs with one channel per group, no dilation and channels in multiples of 8.
  }];
}

def GroupedConv : Pass<"kiln-grouped-conv", "mlir::func::FuncOp"> {
  let summary = "Grouped NHWC convolutions (+ relu/clip) as kiln.grouped_conv2d";
  let description = [{
    Grouped convs (more than one group, not depthwise) otherwise lower to a scalar loop nest;
    kiln.grouped_conv2d lowers to vector code along the output channels, reads the zero
    padding in place and applies the bias and a following relu or clip as it stores. Static
    f32 NHWC convs without dilation whose channels fit its vectors (isGroupedConvCandidate:
    the layout pass runs the same convs in NHWC).
  }];
}

def FoldEmptyTensors : Pass<"kiln-fold-empty-tensors", "mlir::func::FuncOp"> {
  let summary = "Keeps tensors with a zero-size dim out of kernels";
  let description = [{
    A tensor with a static zero-size dim holds no elements, and kernels over empty buffers are
    what MLIR's tiling and bufferization do not expect. Every op result that is empty becomes
    an empty constant (nothing to compute); a concat drops its empty inputs; a reduction over
    an empty extent becomes its identity (ONNX: sum, l1, l2, sum_square 0; prod 1; max -inf;
    min +inf; log_sum, log_sum_exp -inf; mean NaN); a matmul whose contraction is empty
    becomes zeros. Any other op that reads a computed empty tensor and produces elements is an
    error naming it, not a crash. Empty constants (a Resize's unused roi) stay as they are.
  }];
}

def PrunePaddingTaps : Pass<"kiln-prune-padding-taps", "mlir::func::FuncOp"> {
  let summary = "Drops the filter taps of a convolution that only ever read padding";
  let description = [{
    Along each spatial dim, the taps that reach the input for some output position form one
    range; a static convolution keeps only that range of its filter (a kiln.slice, folded for
    constant filters) and shrinks its pads by the dilation times the taps cut. Dilated
    convolutions on small maps (DeepLab's ASPP: 3x3, dilation 36, 33x33) lose taps that
    multiply zeros; a window that reaches the input only at its centre becomes 1x1. Exact for
    every layout, group and stride. A convolution whose every tap reads padding, or whose pads
    would turn negative, is left alone.
  }];
}

def SplitConvRegions : Pass<"kiln-split-conv-regions", "mlir::func::FuncOp"> {
  let summary = "Splits a padded convolution into unpadded ones where its taps read padding";
  let description = [{
    Along each spatial dim, output positions whose taps inside the input form the same range
    are a band; each box of bands becomes an unpadded convolution of those taps over the input
    rows the box reads (slices of the input and the filter), and the result the concat of the
    boxes. The multiply-adds that read padding go: DeepLab's ASPP (3x3 taps dilated 12 and 24
    on a 33x33 map) keeps 57% and 27% of them. Static shapes, float types, any layout, group,
    stride and rank; done when padding takes at least a quarter of the multiply-adds and the
    boxes number at most 27.
  }];
}

def SplitConcat : Pass<"kiln-split-concat", "mlir::func::FuncOp"> {
  let summary = "Dissolves channel concats into the matmuls and max pools that consume them";
  let description = [{
    A concat along the innermost dim copies every part. When its only consumer is a matmul by
    a constant (through a view that merges leading dims: a 1x1 convolution), the matmul splits
    along its contraction: concat(a, b) x W = a x W[0:ca] + b x W[ca:], the sum meeting in the
    last matmul's epilogue. An NHWC max pool of it pools each part and concats the (smaller)
    results, which the next matmul may then split. SqueezeNet's fire modules lose their copies.
  }];
}

def ExplicitConvPadding : Pass<"kiln-explicit-conv-padding", "mlir::func::FuncOp"> {
  let summary = "Pads NHWC convolution and max-pool inputs with a kiln.pad of their own";
  let description = [{
    Padding inside a conv kernel bufferizes to a heap allocation and a copy on every call (page
    faults for megabyte inputs); as its own op the padded tensor is a planned arena buffer and
    the conv kernel reads it directly. Float NHWC max pools (not ceil_mode) get a -inf pad the
    same way; fusion then lets the producer write into the padded buffer's interior. With
    `vector-pools` (the CPU target) the pools that lower to vector code, which read their
    padding in place, keep it.
  }];
  let options = [
    Option<"vectorPools", "vector-pools", "bool", "false",
           "leave the padding of vector-coded pools (kiln::isVectorCodedPool) in the pool">
  ];
}

#endif
