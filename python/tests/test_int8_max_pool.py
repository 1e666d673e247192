"""Max pools of a QDQ model (DequantizeLinear -> MaxPool [-> QuantizeLinear]) pool the 8-bit
values (kiln-int8-max-pool): the producer writes and the pool reads 1 byte per value, and a
QuantizeLinear with the pool's input scale and zero point disappears. Dequantization is
increasing, so the result is the QDQ model's exactly: checked for equality against a
float32 numpy reference of the QDQ semantics, at static and symbolic sizes, in both 8-bit types,
with channel counts that take the 8-bit vector code and one that stays a float pool."""
import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

import kiln

ONNX_TYPE = {np.uint8: TensorProto.UINT8, np.int8: TensorProto.INT8}


def pool_qdq_model(shape, k, strides, pads, ceil, dtype, out_scale, symbolic=False):
    """x (8-bit) -> DequantizeLinear(0.05, zp) -> MaxPool -> QuantizeLinear(out_scale, zp)."""
    info = np.iinfo(dtype)
    zp = dtype(info.min + 77)
    inits = [numpy_helper.from_array(np.array(np.float32(0.05)), "xs"),
             numpy_helper.from_array(np.array(zp), "xz"),
             numpy_helper.from_array(np.array(np.float32(out_scale)), "ys")]
    nodes = [helper.make_node("DequantizeLinear", ["x", "xs", "xz"], ["xf"]),
             helper.make_node("MaxPool", ["xf"], ["p"], kernel_shape=[k, k],
                              strides=list(strides), pads=list(pads), ceil_mode=int(ceil)),
             helper.make_node("QuantizeLinear", ["p", "ys", "xz"], ["y"])]
    dims = list(shape)
    if symbolic:
        dims[2], dims[3] = "h", "w"
    x = helper.make_tensor_value_info("x", ONNX_TYPE[dtype], dims)
    y = helper.make_tensor_value_info("y", ONNX_TYPE[dtype], None)
    graph = helper.make_graph(nodes, "pool_qdq", [x], [y], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), zp


def reference(x, zp, k, strides, pads, ceil, dtype, out_scale):
    """The QDQ model in float32, as ONNX defines it: dequantize, max pool (padding never
    wins), quantize (round half to even, saturate)."""
    xf = (x.astype(np.float32) - np.float32(zp)) * np.float32(0.05)
    n, c, h, w = x.shape
    size = lambda i, s, p0, p1: ((-(-(i + p0 + p1 - k) // s)) if ceil else
                                 (i + p0 + p1 - k) // s) + 1
    oh, ow = size(h, strides[0], pads[0], pads[2]), size(w, strides[1], pads[1], pads[3])
    xp = np.full((n, c, h + pads[0] + pads[2] + k, w + pads[1] + pads[3] + k), -np.inf,
                 np.float32)
    xp[:, :, pads[0]:pads[0] + h, pads[1]:pads[1] + w] = xf
    out = np.full((n, c, oh, ow), -np.inf, np.float32)
    for i in range(k):
        for j in range(k):
            out = np.maximum(out, xp[:, :, i:i + (oh - 1) * strides[0] + 1:strides[0],
                                     j:j + (ow - 1) * strides[1] + 1:strides[1]])
    info = np.iinfo(dtype)
    q = np.round(out / np.float32(out_scale)) + np.float32(zp)
    return np.clip(q, info.min, info.max).astype(dtype)


# (input NCHW, kernel, strides, pads [t, l, b, r], ceil mode, dtype, output scale)
CASES = [
    ((1, 64, 28, 28), 3, (2, 2), (1, 1, 1, 1), False, np.uint8, 0.05),  # a ResNet stem's
    ((2, 32, 13, 11), 3, (2, 2), (0, 0, 0, 0), True, np.int8, 0.05),
    ((1, 16, 9, 12), 2, (2, 2), (0, 0, 0, 0), False, np.uint8, 0.08),  # requantized
    ((1, 40, 10, 10), 3, (1, 1), (1, 1, 1, 1), False, np.int8, 0.05),  # 8-lane vectors
    ((1, 12, 10, 10), 3, (1, 1), (1, 1, 1, 1), False, np.uint8, 0.05),  # stays a float pool
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0][1]}x{c[0][2]}x{c[0][3]}-k{c[1]}-"
                         f"{'ceil' if c[4] else 'floor'}-{c[5].__name__}-{c[6]}")
def test_qdq_max_pool_pools_8_bit_values(case):
    shape, k, strides, pads, ceil, dtype, out_scale = case
    model, zp = pool_qdq_model(shape, k, strides, pads, ceil, dtype, out_scale)
    graph = kiln.ir(model, "graph")
    dtype_name = "ui8" if dtype is np.uint8 else "i8"
    pools = [line for line in graph.splitlines() if "kiln.max_pool" in line]
    # 12 channels: no whole 8-lane vectors; the 8-bit pool would run scalar, the float one
    # runs in vector code (linalg's).
    pooled_type = "f32" if shape[1] % 8 else dtype_name
    assert len(pools) == 1 and pools[0].endswith(f"x{pooled_type}>"), pools
    if out_scale == 0.05 and shape[1] % 8 == 0:  # the same scale and zero point: no quantize
        assert "kiln.round" not in graph and "f32" not in graph.split("kiln.max_pool")[1], graph
    rng = np.random.default_rng(shape[1])
    info = np.iinfo(dtype)
    x = rng.integers(info.min, info.max + 1, shape).astype(dtype)
    (y,) = kiln.compile(model).run([x])
    ref = reference(x, zp, k, strides, pads, ceil, dtype, out_scale)
    assert y.dtype == dtype and y.shape == ref.shape
    np.testing.assert_array_equal(y, ref)


def test_qdq_max_pool_with_symbolic_dims():
    model, zp = pool_qdq_model((1, 32, 0, 0), 3, (2, 2), (1, 1, 1, 1), False, np.uint8, 0.05,
                               symbolic=True)
    pools = [line for line in kiln.ir(model, "graph").splitlines() if "kiln.max_pool" in line]
    assert len(pools) == 1 and "tensor<1x?x?x32xui8>" in pools[0], pools
    module = kiln.compile(model, threads=2)
    for shape in [(1, 32, 17, 23), (1, 32, 2, 3), (1, 32, 64, 40)]:
        x = np.random.default_rng(sum(shape)).integers(0, 256, shape).astype(np.uint8)
        (y,) = module.run([x])
        np.testing.assert_array_equal(
            y, reference(x, zp, 3, (2, 2), (1, 1, 1, 1), False, np.uint8, 0.05))
