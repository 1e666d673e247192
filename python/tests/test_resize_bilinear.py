"""Linear Resize over two dims computes in float32 in onnxruntime's order, so its results are
bit-equal to onnxruntime's (a one-ulp difference ahead of a DynamicQuantizeLinear moves a
rounding that grows through every later layer of a dynamically quantized model). The
reference below is that computation written out in numpy float32, for every coordinate
transformation, up- and downscaling, scales and sizes, NCHW and NHWC. One deliberate
difference: align_corners and pytorch_half_pixel take the resized length as ONNX's reference
does, scale x input unfloored (onnxruntime takes the floored output size; they differ only
where that product is not an integer)."""
import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

import kiln

f32 = np.float32


def _coordinate(o, scale, length_in, length_out, mode):
    o = f32(o)
    if mode == "half_pixel":
        return (o + f32(0.5)) / scale - f32(0.5)
    if mode == "pytorch_half_pixel":
        return (o + f32(0.5)) / scale - f32(0.5) if length_out > 1 else f32(0)
    if mode == "align_corners":
        return f32(0) if length_out == 1 else o * f32(length_in - 1) / f32(length_out - 1)
    if mode == "asymmetric":
        return o / scale
    return (o + f32(0.5)) / scale  # tf_half_pixel_for_nn


def _taps(length_in, length_out, scale, length_resized, mode):
    taps = []
    for o in range(length_out):
        x = _coordinate(o, scale, length_in, length_resized, mode)
        x = max(f32(0), min(x, f32(length_in - 1)))
        x1 = min(int(x), length_in - 1)
        x2 = min(x1 + 1, length_in - 1)
        d1, d2 = (f32(0.5), f32(0.5)) if x1 == x2 else (abs(x - f32(x1)), abs(x - f32(x2)))
        taps.append((x1, x2, f32(d1), f32(d2)))
    return taps


def bilinear_reference(x, out_h, out_w, scales, wide_scales, mode, axes=(2, 3)):
    """onnxruntime's UpsampleBilinear: (dx2 dy2) X11 + (dx1 dy2) X21 + (dx2 dy1) X12 + ...
    `scales` in float32 as onnxruntime takes them; `wide_scales` (float64) give the resized
    lengths, scale x input."""
    x = np.moveaxis(x, axes, (-2, -1))
    lengths = [f32(np.float64(s) * n) for s, n in zip(wide_scales, x.shape[-2:])]
    ys = _taps(x.shape[-2], out_h, scales[0], lengths[0], mode)
    xs = _taps(x.shape[-1], out_w, scales[1], lengths[1], mode)
    y = np.empty(x.shape[:-2] + (out_h, out_w), f32)
    for i, (y1, y2, dy1, dy2) in enumerate(ys):
        for j, (x1, x2, dx1, dx2) in enumerate(xs):
            s = (dx2 * dy2) * x[..., y1, x1]
            s = s + (dx1 * dy2) * x[..., y1, x2]
            s = s + (dx2 * dy1) * x[..., y2, x1]
            y[..., i, j] = s + (dx1 * dy1) * x[..., y2, x2]
    return np.moveaxis(y, (-2, -1), axes)


def _model(shape, target, ctm):
    by_sizes = target.dtype == np.int64
    inputs = ["x", "", "", "t"] if by_sizes else ["x", "", "t"]
    node = helper.make_node("Resize", inputs, ["y"], mode="linear",
                            coordinate_transformation_mode=ctm)
    graph = helper.make_graph(
        [node], "bilinear", [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [numpy_helper.from_array(target, "t")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


@pytest.mark.parametrize("ctm", ["half_pixel", "pytorch_half_pixel", "align_corners",
                                 "asymmetric", "tf_half_pixel_for_nn"])
@pytest.mark.parametrize("case", ["up2", "up1.5x0.6", "sizes", "nhwc"])
def test_bilinear_is_bit_equal_to_onnxruntime_formula(ctm, case):
    rng = np.random.default_rng(11)
    if case == "nhwc":
        x = rng.standard_normal((1, 9, 7, 5)).astype(f32)
        target = np.array([1, 2, 3, 1], f32)
        out, scales, axes = (18, 21), (f32(2), f32(3)), (1, 2)
        wide = scales
    else:
        x = rng.standard_normal((2, 3, 9, 10)).astype(f32)
        axes = (2, 3)
        if case == "up2":
            target = np.array([1, 1, 2, 2], f32)
            out, scales = (18, 20), (f32(2), f32(2))
            wide = scales
        elif case == "up1.5x0.6":
            target = np.array([1, 1, 1.5, 0.6], f32)
            out, scales = (13, 6), (f32(1.5), f32(0.6))
            wide = scales
        else:
            target = np.array([2, 3, 4, 17], np.int64)
            out, scales = (4, 17), (f32(4) / f32(9), f32(17) / f32(10))
            wide = (4 / 9, 17 / 10)
    (y,) = kiln.compile(_model(list(x.shape), target, ctm)).run([x])
    ref = bilinear_reference(x, out[0], out[1], scales, wide, ctm, axes)
    assert y.shape == ref.shape
    np.testing.assert_array_equal(y, ref)
