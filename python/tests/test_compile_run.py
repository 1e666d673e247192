"""kiln.compile / Module.run / export / load round trips on small models, checked with numpy."""
import gc
import os

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

import kiln
from conftest import mlp_model


def reference(x, w, b):
    return np.maximum(x @ w + b, 0)


def test_compile_run_model_proto(compiled_mlp):
    module, w, b = compiled_mlp
    x = np.random.default_rng(1).standard_normal((2, 8)).astype(np.float32)
    (y,) = module.run([x])
    assert y.dtype == np.float32 and y.shape == (2, 4)
    np.testing.assert_allclose(y, reference(x, w, b), rtol=1e-5, atol=1e-5)


def test_inputs_outputs_describe_the_model(compiled_mlp):
    module = compiled_mlp[0]
    assert module.inputs == [kiln.TensorInfo("x", np.dtype(np.float32), (2, 8))]
    assert module.outputs == [kiln.TensorInfo("y", np.dtype(np.float32), (2, 4))]
    assert "x: float32[2, 8]" in repr(module)


def test_compile_from_path(model_file, small_mlp):
    _, w, b = small_mlp
    module = kiln.compile(model_file)
    x = np.ones((2, 8), np.float32)
    np.testing.assert_allclose(module.run([x])[0], reference(x, w, b), rtol=1e-5, atol=1e-5)


def test_dict_and_list_inputs_agree(compiled_two_inputs):
    rng = np.random.default_rng(2)
    a = rng.standard_normal((3, 4)).astype(np.float32)
    b = rng.standard_normal((3, 4)).astype(np.float32)
    by_list = compiled_two_inputs.run([a, b])
    by_dict = compiled_two_inputs.run({"b": b, "a": a})
    assert [o.name for o in compiled_two_inputs.outputs] == ["z", "r"]
    np.testing.assert_allclose(by_list[0], np.maximum(a, 0) + 2 * b, rtol=1e-6)
    np.testing.assert_allclose(by_list[1], np.maximum(a, 0), rtol=1e-6)
    for got, want in zip(by_dict, by_list):
        np.testing.assert_array_equal(got, want)


def test_outputs_own_their_data(compiled_mlp):
    module, w, b = compiled_mlp
    x1 = np.full((2, 8), 1.0, np.float32)
    x2 = np.full((2, 8), -3.0, np.float32)
    (y1,) = module.run([x1])
    saved = y1.copy()
    module.run([x2])  # reuses the runtime's arena
    assert y1.flags.owndata
    np.testing.assert_array_equal(y1, saved)


def test_non_contiguous_and_list_inputs(compiled_mlp):
    module, w, b = compiled_mlp
    big = np.random.default_rng(3).standard_normal((8, 2)).astype(np.float32)
    x = big.T  # a Fortran-ordered view: copied to C order by run
    assert not x.flags.c_contiguous
    np.testing.assert_allclose(module.run([x])[0], reference(x, w, b), rtol=1e-5, atol=1e-5)
    as_list = x.tolist()  # plain Python floats: converted (float64 -> float32 is same-kind)
    np.testing.assert_allclose(module.run([as_list])[0], reference(x, w, b), rtol=1e-5,
                               atol=1e-5)


def test_export_load_round_trip(compiled_mlp, tmp_path):
    module, w, b = compiled_mlp
    path = tmp_path / "exported.kiln"
    assert module.export(path) == str(path)
    assert sorted(os.listdir(path)) == ["kernels.so", "manifest.json", "weights.bin"]
    loaded = kiln.load(path)
    assert loaded.inputs == module.inputs and loaded.outputs == module.outputs
    x = np.random.default_rng(4).standard_normal((2, 8)).astype(np.float32)
    np.testing.assert_array_equal(loaded.run([x])[0], module.run([x])[0])
    assert loaded.export(path) == str(path)  # onto itself: nothing to copy


def test_temporary_artifact_removed_on_collection(small_mlp):
    module = kiln.compile(small_mlp[0])
    folder = os.path.dirname(module.path)
    assert os.path.isdir(folder)
    del module
    gc.collect()
    assert not os.path.exists(folder)


def test_input_shapes_option_fixes_a_symbolic_dim():
    model, w, b = mlp_model(batch_dim="batch")
    module = kiln.compile(model, input_shapes={"x": [5, 8]}, cpu="x86-64", threads=1)
    assert module.inputs[0].shape == (5, 8) and module.outputs[0].shape == (5, 4)
    x = np.random.default_rng(5).standard_normal((5, 8)).astype(np.float32)
    np.testing.assert_allclose(module.run([x])[0], reference(x, w, b), rtol=1e-5, atol=1e-5)


def test_tuning_db(small_mlp, tmp_path):
    model, w, b = small_mlp
    # A database without records of this model's workloads: defaults, same results.
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    module = kiln.compile(model, tuning_db=empty)
    x = np.random.default_rng(3).standard_normal(module.inputs[0].shape).astype(np.float32)
    np.testing.assert_allclose(module.run([x])[0], reference(x, w, b), rtol=1e-5, atol=1e-5)
    # A corrupt database is a compile error naming the file and line, not a silent default.
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n{}\n")
    with pytest.raises(kiln.CompileError, match="bad.jsonl:1"):
        kiln.compile(model, tuning_db=bad)


def test_unknown_option_and_bad_model_type(small_mlp):
    with pytest.raises(TypeError, match="unknown option"):
        kiln.compile(small_mlp[0], unroll=4)
    with pytest.raises(TypeError, match="model must be"):
        kiln.compile(42)


def test_unknown_target_is_a_compile_error(small_mlp):
    with pytest.raises(kiln.CompileError, match="unsupported target 'gpu'"):
        kiln.compile(small_mlp[0], target="gpu")


def test_runs_from_threads(compiled_mlp):
    from concurrent.futures import ThreadPoolExecutor
    module, w, b = compiled_mlp
    xs = [np.full((2, 8), float(i), np.float32) for i in range(16)]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda x: module.run([x])[0], xs))
    for x, y in zip(xs, results):
        np.testing.assert_allclose(y, reference(x, w, b), rtol=1e-5, atol=1e-4)


def test_compiles_from_threads():
    from concurrent.futures import ThreadPoolExecutor
    models = [mlp_model(seed=s) for s in range(4)]
    x = np.random.default_rng(6).standard_normal((2, 8)).astype(np.float32)

    def compile_and_run(entry):
        model, w, b = entry
        return kiln.compile(model).run([x])[0], reference(x, w, b)

    with ThreadPoolExecutor(2) as pool:
        for got, want in pool.map(compile_and_run, models):
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_input_values_fix_an_input_at_compile_time():
    """An If on an input with branches of different shapes selects at run time (the result
    takes the chosen branch's shape); fixing the input at compile time keeps only the branch
    taken, and the fixed input is no longer one of the module's."""
    then_graph = helper.make_graph([helper.make_node("Identity", ["x"], ["t"])], "then", [],
                                   [helper.make_tensor_value_info("t", TensorProto.FLOAT, [3])])
    else_graph = helper.make_graph(
        [helper.make_node("Concat", ["x", "x"], ["e"], axis=0)], "else", [],
        [helper.make_tensor_value_info("e", TensorProto.FLOAT, [6])])
    graph = helper.make_graph(
        [helper.make_node("Greater", ["rate", "limit"], ["fast"]),
         helper.make_node("If", ["fast"], ["y"], then_branch=then_graph,
                          else_branch=else_graph)],
        "branch", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3]),
                   helper.make_tensor_value_info("rate", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [numpy_helper.from_array(np.array([10.0], np.float32), "limit")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 16)])
    x = np.array([1, 2, 3], np.float32)
    either = kiln.compile(model)
    np.testing.assert_array_equal(either.run([x, np.array([16.0], np.float32)])[0], x)
    np.testing.assert_array_equal(either.run([x, np.array([4.0], np.float32)])[0],
                                  np.concatenate([x, x]))
    fast = kiln.compile(model, input_values={"rate": 16.0})
    assert [i.name for i in fast.inputs] == ["x"]
    np.testing.assert_array_equal(fast.run([x])[0], x)
    slow = kiln.compile(model, input_values={"rate": [4.0]})
    np.testing.assert_array_equal(slow.run([x])[0], np.concatenate([x, x]))
    with pytest.raises(kiln.CompileError, match="not an input of the model"):
        kiln.compile(model, input_values={"speed": 1})
