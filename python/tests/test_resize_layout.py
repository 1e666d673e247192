"""Resize between NHWC convolutions runs in NHWC (kiln-propagate-transposes moves the
transposes around it, its scales or sizes permuted) and its skip-connection concat with it: the
result equals the resize of the conv's output on its own (the NCHW path ONNX's conformance
tests check), for each mode and for scales and sizes."""
import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

import kiln

_rng = np.random.default_rng(3)
C, H, W = 8, 6, 5


def _resize_node(src, dst, mode, by):
    if by == "scales":
        return helper.make_node("Resize", [src, "", "scales"], [dst], mode=mode,
                                coordinate_transformation_mode="half_pixel")
    return helper.make_node("Resize", [src, "", "", "sizes"], [dst], mode=mode,
                            coordinate_transformation_mode="half_pixel")


def _targets():
    return [numpy_helper.from_array(np.array([1, 1, 2, 1.5], np.float32), "scales"),
            numpy_helper.from_array(np.array([1, C, 2 * H, 7], np.int64), "sizes")]


def _model(nodes, inputs, inits):
    graph = helper.make_graph(
        nodes, "resize_layout",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in inputs],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


@pytest.mark.parametrize("by", ["scales", "sizes"])
@pytest.mark.parametrize("mode", ["nearest", "linear", "cubic"])
def test_resize_after_a_conv_runs_in_nhwc_and_matches(mode, by):
    w = (_rng.standard_normal((C, C, 1, 1)) * 0.3).astype(np.float32)
    x = _rng.standard_normal((1, C, H, W)).astype(np.float32)
    out_w = 7 if by == "sizes" else int(W * 1.5)
    skip = _rng.standard_normal((1, 3, 2 * H, out_w)).astype(np.float32)
    inits = [numpy_helper.from_array(w, "w")] + _targets()
    full = _model([helper.make_node("Conv", ["x", "w"], ["c"], kernel_shape=[1, 1]),
                   _resize_node("c", "r", mode, by),
                   helper.make_node("Concat", ["r", "skip"], ["y"], axis=1)],
                  [("x", [1, C, H, W]), ("skip", list(skip.shape))], inits)
    ir = kiln.ir(full, "graph")
    resize_line = next(line for line in ir.splitlines() if "kiln.resize" in line)
    assert f"tensor<1x{H}x{W}x{C}xf32>" in resize_line, resize_line  # NHWC
    (y,) = kiln.compile(full).run([x, skip])

    alone = _model([_resize_node("x", "y", mode, by)], [("x", [1, C, H, W])], _targets())
    conv = np.einsum("oc,nchw->nohw", w[:, :, 0, 0], x).astype(np.float32)
    (ref,) = kiln.compile(alone).run([conv])
    assert y.shape == (1, C + 3, 2 * H, out_w)
    np.testing.assert_allclose(y[:, :C], ref, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(y[:, C:], skip)
