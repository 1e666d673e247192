"""Matmuls whose column count splits over threads into spans that the whole dim's register
tile does not fit well (shufflenet_v2's 232 channels at 7x7: 2 tasks of 116 columns;
mobilenet_v3's squeeze-excite FCs: 84 of 168, 60 of 120): the register tile is re-picked per
span. Column counts without a good divisor ((2+1)-D ResNet planes: 921 = 3 x 307, 230) take
full-width register tiles with an odd remainder, the threads splitting the columns into whole
register tiles with a partial last task. Gemm + Relu against numpy, at 1 and 2 threads."""
import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

import kiln


@pytest.mark.parametrize("m,k,n", [(49, 232, 232), (1, 672, 168), (1, 480, 120), (98, 116, 116),
                                   (49, 576, 921), (30, 64, 230), (1, 2048, 1000)])
@pytest.mark.parametrize("threads", [1, 2])
def test_gemm_relu(m, k, n, threads):
    rng = np.random.default_rng(m * n + k)
    w = (rng.standard_normal((k, n)) / np.sqrt(k)).astype(np.float32)
    b = rng.standard_normal(n).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("Gemm", ["x", "w", "b"], ["g"]), helper.make_node("Relu", ["g"], ["y"])],
        "gemm", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [m, k])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])
    module = kiln.compile(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]),
                          threads=threads)
    x = rng.standard_normal((m, k)).astype(np.float32)
    (y,) = module.run([x])
    ref = np.maximum(x.astype(np.float64) @ w + b, 0)
    np.testing.assert_allclose(y, ref, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("kernel,pads", [((1, 7), (0, 3, 0, 3)), ((7, 1), (3, 0, 3, 0))])
@pytest.mark.parametrize("threads", [1, 2])
def test_conv_rows_split_over_threads(kernel, pads, threads):
    """Inception-style 17x17 convs with 3 blocks of 64 filters: the threads split the output
    rows too (chunks of 6, 6 and 5). Conv + Relu against numpy."""
    rng = np.random.default_rng(kernel[0])
    c, f, h = 160, 192, 17
    w = (rng.standard_normal((f, c) + kernel) / np.sqrt(c * kernel[0] * kernel[1])).astype(np.float32)
    b = rng.standard_normal(f).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("Conv", ["x", "w", "b"], ["c"], kernel_shape=list(kernel), pads=list(pads)),
         helper.make_node("Relu", ["c"], ["y"])],
        "conv", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, c, h, h])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])
    module = kiln.compile(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]),
                          threads=threads)
    x = rng.standard_normal((1, c, h, h)).astype(np.float32)
    (y,) = module.run([x])
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    ref = np.zeros((1, f, h, h))
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            ref += np.einsum("nchw,fc->nfhw", xp[:, :, i:i + h, j:j + h], w[:, :, i, j].astype(np.float64))
    ref = np.maximum(ref + b[None, :, None, None], 0)
    np.testing.assert_allclose(y, ref, rtol=1e-4, atol=1e-4)
