"""3x3 convolutions whose weights pass L2 per filter block and that stay direct convolutions
(fewer than 64 filters: wider ones run as a GEMM, kiln-conv-to-matmul): the default schedule
splits the channel reduction in cache blocks and applies the fused epilogue once all blocks are
summed. Against numpy."""
import re

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

import kiln


def conv2d_reference(x, w, b, dilation, pad):
    """NCHW x [F, C, 3, 3] weights, stride 1."""
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    n, _, h, wd = x.shape
    oh, ow = h + 2 * pad - 2 * dilation, wd + 2 * pad - 2 * dilation
    y = np.zeros((n, w.shape[0], oh, ow))
    for i in range(3):
        for j in range(3):
            patch = xp[:, :, i * dilation:i * dilation + oh, j * dilation:j * dilation + ow]
            y += np.einsum("nchw,fc->nfhw", patch, w[:, :, i, j].astype(np.float64))
    return y + b[None, :, None, None]


@pytest.mark.parametrize("channels,filters,dilation", [(2048, 32, 1), (2048, 48, 2), (4096, 32, 1)])
def test_deep_conv_relu(channels, filters, dilation):
    rng = np.random.default_rng(channels + filters + dilation)
    w = (rng.standard_normal((filters, channels, 3, 3)) / np.sqrt(9 * channels)).astype(np.float32)
    b = rng.standard_normal(filters).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("Conv", ["x", "w", "b"], ["c"], kernel_shape=[3, 3],
                          dilations=[dilation, dilation], pads=[dilation] * 4),
         helper.make_node("Relu", ["c"], ["y"])],
        "deep", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, channels, 20, 20])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])
    # Winograd off: the direct conv is what is scheduled here (dilated convs have no Winograd).
    module = kiln.compile(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)]),
                          threads=2, winograd=False)
    (conv,) = [r["schedule"] for r in module.report() if "conv" in r["op"]]
    block = int(re.search(r"cache\[(?:\d+,){6}(\d+)\]", conv).group(1))
    assert 0 < block < channels, conv
    x = rng.standard_normal((1, channels, 20, 20)).astype(np.float32)
    (y,) = module.run([x])
    ref = np.maximum(conv2d_reference(x, w, b, dilation, dilation), 0)
    np.testing.assert_allclose(y, ref, rtol=1e-4, atol=1e-4)
