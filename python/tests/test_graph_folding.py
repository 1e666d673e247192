"""Graph passes that rewrite weights at compile time still compute the model's function."""
import numpy as np
from onnx import TensorProto, helper, numpy_helper

import kiln
from test_onnx_backend import conv_reference


def test_conv_batch_norm_relu_matches_reference():
    rng = np.random.default_rng(0)
    c, f = 3, 5
    w = rng.standard_normal((f, c, 3, 3)).astype(np.float32)
    b = rng.standard_normal(f).astype(np.float32)
    scale = rng.uniform(0.5, 2, f).astype(np.float32)
    beta = rng.standard_normal(f).astype(np.float32)
    mean = rng.standard_normal(f).astype(np.float32)
    var = rng.uniform(0.5, 2, f).astype(np.float32)
    eps = 1e-3
    nodes = [helper.make_node("Conv", ["x", "W", "B"], ["c"], pads=[1, 1, 1, 1]),
             helper.make_node("BatchNormalization", ["c", "s", "beta", "mean", "var"], ["n"],
                              epsilon=eps),
             helper.make_node("Relu", ["n"], ["y"])]
    inits = [numpy_helper.from_array(a, name) for a, name in
             [(w, "W"), (b, "B"), (scale, "s"), (beta, "beta"), (mean, "mean"), (var, "var")]]
    graph = helper.make_graph(
        nodes, "conv_bn",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, c, 9, 7])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, f, 9, 7])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 15)])

    # The batch norm is gone after the graph phase: folded into the conv's weights.
    assert "batch_norm" not in kiln.ir(model, "graph")

    x = rng.standard_normal((2, c, 9, 7)).astype(np.float32)
    (y,) = kiln.compile(model).run([x])
    conv = conv_reference(x.astype(np.float64), w.astype(np.float64), b.astype(np.float64), 1)
    norm = (conv - mean[None, :, None, None]) / np.sqrt(var + eps)[None, :, None, None]
    ref = np.maximum(norm * scale[None, :, None, None] + beta[None, :, None, None], 0)
    np.testing.assert_allclose(y, ref, rtol=1e-4, atol=1e-4)
