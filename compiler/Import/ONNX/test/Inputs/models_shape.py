"""Shape ops: Reshape, Flatten, Squeeze, Unsqueeze, Expand, Shape, ConstantOfShape, Constant."""
import numpy as np
from onnx import TensorProto, helper, numpy_helper

from common import parse


def constants():
    """Constant nodes of every attribute form and element type (float16 has no text syntax)."""
    model = parse("""
            g () => (float a, float[2] b, int64 c, int64[3] d, bool[3] f, int8[2] g,
                     double[1] h, int32[2] i) {
              a = Constant <value_float = 0.25> ()
              b = Constant <value_floats = [1.5, -2.0]> ()
              c = Constant <value_int = 7> ()
              d = Constant <value_ints = [1, -2, 3]> ()
              f = Constant <value = bool[3] {1, 0, 1}> ()
              g = Constant <value = int8[2] {-128, 127}> ()
              h = Constant <value = double[1] {0.1}> ()
              i = Constant <value = int32[2] {-5, 5}> ()
            }""")
    half = numpy_helper.from_array(np.array([1.0, -2.0], np.float16))
    model.graph.node.append(helper.make_node("Constant", [], ["e"], value=half))
    model.graph.output.append(helper.make_tensor_value_info("e", TensorProto.FLOAT16, [2]))
    # float16 and int8 in raw_data (the typed-field path is taken above).
    raw = numpy_helper.from_array(np.array([0.5, 3.0], np.float16), "raw_half")
    raw8 = numpy_helper.from_array(np.array([-1, 2], np.int8), "raw_int8")
    model.graph.initializer.extend([raw, raw8])
    model.graph.output.append(helper.make_tensor_value_info("raw_half", TensorProto.FLOAT16, [2]))
    model.graph.output.append(helper.make_tensor_value_info("raw_int8", TensorProto.INT8, [2]))
    return model


def build(out_dir):
    return {
        "reshape": parse("""
            g (float[2,3,4] x, float[0,4] e) => (float[2,12] a, float[24] b, float[4,0] c) {
              s1 = Constant <value_ints = [0, -1]> ()
              a = Reshape(x, s1)
              s2 = Constant <value_ints = [-1]> ()
              b = Reshape(x, s2)
              s3 = Constant <value_ints = [4, 0]> ()
              c = Reshape <allowzero = 1> (e, s3)
            }""", opset=14),
        "reshape_dynamic_batch": parse("""
            g (float[N,4] x) => (float[N,2,2] a, float[N,2] b) {
              s1 = Constant <value_ints = [0, 2, 2]> ()
              a = Reshape(x, s1)
              s2 = Constant <value_ints = [-1, 2]> ()
              b = Reshape(x, s2)
            }"""),
        "flatten": parse("""
            g (float[2,3,4,5] x) => (float[6,20] a, float[1,120] b, float[24,5] c, float[2,60] d) {
              a = Flatten <axis = 2> (x)
              b = Flatten <axis = 0> (x)
              c = Flatten <axis = -1> (x)
              d = Flatten(x)
            }"""),
        "squeeze_11": parse("""
            g (float[1,3,1,4] x) => (float[3,4] a, float[3,4] b, float[1,3,4,1] c) {
              a = Squeeze <axes = [0, -2]> (x)
              b = Squeeze(x)
              c = Unsqueeze <axes = [0, -1]> (a)
            }""", opset=11),
        "squeeze_13": parse("""
            g (float[1,3,1,4] x) => (float[3,1,4] a, float[3,4,1] c) <int64[1] ax = {0},
                                                                      int64[1] last = {2}> {
              a = Squeeze(x, ax)
              b = Squeeze(x)
              c = Unsqueeze(b, last)
            }"""),
        "expand": parse("""
            g (float[3,1] x) => (float[2,3,4] a, float[3,1] b) <int64[3] s = {2, 1, 4},
                                                                 int64[2] ones = {1, 1}> {
              a = Expand(x, s)
              b = Expand(x, ones)
            }"""),
        "shape": parse("""
            g (float[2,3,4,5] x, float[N,3] d) => (int64[2] a, int64[2] b, int64[4] c) {
              a = Shape <start = 1, end = -1> (x)
              b = Shape(d)
              c = Shape(x)
            }""", opset=15),
        # Shape → Gather → Unsqueeze → Concat → Reshape folds to one reshape.
        "shape_chain": parse("""
            g (float[2,3,4] x) => (float[2,12] y) <int64 zero = {0}, int64[1] minus_one = {-1}> {
              s = Shape(x)
              n = Gather(s, zero)
              n1 = Unsqueeze <axes = [0]> (n)
              target = Concat <axis = 0> (n1, minus_one)
              y = Reshape(x, target)
            }""", opset=11),
        "constant_of_shape": parse("""
            g () => (int64[2,3] a, float[2] b, float c) {
              s = Constant <value_ints = [2, 3]> ()
              a = ConstantOfShape <value = int64[1] {7}> (s)
              s2 = Constant <value_ints = [2]> ()
              b = ConstantOfShape(s2)
              empty = Constant <value = int64[0] {}> ()
              c = ConstantOfShape <value = float[1] {2.5}> (empty)
            }"""),
        "constants": constants(),
        "size_range": parse("""
            g (float[2,3] x) => (int64 n, float[3] r) <float a = {1.0}, float b = {2.5},
                                                       float d = {0.5}> {
              n = Size(x)
              r = Range(a, b, d)
            }""", opset=11),
        "reshape_1": parse("""
            g (float[2,3] x) => (float[3,2] y) { y = Reshape <shape = [3, -1]> (x) }""",
                           opset=4),
        # x.view(x.size(0), -1) as PyTorch exports it: the shape traces back to dim 0 of x.
        "reshape_view_batch": parse("""
            g (float[N,3,4] x) => (float[N,12] y, float[N,3,4] z) {
              s = Shape(x)
              i = Constant <value_int = 0> ()
              n = Gather <axis = 0> (s, i)
              axes = Constant <value_ints = [0]> ()
              n1 = Unsqueeze(n, axes)
              m1 = Constant <value_ints = [-1]> ()
              shape = Concat <axis = 0> (n1, m1)
              y = Reshape(x, shape)
              back = Shape(x)
              z = Reshape(y, back)
            }"""),
        # Arithmetic on the static dims of a tensor with a dynamic batch folds at import.
        "shape_arith_dynamic_batch": parse("""
            g (float[N,4] x) => (float[N,2,2] y, float[8] z) {
              s = Shape(x)
              i0 = Constant <value_ints = [0]> ()
              i1 = Constant <value_ints = [1]> ()
              two = Constant <value_ints = [2]> ()
              n = Gather <axis = 0> (s, i0)
              c = Gather <axis = 0> (s, i1)
              half = Div(c, two)
              shape = Concat <axis = 0> (n, half, two)
              y = Reshape(x, shape)
              c2 = Mul(c, two)
              z = ConstantOfShape <value = float[1] {1.5}> (c2)
            }"""),
        "reshape_runtime_shape": parse("""
            g (float[2,3] x, int64[2] s) => (float[3,2] y) { y = Reshape(x, s) }""",
                                       names=["reshape_node"]),
        "shape_values": parse("""
            g (float[2,3] x, int64[2] axes, int64[3] shape, float lim)
                => (float[2,3] sq, float[2,2,3] e, float[2,2,3] c, float[2] r) {
              u = Unsqueeze(x, axes)
              sq = Squeeze(u, axes)
              e = Expand(x, shape)
              c = ConstantOfShape <value = float[1] {2.0}> (shape)
              zero = Constant <value_float = 0.0> ()
              one = Constant <value_float = 1.0> ()
              r = Range(zero, lim, one)
            }"""),
        "reshape_unknown_rank": parse("""
            g (float[2,3] x, int64[M] s) => (float[6] y) { y = Reshape(x, s) }""",
                                      names=["reshape_node"]),
    }
