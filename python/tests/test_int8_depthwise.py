"""Depthwise convolutions of a QDQ model (DequantizeLinear -> Conv(group = C) [-> Relu/Clip]
-> QuantizeLinear) read their 8-bit input and write their 8-bit result themselves
(kiln-int8-depthwise): no float tensor before or after the conv. Checked against a float64
numpy reference of the QDQ semantics (round half to even, saturation): equal but for values
within float32 rounding of a quantization step boundary (at most one step, rarely)."""
import warnings

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

import kiln

ONNX_TYPE = {np.uint8: TensorProto.UINT8, np.int8: TensorProto.INT8}


def depthwise_qdq_model(shape, k, strides, pads, act, dtype, seed):
    rng = np.random.default_rng(seed)
    c = shape[1]
    info = np.iinfo(dtype)
    p = dict(w=rng.integers(-127, 128, (c, 1, k, k)).astype(np.int8),
             ws=rng.uniform(0.002, 0.02, c).astype(np.float32),
             xs=np.float32(0.05), xz=dtype(info.min + 117), ys=np.float32(0.04),
             yz=dtype(info.min + 100), bias=rng.uniform(-1, 1, c).astype(np.float32))
    inits = [numpy_helper.from_array(np.array(p["xs"]), "xs"),
             numpy_helper.from_array(np.array(p["xz"]), "xz"),
             numpy_helper.from_array(p["w"], "w"), numpy_helper.from_array(p["ws"], "ws"),
             numpy_helper.from_array(np.zeros(c, np.int8), "wz"),
             numpy_helper.from_array(p["bias"], "bias"),
             numpy_helper.from_array(np.array(p["ys"]), "ys"),
             numpy_helper.from_array(np.array(p["yz"]), "yz")]
    nodes = [helper.make_node("DequantizeLinear", ["x", "xs", "xz"], ["xf"]),
             helper.make_node("DequantizeLinear", ["w", "ws", "wz"], ["wf"], axis=0),
             helper.make_node("Conv", ["xf", "wf", "bias"], ["conv"], group=c,
                              kernel_shape=[k, k], strides=list(strides), pads=list(pads))]
    last = "conv"
    if act == "relu6":
        inits += [numpy_helper.from_array(np.array(0, np.float32), "lo"),
                  numpy_helper.from_array(np.array(6, np.float32), "hi")]
        nodes.append(helper.make_node("Clip", ["conv", "lo", "hi"], ["act"]))
        last = "act"
    nodes.append(helper.make_node("QuantizeLinear", [last, "ys", "yz"], ["y"]))
    x = helper.make_tensor_value_info("x", ONNX_TYPE[dtype], list(shape))
    y = helper.make_tensor_value_info("y", ONNX_TYPE[dtype], None)
    graph = helper.make_graph(nodes, "dw_qdq", [x], [y], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), p


def reference(x, p, k, strides, pads, act, dtype):
    """The QDQ model in float64: dequantize, depthwise conv, [clip], quantize."""
    xf = (x.astype(np.float64) - float(p["xz"])) * float(p["xs"])
    wf = p["w"].astype(np.float64) * p["ws"].astype(np.float64)[:, None, None, None]
    n, c, h, w = x.shape
    xp = np.zeros((n, c, h + pads[0] + pads[2], w + pads[1] + pads[3]))
    xp[:, :, pads[0]:pads[0] + h, pads[1]:pads[1] + w] = xf
    oh = (xp.shape[2] - k) // strides[0] + 1
    ow = (xp.shape[3] - k) // strides[1] + 1
    out = np.zeros((n, c, oh, ow)) + p["bias"].astype(np.float64)[None, :, None, None]
    for i in range(k):
        for j in range(k):
            patch = xp[:, :, i:i + (oh - 1) * strides[0] + 1:strides[0],
                       j:j + (ow - 1) * strides[1] + 1:strides[1]]
            out += patch * wf[None, :, 0, i, j, None, None]
    if act == "relu6":
        out = np.clip(out, 0, 6)
    info = np.iinfo(dtype)
    q = np.round(out / float(p["ys"])) + float(p["yz"])  # numpy rounds half to even
    return np.clip(q, info.min, info.max).astype(dtype)


# (input NCHW, kernel, strides, pads [t, l, b, r], activation, dtype)
CASES = [
    ((1, 32, 13, 13), 3, (1, 1), (1, 1, 1, 1), None, np.uint8),
    ((1, 24, 12, 9), 3, (2, 2), (0, 1, 1, 0), "relu6", np.uint8),
    ((2, 16, 11, 10), 5, (1, 2), (2, 2, 2, 2), None, np.int8),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0][1]}x{c[0][2]}x{c[0][3]}-k{c[1]}-s"
                         f"{c[2][0]}{c[2][1]}-{c[4]}-{c[5].__name__}")
def test_qdq_depthwise_reads_and_writes_8_bit_values(case):
    shape, k, strides, pads, act, dtype = case
    model, p = depthwise_qdq_model(shape, k, strides, pads, act, dtype, seed=shape[1])
    graph = kiln.ir(model, "graph")
    dtype_name = "ui8" if dtype is np.uint8 else "i8"
    dw = [line for line in graph.splitlines() if "kiln.depthwise_conv2d" in line]
    assert len(dw) == 1 and "input_scale" in dw[0] and "output_scale" in dw[0], graph
    types = dw[0].rsplit(" : ", 1)[1].strip()  # (input, filter[, bias]) -> result
    assert types.split(",")[0].endswith(f"x{dtype_name}>") and types.endswith(f"x{dtype_name}>"), \
        dw[0]
    assert "kiln.round" not in graph, graph  # no quantize kernel of its own
    rng = np.random.default_rng(7)
    info = np.iinfo(dtype)
    x = rng.integers(info.min, info.max + 1, shape).astype(dtype)
    (y,) = kiln.compile(model).run([x])
    ref = reference(x, p, k, strides, pads, act, dtype)
    assert y.dtype == dtype and y.shape == ref.shape
    diff = np.abs(y.astype(np.int64) - ref.astype(np.int64))
    assert diff.max() <= 1, diff.max()
    assert (diff == 0).mean() >= 0.99, (diff == 0).mean()
    if act is None:  # both sides saturate somewhere: the outputs span the type's range
        assert y.min() == info.min and y.max() == info.max
    else:  # relu6: 0 is the zero point, 6 / 0.04 + 100 = 250
        assert y.min() == p["yz"] and y.max() == 250


def test_qdq_depthwise_with_symbolic_dims_reads_and_writes_8_bit_values():
    """With symbolic H/W the depthwise conv keeps its int8 kernel (the 8-bit input read and
    the 8-bit result written by the conv itself, no warning); every size follows the QDQ
    arithmetic, edges (sizes under a pixel block, under the window) included."""
    model, p = depthwise_qdq_model((1, 16, 9, 11), 3, (2, 2), (1, 1, 1, 1), None, np.uint8, 3)
    dims = model.graph.input[0].type.tensor_type.shape.dim
    dims[2].dim_param, dims[3].dim_param = "h", "w"
    with warnings.catch_warnings():
        warnings.simplefilter("error", kiln.CompileWarning)
        module = kiln.compile(model, threads=2)
    dw = [line for line in kiln.ir(model, "graph").splitlines() if "kiln.depthwise_conv2d" in line]
    assert len(dw) == 1 and "input_scale" in dw[0] and "output_scale" in dw[0], dw
    assert "tensor<1x?x?x16xui8>" in dw[0] and dw[0].endswith("tensor<1x?x?x16xui8>"), dw[0]
    for shape in [(1, 16, 9, 11), (1, 16, 2, 3), (1, 16, 31, 40)]:
        x = np.random.default_rng(sum(shape)).integers(0, 256, shape).astype(np.uint8)
        (y,) = module.run([x])
        ref = reference(x, p, 3, (2, 2), (1, 1, 1, 1), None, np.uint8)
        assert y.dtype == np.uint8 and y.shape == ref.shape
        assert np.abs(y.astype(np.int64) - ref.astype(np.int64)).max() <= 1
