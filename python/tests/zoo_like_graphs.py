"""Small ONNX graphs with the structures that real exported models use and that once fell off
Kiln's vector path: activation chains after depthwise and grouped convs, per-channel
broadcasts along every axis, ConvTranspose, Resize, attention blocks, pools with every padding.
Random seeded weights; each builder returns (name, onnx.ModelProto, {input name: shape})."""
import numpy as np
from onnx import TensorProto, helper, numpy_helper

_rng = np.random.default_rng(0)


def _w(name, *shape):
    return numpy_helper.from_array((_rng.standard_normal(shape) * 0.1).astype(np.float32), name)


def _model(name, nodes, inputs, outputs, inits, opset=17):
    graph = helper.make_graph(
        nodes, name, [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in inputs],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in outputs], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    return name, model, dict(inputs)


def _activation(kind, x, y, tag):
    """Nodes computing y = kind(x): the decomposed forms exporters emit."""
    n = lambda op, ins, outs, **kw: helper.make_node(op, ins, outs, name=f"{tag}_{op}_{outs[0]}",
                                                      **kw)
    if kind == "hardswish":  # x * clip(x + 3, 0, 6) / 6
        return [n("Add", [x, "three"], [f"{tag}_a"]), n("Clip", [f"{tag}_a", "zero", "six"], [f"{tag}_c"]),
                n("Mul", [x, f"{tag}_c"], [f"{tag}_m"]), n("Div", [f"{tag}_m", "six"], [y])]
    if kind == "hardsigmoid":
        return [n("HardSigmoid", [x], [f"{tag}_h"], alpha=1 / 6, beta=0.5), n("Mul", [x, f"{tag}_h"], [y])]
    if kind == "silu":
        return [n("Sigmoid", [x], [f"{tag}_s"]), n("Mul", [x, f"{tag}_s"], [y])]
    # gelu: 0.5 x (1 + erf(x / sqrt(2)))
    return [n("Div", [x, "sqrt2"], [f"{tag}_d"]), n("Erf", [f"{tag}_d"], [f"{tag}_e"]),
            n("Add", [f"{tag}_e", "one"], [f"{tag}_p"]), n("Mul", [x, f"{tag}_p"], [f"{tag}_q"]),
            n("Mul", [f"{tag}_q", "half"], [y])]


def _scalars():
    return [numpy_helper.from_array(np.array(v, np.float32), k) for k, v in
            (("zero", 0.0), ("one", 1.0), ("half", 0.5), ("three", 3.0), ("six", 6.0),
             ("sqrt2", np.sqrt(2.0)))]


def conv_activation(kind, group):
    """conv(group) → batch-norm as Mul/Add by [1, C, 1, 1] → activation → 1x1 conv."""
    c = 32
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv", group=group,
                              kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
             helper.make_node("Mul", ["c", "scale"], ["s"], name="bn_scale"),
             helper.make_node("Add", ["s", "shift"], ["t"], name="bn_shift")]
    nodes += _activation(kind, "t", "a", "act")
    nodes.append(helper.make_node("Conv", ["a", "w2"], ["y"], name="project", kernel_shape=[1, 1]))
    inits = [_w("w", c, c // group, 3, 3), _w("b", c), _w("scale", 1, c, 1, 1),
             _w("shift", 1, c, 1, 1), _w("w2", 16, c, 1, 1)] + _scalars()
    return _model(f"{kind}_after_{'depthwise' if group == c else f'group{group}'}", nodes,
                  [("x", [1, c, 28, 28])], ["y"], inits)


def broadcasts():
    """conv → y * a + b for a per-channel, per-row, per-column and per-pixel operand."""
    c, h, w = 16, 12, 20
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv", kernel_shape=[1, 1])]
    inits = [_w("w", c, c, 1, 1)]
    last = "c"
    for i, shape in enumerate([(1, c, 1, 1), (1, 1, h, 1), (1, 1, 1, w), (1, 1, h, w), (c, 1, 1), (w,)]):
        inits += [_w(f"m{i}", *shape), _w(f"a{i}", *shape)]
        nodes += [helper.make_node("Mul", [last, f"m{i}"], [f"p{i}"], name=f"mul{i}"),
                  helper.make_node("Add", [f"p{i}", f"a{i}"], [f"q{i}"], name=f"add{i}")]
        last = f"q{i}"
    nodes.append(helper.make_node("Relu", [last], ["y"], name="relu"))
    return _model("broadcasts", nodes, [("x", [1, c, h, w])], ["y"], inits)


def conv_transpose(kernel, stride, pad, out_pad):
    nodes = [helper.make_node("ConvTranspose", ["x", "w", "b"], ["y"], name="up",
                              kernel_shape=[kernel, kernel], strides=[stride, stride],
                              pads=[pad] * 4, output_padding=[out_pad, out_pad])]
    return _model(f"conv_transpose_k{kernel}s{stride}", nodes, [("x", [1, 32, 14, 14])], ["y"],
                  [_w("w", 32, 16, kernel, kernel), _w("b", 16)])


def resize(mode):
    scales = numpy_helper.from_array(np.array([1, 1, 2, 2], np.float32), "scales")
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv", kernel_shape=[1, 1]),
             helper.make_node("Resize", ["c", "", "scales"], ["y"], name="resize", mode=mode,
                              coordinate_transformation_mode="half_pixel")]
    return _model(f"resize_{mode}", nodes, [("x", [1, 16, 20, 24])], ["y"],
                  [_w("w", 16, 16, 1, 1), scales])


def attention():
    """LayerNorm → q, k, v → softmax(q k^T / sqrt(d)) v → projection, 2 heads of 32."""
    t, d, h = 64, 64, 2
    shape = numpy_helper.from_array(np.array([1, t, h, d // h], np.int64), "heads")
    back = numpy_helper.from_array(np.array([1, t, d], np.int64), "merged")
    n = helper.make_node
    nodes = [n("LayerNormalization", ["x", "g", "beta"], ["ln"], name="ln", axis=-1)]
    for p in "qkv":
        nodes += [n("MatMul", ["ln", f"w{p}"], [f"{p}0"], name=f"{p}_proj"),
                  n("Reshape", [f"{p}0", "heads"], [f"{p}1"], name=f"{p}_heads"),
                  n("Transpose", [f"{p}1"], [p], name=f"{p}_t",
                    perm=[0, 2, 3, 1] if p == "k" else [0, 2, 1, 3])]
    nodes += [n("MatMul", ["q", "k"], ["s0"], name="scores"),
              n("Mul", ["s0", "scale"], ["s"], name="scale"),
              n("Softmax", ["s"], ["p"], name="softmax", axis=-1),
              n("MatMul", ["p", "v"], ["o0"], name="mix"),
              n("Transpose", ["o0"], ["o1"], name="o_t", perm=[0, 2, 1, 3]),
              n("Reshape", ["o1", "merged"], ["o"], name="o_merge"),
              n("MatMul", ["o", "wo"], ["y"], name="out_proj")]
    inits = [_w("g", d), _w("beta", d), _w("wq", d, d), _w("wk", d, d), _w("wv", d, d),
             _w("wo", d, d), shape, back,
             numpy_helper.from_array(np.array(1 / np.sqrt(d // h), np.float32), "scale")]
    return _model("attention", nodes, [("x", [1, t, d])], ["y"], inits)


def pools():
    """Max and average pools with symmetric, asymmetric and no padding, ceil mode, and
    count_include_pad both ways, then a global average."""
    n = helper.make_node
    nodes = [n("Conv", ["x", "w"], ["c"], name="conv", kernel_shape=[1, 1]),
             n("MaxPool", ["c"], ["m0"], name="max_pad", kernel_shape=[3, 3], strides=[2, 2],
               pads=[1, 1, 1, 1]),
             n("MaxPool", ["m0"], ["m1"], name="max_ceil", kernel_shape=[3, 3], strides=[2, 2],
               ceil_mode=1),
             n("AveragePool", ["c"], ["a0"], name="avg_excl", kernel_shape=[3, 3],
               pads=[1, 0, 1, 2], count_include_pad=0),
             n("AveragePool", ["c"], ["a1"], name="avg_incl", kernel_shape=[3, 3],
               pads=[1, 1, 1, 1], count_include_pad=1),
             n("GlobalAveragePool", ["a1"], ["g"], name="global"),
             n("Add", ["a0", "a1"], ["y0"], name="sum")]
    return _model("pools", nodes, [("x", [1, 16, 27, 27])], ["y0", "m1", "g"], [_w("w", 16, 16, 1, 1)])


def all_graphs():
    graphs = [conv_activation(kind, group)
              for kind in ("hardswish", "hardsigmoid", "silu", "gelu") for group in (32, 4)]
    graphs += [broadcasts(), conv_transpose(4, 2, 1, 0), conv_transpose(2, 2, 0, 0),
               conv_transpose(3, 2, 1, 1), resize("nearest"), resize("linear"), attention(),
               pools()]
    return graphs
