#!/usr/bin/python3
"""Small ONNX models for the kernel report tests: `python3 make_models.py OUTDIR`.

repeated.onnx: four identical Relu(MatMul(x, W_i) + b_i) blocks (identical kernels, distinct
               weights) - compiled once each;
bool.onnx:     Equal of two 256x256 inputs (bools as bytes: vectorized);
grouped_up.onnx: a grouped, dilated ConvTranspose, a kernel that stays scalar;
distinct.onnx: MatMul blocks with eight different activations (distinct kernels of about one
               size, spread over the parallel build's partitions);
grouped.onnx:  a padded 3x3 grouped conv, vector code whose tap loops have run-time bounds.
"""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper, save


def repeated():
    rng = np.random.default_rng(0)
    nodes, inits, x = [], [], "x"
    for i in range(4):
        w = numpy_helper.from_array(rng.standard_normal((128, 128)).astype(np.float32), f"w{i}")
        b = numpy_helper.from_array(rng.standard_normal(128).astype(np.float32), f"b{i}")
        inits += [w, b]
        nodes += [helper.make_node("MatMul", [x, f"w{i}"], [f"m{i}"], name=f"mm{i}"),
                  helper.make_node("Add", [f"m{i}", f"b{i}"], [f"a{i}"], name=f"add{i}"),
                  helper.make_node("Relu", [f"a{i}"], [f"r{i}"], name=f"relu{i}")]
        x = f"r{i}"
    graph = helper.make_graph(
        nodes, "repeated", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [128, 128])],
        [helper.make_tensor_value_info(x, TensorProto.FLOAT, [128, 128])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def boolean():
    node = helper.make_node("Equal", ["a", "b"], ["y"], name="eq")
    graph = helper.make_graph(
        [node], "bool", [helper.make_tensor_value_info(n, TensorProto.FLOAT, [256, 256])
                         for n in ("a", "b")],
        [helper.make_tensor_value_info("y", TensorProto.BOOL, [256, 256])])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def grouped_up():
    w = numpy_helper.from_array(np.ones((4, 2, 3, 3), np.float32), "w")
    node = helper.make_node("ConvTranspose", ["x", "w"], ["y"], name="up", strides=[2, 2], group=2,
                            dilations=[2, 2])
    graph = helper.make_graph(
        [node], "grouped_up", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 16, 16])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [w])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def distinct():
    rng = np.random.default_rng(1)
    nodes, inits, x = [], [], "x"
    for i, act in enumerate(["Relu", "Sigmoid", "Tanh", "Abs", "Neg", "Softsign", "Elu", "Selu"]):
        inits.append(numpy_helper.from_array(
            rng.standard_normal((64, 64)).astype(np.float32), f"w{i}"))
        nodes += [helper.make_node("MatMul", [x, f"w{i}"], [f"m{i}"], name=f"mm{i}"),
                  helper.make_node(act, [f"m{i}"], [f"y{i}"], name=f"act{i}")]
        x = f"y{i}"
    graph = helper.make_graph(
        nodes, "distinct", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [64, 64])],
        [helper.make_tensor_value_info(x, TensorProto.FLOAT, [64, 64])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def grouped():
    """A ResNeXt 3x3 grouped conv (32 groups of 4 channels, 56x56, padded): 28.9 MFLOP, in
    vector code whose tap loops skip the padding (run-time bounds)."""
    rng = np.random.default_rng(2)
    w = numpy_helper.from_array(rng.standard_normal((128, 4, 3, 3)).astype(np.float32), "w")
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="gconv", group=32, pads=[1, 1, 1, 1])
    graph = helper.make_graph(
        [node], "grouped", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 128, 56, 56])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 128, 56, 56])], [w])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def int8():
    """MatMulInteger of [512, 512] ui8 activations by constant [512, 512] i8 weights: 268 MOP
    of int8 GEMM (512^3 multiply-adds, 2 ops each) over 1.5 MB of operands and result."""
    rng = np.random.default_rng(3)
    w = numpy_helper.from_array(rng.integers(-128, 128, (512, 512)).astype(np.int8), "w")
    node = helper.make_node("MatMulInteger", ["a", "w"], ["y"], name="qmm")
    graph = helper.make_graph(
        [node], "int8", [helper.make_tensor_value_info("a", TensorProto.UINT8, [512, 512])],
        [helper.make_tensor_value_info("y", TensorProto.INT32, [512, 512])], [w])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    save(repeated(), os.path.join(out, "repeated.onnx"))
    save(boolean(), os.path.join(out, "bool.onnx"))
    save(grouped_up(), os.path.join(out, "grouped_up.onnx"))
    save(distinct(), os.path.join(out, "distinct.onnx"))
    save(grouped(), os.path.join(out, "grouped.onnx"))
    save(int8(), os.path.join(out, "int8.onnx"))


if __name__ == "__main__":
    main()
