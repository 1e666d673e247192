"""Shared by the kiln.quantize and int8 tests: a small conv net, QuantizeLinear's arithmetic,
SQNR, and onnxruntime-node runs of a model (skipped when node or onnxruntime-node is
absent)."""
import json
import os
import shutil
import subprocess

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from conftest import REPO

ORT_BENCH = os.path.join(REPO, "bench", "vs_onnxruntime", "ort_bench.js")


def quantize(v, scale, zp, dtype):
    """QuantizeLinear: round half to even, plus the zero point, saturated to `dtype`."""
    info = np.iinfo(dtype)
    return np.clip(np.rint(v / scale) + np.float32(zp), info.min, info.max).astype(dtype)


def conv_net(seed=0, size=16):
    """conv-relu, conv-relu, 1x1 conv + residual add, maxpool, global pool, flatten, gemm."""
    rng = np.random.default_rng(seed)

    def init(name, shape, s=0.3):
        return numpy_helper.from_array((rng.standard_normal(shape) * s).astype(np.float32), name)

    inits = [init("w1", [8, 3, 3, 3]), init("b1", [8], 0.1), init("w2", [8, 8, 3, 3], 0.15),
             init("b2", [8], 0.1), init("w3", [8, 8, 1, 1], 0.3), init("wfc", [10, 8]),
             init("bfc", [10], 0.1)]
    node = helper.make_node
    nodes = [node("Conv", ["x", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1], name="conv1"),
             node("Relu", ["c1"], ["r1"], name="relu1"),
             node("Conv", ["r1", "w2", "b2"], ["c2"], pads=[1, 1, 1, 1], name="conv2"),
             node("Relu", ["c2"], ["r2"], name="relu2"),
             node("Conv", ["r2", "w3"], ["c3"], name="conv3"),
             node("Add", ["c3", "r1"], ["a"], name="add"),
             node("MaxPool", ["a"], ["p"], kernel_shape=[2, 2], strides=[2, 2], name="pool"),
             node("GlobalAveragePool", ["p"], ["g"], name="gap"),
             node("Flatten", ["g"], ["f"], name="flatten"),
             node("Gemm", ["f", "wfc", "bfc"], ["y"], transB=1, name="fc")]
    graph = helper.make_graph(
        nodes, "convnet", [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                         [1, 3, size, size])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def sqnr_db(ref, got):
    ref, got = np.asarray(ref, np.float64), np.asarray(got, np.float64)
    noise = np.sum((ref - got) ** 2)
    return float("inf") if noise == 0 else float(10 * np.log10(np.sum(ref * ref) / noise))


def node_modules():
    """The node_modules folder holding onnxruntime-node, or None."""
    for folder in (os.environ.get("KILN_ORT_NODE_MODULES"),
                   os.path.join(REPO, "bench", "vs_onnxruntime", "node_modules")):
        if folder and os.path.isdir(os.path.join(folder, "onnxruntime-node")):
            return folder
    return None


def require_ort():
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    if node_modules() is None:
        pytest.skip("onnxruntime-node is not installed (bench/vs_onnxruntime: npm install, or "
                    "set KILN_ORT_NODE_MODULES)")


def ort_run(model_path, inputs, workdir):
    """onnxruntime-node's outputs {name: array} for {input name: array}."""
    require_ort()
    cmd = ["node", ORT_BENCH, "--model", os.fspath(model_path), "--threads", "1",
           "--repeat", "1", "--warmup", "0", "--output-dir", os.path.join(workdir, "ort_out")]
    for name, array in inputs.items():
        path = os.path.join(workdir, f"in_{len(cmd)}.pb")
        with open(path, "wb") as f:
            f.write(numpy_helper.from_array(np.ascontiguousarray(array), name)
                    .SerializeToString())
        cmd += ["--input", f"{name}={path}"]
    env = dict(os.environ, NODE_PATH=node_modules())
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    json.loads(done.stdout)
    out = {}
    folder = os.path.join(workdir, "ort_out")
    for f in sorted(os.listdir(folder)):
        tensor = onnx.TensorProto()
        with open(os.path.join(folder, f), "rb") as fh:
            tensor.ParseFromString(fh.read())
        out[tensor.name] = numpy_helper.to_array(tensor)
    return out
