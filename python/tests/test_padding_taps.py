"""Convolutions whose filter taps read only padding for every output (dilated convs on small
maps: DeepLab's ASPP) drop those taps (kiln-prune-padding-taps); those whose taps read padding
for some outputs split into unpadded convs over output boxes (kiln-split-conv-regions).
Against numpy, for dense, grouped, depthwise, asymmetric, strided and causal cases."""
import re

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

import kiln


def conv_reference(x, w, strides, pads, dilations, group):
    """ONNX Conv (NCHW, 2-D) in float64."""
    n, c, h, wd = x.shape
    f, cg, kh, kw = w.shape
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    oh = (h + pads[0] + pads[2] - dilations[0] * (kh - 1) - 1) // strides[0] + 1
    ow = (wd + pads[1] + pads[3] - dilations[1] * (kw - 1) - 1) // strides[1] + 1
    y = np.zeros((n, f, oh, ow))
    fg = f // group
    for g in range(group):
        for i in range(kh):
            for j in range(kw):
                r0, c0 = i * dilations[0], j * dilations[1]
                patch = xp[:, g * cg:(g + 1) * cg,
                           r0:r0 + (oh - 1) * strides[0] + 1:strides[0],
                           c0:c0 + (ow - 1) * strides[1] + 1:strides[1]]
                y[:, g * fg:(g + 1) * fg] += np.einsum(
                    "nchw,fc->nfhw", patch, w[g * fg:(g + 1) * fg, :, i, j].astype(np.float64))
    return y


CASES = {
    # name: (input shape, filters, kernel, strides, pads, dilations, group)
    "aspp_centre_only": ([1, 32, 33, 33], 16, [3, 3], [1, 1], [36] * 4, [36, 36], 1),
    "aspp_keeps_all": ([1, 32, 33, 33], 16, [3, 3], [1, 1], [24] * 4, [24, 24], 1),
    "short_height": ([1, 8, 4, 40], 8, [3, 3], [1, 1], [6] * 4, [6, 6], 1),
    "one_sided": ([1, 8, 5, 9], 8, [3, 3], [1, 1], [10, 1, 0, 1], [5, 1], 1),
    "depthwise_strided": ([1, 16, 9, 9], 16, [3, 3], [2, 2], [12] * 4, [12, 12], 16),
    # Taps that read the input for some outputs only: split into boxes (SPLIT) where enough
    # work is saved.
    "aspp_rate12": ([1, 128, 33, 33], 64, [3, 3], [1, 1], [12] * 4, [12, 12], 1),
    "aspp_rate24": ([1, 96, 33, 33], 64, [3, 3], [1, 1], [24] * 4, [24, 24], 1),
    "strided_partial": ([1, 256, 20, 17], 256, [3, 3], [2, 2], [8] * 4, [6, 6], 1),
    "asymmetric_partial": ([1, 256, 11, 13], 256, [3, 5], [1, 1], [7, 3, 2, 9], [4, 3], 1),
    "grouped_partial": ([1, 256, 15, 15], 256, [3, 3], [1, 1], [10] * 4, [10, 10], 4),
    "causal_1d": ([1, 128, 1, 256], 128, [1, 2], [1, 1], [0, 160, 0, 0], [1, 160], 1),
    "small_partial": ([1, 8, 15, 15], 8, [3, 3], [1, 1], [10] * 4, [10, 10], 1),
}
SPLIT = {"aspp_rate12", "aspp_rate24", "strided_partial", "asymmetric_partial", "grouped_partial",
         "causal_1d"}


@pytest.mark.parametrize("case", sorted(CASES))
def test_padding_only_taps(case):
    shape, filters, kernel, strides, pads, dilations, group = CASES[case]
    rng = np.random.default_rng(len(case))
    w = rng.standard_normal((filters, shape[1] // group, *kernel)).astype(np.float32)
    node = helper.make_node("Conv", ["x", "w"], ["y"], kernel_shape=kernel, strides=strides,
                            pads=pads, dilations=dilations, group=group)
    graph = helper.make_graph([node], case,
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              [numpy_helper.from_array(w, "w")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    # The boxes meet in a concat along a spatial dim (the graph is NHWC by then).
    boxes = re.search(r"kiln.concat .*axis = [12] :", kiln.ir(model, "graph"))
    assert bool(boxes) == (case in SPLIT)
    x = rng.standard_normal(shape).astype(np.float32)
    (y,) = kiln.compile(model).run([x])
    expected = conv_reference(x, w, strides, pads, dilations, group)
    assert y.shape == expected.shape
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-4)


def test_huge_padding_compiles_and_fails_to_run_clearly():
    # A pad of 2^40 (a mutated model): the tap check is closed-form, not a walk over the
    # 2^40 output columns (that hung kiln-compile); the result needs terabytes, a clear error.
    node = helper.make_node("Conv", ["x", "w"], ["y"], kernel_shape=[2, 2],
                            pads=[1, 1 << 40, 1, 1])
    graph = helper.make_graph([node], "huge_pad",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 3, 3])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              [numpy_helper.from_array(np.ones((1, 1, 2, 2), np.float32), "w")])
    # kiln.compile loads the artifact: the memory check fires there.
    with pytest.raises(kiln.errors.RuntimeError, match="need 36.0 TiB"):
        kiln.compile(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]))
