"""Average pools divide by the taps ONNX counts; over 2^20 output positions those counts are
computed in the kernel rather than built as a constant (which hung kiln-compile on huge pools).
LRN is a channel-window average pool: its window is clamped to the channels (a size of 2^40
hung kiln-compile) and its sum scaled by alpha / size exactly."""
import numpy as np
import pytest
from onnx import TensorProto, helper

import kiln


def avg_pool_model(shape, **attrs):
    node = helper.make_node("AveragePool", ["x"], ["y"], **attrs)
    graph = helper.make_graph([node], "avg_pool",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


CASES = {
    # > 2^20 output positions with uneven counts at the borders (padding excluded / included,
    # stride, dilation, ceil mode), and a 1-D pool.
    "exclude_pad": ([1, 2, 1100, 1000], dict(kernel_shape=[3, 3], pads=[1, 1, 1, 1])),
    "include_pad_ceil": ([1, 1, 2100, 2050], dict(kernel_shape=[3, 3], strides=[2, 2],
                                                  pads=[1, 0, 1, 2], ceil_mode=1,
                                                  count_include_pad=1)),
    "dilated": ([1, 1, 1030, 1030], dict(kernel_shape=[3, 2], dilations=[2, 3],
                                         pads=[2, 1, 2, 3])),
    "one_d": ([1, 1, 1 << 21], dict(kernel_shape=[5], pads=[2, 2])),
    "inside": ([1, 1, 1030, 1030], dict(kernel_shape=[3, 3])),
    # Small pools (counts as a constant) with uneven borders on every side.
    "small_uneven": ([2, 3, 11, 13], dict(kernel_shape=[3, 4], strides=[2, 3], dilations=[2, 1],
                                         pads=[2, 1, 1, 3], ceil_mode=1)),
    "small_window_over_padding": ([1, 2, 4, 5], dict(kernel_shape=[5, 5], pads=[3, 3, 3, 3])),
}


def reference_avg_pool(x, kernel_shape, strides=None, pads=None, dilations=None, ceil_mode=0,
                       count_include_pad=0):
    """ONNX AveragePool in numpy: window sums of the padded input over window sums of a mask of
    the positions ONNX counts (the input, or the explicitly padded input; never the ceil-mode
    overhang)."""
    n = len(kernel_shape)
    strides = strides or [1] * n
    dilations = dilations or [1] * n
    pads = pads or [0] * (2 * n)
    spatial = x.shape[2:]
    out, extra = [], []
    for i in range(n):
        span = dilations[i] * (kernel_shape[i] - 1) + 1
        padded = spatial[i] + pads[i] + pads[n + i] - span
        o = (-(-padded // strides[i]) if ceil_mode else padded // strides[i]) + 1
        if ceil_mode and (o - 1) * strides[i] >= spatial[i] + pads[i]:
            o -= 1
        out.append(o)
        extra.append(max(0, (o - 1) * strides[i] + span - (spatial[i] + pads[i] + pads[n + i])))
    width = [(0, 0), (0, 0)] + [(pads[i], pads[n + i] + extra[i]) for i in range(n)]
    xp = np.pad(x.astype(np.float64), width)
    mask = np.pad(np.ones(spatial), [(pads[i], pads[n + i]) for i in range(n)],
                  constant_values=1.0 if count_include_pad else 0.0)
    mask = np.pad(mask, [(0, extra[i]) for i in range(n)])
    total = np.zeros(x.shape[:2] + tuple(out))
    count = np.zeros(tuple(out))
    for taps in np.ndindex(*kernel_shape):
        window = tuple(slice(t * d, t * d + (o - 1) * s + 1, s)
                       for t, d, o, s in zip(taps, dilations, out, strides))
        total += xp[(slice(None), slice(None)) + window]
        count += mask[window]
    return (total / count).astype(np.float32)


@pytest.mark.parametrize("case", sorted(CASES))
def test_avg_pool_counts_match_reference(case):
    shape, attrs = CASES[case]
    model = avg_pool_model(shape, **attrs)
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    expected = reference_avg_pool(x, **attrs)
    (y,) = kiln.compile(model).run([x])
    assert y.shape == expected.shape
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-5)


def reference_lrn(x, size, alpha, beta, bias):
    channels = x.shape[1]
    square_sum = np.zeros(x.shape, np.float64)
    for c in range(channels):
        lo = max(0, c - (size - 1) // 2)
        hi = min(channels - 1, c + size - 1 - (size - 1) // 2)
        square_sum[:, c] = (x[:, lo:hi + 1].astype(np.float64) ** 2).sum(axis=1)
    return (x / (bias + alpha / size * square_sum) ** beta).astype(np.float32)


@pytest.mark.parametrize("size", [1, 2, 3, 4, 9, 11, 1 << 40])
def test_lrn_matches_reference(size):
    # alpha large enough that a wrong scale of the window sum shows (the conformance tests'
    # alpha of 1e-4 hides a factor of `size` within their tolerance).
    attrs = dict(size=size, alpha=0.5, beta=0.75, bias=1.5)
    node = helper.make_node("LRN", ["x"], ["y"], **attrs)
    graph = helper.make_graph([node], "lrn",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 5, 3, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    x = np.random.default_rng(size % 1000).standard_normal((2, 5, 3, 4)).astype(np.float32)
    (y,) = kiln.compile(model).run([x])
    np.testing.assert_allclose(y, reference_lrn(x, **attrs), rtol=1e-5, atol=1e-6)
