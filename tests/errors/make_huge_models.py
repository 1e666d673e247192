#!/usr/bin/python3
"""Models whose sizes overflow or exceed any machine: `python3 make_huge_models.py OUTDIR`.

overflow.onnx: Relu of an input [2^40, 2^40] (2^80 elements);
tera.onnx:     Relu of an input [2^20, 2^20] (4 TiB of float32: compiles, cannot run here);
expand.onnx:   Expand of a [1] input to a constant shape [2^30, 2^30] (the intermediate overflows);
dyn.onnx:      Relu of an input [N, 3, H, W] (sizes given with --input-shape);
conv.onnx:     a 3x3 conv without padding of an input [1, 3, H, W] (H, W >= 3 at run time);
add.onnx:      Add of two inputs [N] (the same symbol: equal at run time);
and the .pb inputs small.pb [1, 3, 1, 1], a3.pb [3], b4.pb [4].
"""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper, save

F = TensorProto.FLOAT


def model(nodes, inputs, outputs, inits=()):
    graph = helper.make_graph(nodes, "huge", inputs, outputs, list(inits))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def relu(shape):
    return model([helper.make_node("Relu", ["x"], ["y"], name="relu")],
                 [helper.make_tensor_value_info("x", F, shape)],
                 [helper.make_tensor_value_info("y", F, shape)])


def main(out):
    os.makedirs(out, exist_ok=True)
    save(relu([1 << 40, 1 << 40]), os.path.join(out, "overflow.onnx"))
    save(relu([1 << 20, 1 << 20]), os.path.join(out, "tera.onnx"))
    save(relu(["N", 3, "H", "W"]), os.path.join(out, "dyn.onnx"))
    shape = numpy_helper.from_array(np.array([1 << 30, 1 << 30], np.int64), "shape")
    save(model([helper.make_node("Expand", ["x", "shape"], ["y"], name="expand")],
               [helper.make_tensor_value_info("x", F, [1])],
               [helper.make_tensor_value_info("y", F, None)], [shape]),
         os.path.join(out, "expand.onnx"))
    w = numpy_helper.from_array(np.ones((4, 3, 3, 3), np.float32), "w")
    save(model([helper.make_node("Conv", ["x", "w"], ["y"], name="conv", kernel_shape=[3, 3])],
               [helper.make_tensor_value_info("x", F, [1, 3, "H", "W"])],
               [helper.make_tensor_value_info("y", F, None)], [w]),
         os.path.join(out, "conv.onnx"))
    save(model([helper.make_node("Add", ["a", "b"], ["y"], name="add")],
               [helper.make_tensor_value_info("a", F, ["N"]),
                helper.make_tensor_value_info("b", F, ["N"])],
               [helper.make_tensor_value_info("y", F, None)]),
         os.path.join(out, "add.onnx"))
    for file, name, array in [("small", "x", np.zeros((1, 3, 1, 1), np.float32)),
                              ("a3", "a", np.ones(3, np.float32)),
                              ("b4", "b", np.ones(4, np.float32))]:
        with open(os.path.join(out, file + ".pb"), "wb") as f:
            f.write(numpy_helper.from_array(array, name).SerializeToString())


if __name__ == "__main__":
    main(sys.argv[1])
