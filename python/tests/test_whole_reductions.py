"""Reductions to one value (or a few) over large tensors: the lowering splits the reduced run
into 64 parallel chunks, reduced by both threads, then their partials. Results against
numpy (float64 sums, exact min/max), with and without keepdims, over all axes and over the
trailing axes of a tensor that keeps a short leading dim."""
import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

import kiln


def _model(op, shape, axes, keepdims):
    attrs, inputs, inits = {"keepdims": keepdims}, ["x"], []
    if axes is not None and op == "ReduceSum":  # opset 13: axes is an input of ReduceSum only
        inputs.append("axes")
        inits.append(numpy_helper.from_array(np.array(axes, np.int64), "axes"))
    elif axes is not None:
        attrs["axes"] = axes
    node = helper.make_node(op, inputs, ["y"], **attrs)
    graph = helper.make_graph([node], "whole_reduce",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


@pytest.mark.parametrize("op", ["ReduceSum", "ReduceMin", "ReduceMax", "ReduceMean"])
@pytest.mark.parametrize("shape,axes,keepdims", [
    ([1, 128, 128, 24], None, 0),  # a DynamicQuantizeLinear's min / max of a conv output
    ([1, 24, 128, 128], None, 1),
    ([3, 256, 1024], [1, 2], 0),  # a short kept dim: still split into chunks
], ids=["all", "all-keepdims", "trailing"])
def test_whole_reduction_matches_numpy(op, shape, axes, keepdims):
    x = np.random.default_rng(7).normal(0.5, 2.0, shape).astype(np.float32)
    model = _model(op, shape, axes, keepdims)
    ir = kiln.ir(model, "linalg")
    assert "x64x" in ir, "the first stage is not split into 64 chunks"
    reduce_axes = tuple(axes) if axes is not None else None
    ref = {"ReduceSum": np.sum, "ReduceMin": np.min, "ReduceMax": np.max,
           "ReduceMean": np.mean}[op](x.astype(np.float64), axis=reduce_axes,
                                      keepdims=bool(keepdims))
    for threads in (1, 2):
        (y,) = kiln.compile(model, threads=threads).run([x])
        assert y.shape == np.shape(ref)
        if op in ("ReduceMin", "ReduceMax"):
            np.testing.assert_array_equal(y, ref.astype(np.float32))
        else:
            np.testing.assert_allclose(y, ref, rtol=2e-6, atol=1e-6 * np.abs(x).sum() / x.size)
