"""TopK: one scan per row keeps the k best so far sorted (value, then lower index first), or for
k^2 > 32 n a stable sort of the row; checked against a stable numpy sort with many ties, both
orders, inner and outer axes, k = 0 and k = n (both ways), floats and ints, and a run-time k on
one artifact."""
import numpy as np
import pytest
from onnx import TensorProto, helper

import kiln


def _top_k_model(shape, axis, largest, dtype):
    node = helper.make_node("TopK", ["x", "k"], ["v", "i"], axis=axis, largest=largest)
    graph = helper.make_graph(
        [node], "top_k",
        [helper.make_tensor_value_info("x", dtype, shape),
         helper.make_tensor_value_info("k", TensorProto.INT64, [1])],
        [helper.make_tensor_value_info("v", dtype, None),
         helper.make_tensor_value_info("i", TensorProto.INT64, None)])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 11)])


def _reference(x, k, axis, largest):
    keys = -x if largest else x
    order = np.argsort(keys, axis=axis, kind="stable")  # ties: the lower index first
    index = np.take(order, np.arange(k), axis=axis)
    return np.take_along_axis(x, index, axis=axis), index


@pytest.mark.parametrize("axis,largest,dtype", [(1, 1, TensorProto.FLOAT), (0, 0, TensorProto.FLOAT),
                                                (-1, 0, TensorProto.INT32)])
def test_top_k_with_ties_matches_a_stable_sort(axis, largest, dtype):
    shape = [5, 300]
    module = kiln.compile(_top_k_model(shape, axis, largest, dtype), cpu="x86-64-v3", threads=1)
    rng = np.random.default_rng(7)
    n = shape[axis]
    np_type = np.float32 if dtype == TensorProto.FLOAT else np.int32
    for k in sorted({0, 1, 3, min(100, n), n}):
        x = rng.integers(0, 20, shape).astype(np_type)  # many ties
        if k == min(100, n) and k > 3:
            x = np.sort(x, axis=axis)  # ascending rows: every element shifts the list
        values, indices = module.run([x, np.array([k], np.int64)])
        want_values, want_indices = _reference(x, k, axis, largest)
        np.testing.assert_array_equal(values, want_values, err_msg=f"k={k}")
        np.testing.assert_array_equal(indices, want_indices, err_msg=f"k={k}")
