"""The vulkan target through the Python API: compile, run on the Vulkan driver (lavapipe in CI),
compare with the CPU target and the reference outputs; errors for bad targets and devices."""
import os

import numpy as np
import onnx
import pytest
from onnx import helper, numpy_helper, TensorProto

import kiln

MODELS = os.environ.get("KILN_MODELS_DIR", os.path.join(os.path.dirname(__file__), "..", "..",
                                                         "..", "shared", "models"))


def _load_pb(path):
    tensor = onnx.TensorProto()
    with open(path, "rb") as f:
        tensor.ParseFromString(f.read())
    return numpy_helper.to_array(tensor)


def _small_model():
    # Conv (3x3, padded) + bias + relu, global average pool, matmul: a reduction whose
    # reduced dims come before the parallel one, a scratch buffer, a zero-padding copy.
    rng = np.random.default_rng(0)
    w = numpy_helper.from_array(rng.standard_normal((8, 3, 3, 3)).astype(np.float32), "w")
    b = numpy_helper.from_array(rng.standard_normal(8).astype(np.float32), "b")
    m = numpy_helper.from_array(rng.standard_normal((8, 5)).astype(np.float32), "m")
    nodes = [
        helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["r"]),
        helper.make_node("GlobalAveragePool", ["r"], ["p"]),
        helper.make_node("Flatten", ["p"], ["f"]),
        helper.make_node("MatMul", ["f", "m"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes, "small", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 9, 7])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 5])], [w, b, m])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def test_small_model_matches_cpu():
    model = _small_model()
    x = np.random.default_rng(1).standard_normal((2, 3, 9, 7)).astype(np.float32)
    want = kiln.compile(model).run({"x": x})[0]
    got = kiln.compile(model, target="vulkan").run({"x": x})[0]
    assert got.shape == (2, 5)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def test_mlp_matches_reference():
    path = os.path.join(MODELS, "mlp.onnx")
    if not os.path.exists(path):
        pytest.skip(f"{path} not found (KILN_MODELS_DIR)")
    module = kiln.compile(path, target="vulkan")
    data = os.path.join(MODELS, "testdata", "mlp")
    x = _load_pb(os.path.join(data, "input_0.pb"))
    want = _load_pb(os.path.join(data, "output_0.pb"))
    got = module.run([x])[0]
    np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-4)
    # Runs again with other inputs: the plan is recorded once, the inputs copied in each run.
    got2 = module.run([np.zeros_like(x)])[0]
    assert not np.allclose(got2, want)


def test_phases():
    assert kiln.phases() == ["import", "graph", "kernels", "linalg", "llvm"]
    assert kiln.phases("vulkan") == ["import", "graph", "kernels", "linalg", "gpu", "spirv"]
    with pytest.raises(ValueError, match="unknown phase 'llvm'"):
        kiln.ir(_small_model(), "llvm", target="vulkan")


def test_spirv_ir():
    text = kiln.ir(_small_model(), "spirv", target="vulkan")
    assert "spirv.module" in text and "spirv.EntryPoint \"GLCompute\"" in text


def test_unknown_and_unbuilt_targets():
    with pytest.raises(kiln.CompileError, match="unsupported target 'tpu'"):
        kiln.compile(_small_model(), target="tpu")
    with pytest.raises(kiln.CompileError, match="target 'accel' is not built"):
        kiln.compile(_small_model(), target="accel")


def test_missing_device(tmp_path):
    with pytest.raises(RuntimeError, match="Vulkan device 7 does not exist"):
        kiln.compile(_small_model(), target="vulkan", device=7)
