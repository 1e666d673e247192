"""1-D convolutions with fused epilogues against a numpy reference, at every output length
down to 1 (Silero VAD's encoder: stride-2 convs shrink 4 -> 2 -> 1; a 1-D conv of output
width 1 once lost its accumulation when its relu was not fused), static and symbolic."""
import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

import kiln


def conv1d_reference(x, w, b, stride, pad):
    n, c, length = x.shape
    f, _, k = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad)))
    out = (length + 2 * pad - k) // stride + 1
    y = np.empty((n, f, out), np.float32)
    for o in range(out):
        y[:, :, o] = np.einsum("nck,fck->nf", xp[:, :, o * stride:o * stride + k], w) + b
    return y


def chain_model(channels, length, specs, rng):
    """Conv(k3, pad 1) + Relu per (out channels, stride) in `specs`; the weights."""
    nodes, inits, weights, cur, c = [], [], [], "x", channels
    for i, (f, stride) in enumerate(specs):
        w = (rng.standard_normal((f, c, 3)) * 0.2).astype(np.float32)
        b = rng.standard_normal(f).astype(np.float32)
        weights.append((w, b, stride))
        inits += [numpy_helper.from_array(w, f"w{i}"), numpy_helper.from_array(b, f"b{i}")]
        nodes += [helper.make_node("Conv", [cur, f"w{i}", f"b{i}"], [f"c{i}"], kernel_shape=[3],
                                   strides=[stride], pads=[1, 1]),
                  helper.make_node("Relu", [f"c{i}"], [f"r{i}"])]
        cur, c = f"r{i}", f
    graph = helper.make_graph(
        nodes, "conv1d", [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                        [1, channels, length])],
        [helper.make_tensor_value_info(cur, TensorProto.FLOAT, None)], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), weights


def reference(x, weights):
    for w, b, stride in weights:
        x = np.maximum(conv1d_reference(x, w, b, stride, 1), 0)
    return x


@pytest.mark.parametrize("length,specs", [
    (2, [(64, 2)]), (1, [(32, 1)]), (4, [(64, 2), (64, 2), (128, 1)]), (7, [(16, 2), (8, 1)]),
    (129, [(64, 2), (64, 2)])])
def test_static_length(length, specs):
    rng = np.random.default_rng(length)
    model, weights = chain_model(48, length, specs, rng)
    x = rng.standard_normal((1, 48, length)).astype(np.float32)
    (y,) = kiln.compile(model, threads=1).run([x])
    np.testing.assert_allclose(y, reference(x, weights), rtol=1e-4, atol=1e-4)


def test_symbolic_length():
    rng = np.random.default_rng(7)
    model, weights = chain_model(32, "L", [(64, 2), (64, 2)], rng)
    module = kiln.compile(model, threads=1)
    for length in (1, 2, 3, 4, 9, 40):
        x = rng.standard_normal((1, 32, length)).astype(np.float32)
        (y,) = module.run([x])
        np.testing.assert_allclose(y, reference(x, weights), rtol=1e-4, atol=1e-4)


def test_filter_bank_symbolic_length():
    """A Conv-based STFT (openWakeWord's melspectrogram: one input channel, a long kernel, a
    stride of a third of it, an odd filter count) with a symbolic sample count: frame counts
    that are not multiples of the 8-frame register tile, a prime among them, and a single
    frame. Its accumulators live in registers across the kernel taps of dynamic-shape
    buffers."""
    rng = np.random.default_rng(11)
    f, k, stride = 33, 96, 32
    w = (rng.standard_normal((f, 1, k)) * 0.1).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("Conv", ["x", "w"], ["y"], kernel_shape=[k], strides=[stride])],
        "stft", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, "samples"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [numpy_helper.from_array(w, "w")])
    module = kiln.compile(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]),
                          threads=2)
    for frames in (1, 7, 8, 13, 17, 40):
        x = rng.standard_normal((1, 1, k + (frames - 1) * stride)).astype(np.float32)
        (y,) = module.run([x])
        ref = conv1d_reference(x, w, np.zeros(f, np.float32), stride, 0)
        np.testing.assert_allclose(y, ref, rtol=1e-4, atol=1e-4)
