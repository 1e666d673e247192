"""3x3 convolutions run as Winograd F(2x2, 3x3) and F(4x4, 3x3) match a float64 reference:
edge tiles cut by odd output sizes, asymmetric padding, batches, bias, residual add, relu and
clip folded into the output transform."""
import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

import kiln


def conv3x3_reference(x, w, b, pads, dilations=(1, 1)):
    """NCHW 3x3 stride-1 convolution in float64; pads = (top, left, bottom, right)."""
    top, left, bottom, right = pads
    dh, dw = dilations
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (top, bottom), (left, right)))
    oh, ow = xp.shape[2] - 2 * dh, xp.shape[3] - 2 * dw
    out = np.zeros((x.shape[0], w.shape[0], oh, ow))
    for i in range(3):
        for j in range(3):
            out += np.einsum("nchw,fc->nfhw", xp[:, :, i * dh:i * dh + oh, j * dw:j * dw + ow],
                             w[:, :, i, j].astype(np.float64))
    return out + (0 if b is None else b.astype(np.float64)[None, :, None, None])


def conv_model(shape, k, pads, bias, residual, activation, dilations=(1, 1)):
    """Conv(x) [+ x] [→ Relu | Clip(0, 6)]: the residual is the input (the ResNet block's
    shortcut), so K = C and the output keeps the input's size."""
    rng = np.random.default_rng(sum(shape) + k)
    n, c, h, wd = shape
    w = (rng.standard_normal((k, c, 3, 3)) / np.sqrt(9 * c)).astype(np.float32)
    b = rng.standard_normal(k).astype(np.float32) if bias else None
    oh, ow = h + pads[0] + pads[2] - 2 * dilations[0], wd + pads[1] + pads[3] - 2 * dilations[1]
    inits = [numpy_helper.from_array(w, "w")]
    conv_inputs = ["x", "w"]
    if bias:
        inits.append(numpy_helper.from_array(b, "b"))
        conv_inputs.append("b")
    onnx_pads = [pads[0], pads[1], pads[2], pads[3]]
    # x_in = x * 1 through a 1x1 conv: a value in the model's NHWC layout, as a ResNet block's
    # shortcut is (a graph input stays NCHW, and the residual add then stays outside).
    inits.append(numpy_helper.from_array(np.eye(c, dtype=np.float32)[:, :, None, None], "eye"))
    nodes = [helper.make_node("Conv", ["x0", "eye"], ["x_in"]),
             helper.make_node("Conv", ["x_in"] + conv_inputs[1:], ["c"], pads=onnx_pads,
                              dilations=list(dilations))]
    inputs = [helper.make_tensor_value_info("x0", TensorProto.FLOAT, list(shape))]
    last = "c"
    if residual:
        assert (k, oh, ow) == (c, h, wd)
        nodes.append(helper.make_node("Add", [last, "x_in"], ["s"]))
        last = "s"
    if activation == "relu":
        nodes.append(helper.make_node("Relu", [last], ["y"]))
    elif activation == "clip":
        inits += [numpy_helper.from_array(np.array(0, np.float32), "lo"),
                  numpy_helper.from_array(np.array(6, np.float32), "hi")]
        nodes.append(helper.make_node("Clip", [last, "lo", "hi"], ["y"]))
    else:
        nodes.append(helper.make_node("Identity", [last], ["y"]))
    graph = helper.make_graph(
        nodes, "conv3x3", inputs,
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [n, k, oh, ow])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    return model, w, b, (oh, ow)


CASES = [
    # (N, C, H, W), K, pads (top, left, bottom, right), bias, residual, activation
    ((1, 16, 12, 12), 32, (1, 1, 1, 1), True, False, "relu"),
    ((2, 16, 9, 7), 16, (1, 1, 1, 1), True, True, "relu"),  # edge tiles cut in h and w
    ((1, 24, 11, 13), 8, (0, 2, 1, 0), False, False, None),  # asymmetric pads
    ((1, 32, 6, 10), 32, (1, 1, 1, 1), True, True, "clip"),
    ((1, 16, 6, 10), 48, (2, 2, 2, 2), True, False, "clip"),
    ((1, 64, 7, 7), 64, (1, 1, 1, 1), True, False, None),
]

DILATED = [
    # (N, C, H, W), K, pads, dilations, residual, activation: atrous convs tiled per phase
    ((1, 16, 12, 12), 16, (2, 2, 2, 2), (2, 2), True, "relu"),  # DeepLab's 'same' atrous conv
    ((2, 16, 10, 11), 24, (4, 4, 4, 4), (4, 4), False, "relu"),  # phases of unequal lengths
    ((1, 8, 13, 9), 8, (1, 3, 2, 0), (2, 3), False, None),  # per-dim dilation, uneven pads
]


@pytest.mark.parametrize("tile", [2, 4])
@pytest.mark.parametrize("case", CASES, ids=lambda c: "x".join(map(str, c[0])) + f"_k{c[1]}")
def test_winograd_matches_reference(case, tile):
    shape, k, pads, bias, residual, activation = case
    model, w, b, (oh, ow) = conv_model(shape, k, pads, bias, residual, activation)
    graph_ir = kiln.ir(model, "graph", winograd=tile)
    assert "kiln.winograd_output" in graph_ir and f"tile = {tile} : i64" in graph_ir
    # The epilogue is folded into the output transform: no separate add/relu/clip kernels.
    assert "kiln.relu" not in graph_ir and "kiln.clip" not in graph_ir
    rng = np.random.default_rng(7)
    x = rng.standard_normal(shape).astype(np.float32)
    feeds = [x]
    ref = conv3x3_reference(x, w, b, pads)
    if residual:
        ref = ref + x
    if activation == "relu":
        ref = np.maximum(ref, 0)
    elif activation == "clip":
        ref = np.clip(ref, 0, 6)
    (y,) = kiln.compile(model, winograd=tile).run(feeds)
    np.testing.assert_allclose(y, ref, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("tile", [2, 4])
@pytest.mark.parametrize("case", DILATED, ids=lambda c: "x".join(map(str, c[0])) + f"_d{c[3][0]}")
def test_dilated_winograd_matches_reference(case, tile):
    shape, k, pads, dilations, residual, activation = case
    model, w, b, _ = conv_model(shape, k, pads, True, residual, activation, dilations)
    graph_ir = kiln.ir(model, "graph", winograd=tile)
    assert "kiln.winograd_output" in graph_ir and "kiln.conv" not in graph_ir.split("eye")[-1]
    assert f"dilations = array<i64: {dilations[0]}, {dilations[1]}>" in graph_ir
    x = np.random.default_rng(3).standard_normal(shape).astype(np.float32)
    ref = conv3x3_reference(x, w, b, pads, dilations) + (x if residual else 0)
    if activation == "relu":
        ref = np.maximum(ref, 0)
    for threads in (1, 2):
        (y,) = kiln.compile(model, winograd=tile, threads=threads).run([x])
        np.testing.assert_allclose(y, ref, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("tile", [2, 4])
def test_symbolic_dims_run_winograd_at_every_size(tile):
    # One artifact with symbolic N, H and W: the tile count is computed at run time and the
    # output transform takes its size from the conv's input; sizes whose tiles are cut at the
    # edge, a batch of 2, and a residual add + relu in the output transform.
    model, w, b, _ = conv_model((1, 16, 8, 8), 16, (1, 1, 1, 1), True, True, "relu")
    inp, out = model.graph.input[0].type.tensor_type, model.graph.output[0].type.tensor_type
    for t, names in ((inp, ("N", None, "H", "W")), (out, ("N", None, "H", "W"))):
        for dim, name in zip(t.shape.dim, names):
            if name:
                dim.dim_param = name
    graph_ir = kiln.ir(model, "graph", winograd=tile)
    assert f"tile = {tile} : i64" in graph_ir and "kiln.winograd_output" in graph_ir
    assert f"-> tensor<{(tile + 2) ** 2}x?x16xf32>" in graph_ir
    for threads in (1, 2):
        module = kiln.compile(model, winograd=tile, threads=threads)
        for shape in ((1, 16, 8, 8), (2, 16, 9, 7), (1, 16, 5, 13), (1, 16, 1, 1)):
            x = np.random.default_rng(sum(shape)).standard_normal(shape).astype(np.float32)
            ref = np.maximum(conv3x3_reference(x, w, b, (1, 1, 1, 1)) + x, 0)
            (y,) = module.run([x])
            np.testing.assert_allclose(y, ref, rtol=1e-4, atol=1e-4)


def test_heuristic_and_switch():
    # 64 channels at 28x28: the heuristic picks F(4x4, 3x3); winograd=False keeps a direct conv.
    model, *_ = conv_model((1, 64, 28, 28), 64, (1, 1, 1, 1), True, False, "relu")
    assert "tile = 4 : i64" in kiln.ir(model, "graph")
    off = kiln.ir(model, "graph", winograd=False)
    assert "winograd" not in off and "kiln.conv" in off
    # Stride 2 is no candidate.
    model2, *_ = conv_model((1, 64, 28, 28), 64, (1, 1, 1, 1), True, False, "relu")
    model2.graph.node[1].attribute.append(helper.make_attribute("strides", [2, 2]))
    model2.graph.output[0].type.tensor_type.shape.dim[2].dim_value = 14
    model2.graph.output[0].type.tensor_type.shape.dim[3].dim_value = 14
    assert "winograd" not in kiln.ir(model2, "graph")


def test_bad_winograd_option():
    model, *_ = conv_model((1, 16, 8, 8), 16, (1, 1, 1, 1), True, False, None)
    with pytest.raises(ValueError, match="winograd must be"):
        kiln.compile(model, winograd=3)
