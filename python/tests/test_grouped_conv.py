"""Grouped convolutions as kiln.grouped_conv2d (vectors along output channels; input channels
shuffled to their group's lanes or broadcast; zero padding read in place; bias and relu/clip
in the same pass) match a float64 reference: group widths 2 to 64, channel multipliers,
strides 1 and 2, asymmetric pads, odd sizes, 16 + 8 channel remainders, batches, no bias."""
import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

import kiln


def grouped_reference(x, w, b, group, strides, pads):
    """NCHW grouped conv in float64; w [F, C/G, KH, KW]; pads (top, left, bottom, right)."""
    top, left, bottom, right = pads
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (top, bottom), (left, right)))
    f, cg, kh, kw = w.shape
    fg = f // group
    oh = (xp.shape[2] - kh) // strides[0] + 1
    ow = (xp.shape[3] - kw) // strides[1] + 1
    out = np.zeros((x.shape[0], f, oh, ow))
    for g in range(group):
        xs = xp[:, g * cg:(g + 1) * cg]
        ws = w[g * fg:(g + 1) * fg].astype(np.float64)
        for i in range(kh):
            for j in range(kw):
                patch = xs[:, :, i:i + strides[0] * (oh - 1) + 1:strides[0],
                           j:j + strides[1] * (ow - 1) + 1:strides[1]]
                out[:, g * fg:(g + 1) * fg] += np.einsum("nchw,fc->nfhw", patch, ws[:, :, i, j])
    if b is not None:
        out += b.astype(np.float64)[None, :, None, None]
    return out


def grouped_model(shape, f, group, k, strides, pads, bias, activation):
    n, c, h, wd = shape
    rng = np.random.default_rng(c + f + h + k)
    w = rng.standard_normal((f, c // group, k, k)).astype(np.float32)
    b = rng.standard_normal(f).astype(np.float32) if bias else None
    ref_shape = grouped_reference(np.zeros(shape, np.float32), w, b, group, strides, pads).shape
    inits = [numpy_helper.from_array(w, "w")]
    inputs = ["x", "w"]
    if bias:
        inits.append(numpy_helper.from_array(b, "b"))
        inputs.append("b")
    nodes = [helper.make_node("Conv", inputs, ["c"], group=group, strides=list(strides),
                              pads=list(pads))]
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
                  helper.make_node("Mul", ["s", "c"], ["y"])]
    else:
        nodes.append(helper.make_node("Identity", ["c"], ["y"]))
    graph = helper.make_graph(
        nodes, "grouped", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(shape))],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, list(ref_shape))], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)]), w, b


CASES = [
    # (N, C, H, W), F, group, kernel, strides, pads (top, left, bottom, right), bias, activation
    ((1, 32, 20, 23), 32, 16, 3, (1, 1), (1, 1, 1, 1), True, "relu"),      # width 2
    ((1, 64, 13, 17), 64, 16, 3, (1, 1), (1, 1, 1, 1), True, "clip"),      # width 4
    ((2, 32, 11, 9), 32, 8, 3, (2, 2), (1, 1, 1, 1), True, "relu"),        # width 4, stride 2
    ((1, 48, 15, 15), 48, 6, 3, (2, 2), (1, 1, 1, 1), True, None),         # width 8, 16 + 8 lanes
    ((1, 104, 9, 10), 104, 13, 3, (1, 1), (1, 1, 1, 1), False, "relu"),    # width 8, 96 + 8
    ((1, 64, 14, 14), 64, 4, 3, (1, 1), (1, 1, 1, 1), True, "relu"),       # width 16
    ((1, 64, 7, 7), 64, 2, 3, (1, 1), (1, 1, 1, 1), True, "hard_swish"),   # width 32
    ((1, 128, 9, 11), 128, 2, 3, (2, 1), (0, 2, 1, 0), True, "clip"),      # width 64, uneven
    ((1, 40, 10, 12), 40, 5, 3, (1, 1), (1, 1, 1, 1), True, "hard_swish"), # width 8, 32 + 8
    ((1, 96, 12, 12), 96, 4, 5, (1, 1), (2, 2, 2, 2), True, "relu"),       # width 24, 5x5
    ((1, 48, 10, 10), 48, 6, 3, (1, 1), (1, 1, 1, 1), True, "silu"),       # width 8, SiLU
    ((1, 16, 9, 9), 32, 16, 3, (1, 1), (1, 1, 1, 1), True, None),          # multiplier 2
    ((1, 8, 6, 30), 32, 8, 3, (2, 2), (1, 0, 0, 1), False, None),          # multiplier 4
    ((1, 4, 6, 6), 64, 4, 3, (1, 1), (1, 1, 1, 1), True, "relu"),          # 1 in, 16 out
    ((1, 32, 6, 8), 16, 4, 3, (1, 1), (1, 1, 1, 1), True, None),           # 8 in, 4 out: 2 bcasts
    ((1, 64, 5, 9), 32, 2, 3, (2, 2), (1, 1, 1, 1), True, "relu"),         # 32 in, 16 out
    ((1, 32, 6, 8), 8, 4, 3, (1, 1), (1, 1, 1, 1), True, None),            # 8 in, 2 out: old path
]


def has_vector_lowering(c, f, group):
    """GroupedConv2DOp::hasVectorLowering: whole 8-lane vectors that fit the groups."""
    cg, fg = c // group, f // group
    return f % 8 == 0 and (fg % 8 == 0 or (8 % fg == 0 and (8 // fg <= 2 or cg <= fg)))


def case_id(c):
    return f"{'x'.join(map(str, c[0]))}_f{c[1]}g{c[2]}k{c[3]}s{c[4][0]}"


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_grouped_matches_reference(case):
    shape, f, group, k, strides, pads, bias, activation = case
    model, w, b = grouped_model(shape, f, group, k, strides, pads, bias, activation)
    graph_ir = kiln.ir(model, "graph")
    if has_vector_lowering(shape[1], f, group):
        # One op: no kiln.pad copy, the activation folded in.
        assert "kiln.grouped_conv2d" in graph_ir
        assert "kiln.pad" not in graph_ir and "kiln.relu" not in graph_ir
        assert "kiln.clip" not in graph_ir and "kiln.hard_swish" not in graph_ir
        assert "kiln.sigmoid" not in graph_ir
    else:
        # Inputs of 4 or more groups per vector that do not fit one: the NCHW loop nest.
        assert "grouped_conv2d" not in graph_ir
    x = np.random.default_rng(3).standard_normal(shape).astype(np.float32)
    ref = grouped_reference(x, w, b, group, strides, pads)
    if activation == "relu":
        ref = np.maximum(ref, 0)
    elif activation == "clip":
        ref = np.clip(ref, 0, 6)
    elif activation == "hard_swish":
        ref = ref * np.clip(ref / 6 + 0.5, 0, 1)
    elif activation == "silu":
        ref = ref / (1 + np.exp(-ref))
    (y,) = kiln.compile(model).run([x])
    np.testing.assert_allclose(y, ref, rtol=1e-4, atol=1e-4)
