"""Conv, ConvTranspose, Gemm, MatMul, BatchNormalization, LayerNormalization, Softmax models."""
from common import parse


def build(out_dir):
    return {
        # kernel 2, stride 1 on 7: total padding 1 goes at the end (UPPER) or the begin (LOWER).
        "conv_same": parse("""
            g (float[1,3,7,7] x, float[4,3,2,2] w) => (float[1,4,7,7] u, float[1,4,7,7] l) {
              u = Conv <auto_pad = "SAME_UPPER"> (x, w)
              l = Conv <auto_pad = "SAME_LOWER", kernel_shape = [2, 2]> (x, w)
            }"""),
        "conv_group_dilation": parse("""
            g (float[1,4,9,9] x, float[8,2,3,3] w, float[8] b) => (float[1,8,7,7] y) {
              y = Conv <group = 2, dilations = [2, 2], pads = [1, 1, 1, 1]> (x, w, b)
            }"""),
        "conv_valid_1d": parse("""
            g (float[1,3,8,8] x, float[2,3,3,3] w, float[1,2,10] x1, float[3,2,3] w1)
              => (float[1,2,3,3] y, float[1,3,8] y1) {
              y = Conv <auto_pad = "VALID", strides = [2, 2]> (x, w)
              y1 = Conv (x1, w1)
            }"""),
        "conv_transpose": parse("""
            g (float[1,2,3,3] x, float[2,4,3,3] w) => (float[1,4,6,6] a, float[1,4,6,6] b,
                                                       float[1,4,6,6] c) {
              a = ConvTranspose <strides = [2, 2], pads = [1, 1, 1, 1], output_padding = [1, 1]> (x, w)
              b = ConvTranspose <strides = [2, 2], output_shape = [6, 6]> (x, w)
              c = ConvTranspose <strides = [2, 2], auto_pad = "SAME_UPPER"> (x, w)
            }"""),
        # output_shape beyond the full transposed conv (9x7) becomes output_padding.
        "conv_transpose_grow": parse("""
            g (float[1,1,3,3] x, float[1,2,3,3] w) => (float[1,2,10,8] y) {
              y = ConvTranspose <strides = [3, 2], output_shape = [10, 8]> (x, w)
            }""", opset=11),
        "gemm": parse("""
            g (float[2,4] a) => (float[2,3] y)
              <float[3,4] b = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, float[3] c = {2, 4, 6}> {
              y = Gemm <transB = 1, alpha = 2.0, beta = 0.5> (a, b, c)
            }"""),
        "gemm_trans_a": parse("""
            g (float[4,2] a, float[4,3] b) => (float[2,3] y) { y = Gemm <transA = 1> (a, b) }"""),
        "matmul": parse("""
            g (float[2,3,4] a, float[4,5] b, float[4] v) => (float[2,3,5] y, float[2,3] z) {
              y = MatMul(a, b)
              z = MatMul(a, v)
            }"""),
        "batchnorm": parse("""
            g (float[1,3,4,4] x) => (float[1,3,4,4] y)
              <float[3] s = {1, 1, 1}, float[3] b = {0, 0, 0}, float[3] m = {0, 1, 2},
               float[3] v = {1, 2, 3}> {
              y = BatchNormalization <epsilon = 0.001> (x, s, b, m, v)
            }""", opset=15),
        "layernorm": parse("""
            g (float[2,3,4] x, float[4] s, float[4] b) => (float[2,3,4] y, float[2,3,4] z) {
              y = LayerNormalization <epsilon = 0.000001> (x, s, b)
              z = LayerNormalization <axis = 1> (x, s)
            }""", opset=17),
        "layernorm_stats": parse("""
            g (float[2,3,4] x, float[3,4] s) => (float[2,3,4] y, float[2,1,1] mean,
                                                 float[2,1,1] inv) {
              y, mean, inv = LayerNormalization <axis = 1, epsilon = 0.5> (x, s)
            }""", opset=17),
        "softmax_11": parse("""
            g (float[2,3,4] x) => (float[2,3,4] y, float[2,3,4] z) {
              y = Softmax(x)
              z = LogSoftmax <axis = 2> (x)
            }""", opset=11),
        "softmax_13": parse("""
            g (float[2,3,4] x) => (float[2,3,4] y, float[2,3,4] z) {
              y = Softmax(x)
              z = LogSoftmax <axis = 1> (x)
            }"""),
        "bn_training": parse("""
            g (float[2,3,4] x, float[3] s, float[3] b, float[3] m, float[3] v)
              => (float[2,3,4] y, float[3] rm, float[3] rv) {
              y, rm, rv = BatchNormalization <training_mode = 1, momentum = 0.75> (x, s, b, m, v)
            }""", opset=15),
        "einsum": parse("""
            g (float[5,2,3] a, float[5,3,4] b, float[3,3] c) => (float[5,2,4] ab, float[3] d,
                                                                 float[3,3] t) {
              ab = Einsum <equation = "bij,bjk->bik"> (a, b)
              d = Einsum <equation = "ii->i"> (c)
              t = Einsum <equation = "ij->ji"> (c)
            }""", opset=12),
    }
