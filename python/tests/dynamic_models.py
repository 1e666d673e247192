"""Small ONNX models with a symbolic batch dim ("N") and numpy references, for the dynamic
shape tests."""
import numpy as np
from onnx import TensorProto, helper, numpy_helper


def _model(nodes, name, inputs, outputs, weights, opset=13):
    graph = helper.make_graph(nodes, name, inputs, outputs,
                              [numpy_helper.from_array(v, k) for k, v in weights.items()])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def mlp(features=24, hidden=40, classes=10, seed=0):
    """Gemm + Relu + MatMul + Add (+ Relu): returns (model, reference(x))."""
    rng = np.random.default_rng(seed)
    w = {"W1": rng.standard_normal((hidden, features)).astype(np.float32),
         "B1": rng.standard_normal(hidden).astype(np.float32),
         "W2": rng.standard_normal((hidden, classes)).astype(np.float32),
         "B2": rng.standard_normal(classes).astype(np.float32)}
    nodes = [helper.make_node("Gemm", ["x", "W1", "B1"], ["h"], transB=1),
             helper.make_node("Relu", ["h"], ["r"]),
             helper.make_node("MatMul", ["r", "W2"], ["m"]),
             helper.make_node("Add", ["m", "B2"], ["y"])]
    model = _model(nodes, "dyn_mlp",
                   [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", features])],
                   [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", classes])], w)

    def reference(x):
        return np.maximum(x @ w["W1"].T + w["B1"], 0) @ w["W2"] + w["B2"]
    return model, reference


def conv_net(channels=3, size=12, filters=8, classes=5, seed=0):
    """Conv + Relu + GlobalAveragePool + Flatten + Gemm."""
    rng = np.random.default_rng(seed)
    w = {"Wc": (0.3 * rng.standard_normal((filters, channels, 3, 3))).astype(np.float32),
         "Bc": rng.standard_normal(filters).astype(np.float32),
         "Wf": rng.standard_normal((classes, filters)).astype(np.float32),
         "Bf": rng.standard_normal(classes).astype(np.float32)}
    nodes = [helper.make_node("Conv", ["x", "Wc", "Bc"], ["c"], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["r"]),
             helper.make_node("GlobalAveragePool", ["r"], ["p"]),
             helper.make_node("Flatten", ["p"], ["f"]),
             helper.make_node("Gemm", ["f", "Wf", "Bf"], ["y"], transB=1)]
    model = _model(nodes, "dyn_conv",
                   [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                  ["N", channels, size, size])],
                   [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", classes])], w)

    def reference(x):
        n = x.shape[0]
        padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
        out = np.zeros((n, filters, size, size), np.float32)
        for i in range(3):
            for j in range(3):
                patch = padded[:, :, i:i + size, j:j + size]
                out += np.einsum("nchw,fc->nfhw", patch, w["Wc"][:, :, i, j])
        out = np.maximum(out + w["Bc"][None, :, None, None], 0)
        return out.mean(axis=(2, 3)) @ w["Wf"].T + w["Bf"]
    return model, reference


def view_reshape(channels=4, size=6, classes=3, seed=0):
    """x.view(x.size(0), -1) as PyTorch exports it: Shape → Gather → Unsqueeze → Concat →
    Reshape, then MatMul."""
    rng = np.random.default_rng(seed)
    flat = channels * size * size
    w = {"W": rng.standard_normal((flat, classes)).astype(np.float32),
         "idx0": np.array(0, np.int64), "minus1": np.array([-1], np.int64),
         "axes0": np.array([0], np.int64)}
    nodes = [helper.make_node("Relu", ["x"], ["r"]),
             helper.make_node("Shape", ["r"], ["s"]),
             helper.make_node("Gather", ["s", "idx0"], ["n"], axis=0),
             helper.make_node("Unsqueeze", ["n", "axes0"], ["n1"]),
             helper.make_node("Concat", ["n1", "minus1"], ["shape"], axis=0),
             helper.make_node("Reshape", ["r", "shape"], ["v"]),
             helper.make_node("MatMul", ["v", "W"], ["y"])]
    model = _model(nodes, "dyn_view",
                   [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                  ["N", channels, size, size])],
                   [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", classes])], w)

    def reference(x):
        return np.maximum(x, 0).reshape(x.shape[0], -1) @ w["W"]
    return model, reference
