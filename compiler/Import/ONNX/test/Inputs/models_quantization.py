"""Quantization models: (De)QuantizeLinear, DynamicQuantizeLinear, integer and QLinear ops."""
from common import parse


def build(out_dir):
    return {
        "dequantize_axis": parse("""
            g (uint8[1,3,2] x) => (float[1,3,2] y)
              <float[3] s = {0.5, 1.0, 2.0}, uint8[3] z = {1, 2, 3}> {
              y = DequantizeLinear <axis = 1> (x, s, z)
            }"""),
        "quantize": parse("""
            g (float[4] x) => (int8[4] y) <float s = {0.5}, int8 z = {-1}> {
              y = QuantizeLinear(x, s, z)
            }"""),
        "dynamic_quantize": parse("""
            g (float[2,3] x) => (uint8[2,3] y, float s, uint8 z) {
              y, s, z = DynamicQuantizeLinear(x)
            }"""),
        "matmul_integer": parse("""
            g (uint8[4,3] a, uint8[3,2] b) => (int32[4,2] y) <uint8 az = {12}> {
              y = MatMulInteger(a, b, az)
            }"""),
        "qlinear_conv": parse("""
            g (uint8[1,1,4,4] x, int8[2,1,3,3] w) => (uint8[1,2,2,2] y)
              <float xs = {0.5}, uint8 xz = {10}, float[2] ws = {0.25, 0.5},
               int8[2] wz = {0, 1}, float ys = {2.0}, uint8 yz = {5}, int32[2] bias = {1, 2}> {
              y = QLinearConv(x, xs, xz, w, ws, wz, ys, yz, bias)
            }""", opset=13),
        "zero_point_type": parse("""
            g (uint8[4] x) => (float[4] y) <float s = {0.5}, int8 z = {1}> {
              y = DequantizeLinear(x, s, z)
            }""", names=["dq"]),
    }
