"""f32 layer norms over static rows run as row vector code on the CPU (NormToVectors.cpp):
each row's mean, two-pass variance and normalization in 16-lane vectors, the rows on the
threads. Checked against numpy for full and partial vectors, rows of fewer than 16 elements,
several normalized dims, a scale with leading 1s and no bias, symbolic leading dims; the
report says vector code on the threads (the linalg lowering left these sequential)."""
import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

import kiln


def reference(x, scale, bias, axis, eps):
    dims = tuple(range(axis % x.ndim, x.ndim))
    x64 = x.astype(np.float64)
    mean = x64.mean(axis=dims, keepdims=True)
    var = ((x64 - mean) ** 2).mean(axis=dims, keepdims=True)
    y = (x64 - mean) / np.sqrt(var + eps) * scale
    return (y + bias if bias is not None else y).astype(np.float32)


def model(shape, scale_shape, bias, axis, eps):
    rng = np.random.default_rng(len(shape) * 10 + abs(axis))
    scale = (rng.standard_normal(scale_shape) + 1).astype(np.float32)
    inputs, inits = ["x", "s"], [numpy_helper.from_array(scale, "s")]
    b = None
    if bias:
        b = rng.standard_normal(scale_shape).astype(np.float32)
        inputs.append("b")
        inits.append(numpy_helper.from_array(b, "b"))
    node = helper.make_node("LayerNormalization", inputs, ["y"], axis=axis, epsilon=eps,
                            name="ln")
    graph = helper.make_graph(
        [node], "ln", [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), scale, b


CASES = [
    # (input shape as compiled, run shape, scale shape, bias, axis)
    ([1, 197, 768], [1, 197, 768], [768], True, -1),  # ViT: 48 vectors, four accumulators
    ([3, 5, 40], [3, 5, 40], [1, 40], False, 2),  # two vectors and a rest of 8, no bias
    ([4, 7, 10], [4, 7, 10], [10], True, -1),  # rows shorter than one vector
    ([2, 3, 8, 12], [2, 3, 8, 12], [8, 12], True, -2),  # two normalized dims
    (["n", "t", 72], [2, 33, 72], [72], True, -1),  # symbolic rows
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: "x".join(map(str, c[1])))
def test_layer_norm_matches_numpy(case):
    shape, run_shape, scale_shape, bias, axis = case
    onnx_model, scale, b = model(shape, scale_shape, bias, axis, 1e-5)
    module = kiln.compile(onnx_model, threads=2)
    (row,) = module.report()
    assert row["vector"] is True and row["parallel"] is True, row
    x = (np.random.default_rng(2).standard_normal(run_shape) * 3 + 1).astype(np.float32)
    (y,) = module.run([x])
    np.testing.assert_allclose(y, reference(x, scale, b, axis, 1e-5), rtol=2e-5, atol=2e-5)
