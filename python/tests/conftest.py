"""Shared fixtures of the kiln Python API tests: small models built with onnx.helper."""
import os

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MODELS_DIR = os.environ.get("KILN_MODELS_DIR") or os.path.join(REPO, "..", "shared", "models")


def mlp_model(batch=2, features=8, hidden=4, seed=0, batch_dim=None):
    """MatMul + Add + Relu with constant weights; returns (model, W, B)."""
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((features, hidden)).astype(np.float32)
    b = rng.standard_normal(hidden).astype(np.float32)
    nodes = [helper.make_node("MatMul", ["x", "W"], ["m"]),
             helper.make_node("Add", ["m", "B"], ["a"]),
             helper.make_node("Relu", ["a"], ["y"])]
    x_dims = [batch_dim or batch, features]
    graph = helper.make_graph(
        nodes, "small_mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_dims)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [batch_dim or batch, hidden])],
        [numpy_helper.from_array(w, "W"), numpy_helper.from_array(b, "B")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), w, b


def two_input_model():
    """z = Relu(a) + b * 2 with a: f32[3,4], b: f32[3,4]; outputs z and r = Relu(a)."""
    two = numpy_helper.from_array(np.array(2.0, dtype=np.float32), "two")
    nodes = [helper.make_node("Relu", ["a"], ["r"]),
             helper.make_node("Mul", ["b", "two"], ["b2"]),
             helper.make_node("Add", ["r", "b2"], ["z"])]
    graph = helper.make_graph(
        nodes, "two_inputs",
        [helper.make_tensor_value_info("a", TensorProto.FLOAT, [3, 4]),
         helper.make_tensor_value_info("b", TensorProto.FLOAT, [3, 4])],
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, [3, 4]),
         helper.make_tensor_value_info("r", TensorProto.FLOAT, [3, 4])],
        [two])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


@pytest.fixture(scope="session")
def small_mlp():
    return mlp_model()


@pytest.fixture(scope="session")
def compiled_mlp(small_mlp):
    import kiln
    model, w, b = small_mlp
    return kiln.compile(model), w, b


@pytest.fixture(scope="session")
def compiled_two_inputs():
    import kiln
    return kiln.compile(two_input_model())


@pytest.fixture
def model_file(tmp_path, small_mlp):
    path = tmp_path / "small_mlp.onnx"
    onnx.save(small_mlp[0], str(path))
    return path
