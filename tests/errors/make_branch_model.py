#!/usr/bin/python3
"""A model whose If on an input selects branches of different shapes (Silero VAD's sample
rate): `python3 make_branch_model.py OUTDIR` writes branch.onnx, x.pb, sr16000.pb, sr8000.pb.

branch.onnx: inputs x [4] float, sr int64 scalar; y = x if sr == 16000 else concat(x, x)."""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper, save


def main(out):
    os.makedirs(out, exist_ok=True)
    then_graph = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["t"])], "then", [],
        [helper.make_tensor_value_info("t", TensorProto.FLOAT, [4])])
    else_graph = helper.make_graph(
        [helper.make_node("Concat", ["x", "x"], ["e"], axis=0)], "else", [],
        [helper.make_tensor_value_info("e", TensorProto.FLOAT, [8])])
    rate = numpy_helper.from_array(np.array(16000, np.int64), "rate")
    graph = helper.make_graph(
        [helper.make_node("Equal", ["sr", "rate"], ["is16k"], name="is16k"),
         helper.make_node("If", ["is16k"], ["y"], name="by_rate", then_branch=then_graph,
                          else_branch=else_graph)],
        "branch", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4]),
                   helper.make_tensor_value_info("sr", TensorProto.INT64, [])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [rate])
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 16)]),
         os.path.join(out, "branch.onnx"))
    with open(os.path.join(out, "x.pb"), "wb") as f:
        f.write(numpy_helper.from_array(np.arange(4, dtype=np.float32), "x").SerializeToString())
    for rate in (16000, 8000):
        with open(os.path.join(out, f"sr{rate}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(np.array(rate, np.int64), "sr").SerializeToString())


if __name__ == "__main__":
    main(sys.argv[1])
