"""Shape values: output dims that follow the values of an input (a Reshape shape, Unsqueeze
axes, a Range limit, ...). A model compiles once; the runtime reads the values on the host
before any kernel runs."""
import json

import numpy as np
import pytest
from onnx import TensorProto, helper

import kiln


def _model(nodes, inputs, outputs, opset=13):
    graph = helper.make_graph(nodes, "shape_values", inputs, outputs)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def _compile(model):
    return kiln.compile(model, cpu="x86-64-v3", threads=1)


@pytest.fixture(scope="module")
def reshape_then_relu():
    """Reshape(x, shape) with `shape` a graph input, then Relu (a kernel on the view)."""
    model = _model([helper.make_node("Reshape", ["x", "shape"], ["r"], name="reshape_node"),
                    helper.make_node("Relu", ["r"], ["y"])],
                   [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 4]),
                    helper.make_tensor_value_info("shape", TensorProto.INT64, [2])],
                   [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    return _compile(model)


def test_reshape_by_a_graph_input_compiles_once_and_runs_with_two_shapes(reshape_then_relu):
    x = np.random.default_rng(0).standard_normal((2, 3, 4)).astype(np.float32)
    for shape in ([6, 4], [-1, 12], [0, 12], [24, 1]):
        (y,) = reshape_then_relu.run([x, np.array(shape, np.int64)])
        expected_shape = [2 if s == 0 else s for s in shape]
        np.testing.assert_array_equal(y, np.maximum(x.reshape(expected_shape), 0))


def test_bad_reshape_value_names_the_node(reshape_then_relu):
    x = np.zeros((2, 3, 4), np.float32)
    with pytest.raises(kiln.InputError, match=r"Reshape node 'reshape_node'.*cannot reshape"):
        reshape_then_relu.run([x, np.array([5, 5], np.int64)])
    with pytest.raises(kiln.InputError, match=r"reshape_node.*more than one -1"):
        reshape_then_relu.run([x, np.array([-1, -1], np.int64)])


def test_manifest_records_the_shape_value(reshape_then_relu, tmp_path):
    reshape_then_relu.export(tmp_path)
    manifest = json.load(open(tmp_path / "manifest.json"))
    views = [v for v in manifest["values"] if "shape_from" in v]
    assert len(views) == 1 and views[0]["shape_mode"] == "reshape"
    assert views[0]["node"] == "reshape_node" and views[0]["shape"] == [-1, -1]


def test_unsqueeze_and_squeeze_by_run_time_axes():
    model = _model([helper.make_node("Unsqueeze", ["x", "axes"], ["u"]),
                    helper.make_node("Squeeze", ["u", "drop"], ["y"])],
                   [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3, 4]),
                    helper.make_tensor_value_info("axes", TensorProto.INT64, [2]),
                    helper.make_tensor_value_info("drop", TensorProto.INT64, [1])],
                   [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    module = _compile(model)
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    (y,) = module.run([x, np.array([0, -1], np.int64), np.array([0], np.int64)])
    np.testing.assert_array_equal(y, x.reshape(3, 4, 1))
    (y,) = module.run([x, np.array([1, 3], np.int64), np.array([3], np.int64)])
    np.testing.assert_array_equal(y, x.reshape(3, 1, 4))
    with pytest.raises(kiln.InputError, match=r"Squeeze node.*cannot squeeze dim 0 of extent 3"):
        module.run([x, np.array([1, 3], np.int64), np.array([0], np.int64)])


def test_range_with_a_run_time_limit():
    model = _model([helper.make_node("Range", ["start", "limit", "delta"], ["r"], name="range"),
                    helper.make_node("Add", ["r", "r"], ["y"])],
                   [helper.make_tensor_value_info(n, TensorProto.FLOAT, []) for n in
                    ("start", "limit", "delta")],
                   [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], opset=11)
    module = _compile(model)
    for start, limit, delta in ((0, 5, 1), (1.5, 10, 2.5), (3, -2, -0.5), (5, 1, 1)):
        args = [np.array(v, np.float32) for v in (start, limit, delta)]
        (y,) = module.run(args)
        np.testing.assert_allclose(y, 2 * np.arange(*args, dtype=np.float32), rtol=1e-6)


def test_expand_and_constant_of_shape_by_run_time_shapes():
    fill = helper.make_tensor("value", TensorProto.INT32, [1], [7])
    model = _model([helper.make_node("Expand", ["x", "shape"], ["e"], name="expand"),
                    helper.make_node("ConstantOfShape", ["shape"], ["c"], value=fill)],
                   [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3, 1]),
                    helper.make_tensor_value_info("shape", TensorProto.INT64, [3])],
                   [helper.make_tensor_value_info("e", TensorProto.FLOAT, None),
                    helper.make_tensor_value_info("c", TensorProto.INT32, None)])
    module = _compile(model)
    x = np.array([[1], [2], [3]], np.float32)
    for shape in ([2, 1, 4], [1, 3, 2]):
        e, c = module.run([x, np.array(shape, np.int64)])
        np.testing.assert_array_equal(e, x * np.ones(shape, np.float32))
        np.testing.assert_array_equal(c, np.full(shape, 7, np.int32))
    with pytest.raises(kiln.InputError, match=r"node 'expand'"):
        module.run([x, np.array([1, 4, 2], np.int64)])


def test_trilu_with_a_run_time_k():
    model = _model([helper.make_node("Trilu", ["x", "k"], ["y"], upper=0)],
                   [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 5]),
                    helper.make_tensor_value_info("k", TensorProto.INT64, [])],
                   [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 5])], opset=14)
    module = _compile(model)
    x = np.random.default_rng(1).standard_normal((4, 5)).astype(np.float32)
    for k in (-1, 0, 2):
        (y,) = module.run([x, np.array(k, np.int64)])
        np.testing.assert_array_equal(y, np.tril(x, k))


def test_shape_values_computed_by_kernels_run_in_stages():
    """A Reshape to a shape a kernel computes, and NonZero of a mask a kernel computes (with a
    GatherND of its indices): the runtime sizes what follows once those kernels have run."""
    zero = helper.make_tensor("z", TensorProto.FLOAT, [], [0.0])
    model = _model([helper.make_node("Constant", [], ["zero"], value=zero),
                    helper.make_node("Greater", ["x", "zero"], ["mask"]),
                    helper.make_node("NonZero", ["mask"], ["nz"]),
                    helper.make_node("Transpose", ["nz"], ["idx"], perm=[1, 0]),
                    helper.make_node("GatherND", ["x", "idx"], ["positive"]),
                    helper.make_node("Add", ["shape", "shape"], ["s"]),
                    helper.make_node("Reshape", ["x", "s"], ["r"], name="late_reshape"),
                    helper.make_node("Relu", ["r"], ["y"])],
                   [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 8]),
                    helper.make_tensor_value_info("shape", TensorProto.INT64, [2])],
                   [helper.make_tensor_value_info("positive", TensorProto.FLOAT, None),
                    helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    module = _compile(model)
    rng = np.random.default_rng(3)
    for half_shape in ([1, 4], [2, 2], [1, 4]):
        x = rng.standard_normal((2, 8)).astype(np.float32)
        positive, y = module.run([x, np.array(half_shape, np.int64)])
        np.testing.assert_array_equal(positive, x[x > 0])
        np.testing.assert_array_equal(y, np.maximum(x.reshape([2 * v for v in half_shape]), 0))
    (none, _) = module.run([-np.ones((2, 8), np.float32), np.array([1, 4], np.int64)])
    assert none.shape == (0,)
    with pytest.raises(kiln.InputError, match=r"late_reshape.*cannot reshape"):
        module.run([x, np.array([3, 3], np.int64)])


def test_slice_tile_pad_by_run_time_parameters():
    ints = lambda name, n: helper.make_tensor_value_info(name, TensorProto.INT64, [n])
    model = _model([helper.make_node("Slice", ["x", "starts", "ends", "axes", "steps"], ["s"]),
                    helper.make_node("Tile", ["x", "repeats"], ["t"]),
                    helper.make_node("Pad", ["x", "pads"], ["p"], mode="reflect")],
                   [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 5]),
                    ints("starts", 1), ints("ends", 1), ints("axes", 1), ints("steps", 1),
                    ints("repeats", 2), ints("pads", 4)],
                   [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in "stp"])
    module = _compile(model)
    x = np.arange(20, dtype=np.float32).reshape(4, 5)
    i64 = lambda *v: np.array(v, np.int64)
    for start, end, axis, step in ((1, 100, 1, 2), (-1, -100, 0, -1), (0, 2, -1, 1)):
        s, t, p = module.run([x, i64(start), i64(end), i64(axis), i64(step), i64(2, 1),
                              i64(1, 0, 2, 3)])
        index = [slice(None)] * 2
        index[axis] = slice(start, None if end in (100, -100) else end, step)
        np.testing.assert_array_equal(s, x[tuple(index)])
        np.testing.assert_array_equal(t, np.tile(x, (2, 1)))
        np.testing.assert_array_equal(p, np.pad(x, ((1, 2), (0, 3)), mode="reflect"))
    with pytest.raises(kiln.InputError, match=r"negative size -1 computed at .*kiln.slice_by"):
        module.run([x, i64(0), i64(3), i64(0), i64(0), i64(1, 1), i64(0, 0, 0, 0)])


def test_cumsum_and_one_hot_with_run_time_operands():
    model = _model([helper.make_node("CumSum", ["x", "axis"], ["c"], exclusive=1),
                    helper.make_node("OneHot", ["i", "depth", "values"], ["h"], axis=0)],
                   [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3]),
                    helper.make_tensor_value_info("axis", TensorProto.INT32, []),
                    helper.make_tensor_value_info("i", TensorProto.INT64, [3]),
                    helper.make_tensor_value_info("depth", TensorProto.FLOAT, []),
                    helper.make_tensor_value_info("values", TensorProto.FLOAT, [2])],
                   [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in "ch"])
    module = _compile(model)
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    i = np.array([0, -1, 2], np.int64)
    for axis, depth in ((0, 3), (1, 4), (-1, 5)):
        c, h = module.run([x, np.array(axis, np.int32), i, np.array(depth, np.float32),
                           np.array([-1, 1], np.float32)])
        np.testing.assert_allclose(c, np.cumsum(x, axis) - x)
        expected = -np.ones((depth, 3), np.float32)
        expected[i % depth, np.arange(3)] = 1
        np.testing.assert_array_equal(h, expected)
