#!/usr/bin/python3
"""A dynamically quantized conv for the GPU targets: `python3 make_gpu_int8_models.py OUTDIR`.

dq_conv.onnx: DynamicQuantizeLinear of an NCHW input [1, 8, 10, 10], ConvInteger 3x3 (uint8
weights with a zero point, padding 1), Cast to float: the activation zero point is known at
run time only, which the GPU targets' patch matrix (slices) cannot pad with.
"""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper, save

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
w = np.random.default_rng(0).integers(0, 256, (16, 8, 3, 3)).astype(np.uint8)
nodes = [helper.make_node("DynamicQuantizeLinear", ["x"], ["xq", "xs", "xz"], name="dql"),
         helper.make_node("ConvInteger", ["xq", "w", "xz", "wz"], ["c"], pads=[1, 1, 1, 1],
                          kernel_shape=[3, 3], name="conv"),
         helper.make_node("Cast", ["c"], ["y"], to=TensorProto.FLOAT, name="cast")]
graph = helper.make_graph(
    nodes, "dq_conv", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8, 10, 10])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 16, 10, 10])],
    [numpy_helper.from_array(w, "w"), numpy_helper.from_array(np.array(128, np.uint8), "wz")])
save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]),
     os.path.join(out, "dq_conv.onnx"))
