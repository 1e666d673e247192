"""Depthwise convolutions as kiln.depthwise_conv2d (zero padding read in place, bias and
relu/clip in the same pass) match a float64 reference: strides 1 and 2, 3x3 and 5x5 filters,
asymmetric pads, 8/24/32 channels, batches, no bias."""
import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

import kiln


def depthwise_reference(x, w, b, strides, pads):
    """NCHW depthwise conv in float64; w [C, 1, KH, KW]; pads (top, left, bottom, right)."""
    top, left, bottom, right = pads
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (top, bottom), (left, right)))
    kh, kw = w.shape[2:]
    oh = (xp.shape[2] - kh) // strides[0] + 1
    ow = (xp.shape[3] - kw) // strides[1] + 1
    out = np.zeros((x.shape[0], x.shape[1], oh, ow))
    for i in range(kh):
        for j in range(kw):
            patch = xp[:, :, i:i + strides[0] * (oh - 1) + 1:strides[0],
                       j:j + strides[1] * (ow - 1) + 1:strides[1]]
            out += patch * w[None, :, 0, i, j, None, None].astype(np.float64)
    if b is not None:
        out += b.astype(np.float64)[None, :, None, None]
    return out


def activate(ref, activation):
    """The reference with the model's activation applied (None: the identity)."""
    if activation == "relu":
        return np.maximum(ref, 0)
    if activation == "clip":
        return np.clip(ref, 0, 6)
    if activation == "hard_swish":
        return ref * np.clip(ref / 6 + 0.5, 0, 1)
    if activation == "silu":
        return ref / (1 + np.exp(-ref))
    return ref


def depthwise_model(shape, k, strides, pads, bias, activation):
    n, c, h, wd = shape
    rng = np.random.default_rng(c + h + k)
    w = rng.standard_normal((c, 1, k, k)).astype(np.float32)
    b = rng.standard_normal(c).astype(np.float32) if bias else None
    ref_shape = depthwise_reference(np.zeros(shape, np.float32), w, b, strides, pads).shape
    inits = [numpy_helper.from_array(w, "w")]
    inputs = ["x", "w"]
    if bias:
        inits.append(numpy_helper.from_array(b, "b"))
        inputs.append("b")
    nodes = [helper.make_node("Conv", inputs, ["c"], group=c, strides=list(strides),
                              pads=[pads[0], pads[1], pads[2], pads[3]])]
    if activation == "relu":
        nodes.append(helper.make_node("Relu", ["c"], ["y"]))
    elif activation == "clip":
        inits += [numpy_helper.from_array(np.array(0, np.float32), "lo"),
                  numpy_helper.from_array(np.array(6, np.float32), "hi")]
        nodes.append(helper.make_node("Clip", ["c", "lo", "hi"], ["y"]))
    elif activation == "hard_swish":
        nodes.append(helper.make_node("HardSwish", ["c"], ["y"]))
    elif activation == "silu":  # as PyTorch exports nn.SiLU: Sigmoid, then Mul
        nodes += [helper.make_node("Sigmoid", ["c"], ["s"]),
                  helper.make_node("Mul", ["c", "s"], ["y"])]
    else:
        nodes.append(helper.make_node("Identity", ["c"], ["y"]))
    graph = helper.make_graph(
        nodes, "depthwise", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(shape))],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, list(ref_shape))], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)]), w, b


CASES = [
    # (N, C, H, W), kernel, strides, pads (top, left, bottom, right), bias, activation
    ((1, 32, 20, 23), 3, (1, 1), (1, 1, 1, 1), True, "clip"),
    ((2, 16, 11, 9), 3, (2, 2), (1, 1, 1, 1), True, "relu"),
    ((1, 24, 9, 30), 5, (1, 1), (2, 2, 2, 2), False, "hard_swish"),
    ((1, 40, 14, 14), 3, (2, 2), (0, 0, 1, 1), True, "hard_swish"),
    ((1, 8, 7, 12), 3, (2, 1), (0, 2, 1, 0), True, None),
    ((1, 16, 14, 14), 5, (2, 2), (1, 2, 2, 1), True, "clip"),
    ((1, 24, 13, 17), 3, (1, 1), (1, 1, 1, 1), True, "silu"),
    ((1, 48, 9, 9), 5, (2, 2), (2, 2, 2, 2), True, "silu"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: "x".join(map(str, c[0])) + f"_k{c[1]}s{c[2][0]}")
def test_depthwise_matches_reference(case):
    shape, k, strides, pads, bias, activation = case
    model, w, b = depthwise_model(shape, k, strides, pads, bias, activation)
    graph_ir = kiln.ir(model, "graph")
    # One op: no kiln.pad copy, the activation folded in.
    assert "kiln.depthwise_conv2d" in graph_ir
    assert "kiln.pad" not in graph_ir and "kiln.relu" not in graph_ir and "kiln.clip" not in graph_ir
    assert "kiln.hard_swish" not in graph_ir and "kiln.sigmoid" not in graph_ir
    x = np.random.default_rng(3).standard_normal(shape).astype(np.float32)
    ref = activate(depthwise_reference(x, w, b, strides, pads), activation)
    (y,) = kiln.compile(model).run([x])
    np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-5)


def test_channel_multiplier_stays_a_conv():
    # Two filters per channel (a channel multiplier of 2) is not a depthwise_conv2d.
    rng = np.random.default_rng(0)
    w = rng.standard_normal((16, 1, 3, 3)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("Conv", ["x", "w"], ["y"], group=8, pads=[1, 1, 1, 1])], "mult2",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8, 6, 6])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 16, 6, 6])],
        [numpy_helper.from_array(w, "w")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    assert "depthwise_conv2d" not in kiln.ir(model, "graph")
    x = rng.standard_normal((1, 8, 6, 6)).astype(np.float32)
    (y,) = kiln.compile(model).run([x])
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1))).astype(np.float64)
    ref = np.zeros((1, 16, 6, 6))
    for f in range(16):
        for i in range(3):
            for j in range(3):
                ref[0, f] += xp[0, f // 2, i:i + 6, j:j + 6] * w[f, 0, i, j]
    np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("case", CASES, ids=lambda c: "x".join(map(str, c[0])) + f"_k{c[1]}s{c[2][0]}")
def test_symbolic_dims_depthwise_matches_reference(case):
    """The same cases with symbolic batch, height and width: one kiln.depthwise_conv2d kernel
    (padding read in place, the epilogue applied as it stores) runs every size, the row
    interior computed at run time: the case's size, one smaller than the window plus the
    pads, rows narrower than a pixel block and a batch of 3."""
    shape, k, strides, pads, bias, activation = case
    model, w, b = depthwise_model(shape, k, strides, pads, bias, activation)
    dims = model.graph.input[0].type.tensor_type.shape.dim
    for d, name in ((0, "n"), (2, "h"), (3, "w")):
        dims[d].dim_param = name
    del model.graph.output[0].type.tensor_type.shape.dim[:]
    graph_ir = kiln.ir(model, "graph")
    assert "kiln.depthwise_conv2d" in graph_ir and "kiln.pad" not in graph_ir, graph_ir
    module = kiln.compile(model, threads=2)
    n, c = shape[:2]
    smallest = (k - pads[0] - pads[2], k - pads[1] - pads[3])  # one output pixel
    for size in [shape, (n, c) + smallest, (3, c, 5, 3), (1, c, 2 * k + 1, 37)]:
        size = tuple(max(1, s) for s in size)
        x = np.random.default_rng(sum(size)).standard_normal(size).astype(np.float32)
        ref = activate(depthwise_reference(x, w, b, strides, pads), activation)
        (y,) = module.run([x])
        assert y.shape == ref.shape, (size, y.shape, ref.shape)
        np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-5)


def test_symbolic_dims_input_smaller_than_the_window_is_a_clear_error():
    """An image smaller than the window has no output size: the runtime's shape check says so,
    naming the model's inputs, rather than returning an empty result."""
    model, _, _ = depthwise_model((1, 16, 8, 8), 5, (1, 1), (0, 0, 0, 0), True, None)
    dims = model.graph.input[0].type.tensor_type.shape.dim
    dims[2].dim_param, dims[3].dim_param = "h", "w"
    del model.graph.output[0].type.tensor_type.shape.dim[:]
    module = kiln.compile(model)
    (y,) = module.run([np.zeros((1, 16, 6, 7), np.float32)])
    assert y.shape == (1, 16, 2, 3)
    with pytest.raises(kiln.InputError, match=r"negative size .*too small.*\[1,16,3,7\]"):
        module.run([np.zeros((1, 16, 3, 7), np.float32)])
