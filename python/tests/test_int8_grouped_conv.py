"""Grouped QDQ convolutions (ResNeXt's and RegNet's 3x3 convs: 2 to 32 groups of 4 to 64
channels) run on the int8 kernel: the patch matrix of a dense conv times kiln.matmul_int8 in
its grouped form, each output channel summing its own group's channels. The result equals a
numpy model of exactly that arithmetic (exact int32 sums, the scales applied once per output,
then the bias and the output's requantization), at every shape the kernel distinguishes:
groups of 4 or 8 outputs sharing a vector, groups of one or two vectors or of part of one, a
group of several panels with a partial last one, strides, pointwise grouped convs, int8 and
uint8 activations, symbolic batch and image dims."""
import warnings

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

import kiln
from quantize_helpers import quantize


def grouped_qdq_conv(c, f, groups, kernel, stride, pad, x_dtype, seed, dims):
    """QuantizeLinear → DequantizeLinear → Conv(group) against per-channel int8 weights, bias
    → QuantizeLinear → DequantizeLinear (uint8, zero point 128)."""
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((f, c // groups, kernel, kernel)).astype(np.float32)
    ws = (np.abs(w).reshape(f, -1).max(axis=1) / 127).astype(np.float32)
    wq = np.clip(np.rint(w / ws[:, None, None, None]), -127, 127).astype(np.int8)
    xs, ys = np.float32(0.02), np.float32(0.04)
    xz = np.array(117 if x_dtype == np.uint8 else -5, x_dtype)
    yz = np.array(128, np.uint8)
    bias = rng.standard_normal(f).astype(np.float32)
    inits = [numpy_helper.from_array(wq, "wq"), numpy_helper.from_array(ws, "ws"),
             numpy_helper.from_array(np.zeros(f, np.int8), "wz"),
             numpy_helper.from_array(np.array(xs), "xs"), numpy_helper.from_array(xz, "xz"),
             numpy_helper.from_array(np.array(ys), "ys"), numpy_helper.from_array(yz, "yz"),
             numpy_helper.from_array(bias, "bias")]
    nodes = [helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"]),
             helper.make_node("DequantizeLinear", ["xq", "xs", "xz"], ["xd"]),
             helper.make_node("DequantizeLinear", ["wq", "ws", "wz"], ["wd"], axis=0),
             helper.make_node("Conv", ["xd", "wd", "bias"], ["conv"], name="grouped",
                              group=groups, kernel_shape=[kernel, kernel],
                              strides=[stride, stride], pads=[pad] * 4),
             helper.make_node("QuantizeLinear", ["conv", "ys", "yz"], ["yq"]),
             helper.make_node("DequantizeLinear", ["yq", "ys", "yz"], ["y"])]
    graph = helper.make_graph(
        nodes, "grouped_qdq_conv", [helper.make_tensor_value_info("x", TensorProto.FLOAT, dims)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    return model, dict(wq=wq, ws=ws, xs=xs, xz=xz, ys=ys, yz=yz, bias=bias, groups=groups,
                       stride=stride, pad=pad, x_dtype=x_dtype)


def int8_arithmetic(x, p):
    """The grouped conv as the int8 path computes it: exact integer sums per group, then
    float(sum) * (xs * ws[f]) + bias, requantized and dequantized."""
    xq = quantize(x, p["xs"], p["xz"], p["x_dtype"]).astype(np.int64) - int(p["xz"])
    wq = p["wq"].astype(np.int64)
    g, s, pad = p["groups"], p["stride"], p["pad"]
    n, c, h, w = xq.shape
    f, cg, kh, kw = wq.shape
    fg = f // g
    xp = np.pad(xq, ((0, 0), (0, 0), (pad, pad), (pad, pad)))  # the zero point centres to 0
    oh, ow = (h + 2 * pad - kh) // s + 1, (w + 2 * pad - kw) // s + 1
    acc = np.zeros((n, f, oh, ow), np.int64)
    for gi in range(g):
        xg = xp[:, gi * cg:(gi + 1) * cg]
        for i in range(kh):
            for j in range(kw):
                patch = xg[:, :, i:i + s * oh:s, j:j + s * ow:s]  # [n, cg, oh, ow]
                acc[:, gi * fg:(gi + 1) * fg] += np.einsum(
                    "nchw,fc->nfhw", patch, wq[gi * fg:(gi + 1) * fg, :, i, j])
    real = acc.astype(np.float32) * (p["xs"] * p["ws"])[None, :, None, None]
    real = real + p["bias"][None, :, None, None]
    yq = quantize(real, p["ys"], p["yz"], np.uint8)
    return (yq.astype(np.float32) - np.float32(p["yz"])) * p["ys"]


CASES = {
    # ResNeXt-50 32x4d's first stage: 32 groups of 4 channels and 4 outputs, 4 groups per
    # vector of 16 lanes.
    "resnext_4_per_group": (128, 128, 32, 3, 1, 1, np.uint8, (1, 9, 10)),
    # RegNetY's group width 8, int8 activations, stride 2: 2 groups per vector.
    "8_per_group_stride_2_int8": (64, 64, 8, 3, 2, 1, np.int8, (2, 15, 13)),
    # 4 channels in, 8 outputs per group (a run of 8 bytes of A for a vector's 2 groups).
    "4_in_8_out_per_group": (32, 64, 8, 3, 1, 1, np.uint8, (1, 7, 6)),
    # 12 outputs per group: one vector per group, 12 of its lanes (no float vector kernel).
    "12_per_group": (48, 48, 4, 3, 1, 1, np.uint8, (1, 6, 5)),
    # ResNeXt-50 32x4d's last stage: groups of 32 channels, 32 outputs each (two vectors).
    "resnext_32_per_group_stride_2_int8": (128, 128, 4, 3, 2, 1, np.int8, (2, 15, 13)),
    # RegNetX's group width 16: one full vector per group.
    "regnet_16_per_group": (48, 48, 3, 3, 1, 1, np.uint8, (1, 9, 9)),
    # 80 outputs per group: a full 64-column panel and a 16-column one per group.
    "panel_and_rest_per_group": (32, 160, 2, 3, 1, 1, np.uint8, (1, 7, 7)),
    # Pointwise grouped (ShuffleNetV1's): two full panels per group.
    "pointwise_two_panels": (16, 256, 2, 1, 1, 0, np.int8, (1, 6, 6)),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_grouped_qdq_conv_runs_int8_and_matches_its_arithmetic(case):
    c, f, g, kernel, stride, pad, x_dtype, (n, h, w) = case
    model, p = grouped_qdq_conv(c, f, g, kernel, stride, pad, x_dtype, seed=c + f,
                                dims=[n, c, h, w])
    graph_ir = kiln.ir(model, "graph")
    assert f"groups = array<i64: {g}, {c // g}>" in graph_ir and "kiln.conv" not in graph_ir
    with warnings.catch_warnings():
        warnings.simplefilter("error", kiln.CompileWarning)
        module = kiln.compile(model)
    x = np.random.default_rng(3).standard_normal((n, c, h, w)).astype(np.float32)
    (y,) = module.run([x])
    np.testing.assert_array_equal(y, int8_arithmetic(x, p))


def test_grouped_qdq_conv_with_symbolic_image_runs_int8():
    """One artifact for every image size and batch (the GEMM's rows known at run time); 16
    groups of 4 outputs each, 4 per vector."""
    model, p = grouped_qdq_conv(64, 64, 16, 3, 1, 1, np.uint8, seed=5,
                                dims=["n", 64, "h", "w"])
    assert "groups = array<i64: 16, 4>" in kiln.ir(model, "graph")
    with warnings.catch_warnings():
        warnings.simplefilter("error", kiln.CompileWarning)
        module = kiln.compile(model)
    for shape in [(1, 64, 1, 1), (1, 64, 7, 12), (3, 64, 16, 9)]:
        x = np.random.default_rng(sum(shape)).standard_normal(shape).astype(np.float32)
        (y,) = module.run([x])
        np.testing.assert_array_equal(y, int8_arithmetic(x, p), err_msg=str(shape))


FLOAT_CASES = {
    # 32 groups of 2 channels: the kernel reads 4 channels of a group at once.
    "2_channels_per_group": ((64, 64, 32), "channels per group \\(2\\) are not a multiple of 4"),
    # 3 groups of 8 outputs: 24 columns are no whole vectors of groups.
    "8_outputs_per_group_in_24": ((24, 24, 3), "convolution of 8 outputs per group runs faster in float"),
}


@pytest.mark.parametrize("case", FLOAT_CASES.values(), ids=FLOAT_CASES.keys())
def test_grouped_conv_that_stays_float_warns(case):
    """The conv runs in float on the dequantized values, and the compiler says why, naming
    the node; the float sums round differently from the exact ones: within one output step."""
    (c, f, g), why = case
    model, p = grouped_qdq_conv(c, f, g, 3, 1, 1, np.uint8, seed=2, dims=[1, c, 6, 5])
    with pytest.warns(kiln.CompileWarning, match="node 'grouped': .*" + why):
        module = kiln.compile(model)
    x = np.random.default_rng(3).standard_normal((1, c, 6, 5)).astype(np.float32)
    (y,) = module.run([x])
    assert np.abs(y - int8_arithmetic(x, p)).max() <= p["ys"] * 1.001
