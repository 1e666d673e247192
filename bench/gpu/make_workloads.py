#!/usr/bin/python3
"""The ONNX models of the GPU device check's timings, written into OUT:

  make_workloads.py OUT --gemm N [--resnet50]

gemm_f32.onnx / gemm_f16.onnx: C = A @ B with N x N inputs (MatMul, opset 17);
resnet50.onnx: torchvision's resnet50 (Debian python3-torchvision, random weights, seed 0,
opset 13) with a symbolic batch, compiled per batch size with --input-shape.
"""
import argparse
import os

import onnx
from onnx import TensorProto, helper


def gemm(path, n, dtype):
    a = helper.make_tensor_value_info("a", dtype, [n, n])
    b = helper.make_tensor_value_info("b", dtype, [n, n])
    c = helper.make_tensor_value_info("c", dtype, [n, n])
    graph = helper.make_graph([helper.make_node("MatMul", ["a", "b"], ["c"])], "gemm", [a, b],
                              [c])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)


def resnet50(path):
    import torch
    import torchvision
    torch.manual_seed(0)
    model = torchvision.models.resnet50().eval()
    torch.onnx.export(model, torch.randn(1, 3, 224, 224), path, opset_version=13,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("out")
    ap.add_argument("--gemm", type=int, default=4096)
    ap.add_argument("--resnet50", action="store_true")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    gemm(os.path.join(args.out, "gemm_f32.onnx"), args.gemm, TensorProto.FLOAT)
    gemm(os.path.join(args.out, "gemm_f16.onnx"), args.gemm, TensorProto.FLOAT16)
    if args.resnet50:
        resnet50(os.path.join(args.out, "resnet50.onnx"))


if __name__ == "__main__":
    main()
