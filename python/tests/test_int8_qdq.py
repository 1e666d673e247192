"""QDQ models (QuantizeLinear → DequantizeLinear → MatMul against DequantizeLinear'd int8
weights, bias, Relu, QuantizeLinear → DequantizeLinear): the matmul runs as kiln.matmul_int8
with exact int32 accumulation and the scales applied once per output, so the result equals a
numpy model of exactly that arithmetic, and stays within one output quantization step of the
float evaluation of the same QDQ graph."""
import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

import kiln
from quantize_helpers import quantize


def qdq_model(m, k, n, x_dtype, seed):
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((k, n)).astype(np.float32)
    ws = (np.abs(w).max(axis=0) / 127).astype(np.float32)  # symmetric per column (min-max)
    wq = np.clip(np.rint(w / ws), -127, 127).astype(np.int8)
    xs, ys = np.float32(0.03), np.float32(0.05)
    xz = np.array(128 if x_dtype == np.uint8 else 0, x_dtype)
    yz = np.array(128, np.uint8)
    bias = rng.standard_normal(n).astype(np.float32)
    inits = [numpy_helper.from_array(wq, "wq"), numpy_helper.from_array(ws, "ws"),
             numpy_helper.from_array(np.zeros(n, np.int8), "wz"),
             numpy_helper.from_array(np.array(xs), "xs"), numpy_helper.from_array(xz, "xz"),
             numpy_helper.from_array(np.array(ys), "ys"), numpy_helper.from_array(yz, "yz"),
             numpy_helper.from_array(bias, "bias")]
    nodes = [helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"]),
             helper.make_node("DequantizeLinear", ["xq", "xs", "xz"], ["xd"]),
             helper.make_node("DequantizeLinear", ["wq", "ws", "wz"], ["wd"], axis=1),
             helper.make_node("MatMul", ["xd", "wd"], ["mm"]),
             helper.make_node("Add", ["mm", "bias"], ["mb"]),
             helper.make_node("Relu", ["mb"], ["r"]),
             helper.make_node("QuantizeLinear", ["r", "ys", "yz"], ["rq"]),
             helper.make_node("DequantizeLinear", ["rq", "ys", "yz"], ["y"])]
    graph = helper.make_graph(
        nodes, "qdq_matmul", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [m, k])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [m, n])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    return model, dict(wq=wq, ws=ws, xs=xs, xz=xz, ys=ys, yz=yz, bias=bias)


def output_of(real, p):
    r = np.maximum(real + p["bias"], 0)
    rq = quantize(r, p["ys"], p["yz"], np.uint8)
    return (rq.astype(np.float32) - np.float32(p["yz"])) * p["ys"]


@pytest.mark.parametrize("shape,x_dtype", [((10, 70, 90), np.uint8), ((3, 300, 64), np.int8),
                                           ((7, 1024, 520), np.uint8),
                                           ((1, 5, 1), np.uint8)])
def test_qdq_matmul_runs_int8_and_matches_its_arithmetic(shape, x_dtype):
    m, k, n = shape
    model, p = qdq_model(m, k, n, x_dtype, seed=k + n)
    graph_ir = kiln.ir(model, "graph")
    assert "kiln.matmul_int8" in graph_ir and "kiln.matmul %" not in graph_ir
    x = np.random.default_rng(1).standard_normal((m, k)).astype(np.float32) * 2
    (y,) = kiln.compile(model).run([x])
    xq = quantize(x, p["xs"], p["xz"], x_dtype)
    acc = (xq.astype(np.int64) - int(p["xz"])) @ p["wq"].astype(np.int64)
    # float(acc) * (xs * ws[n]), the int8 path's one rounding of the scales.
    int8_path = output_of(acc.astype(np.float32) * (p["xs"] * p["ws"]), p)
    np.testing.assert_array_equal(y, int8_path)
    # The float evaluation of the QDQ graph rounds differently: at most one step apart.
    xd = (xq.astype(np.float32) - np.float32(p["xz"])) * p["xs"]
    float_path = output_of(xd @ (p["wq"].astype(np.float32) * p["ws"]), p)
    assert np.abs(y - float_path).max() <= p["ys"] * 1.001


@pytest.mark.parametrize("dims", [["m"], ["b", "t"]], ids=["rows", "batch_and_sequence"])
def test_qdq_matmul_with_symbolic_rows_runs_int8(dims):
    """x [m, K] or [b, t, K] with symbolic dims (a sequence model's projection): one artifact,
    on the int8 kernel, warning-free, equal to the int8 arithmetic at every row count (1, a
    partial row block, many blocks)."""
    import warnings
    k, n = 96, 80
    model, p = qdq_model(1, k, n, np.uint8, seed=9)
    model.graph.input[0].CopyFrom(helper.make_tensor_value_info("x", TensorProto.FLOAT, dims + [k]))
    model.graph.output[0].CopyFrom(helper.make_tensor_value_info("y", TensorProto.FLOAT, None))
    assert "kiln.matmul_int8" in kiln.ir(model, "graph")
    with warnings.catch_warnings():
        warnings.simplefilter("error", kiln.CompileWarning)
        module = kiln.compile(model)
    for rows in [(1,), (7,), (301,)] if len(dims) == 1 else [(1, 1), (2, 5), (3, 77)]:
        x = np.random.default_rng(sum(rows)).standard_normal(rows + (k,)).astype(np.float32) * 2
        (y,) = module.run([x])
        xq = quantize(x, p["xs"], p["xz"], np.uint8)
        acc = (xq.astype(np.int64) - int(p["xz"])) @ p["wq"].astype(np.int64)
        np.testing.assert_array_equal(y, output_of(acc.astype(np.float32) * (p["xs"] * p["ws"]),
                                                   p), err_msg=str(rows))


def test_qdq_gemm_with_unfolded_transposed_weights_runs_int8():
    """Gemm(transB=1) against DequantizeLinear'd weights of 300 x 260 (past the constant
    folder, so they arrive as a transposed dequantization): laid out as [K, N] int8 at compile
    time; the result is the int8 arithmetic exactly."""
    rng = np.random.default_rng(11)
    m, k, n = 3, 260, 300
    w = rng.standard_normal((n, k)).astype(np.float32)
    ws = (np.abs(w).max(axis=1) / 127).astype(np.float32)  # per output row of B
    wq = np.clip(np.rint(w / ws[:, None]), -127, 127).astype(np.int8)
    xs, xz = np.float32(0.03), np.uint8(120)
    inits = [numpy_helper.from_array(wq, "wq"), numpy_helper.from_array(ws, "ws"),
             numpy_helper.from_array(np.zeros(n, np.int8), "wz"),
             numpy_helper.from_array(np.array(xs), "xs"), numpy_helper.from_array(np.array(xz), "xz")]
    nodes = [helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"]),
             helper.make_node("DequantizeLinear", ["xq", "xs", "xz"], ["xd"]),
             helper.make_node("DequantizeLinear", ["wq", "ws", "wz"], ["wd"], axis=0),
             helper.make_node("Gemm", ["xd", "wd"], ["y"], transB=1)]
    graph = helper.make_graph(
        nodes, "qdq_gemm", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [m, k])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [m, n])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    graph_ir = kiln.ir(model, "graph")
    assert "kiln.matmul_int8" in graph_ir and "kiln.transpose" not in graph_ir
    x = rng.standard_normal((m, k)).astype(np.float32)
    (y,) = kiln.compile(model).run([x])
    xq = quantize(x, xs, xz, np.uint8)
    acc = (xq.astype(np.int64) - int(xz)) @ wq.astype(np.int64).T
    np.testing.assert_array_equal(y, acc.astype(np.float32) * (xs * ws))


def test_squeeze_excitation_convs_run_int8():
    """A squeeze-and-excitation block (global pool, 1x1 conv, relu, 1x1 conv, sigmoid, scale)
    quantized by kiln.quantize: its 1x1 convs on the 1x1 map become matmuls whose weights are
    the dequantization transposed and reshaped (per-channel: too large to fold in MobileNetV3);
    they run on the int8 kernel, warning-free, without dequantizing the weights per run."""
    import warnings
    rng = np.random.default_rng(5)
    c, r = 672, 168  # MobileNetV3-Large's largest
    inits = [numpy_helper.from_array((rng.standard_normal((r, c, 1, 1)) * 0.2)
                                     .astype(np.float32), "w1"),
             numpy_helper.from_array((rng.standard_normal((c, r, 1, 1)) * 0.2)
                                     .astype(np.float32), "w2"),
             numpy_helper.from_array(rng.standard_normal(r).astype(np.float32), "b1"),
             numpy_helper.from_array(rng.standard_normal(c).astype(np.float32), "b2")]
    nodes = [helper.make_node("GlobalAveragePool", ["x"], ["g"]),
             helper.make_node("Conv", ["g", "w1", "b1"], ["c1"]),
             helper.make_node("Relu", ["c1"], ["r1"]),
             helper.make_node("Conv", ["r1", "w2", "b2"], ["c2"]),
             helper.make_node("Sigmoid", ["c2"], ["s"]),
             helper.make_node("Mul", ["x", "s"], ["y"])]
    graph = helper.make_graph(
        nodes, "se", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, c, 7, 7])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, c, 7, 7])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    calib = {"x": np.abs(rng.standard_normal((8, 1, c, 7, 7))).astype(np.float32)}
    qmodel = kiln.quantize(model, calib, progress=False).model
    graph_ir = kiln.ir(qmodel, "graph")
    assert graph_ir.count("kiln.matmul_int8") == 2, graph_ir
    with warnings.catch_warnings():
        warnings.simplefilter("error", kiln.CompileWarning)
        module = kiln.compile(qmodel)
    x = np.abs(rng.standard_normal((1, c, 7, 7))).astype(np.float32)
    ref = kiln.compile(model).run([x])[0]
    got = module.run([x])[0]
    noise = np.sum((ref.astype(np.float64) - got) ** 2)
    assert 10 * np.log10(np.sum(ref.astype(np.float64) ** 2) / noise) >= 30.0
