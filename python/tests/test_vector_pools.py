"""Max and average pools in NHWC (after a conv) lower straight to vector code that reads the
padding in place: every padding, stride, window, ceil mode and count_include_pad matches a
float64 reference at 1 and 2 threads, with no pad kernel and no linalg pooling op left. Pools
the vector code does not take (channels not in 8-lane vectors, dilation) keep the linalg
lowering and match as well."""
import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

import kiln
from test_pool_counts import reference_avg_pool


def reference_max_pool(x, kernel_shape, strides=None, pads=None, dilations=None, ceil_mode=0,
                       **_):
    """ONNX MaxPool in numpy, any number of spatial dims: -inf padding (explicit pads and the
    ceil-mode overhang)."""
    nd = x.ndim - 2
    strides = strides or [1] * nd
    dilations = dilations or [1] * nd
    pads = pads or [0] * (2 * nd)
    out, extra = [], []
    for i in range(nd):
        span = dilations[i] * (kernel_shape[i] - 1) + 1
        padded = x.shape[2 + i] + pads[i] + pads[nd + i] - span
        o = (-(-padded // strides[i]) if ceil_mode else padded // strides[i]) + 1
        if ceil_mode and (o - 1) * strides[i] >= x.shape[2 + i] + pads[i]:
            o -= 1
        out.append(o)
        extra.append(max(0, (o - 1) * strides[i] + span - (x.shape[2 + i] + pads[i] + pads[nd + i])))
    xp = np.pad(x, [(0, 0), (0, 0)] + [(pads[i], pads[nd + i] + extra[i]) for i in range(nd)],
                constant_values=-np.inf)
    y = np.full(x.shape[:2] + tuple(out), -np.inf, np.float32)
    for taps in np.ndindex(*kernel_shape):
        window = tuple(slice(t * d, t * d + (o - 1) * s + 1, s)
                       for t, d, o, s in zip(taps, dilations, out, strides))
        y = np.maximum(y, xp[(slice(None), slice(None)) + window])
    return y


def pool_model(op, shape, attrs):
    """x -> 1x1 conv with identity weights (the pool's input is then NHWC, as after any
    conv) -> pool."""
    c = shape[1]
    eye = numpy_helper.from_array(np.eye(c, dtype=np.float32)[:, :, None, None], "eye")
    nodes = [helper.make_node("Conv", ["x", "eye"], ["t"]),
             helper.make_node(op, ["t"], ["y"], **attrs)]
    graph = helper.make_graph(nodes, "pool",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              [eye])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


CASES = {
    # GoogLeNet / ResNet stems: 3x3 stride 2 with ceil mode or pad 1; Inception's 3x3 stride 1
    "stem_ceil": ([1, 16, 15, 15], dict(kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1)),
    "stem_pad": ([1, 16, 14, 13], dict(kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])),
    "same_3x3": ([2, 24, 9, 11], dict(kernel_shape=[3, 3], pads=[1, 1, 1, 1])),
    # uneven pads on every side, a window wider than the padding, 8-lane channels
    "uneven": ([1, 8, 10, 12], dict(kernel_shape=[2, 4], strides=[1, 3], pads=[0, 2, 1, 3])),
    "wide_window": ([1, 32, 6, 20], dict(kernel_shape=[5, 5], pads=[2, 2, 2, 2])),
    "ceil_and_pad": ([1, 16, 12, 17], dict(kernel_shape=[3, 2], strides=[2, 3],
                                           pads=[1, 0, 1, 1], ceil_mode=1)),
    # 2x2 stride 2 (VGG, U-Net encoders), and a window the size of the input (global)
    "halve": ([1, 48, 16, 22], dict(kernel_shape=[2, 2], strides=[2, 2])),
    "global": ([1, 16, 7, 7], dict(kernel_shape=[7, 7])),
}


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("op", ["MaxPool", "AveragePool"])
def test_vector_pool_matches_reference(op, case, threads):
    shape, attrs = CASES[case]
    attrs = dict(attrs)
    if op == "AveragePool" and case in ("stem_pad", "ceil_and_pad", "wide_window"):
        attrs["count_include_pad"] = 1
    model = pool_model(op, shape, attrs)
    linalg = kiln.ir(model, "linalg")
    assert "linalg.pooling" not in linalg and "tensor.pad" not in linalg
    assert "kiln.pad" not in kiln.ir(model, "graph")
    x = np.random.default_rng(len(case)).standard_normal(shape).astype(np.float32)
    reference = reference_max_pool if op == "MaxPool" else reference_avg_pool
    expected = reference(x, **attrs)
    (y,) = kiln.compile(model, threads=threads).run([x])
    assert y.shape == expected.shape
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("op", ["MaxPool", "AveragePool"])
def test_pools_the_vector_code_does_not_take_keep_linalg(op):
    for shape, attrs in (([1, 12, 9, 9], dict(kernel_shape=[3, 3], pads=[1, 1, 1, 1])),
                         ([1, 16, 11, 11], dict(kernel_shape=[3, 3], dilations=[2, 2]))):
        model = pool_model(op, shape, attrs)
        assert "linalg.pooling" in kiln.ir(model, "linalg")
        x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
        reference = reference_max_pool if op == "MaxPool" else reference_avg_pool
        (y,) = kiln.compile(model).run([x])
        np.testing.assert_allclose(y, reference(x, **attrs), rtol=1e-5, atol=1e-6)


def test_zero_pad_before_average_pool_is_the_pools_padding():
    """torch exports AvgPool2d(3, 1, padding=1) of count_include_pad=True as Pad + AveragePool
    (Inception): the pad becomes the pool's own padding (no pad kernel, no transposes around
    it), counted in the divisor, at 1 and 2 threads."""
    c, shape = 16, [1, 16, 9, 11]
    eye = numpy_helper.from_array(np.eye(c, dtype=np.float32)[:, :, None, None], "eye")
    pads = numpy_helper.from_array(np.array([0, 0, 1, 2, 0, 0, 1, 0], np.int64), "pads")
    nodes = [helper.make_node("Conv", ["x", "eye"], ["t"]),
             helper.make_node("Pad", ["t", "pads"], ["p"], mode="constant"),
             helper.make_node("AveragePool", ["p"], ["y"], kernel_shape=[3, 3])]
    graph = helper.make_graph(nodes, "pad_pool",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              [eye, pads])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    ir = kiln.ir(model, "graph")
    assert "kiln.pad " not in ir and ir.count("kiln.transpose") == 2  # the NCHW input, output
    x = np.random.default_rng(3).standard_normal(shape).astype(np.float32)
    padded = np.pad(x, [(0, 0), (0, 0), (1, 1), (2, 0)])
    expected = reference_avg_pool(padded, kernel_shape=[3, 3])
    for threads in (1, 2):
        (y,) = kiln.compile(model, threads=threads).run([x])
        np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-6)
