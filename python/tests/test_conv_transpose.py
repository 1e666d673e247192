"""ConvTranspose as one stride-1 conv over the output phases + depth_to_space
(kiln-decompose-conv-transpose), against a direct numpy scatter of ONNX's definition: 1-D and
2-D, strides 1-4, kernels that the stride does and does not divide, pads beyond the kernel,
output_padding, biases, symbolic batch and image dims, the elementwise ops after it (moved
into the conv's epilogue), and the cases that keep the zero-insertion lowering (group > 1,
dilation > 1)."""
import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

import kiln


def conv_transpose_reference(x, w, b, strides, pads, output_padding, dilations, group):
    """y[n, g*F + f, o] += x[n, g*C + c, i] * w[g*C + c, f, k] at o = i*s + k*d - pad_begin."""
    n, c = x.shape[:2]
    spatial = x.ndim - 2
    f = w.shape[1]
    kernel = w.shape[2:]
    full = [(x.shape[2 + i] - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 + output_padding[i]
            for i in range(spatial)]
    y = np.zeros((n, f * group, *full), np.float64)
    cg = c // group
    for idx in np.ndindex(*x.shape[2:]):
        for k in np.ndindex(*kernel):
            o = tuple(idx[i] * strides[i] + k[i] * dilations[i] for i in range(spatial))
            for g in range(group):
                xs = x[(slice(None), slice(g * cg, (g + 1) * cg)) + idx].astype(np.float64)
                ws = w[(slice(g * cg, (g + 1) * cg), slice(None)) + k].astype(np.float64)
                y[(slice(None), slice(g * f, (g + 1) * f)) + o] += xs @ ws
    crop = tuple(slice(pads[i], full[i] - pads[spatial + i]) for i in range(spatial))
    y = y[(slice(None), slice(None)) + crop]
    if b is not None:
        y += b.reshape((1, -1) + (1,) * spatial)
    return y.astype(np.float32)


def model(x_shape, w, b, strides, pads, output_padding, dilations=None, group=1, tail=False):
    spatial = len(strides)
    dilations = dilations or [1] * spatial
    inputs = ["x", "w"] + (["b"] if b is not None else [])
    attrs = dict(strides=strides, pads=pads, output_padding=output_padding, dilations=dilations,
                 group=group, kernel_shape=list(w.shape[2:]))
    nodes = [helper.make_node("ConvTranspose", inputs, ["t" if tail else "y"], **attrs)]
    inits = [numpy_helper.from_array(w, "w")] + ([numpy_helper.from_array(b, "b")] if b is not None else [])
    if tail:  # a batch norm's scale and shift and a relu, per channel, as exporters leave them
        f = w.shape[1] * group
        shape = (1, f) + (1,) * spatial
        rng = np.random.default_rng(7)
        inits += [numpy_helper.from_array(rng.uniform(0.5, 1.5, shape).astype(np.float32), "s"),
                  numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32), "t0")]
        nodes += [helper.make_node("Mul", ["t", "s"], ["m"]),
                  helper.make_node("Add", ["m", "t0"], ["a"]),
                  helper.make_node("Relu", ["a"], ["y"])]
    graph = helper.make_graph(nodes, "ct", [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), inits


CASES_2D = [  # kernel, strides, pads (top, left, bottom, right), output_padding
    ([2, 2], [2, 2], [0, 0, 0, 0], [0, 0]),   # a U-Net / DBNet upsampling
    ([4, 4], [2, 2], [1, 1, 1, 1], [0, 0]),   # DCGAN
    ([3, 3], [2, 2], [1, 1, 1, 1], [1, 1]),   # kernel not a multiple of the stride
    ([3, 5], [1, 3], [0, 2, 1, 0], [0, 2]),   # uneven everything
    ([2, 2], [2, 2], [3, 2, 3, 2], [0, 0]),   # pads beyond the kernel
    ([1, 1], [3, 3], [0, 0, 0, 0], [2, 1]),   # output padding past every tap
    ([3, 3], [1, 1], [1, 1, 1, 1], [0, 0]),   # stride 1: a conv with the filter flipped
    ([8, 8], [4, 4], [2, 2, 2, 2], [0, 0]),
]


@pytest.mark.parametrize("kernel,strides,pads,output_padding", CASES_2D)
def test_conv_transpose_2d_matches_reference(kernel, strides, pads, output_padding):
    rng = np.random.default_rng(sum(kernel) + sum(strides) + sum(pads))
    x = rng.standard_normal((2, 6, 5, 7)).astype(np.float32)
    w = (rng.standard_normal((6, 5, *kernel)) * 0.3).astype(np.float32)
    b = rng.standard_normal(5).astype(np.float32)
    m, _ = model(list(x.shape), w, b, strides, pads, output_padding)
    want = conv_transpose_reference(x, w, b, strides, pads, output_padding, [1, 1], 1)
    (got,) = kiln.compile(m, threads=2).run([x])
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def test_conv_transpose_runs_as_a_stride_1_conv_and_depth_to_space():
    rng = np.random.default_rng(3)
    w = (rng.standard_normal((16, 8, 4, 4)) * 0.3).astype(np.float32)
    m, _ = model([1, 16, 10, 12], w, None, [2, 2], [1, 1, 1, 1], [0, 0], tail=True)
    graph = kiln.ir(m, "graph")
    assert "kiln.conv_transpose" not in graph
    assert "kiln.depth_to_space" in graph
    # The batch norm and relu moved above the interleave, into the conv's epilogue.
    after = graph[graph.index("kiln.depth_to_space"):]
    assert "kiln.relu" not in after and "kiln.mul" not in after


@pytest.mark.parametrize("tail", [False, True])
def test_symbolic_dims_match_reference(tail):
    rng = np.random.default_rng(11)
    w = (rng.standard_normal((8, 4, 3, 3)) * 0.3).astype(np.float32)
    b = rng.standard_normal(4).astype(np.float32)
    m, inits = model(["N", 8, "H", "W"], w, b, [2, 2], [1, 1, 1, 1], [1, 1], tail=tail)
    module = kiln.compile(m, threads=2)
    for shape in [(1, 8, 9, 13), (3, 8, 4, 5), (1, 8, 1, 1)]:
        x = rng.standard_normal(shape).astype(np.float32)
        want = conv_transpose_reference(x, w, b, [2, 2], [1, 1, 1, 1], [1, 1], [1, 1], 1)
        if tail:
            s, t0 = numpy_helper.to_array(inits[2]), numpy_helper.to_array(inits[3])
            want = np.maximum(want * s + t0, 0)
        (got,) = module.run([x])
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("shape", [[1, 6, 40], ["N", 6, "L"]])
def test_conv_transpose_1d_matches_reference(shape):
    """A vocoder's upsampling: kernel 16, stride 8, pads 4."""
    rng = np.random.default_rng(5)
    w = (rng.standard_normal((6, 3, 16)) * 0.3).astype(np.float32)
    b = rng.standard_normal(3).astype(np.float32)
    m, _ = model(shape, w, b, [8], [4, 4], [0])
    graph = kiln.ir(m, "graph")
    assert "kiln.conv_transpose" not in graph
    module = kiln.compile(m, threads=1)
    for size in [(1, 6, 40), (2, 6, 7)] if "N" in shape else [(1, 6, 40)]:
        x = rng.standard_normal(size).astype(np.float32)
        want = conv_transpose_reference(x, w, b, [8], [4, 4], [0], [1], 1)
        (got,) = module.run([x])
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("channels,filters,group,kernel,pads", [
    (8, 3, 2, 3, [1, 1, 1, 1]),    # groups of 4 channels, 3 filters each
    (6, 1, 6, 4, [1, 1, 1, 1]),    # depthwise: Caffe's bilinear x2 upsampling
    (4, 2, 4, 2, [0, 0, 0, 0]),    # depthwise with 2 filters per channel
])
@pytest.mark.parametrize("symbolic", [False, True])
def test_grouped_conv_transpose_matches_reference(channels, filters, group, kernel, pads, symbolic):
    """One conv of the same groups per output phase, concatenated phase-major."""
    rng = np.random.default_rng(channels + group + kernel)
    w = (rng.standard_normal((channels, filters, kernel, kernel)) * 0.3).astype(np.float32)
    b = rng.standard_normal(filters * group).astype(np.float32)
    shape = [1, channels, "H", "W"] if symbolic else [1, channels, 9, 7]
    m, _ = model(shape, w, b, [2, 2], pads, [0, 0], None, group, tail=True)
    assert "kiln.conv_transpose" not in kiln.ir(m, "graph")
    module = kiln.compile(m, threads=2)
    for size in [(1, channels, 9, 7)] + ([(1, channels, 4, 11)] if symbolic else []):
        x = rng.standard_normal(size).astype(np.float32)
        want = conv_transpose_reference(x, w, b, [2, 2], pads, [0, 0], [1, 1], group)
        f = w.shape[1] * group
        rng_tail = np.random.default_rng(7)
        s = rng_tail.uniform(0.5, 1.5, (1, f, 1, 1)).astype(np.float32)
        t0 = rng_tail.standard_normal((1, f, 1, 1)).astype(np.float32)
        (got,) = module.run([x])
        np.testing.assert_allclose(got, np.maximum(want * s + t0, 0), rtol=1e-4, atol=1e-4)


def test_dilated_keeps_the_zero_insertion_lowering():
    rng = np.random.default_rng(13)
    x = rng.standard_normal((1, 4, 6, 6)).astype(np.float32)
    w = (rng.standard_normal((4, 3, 3, 3)) * 0.3).astype(np.float32)
    m, _ = model(list(x.shape), w, None, [2, 2], [1, 1, 1, 1], [1, 1], [2, 2], 1)
    assert "kiln.conv_transpose" in kiln.ir(m, "graph")
    want = conv_transpose_reference(x, w, None, [2, 2], [1, 1, 1, 1], [1, 1], [2, 2], 1)
    (got,) = kiln.compile(m, threads=1).run([x])
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("auto_pad", ["SAME_UPPER", "SAME_LOWER"])
def test_auto_pad_same_with_symbolic_dims(auto_pad):
    """SAME_* wants stride x input: its padding does not depend on the input size, so symbolic
    H/W compile; every size matches the same model compiled for it."""
    rng = np.random.default_rng(17)
    w = numpy_helper.from_array((rng.standard_normal((4, 3, 3, 3)) * 0.3).astype(np.float32), "w")
    graph = helper.make_graph(
        [helper.make_node("ConvTranspose", ["x", "w"], ["y"], strides=[2, 2], auto_pad=auto_pad)], "same",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, "H", "W"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [w])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    dynamic = kiln.compile(model, threads=1)
    for shape in [(1, 4, 5, 6), (1, 4, 8, 3)]:
        x = rng.standard_normal(shape).astype(np.float32)
        (got,) = dynamic.run([x])
        (want,) = kiln.compile(model, threads=1, input_shapes={"x": list(shape)}).run([x])
        assert got.shape == (1, 3, 2 * shape[2], 2 * shape[3])
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
