"""3-D max pools (video models: S3D, I3D) run as a max over depth slices and a 2-D NHWC pool,
which has vector code: every depth window, stride, dilation, padding and ceil mode matches a
numpy reference, and no kernel is left on scalar loops."""
import numpy as np
import pytest
from onnx import TensorProto, helper

import kiln
from test_vector_pools import reference_max_pool

CASES = {  # (input shape [N, C, D, H, W], MaxPool attributes)
    "s3d_stem": ([1, 16, 4, 14, 14], dict(kernel_shape=[1, 3, 3], strides=[1, 2, 2],
                                          pads=[0, 1, 1, 0, 1, 1])),
    "cube": ([1, 24, 5, 9, 9], dict(kernel_shape=[3, 3, 3], pads=[1, 1, 1, 1, 1, 1])),
    "strided_ceil": ([2, 16, 7, 9, 11], dict(kernel_shape=[2, 2, 2], strides=[2, 2, 2],
                                             ceil_mode=1)),
    "depth_dilated": ([1, 8, 9, 6, 6], dict(kernel_shape=[3, 2, 2], dilations=[2, 1, 1],
                                            pads=[2, 0, 0, 1, 1, 1], strides=[2, 1, 1])),
}


def pool3d_model(shape, attrs):
    graph = helper.make_graph(
        [helper.make_node("MaxPool", ["x"], ["y"], **attrs)], "pool3d",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


@pytest.mark.parametrize("case", list(CASES))
def test_max_pool_3d_matches_reference(case):
    shape, attrs = CASES[case]
    x = np.random.default_rng(len(case)).standard_normal(shape).astype(np.float32)
    compiled = kiln.compile(pool3d_model(shape, attrs), threads=2)
    (y,) = compiled.run([x])
    np.testing.assert_array_equal(y, reference_max_pool(x, **attrs))
    assert [r["node"] for r in compiled.report() if r.get("vector") is False] == []
