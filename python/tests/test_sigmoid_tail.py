"""Sigmoid keeps its relative accuracy far in the negative tail, where its value is tiny: a
wake-word detector's score (openWakeWord hey_jarvis: sigmoid(-12.02) = 6.0221e-6) is read
against a threshold at that scale. 1 / (1 + exp(-x)) in float32 is within 2e-7 of the
float64 value there; onnxruntime's rational approximation returns 6.0499e-6 for that score
(0.46% off), so the zoo benchmark's comparison with it shows a mismatch that is onnxruntime's."""
import numpy as np
import pytest
from onnx import TensorProto, helper

import kiln


@pytest.mark.parametrize("shape", [[1, 1], [4, 151]])
def test_sigmoid_relative_error(shape):
    n = int(np.prod(shape))
    x = np.linspace(-30.0, 30.0, n).astype(np.float32).reshape(shape)
    if n == 1:
        x[...] = -12.0200615  # the hey_jarvis score's logit
    graph = helper.make_graph([helper.make_node("Sigmoid", ["x"], ["y"])], "sigmoid",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, shape)])
    module = kiln.compile(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]),
                          threads=1)
    (y,) = module.run([x])
    ref = 1.0 / (1.0 + np.exp(-x.astype(np.float64)))
    assert np.max(np.abs(y - ref) / ref) < 1e-6
