"""Models with a symbolic batch dim compile once and run at any batch (numpy references)."""
import json
import os

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import kiln
import dynamic_models
from conftest import MODELS_DIR

BATCHES = (1, 8, 3)


def _compile(model):
    return kiln.compile(model, cpu="x86-64-v3", threads=1)


@pytest.fixture(scope="module", params=["mlp", "conv_net", "view_reshape"])
def compiled(request):
    model, reference = getattr(dynamic_models, request.param)()
    return _compile(model), reference


def test_one_artifact_runs_every_batch(compiled):
    module, reference = compiled
    rest = module.inputs[0].shape[1:]
    for batch in BATCHES:
        x = np.random.default_rng(batch).standard_normal((batch,) + rest).astype(np.float32)
        (y,) = module.run([x])
        assert y.shape[0] == batch
        np.testing.assert_allclose(y, reference(x), rtol=1e-4, atol=1e-4)


def test_inputs_and_outputs_show_the_dynamic_dim(compiled):
    module, _ = compiled
    assert module.inputs[0].shape[0] is None and None not in module.inputs[0].shape[1:]
    assert module.outputs[0].shape[0] is None
    assert "x: float32[?, " in repr(module)


def test_manifest_is_version_2_with_shape_functions(compiled, tmp_path):
    module, _ = compiled
    module.export(tmp_path)
    manifest = json.load(open(tmp_path / "manifest.json"))
    assert manifest["format_version"] == 2
    assert manifest["values"][manifest["inputs"][0]["value"]]["shape"][0] == -1
    dynamic_steps = [s for s in manifest["steps"] if s["dims"]]
    assert dynamic_steps and all(s["shape_function"] == s["kernel"] + "_shape"
                                 for s in dynamic_steps)
    reloaded = kiln.load(tmp_path)
    x = np.ones((2,) + module.inputs[0].shape[1:], np.float32)
    np.testing.assert_array_equal(reloaded.run([x])[0], module.run([x])[0])


def test_static_dims_are_still_checked(compiled):
    module, _ = compiled
    shape = list(module.inputs[0].shape)
    shape[0], shape[-1] = 2, shape[-1] + 1
    with pytest.raises(kiln.InputError, match=r"expected shape \(None, .*\(None: any size\)"):
        module.run([np.zeros(shape, np.float32)])


def test_static_model_keeps_format_version_1(tmp_path):
    model, _ = dynamic_models.mlp()
    module = kiln.compile(model, input_shapes={"x": [4, 24]}, threads=1)
    module.export(tmp_path)
    assert json.load(open(tmp_path / "manifest.json"))["format_version"] == 1
    assert module.inputs[0].shape == (4, 24)


def _two_batches_model():
    """z = a + b with a, b: f32[N, 4] sharing the symbolic dim N."""
    graph = helper.make_graph(
        [helper.make_node("Add", ["a", "b"], ["z"])], "two_batches",
        [helper.make_tensor_value_info("a", TensorProto.FLOAT, ["N", 4]),
         helper.make_tensor_value_info("b", TensorProto.FLOAT, ["N", 4])],
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, ["N", 4])])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def test_dims_that_must_agree_are_checked_at_run_time():
    module = _compile(_two_batches_model())
    a, b = np.ones((3, 4), np.float32), np.full((3, 4), 2, np.float32)
    np.testing.assert_array_equal(module.run([a, b])[0], a + b)
    with pytest.raises(kiln.InputError, match=r"inconsistent input shapes.*kiln\.add.*\[3,4\], \[5,4\]"):
        module.run([a, np.ones((5, 4), np.float32)])
    np.testing.assert_array_equal(module.run([a, b])[0], a + b)  # still usable


def test_batch_zero_and_growing_batches():
    model, reference = dynamic_models.mlp()
    module = _compile(model)
    for batch in (0, 2, 64, 5):
        x = np.random.default_rng(batch).standard_normal((batch, 24)).astype(np.float32)
        np.testing.assert_allclose(module.run([x])[0], reference(x), rtol=1e-4, atol=1e-4)


@pytest.mark.skipif(not os.path.exists(os.path.join(MODELS_DIR, "squeezenet1_1.onnx")),
                    reason="shared models not available")
def test_shared_model_with_a_dynamic_batch():
    name = "squeezenet1_1"
    model = onnx.load(os.path.join(MODELS_DIR, f"{name}.onnx"))
    for value in list(model.graph.input) + list(model.graph.output):
        value.type.tensor_type.shape.dim[0].dim_param = "N"
    del model.graph.value_info[:]
    data = os.path.join(MODELS_DIR, "testdata", name)
    x = numpy_helper.to_array(onnx.load_tensor(os.path.join(data, "input_0.pb")))
    want = numpy_helper.to_array(onnx.load_tensor(os.path.join(data, "output_0.pb")))
    module = _compile(model)
    for batch in (1, 2):
        (y,) = module.run([np.concatenate([x] * batch)])
        np.testing.assert_allclose(y, np.concatenate([want] * batch), rtol=1e-3, atol=1e-4)


KILN_RUN = os.path.join(os.path.dirname(kiln.__file__), "..", "..", "bin", "kiln-run")


@pytest.mark.skipif(not os.path.exists(KILN_RUN), reason="kiln-run not built")
def test_kiln_run_takes_the_batch_from_the_input_file(tmp_path):
    import subprocess
    model, reference = dynamic_models.conv_net()
    _compile(model).export(tmp_path / "model.kiln")
    x = np.random.default_rng(4).standard_normal((4, 3, 12, 12)).astype(np.float32)
    onnx.save_tensor(numpy_helper.from_array(x, "x"), str(tmp_path / "x.pb"))
    done = subprocess.run([KILN_RUN, str(tmp_path / "model.kiln"), "--input", f"x={tmp_path}/x.pb",
                           "--output-dir", str(tmp_path / "out")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "float32 [4,5]" in done.stdout
    y = numpy_helper.to_array(onnx.load_tensor(str(tmp_path / "out" / "y.pb")))
    np.testing.assert_allclose(y, reference(x), rtol=1e-4, atol=1e-4)
    bad = subprocess.run([KILN_RUN, str(tmp_path / "model.kiln"), "--input",
                          f"x={tmp_path}/x.pb", "--input", "x=again"], capture_output=True, text=True)
    assert bad.returncode != 0


def test_static_values_in_a_dynamic_plan():
    """A static input and a static intermediate share the run-time arena with dynamic ones."""
    graph = helper.make_graph(
        [helper.make_node("Relu", ["s"], ["r"]), helper.make_node("Add", ["x", "r"], ["y"])],
        "mixed", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4]),
                  helper.make_tensor_value_info("s", TensorProto.FLOAT, [4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 4])])
    module = _compile(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]))
    assert module.inputs[1].shape == (4,)
    s = np.array([-1, 2, -3, 4], np.float32)
    for batch in (1, 5):
        x = np.arange(batch * 4, dtype=np.float32).reshape(batch, 4)
        np.testing.assert_array_equal(module.run([x, s])[0], x + np.maximum(s, 0))


@pytest.mark.parametrize("index", [0, -1, 3])
def test_gather_from_data_with_dynamic_dims(index):
    """x[:, i] of a [B, T, D] batch with symbolic B and T (a CLS-token or last-token pooling):
    the gathered axis's extent is read at run time (negative indices count from it)."""
    from onnx import TensorProto, helper, numpy_helper
    graph = helper.make_graph(
        [helper.make_node("Gather", ["x", "i"], ["y"], axis=1)], "pool",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["B", "T", 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [numpy_helper.from_array(np.array(index, np.int64), "i")])
    module = kiln.compile(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]))
    for shape in [(2, 5, 8), (1, 9, 8), (3, 4, 8)]:
        x = np.random.default_rng(sum(shape)).standard_normal(shape).astype(np.float32)
        (y,) = module.run([x])
        np.testing.assert_array_equal(y, x[:, index])


def test_input_breaking_a_shape_baked_at_export_is_an_input_error():
    """A model exported for batch 1 reshapes its [?, 8] activations to a constant [2, 4]: batch
    1 runs, batch 2 is a clear error naming the input (it ran silently on half the data)."""
    from onnx import TensorProto, helper, numpy_helper
    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["r"]), helper.make_node("Reshape", ["r", "s"], ["y"])],
        "baked", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["B", 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [numpy_helper.from_array(np.array([2, 4], np.int64), "s")])
    module = kiln.compile(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]))
    x = np.arange(8, dtype=np.float32).reshape(1, 8) - 3
    np.testing.assert_array_equal(module.run([x])[0], np.maximum(x, 0).reshape(2, 4))
    with pytest.raises(kiln.InputError, match=r"cannot reshape \[2,8\] into \[2,4\].*'x' \[2,8\]"):
        module.run([np.zeros((2, 8), np.float32)])


def test_reductions_over_dynamic_dims_stay_vectorized():
    """A max over every dim of a [?, 1, ?, 32] spectrogram (openWakeWord's melspectrogram) and
    a row softmax over a symbolic length: no kernel falls to scalar loops (a schedule that
    tiled the dynamic outer reduction dims by 64 left 131072 iterations in one op, scalar)."""
    from onnx import TensorProto, helper
    graph = helper.make_graph(
        [helper.make_node("ReduceMax", ["x"], ["m"], keepdims=0),
         helper.make_node("Sub", ["x", "m"], ["d"]),
         helper.make_node("Softmax", ["d"], ["y"], axis=-1),
         helper.make_node("Transpose", ["y"], ["t"], perm=[0, 1, 3, 2]),
         helper.make_node("Softmax", ["t"], ["z"], axis=-1)],
        "spectrogram", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["B", 1, "T", 32])],
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, None)])
    module = kiln.compile(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]))
    assert [r for r in module.report() if r.get("vector") is False] == []
    x = np.random.default_rng(0).standard_normal((2, 1, 77, 32)).astype(np.float32)
    d = x - x.max()
    y = np.exp(d - d.max(-1, keepdims=True))
    y /= y.sum(-1, keepdims=True)
    t = y.transpose(0, 1, 3, 2)
    z = np.exp(t - t.max(-1, keepdims=True))
    z /= z.sum(-1, keepdims=True)
    np.testing.assert_allclose(module.run([x])[0], z, rtol=1e-5, atol=1e-6)


def _reshape_model(target_from_shape):
    """x [n, t, 8] -> Reshape [-1, 8] -> Relu, and (target_from_shape) back to Shape(x)."""
    n = helper.make_node
    nodes = [n("Reshape", ["x", "flat"], ["f"], name="flatten"), n("Relu", ["f"], ["r"])]
    if target_from_shape:
        nodes += [n("Shape", ["x"], ["s"]), n("Reshape", ["r", "s"], ["y"], name="unflatten")]
    else:
        nodes[-1].output[0] = "y"
    graph = helper.make_graph(
        nodes, "rows", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", "t", 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [numpy_helper.from_array(np.array([-1, 8], np.int64), "flat")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def test_reshape_merging_two_dynamic_dims_infers_their_product():
    """[n, t, 8] -> [-1, 8] is [n * t, 8]: the plan infers the dim from the element count (it
    took it for dim 0 of the input, [n, 8], and the run failed)."""
    module = kiln.compile(_reshape_model(False))
    x = np.random.default_rng(0).standard_normal((2, 3, 8)).astype(np.float32)
    (y,) = module.run([x])
    np.testing.assert_array_equal(y, np.maximum(x, 0).reshape(6, 8))


def test_reshape_splitting_a_dim_into_two_dynamic_ones_is_a_clear_error():
    """[n * t, 8] back to [n, t, 8]: two dims to infer at run time; a compile error naming the
    reshape rather than a guess."""
    with pytest.raises(kiln.CompileError,
                       match="node 'unflatten'.*cannot work out the dynamic dims"):
        kiln.compile(_reshape_model(True))
