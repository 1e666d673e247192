"""QuantizeLinear rounds x / scale half to even; Kiln divides by a constant scale with a
multiply and an FMA correction (kiln-cpu-rounded-quotients), which must give the quotient a
divide gives. Bit-exact against numpy on values at, just beside and far from the rounding
ties, for scales whose reciprocal is exact and ones whose reciprocal is not, per tensor and
per channel, int8 and uint8, and on infinities."""
import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

import kiln


def quantize_model(shape, scale, zero_point, axis):
    inits = [numpy_helper.from_array(scale, "s"), numpy_helper.from_array(zero_point, "z")]
    node = helper.make_node("QuantizeLinear", ["x", "s", "z"], ["y"], axis=axis)
    elem = TensorProto.UINT8 if zero_point.dtype == np.uint8 else TensorProto.INT8
    graph = helper.make_graph([node], "q", [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info("y", elem, shape)], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def reference(x, scale, zero_point, axis):
    lo, hi = (0, 255) if zero_point.dtype == np.uint8 else (-128, 127)
    if scale.ndim == 1:
        shape = [1] * x.ndim
        shape[axis] = -1
        scale, zero_point = scale.reshape(shape), zero_point.reshape(shape)
    q = np.rint(x / scale).astype(np.float32) + zero_point.astype(np.float32)  # f32 divide
    return np.clip(q, lo, hi).astype(zero_point.dtype)


def tie_values(rng, scale, count):
    """x near (k + 1/2) * scale: the ties themselves and their float neighbours, plus spread."""
    k = rng.integers(-300, 300, count).astype(np.float32)
    ties = ((k + np.float32(0.5)) * scale).astype(np.float32)
    near = np.concatenate([ties, np.nextafter(ties, np.float32(np.inf)),
                           np.nextafter(ties, np.float32(-np.inf)),
                           (rng.standard_normal(count) * 100 * scale).astype(np.float32)])
    return near


@pytest.mark.parametrize("scale", [0.1, 0.0099055, 0.05, 1 / 128, 3.0, 0.0173])
@pytest.mark.parametrize("dtype", [np.uint8, np.int8])
def test_per_tensor_bit_exact(scale, dtype):
    rng = np.random.default_rng(int(scale * 1e4))
    s = np.array(scale, np.float32)
    x = tie_values(rng, s, 4096).reshape(64, -1)
    x[0, :4] = [np.inf, -np.inf, 0.0, -0.0]
    z = np.array(128 if dtype == np.uint8 else 0, dtype)
    (y,) = kiln.compile(quantize_model(list(x.shape), s, z, 1)).run([x])
    np.testing.assert_array_equal(y, reference(x, s, z, 1))


def test_per_channel_bit_exact():
    rng = np.random.default_rng(7)
    s = (rng.uniform(0.001, 0.2, 32)).astype(np.float32)
    z = rng.integers(-20, 20, 32).astype(np.int8)
    x = np.stack([tie_values(rng, c, 256) for c in s], axis=1)  # [1024, 32]
    (y,) = kiln.compile(quantize_model(list(x.shape), s, z, 1)).run([x])
    np.testing.assert_array_equal(y, reference(x, s, z, 1))
