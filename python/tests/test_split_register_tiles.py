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
                                   (49, 576, 921), (30, 64, 230)])
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
