#!/usr/bin/python3
"""Models the fuzzers and the mutator found hangs or crashes with (each now a clean error):
`python3 make_fuzz_finds.py OUTDIR`.

eyelike.onnx:  EyeLike of an input [4, 3 * 2^33] (a 10^11-element constant was being filled);
reduce.onnx:   ReduceSum over a run-time axes input of 3 * 2^33 axes (kiln-to-linalg unrolled
               one compare per axis per dim);
trilu.onnx:    Trilu (run-time k) of an input [2^14, 2^14] (the offset constant was built);
unsqueeze.onnx: Unsqueeze by a run-time axes input of 2^31 - 1 values (a rank-2^31 type);
empty.onnx:    Mul of x [3, 0, 5] by y [5] (kiln-run read row 0 of the empty output).
"""
import os
import sys

from onnx import TensorProto, helper, save

F, I64 = TensorProto.FLOAT, TensorProto.INT64


def model(node, inputs, output, opset=17):
    graph = helper.make_graph([node], "find", inputs, [output])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def main(out):
    os.makedirs(out, exist_ok=True)
    huge = 3 << 33
    save(model(helper.make_node("EyeLike", ["x"], ["y"], name="eye", k=1),
               [helper.make_tensor_value_info("x", F, [4, huge])],
               helper.make_tensor_value_info("y", F, None), opset=9),
         os.path.join(out, "eyelike.onnx"))
    save(model(helper.make_node("ReduceSum", ["data", "axes"], ["r"], name="sum"),
               [helper.make_tensor_value_info("data", F, [3, 2, 2]),
                helper.make_tensor_value_info("axes", I64, [huge])],
               helper.make_tensor_value_info("r", F, None), opset=13),
         os.path.join(out, "reduce.onnx"))
    save(model(helper.make_node("Trilu", ["x", "k"], ["y"], name="tri"),
               [helper.make_tensor_value_info("x", F, [1 << 14, 1 << 14]),
                helper.make_tensor_value_info("k", I64, [])],
               helper.make_tensor_value_info("y", F, None), opset=14),
         os.path.join(out, "trilu.onnx"))
    save(model(helper.make_node("Unsqueeze", ["x", "axes"], ["y"], name="unsq"),
               [helper.make_tensor_value_info("x", F, [1, 3]),
                helper.make_tensor_value_info("axes", I64, [(1 << 31) - 1])],
               helper.make_tensor_value_info("y", F, None), opset=13),
         os.path.join(out, "unsqueeze.onnx"))
    save(model(helper.make_node("Mul", ["x", "y"], ["z"], name="mul"),
               [helper.make_tensor_value_info("x", F, [3, 0, 5]),
                helper.make_tensor_value_info("y", F, [5])],
               helper.make_tensor_value_info("z", F, [3, 0, 5])),
         os.path.join(out, "empty.onnx"))


if __name__ == "__main__":
    main(sys.argv[1])
