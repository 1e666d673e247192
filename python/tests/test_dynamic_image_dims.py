"""Symbolic image and sequence dims: one artifact runs every size and matches the same model
compiled for that size (input_shapes=), through convs (strided, padded), max and average
pools (ceil mode, count_include_pad both ways), a per-channel broadcast, a mean, a slice and a
split, and a matmul over a symbolic sequence."""
import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

import kiln

_rng = np.random.default_rng(0)


def _w(name, *shape):
    return numpy_helper.from_array((_rng.standard_normal(shape) * 0.2).astype(np.float32), name)


def image_net():
    n = helper.make_node
    nodes = [n("Conv", ["x", "w0", "b0"], ["c0"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
             n("Relu", ["c0"], ["r0"]),
             n("MaxPool", ["r0"], ["m0"], kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1),
             n("Conv", ["m0", "w1"], ["c1"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], group=8),
             n("Mul", ["c1", "s"], ["p"]),
             n("AveragePool", ["p"], ["a0"], kernel_shape=[3, 3], pads=[1, 0, 1, 2], count_include_pad=0),
             n("AveragePool", ["p"], ["a1"], kernel_shape=[2, 2], strides=[2, 2], count_include_pad=1,
               pads=[0, 0, 1, 1]),
             n("Slice", ["a0", "starts", "ends", "axes"], ["sl"]),
             n("ReduceMean", ["sl"], ["y0"], axes=[2, 3], keepdims=0),
             n("GlobalAveragePool", ["a1"], ["y1"])]
    inits = [_w("w0", 8, 3, 3, 3), _w("b0", 8), _w("w1", 8, 1, 3, 3), _w("s", 1, 8, 1, 1),
             numpy_helper.from_array(np.array([1, -1], np.int64), "starts"),
             numpy_helper.from_array(np.array([1000, 1000], np.int64), "ends"),
             numpy_helper.from_array(np.array([2, 3], np.int64), "axes")]
    graph = helper.make_graph(
        nodes, "image_net", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, "H", "W"])],
        [helper.make_tensor_value_info(v, TensorProto.FLOAT, None) for v in ("y0", "y1")], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def sequence_net():
    n = helper.make_node
    nodes = [n("MatMul", ["x", "w"], ["h"]),
             n("Split", ["h"], ["q", "k"], axis=2, split=[16, 16]),
             n("Transpose", ["k"], ["kt"], perm=[0, 2, 1]),
             n("MatMul", ["q", "kt"], ["s"]),
             n("Softmax", ["s"], ["p"], axis=-1),
             n("MatMul", ["p", "q"], ["y"])]
    graph = helper.make_graph(
        nodes, "sequence_net", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, "T", 24])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [_w("w", 24, 32)])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 11)])


def fire_net():
    """SqueezeNet's fire modules: two expand convs concatenated on channels, read by a ceil-mode
    max pool and by a 1x1 conv (kiln-split-concat dissolves both concats with symbolic H/W)."""
    n = helper.make_node
    nodes = [n("Conv", ["x", "ws", "bs"], ["s"], kernel_shape=[1, 1]),
             n("Relu", ["s"], ["sr"]),
             n("Conv", ["sr", "we1", "be1"], ["e1"], kernel_shape=[1, 1]),
             n("Conv", ["sr", "we3", "be3"], ["e3"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
             n("Concat", ["e1", "e3"], ["cat"], axis=1),
             n("MaxPool", ["cat"], ["p"], kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1),
             n("Conv", ["p", "wq", "bq"], ["q"], kernel_shape=[1, 1]),
             n("Relu", ["q"], ["qr"]),
             n("Conv", ["qr", "wf1"], ["f1"], kernel_shape=[1, 1]),
             n("Conv", ["qr", "wf3"], ["f3"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
             n("Concat", ["f1", "f3"], ["cat2"], axis=1),
             n("Conv", ["cat2", "wo"], ["y"], kernel_shape=[1, 1])]
    inits = [_w("ws", 8, 3, 1, 1), _w("bs", 8), _w("we1", 16, 8, 1, 1), _w("be1", 16),
             _w("we3", 16, 8, 3, 3), _w("be3", 16), _w("wq", 8, 32, 1, 1), _w("bq", 8),
             _w("wf1", 16, 8, 1, 1), _w("wf3", 16, 8, 3, 3), _w("wo", 4, 32, 1, 1)]
    graph = helper.make_graph(
        nodes, "fire_net", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, "H", "W"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


@pytest.mark.parametrize("build,sizes", [
    (image_net, [(1, 3, 32, 32), (1, 3, 17, 23), (1, 3, 40, 9)]),
    (sequence_net, [(1, 7, 24), (1, 64, 24), (1, 1, 24)]),
    (fire_net, [(1, 3, 32, 32), (1, 3, 17, 23), (1, 3, 5, 8)]),
], ids=["image", "sequence", "fire"])
def test_dynamic_artifact_matches_static(build, sizes):
    model = build()
    dynamic = kiln.compile(model, threads=1)
    assert None in dynamic.inputs[0].shape
    if build is fire_net:  # both concats dissolved into the pool and the matmul
        assert "kiln.concat" not in kiln.ir(model, "graph")
    for shape in sizes:
        x = np.random.default_rng(sum(shape)).standard_normal(shape).astype(np.float32)
        static = kiln.compile(model, threads=1, input_shapes={"x": list(shape)})
        for got, want in zip(dynamic.run([x]), static.run([x])):
            assert got.shape == want.shape
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def mobile_block_net():
    """A MobileNetV3-style stem and inverted residual blocks: strided and padded dense convs,
    1x1 expansions, 3x3 and 5x5 depthwise convs (stride 1 and 2) with hard swish and relu
    epilogues, a residual add. With symbolic H/W these fuse like static ones: epilogues into
    the convs, and the depthwise convs are kiln.depthwise_conv2d kernels."""
    n = helper.make_node
    nodes = [n("Conv", ["x", "w0", "b0"], ["c0"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
             n("HardSwish", ["c0"], ["h0"]),
             n("Conv", ["h0", "w1", "b1"], ["c1"], kernel_shape=[1, 1]),
             n("Relu", ["c1"], ["r1"]),
             n("Conv", ["r1", "w2", "b2"], ["c2"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], group=48),
             n("HardSwish", ["c2"], ["h2"]),
             n("Conv", ["h2", "w3", "b3"], ["c3"], kernel_shape=[1, 1]),
             n("Add", ["c3", "h0"], ["a3"]),
             n("Conv", ["a3", "w4", "b4"], ["c4"], kernel_shape=[5, 5], strides=[2, 2], pads=[2, 2, 2, 2],
               group=16),
             n("HardSwish", ["c4"], ["y"])]
    inits = [_w("w0", 16, 3, 3, 3), _w("b0", 16), _w("w1", 48, 16, 1, 1), _w("b1", 48),
             _w("w2", 48, 1, 3, 3), _w("b2", 48), _w("w3", 16, 48, 1, 1), _w("b3", 16),
             _w("w4", 16, 1, 5, 5), _w("b4", 16)]
    graph = helper.make_graph(
        nodes, "mobile_block_net", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, "H", "W"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])


def test_dynamic_conv_epilogues_and_pads_fuse():
    """Every size (odd, smaller than a register tile, a tall and a wide one) matches the static
    artifact, and the dynamic one runs the epilogues and pads inside the conv kernels."""
    model = mobile_block_net()
    dynamic = kiln.compile(model, threads=2)
    ops = [row["op"] for row in dynamic.report()]
    assert not any(op in ("kiln.hard_swish", "kiln.relu", "kiln.add") for op in ops), ops
    # The model input's pad stays a kernel (its producer is a layout transpose); the depthwise
    # convs read their zero padding in place and apply their hard swish as they store, as
    # static ones do (no padded copy, no pad fused into the 1x1 conv before them).
    assert ops.count("kiln.pad") <= 1 and not any("+pad" in op for op in ops), ops
    assert ops.count("kiln.depthwise_conv2d") == 2, ops
    # The 1x1 convs are matmuls over the symbolic rows, their epilogues fused (as static).
    assert sum(op.startswith("kiln.fused(matmul+add+") for op in ops) == 2, ops
    for shape in [(1, 3, 64, 64), (1, 3, 17, 23), (1, 3, 3, 5), (1, 3, 90, 12), (1, 3, 8, 130)]:
        x = np.random.default_rng(sum(shape)).standard_normal(shape).astype(np.float32)
        static = kiln.compile(model, threads=1, input_shapes={"x": list(shape)})
        (got,), (want,) = dynamic.run([x]), static.run([x])
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def segmentation_head_net():
    """A segmentation head as torchvision exports it with symbolic H/W: a pooled branch
    upsampled back with Resize to sizes computed from Shape (the batch and channels of the
    sizes come from a Slice of the shape), concatenated on channels and read by a conv; a
    strided ConvTranspose (pads, output_padding) and one whose pads exceed the kernel
    (cropped); a final Resize to the input's own H/W."""
    n = helper.make_node
    i64 = lambda name, v: numpy_helper.from_array(np.array(v, np.int64), name)
    nodes = [n("Conv", ["x", "w0"], ["f"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
             n("Relu", ["f"], ["r"]),
             n("GlobalAveragePool", ["r"], ["g"]),
             n("Shape", ["r"], ["rs"]),
             n("Slice", ["rs", "s0", "s2"], ["nc"]),
             n("Slice", ["rs", "s2", "s4"], ["hw"]),
             n("Concat", ["nc", "hw"], ["size"], axis=0),
             n("Resize", ["g", "", "", "size"], ["up"], mode="linear"),
             n("Concat", ["r", "up"], ["cat"], axis=1),
             n("Conv", ["cat", "w1"], ["c1"], kernel_shape=[1, 1]),
             n("ConvTranspose", ["c1", "wt", "bt"], ["t"], strides=[2, 2], pads=[1, 1, 1, 1],
               output_padding=[1, 1], kernel_shape=[3, 3]),
             n("ConvTranspose", ["t", "wc"], ["tc"], strides=[2, 2], pads=[3, 2, 3, 2], kernel_shape=[2, 2]),
             n("Shape", ["x"], ["xs"]),
             n("Slice", ["xs", "s2", "s4"], ["xhw"]),
             n("Concat", ["s14", "xhw"], ["xsize"], axis=0),
             n("Resize", ["tc", "", "", "xsize"], ["y"], mode="nearest")]
    inits = [_w("w0", 8, 3, 3, 3), _w("w1", 6, 16, 1, 1), _w("wt", 6, 4, 3, 3), _w("bt", 4),
             _w("wc", 4, 5, 2, 2), i64("s0", [0]), i64("s2", [2]), i64("s4", [4]), i64("s14", [1, 5])]
    graph = helper.make_graph(
        nodes, "segmentation_head", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, "H", "W"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])


def test_dynamic_segmentation_head_matches_static():
    """Resize to run-time sizes keeps the dims that trace to static ones (the convs after it
    need static channels), and transposed convs take symbolic H/W."""
    model = segmentation_head_net()
    dynamic = kiln.compile(model, threads=2)
    for shape in [(1, 3, 32, 32), (1, 3, 17, 23), (1, 3, 40, 9)]:
        x = np.random.default_rng(sum(shape)).standard_normal(shape).astype(np.float32)
        static = kiln.compile(model, threads=1, input_shapes={"x": list(shape)})
        (got,), (want,) = dynamic.run([x]), static.run([x])
        assert got.shape == want.shape == (1, 5) + shape[2:]
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def test_grouped_dynamic_conv_transpose_matches_static():
    """A grouped transposed conv with symbolic H/W runs one grouped conv per output phase."""
    graph = helper.make_graph(
        [helper.make_node("ConvTranspose", ["x", "w"], ["y"], strides=[2, 2], group=2)], "ct",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, "H", "W"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [_w("w", 4, 2, 3, 3)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
    dynamic = kiln.compile(model, threads=2)
    for shape in [(1, 4, 7, 9), (1, 4, 3, 12)]:
        x = np.random.default_rng(sum(shape)).standard_normal(shape).astype(np.float32)
        static = kiln.compile(model, threads=1, input_shapes={"x": list(shape)})
        (got,), (want,) = dynamic.run([x]), static.run([x])
        assert got.shape == want.shape == (1, 4, 2 * shape[2] + 1, 2 * shape[3] + 1)
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("target", ["scales", "sizes"])
def test_resize_by_constants_of_a_dynamic_map_keeps_static_dims(target):
    """An FPN/YOLO-style x2 upsampling (constant scales) of a symbolic-H/W map keeps its batch
    and channels static, so the conv after it compiles; constant sizes give a static result."""
    n = helper.make_node
    inputs = ["r", "", "k"] if target == "scales" else ["r", "", "", "k"]
    k = numpy_helper.from_array(
        np.array([1, 1, 2, 2], np.float32) if target == "scales" else np.array([1, 4, 12, 20], np.int64), "k")
    nodes = [n("Conv", ["x", "w0"], ["r"], kernel_shape=[1, 1]),
             n("Resize", inputs, ["up"], mode="nearest"),
             n("Conv", ["up", "w1"], ["y"], kernel_shape=[3, 3], pads=[1, 1, 1, 1])]
    graph = helper.make_graph(
        nodes, "upsample", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, "H", "W"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [_w("w0", 4, 3, 1, 1), _w("w1", 2, 4, 3, 3), k])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    dynamic = kiln.compile(model, threads=1)
    for shape in [(1, 3, 6, 10), (1, 3, 5, 7)]:
        x = np.random.default_rng(sum(shape)).standard_normal(shape).astype(np.float32)
        static = kiln.compile(model, threads=1, input_shapes={"x": list(shape)})
        (got,), (want,) = dynamic.run([x]), static.run([x])
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def channel_shuffle_net():
    """ShuffleNet's channel shuffle as torch exports it with symbolic H and W: the sizes come
    from Shape of the block's input, the second reshape's channels from -1."""
    n = helper.make_node
    nodes = [n("Relu", ["x"], ["r"]),
             n("Shape", ["r"], ["shape"]),
             n("Gather", ["shape", "i2"], ["h"], axis=0),
             n("Gather", ["shape", "i3"], ["w"], axis=0),
             n("Concat", ["one", "two", "four", "h", "w"], ["split_shape"], axis=0),
             n("Reshape", ["r", "split_shape"], ["split"]),
             n("Transpose", ["split"], ["t"], perm=[0, 2, 1, 3, 4]),
             n("Concat", ["one", "minus_one", "h", "w"], ["merge_shape"], axis=0),
             n("Reshape", ["t", "merge_shape"], ["merged"]),
             n("Sigmoid", ["merged"], ["y"])]
    ints = {"i2": [2], "i3": [3], "one": [1], "two": [2], "four": [4], "minus_one": [-1]}
    inits = [numpy_helper.from_array(np.array(v, np.int64), k) for k, v in ints.items()]
    graph = helper.make_graph(
        nodes, "channel_shuffle", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8, "H", "W"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def test_channel_shuffle_with_symbolic_dims():
    """The reshapes record which input dims their `?` dims are (dims_from): the merge keeps its
    8 channels static and the plan sizes H and W in order (6x4 is not 4x6)."""
    compiled = kiln.compile(channel_shuffle_net(), threads=1)
    for h, w in ((5, 7), (6, 4), (1, 9)):
        x = np.random.default_rng(h * w).standard_normal((1, 8, h, w)).astype(np.float32)
        (y,) = compiled.run([x])
        r = np.maximum(x, 0).reshape(1, 2, 4, h, w).transpose(0, 2, 1, 3, 4).reshape(1, 8, h, w)
        assert y.shape == (1, 8, h, w)
        np.testing.assert_allclose(y, 1 / (1 + np.exp(-r)), rtol=1e-5, atol=1e-6)


def test_partial_vector_of_a_symbolic_width_is_masked_and_exact():
    """An elementwise chain over [1, C, H, W] (NCHW, W innermost) and a 1x1 conv with a
    per-channel scale [1, C, 1, 1] and a scalar [1, 1, 1, 1] after it (its epilogue runs on the
    conv's collapsed rows): the last partial vector of a row (W not a multiple of the vector)
    is one masked vector (tile_and_vectorize.mlir checks the code); every width from 1 to past
    two vectors gives numpy's values, and the compile warns of nothing."""
    import warnings
    n = helper.make_node
    nodes = [n("Add", ["x", "three"], ["a"]), n("Clip", ["a", "zero", "six"], ["c"]),
             n("Mul", ["x", "c"], ["m"]), n("Div", ["m", "six"], ["hs"]),
             n("Conv", ["hs", "w"], ["cv"], kernel_shape=[1, 1]),
             n("Mul", ["cv", "scale"], ["sc"]), n("Div", ["sc", "q"], ["y"])]
    inits = [numpy_helper.from_array(np.array(v, np.float32), k)
             for k, v in (("three", 3.0), ("zero", 0.0), ("six", 6.0))]
    inits += [_w("w", 16, 5, 1, 1), _w("scale", 1, 16, 1, 1),
              numpy_helper.from_array(np.full((1, 1, 1, 1), 0.7, np.float32), "q")]
    graph = helper.make_graph(
        nodes, "masked_tail", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 5, "H", "W"])],
        [helper.make_tensor_value_info(v, TensorProto.FLOAT, None) for v in ("hs", "y")], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    with warnings.catch_warnings():
        warnings.simplefilter("error", kiln.CompileWarning)
        module = kiln.compile(model)
    w = numpy_helper.to_array(inits[3])[:, :, 0, 0]
    scale = numpy_helper.to_array(inits[4])
    for width in (1, 15, 16, 17, 63, 64, 65, 112, 131):
        x = np.random.default_rng(width).standard_normal((1, 5, 3, width)).astype(np.float32) * 4
        hs, y = module.run([x])
        ref = x * np.clip(x + 3, 0, 6) / 6
        np.testing.assert_allclose(hs, ref, rtol=1e-6, atol=1e-6, err_msg=f"W={width}")
        conv = np.einsum("fc,nchw->nfhw", w, ref)
        np.testing.assert_allclose(y, conv * scale / np.float32(0.7), rtol=1e-4, atol=1e-5,
                                   err_msg=f"W={width}")


@pytest.mark.parametrize("mode", ["DCR", "CRD"])
def test_depth_to_space_with_symbolic_dims(mode):
    """A sub-pixel upsampling (PyTorch's PixelShuffle exports CRD, TensorFlow's DCR) after a
    1x1 conv over an image of symbolic N, H, W, as kiln.depth_to_space."""
    rng = np.random.default_rng(1)
    w = rng.standard_normal((12, 3, 1, 1)).astype(np.float32)
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], kernel_shape=[1, 1]),
             helper.make_node("DepthToSpace", ["c"], ["d"], blocksize=2, mode=mode),
             helper.make_node("Relu", ["d"], ["y"])]
    graph = helper.make_graph(
        nodes, "d2s", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, "H", "W"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [numpy_helper.from_array(w, "w")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    assert "kiln.depth_to_space" in kiln.ir(model, "graph")
    module = kiln.compile(model, threads=2)
    for n, h, wd in [(1, 5, 7), (2, 4, 4)]:
        x = rng.standard_normal((n, 3, h, wd)).astype(np.float32)
        c = np.einsum("nchw,fc->nfhw", x, w[:, :, 0, 0])
        split = (n, 2, 2, 3, h, wd) if mode == "DCR" else (n, 3, 2, 2, h, wd)
        perm = (0, 3, 4, 1, 5, 2) if mode == "DCR" else (0, 1, 4, 2, 5, 3)
        want = np.maximum(c.reshape(split).transpose(perm).reshape(n, 3, 2 * h, 2 * wd), 0)
        (got,) = module.run([x])
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
