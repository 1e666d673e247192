"""kiln.quantize on whole models: the QDQ layout, exact weight/bias parameters, Kiln against
onnxruntime-node on the same QDQ file, closeness to the float model, the CLI."""
import os
import subprocess

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

import kiln
from conftest import MODELS_DIR, mlp_model
from quantize_helpers import conv_net, ort_run, sqnr_db

CALIBRATION = {"x": np.random.default_rng(1).standard_normal((16, 1, 3, 16, 16))
               .astype(np.float32)}


def _inputs(seed, n=4):
    return [np.random.default_rng(seed + i).standard_normal((1, 3, 16, 16)).astype(np.float32)
            for i in range(n)]


@pytest.fixture(scope="module")
def quantized():
    return {method: kiln.quantize(conv_net(), CALIBRATION, method=method, progress=False)
            for method in ("minmax", "percentile", "entropy")}


def _inits(model):
    return {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}


def _node(model, name):
    return next(n for n in model.graph.node if n.name == name)


def test_qdq_layout(quantized):
    model = quantized["minmax"].model
    ops = [n.op_type for n in model.graph.node]
    assert "Relu" not in ops  # both Relus fold into the convs' output Q (zero point 0)
    assert ops.count("QuantizeLinear") == 8 and ops.count("Conv") == 3
    for name in ("conv1", "conv2", "conv3", "fc", "add", "pool", "gap", "flatten"):
        node = _node(model, name)
        float_inputs = [t for t in node.input[:2] if t]
        assert all(t.endswith("_dequantized") for t in float_inputs), (name, node.input)
    assert _node(model, "fc").output[0] == "y"  # the graph output stays float
    inits = _inits(model)
    assert inits["r1_zero_point"] == 0 and inits["r2_zero_point"] == 0
    # MaxPool and Flatten reuse their input's parameters
    assert inits["p_scale"] == inits["a_scale"] and inits["p_zero_point"] == inits["a_zero_point"]
    assert inits["f_scale"] == inits["g_scale"]
    assert inits["x_zero_point"].dtype == np.uint8 and inits["w1_quantized"].dtype == np.int8
    onnx.checker.check_model(model, full_check=True)


def test_per_channel_weight_and_bias_parameters_are_exact(quantized):
    result = quantized["minmax"]
    inits, float_inits = _inits(result.model), _inits(conv_net())
    w = float_inits["w1"]
    scale = inits["w1_scale"]
    np.testing.assert_array_equal(scale, (np.abs(w).max(axis=(1, 2, 3)) / np.float32(127))
                                  .astype(np.float32))
    np.testing.assert_array_equal(inits["w1_quantized"],
                                  np.rint(w / scale[:, None, None, None]).astype(np.int8))
    assert _node(result.model, "w1_DequantizeLinear").attribute[0].i == 0  # axis
    bias_scale = inits["conv1_bias_scale"]
    np.testing.assert_array_equal(bias_scale, (inits["x_scale"] * scale).astype(np.float32))
    assert inits["conv1_bias_quantized"].dtype == np.int32
    np.testing.assert_array_equal(inits["conv1_bias_quantized"],
                                  np.rint(float_inits["b1"] / bias_scale.astype(np.float64)))
    lo, hi = result.ranges["x"]
    assert inits["x_scale"] == np.float32((hi - lo) / 255)
    # Gemm with transB=1: per output row; the input of the Gemm is the flatten output
    assert inits["wfc_scale"].shape == (10,)


def test_per_tensor_weights():
    result = kiln.quantize(conv_net(), CALIBRATION, per_channel=False, progress=False)
    inits, w = _inits(result.model), _inits(conv_net())["w2"]
    assert inits["w2_scale"].shape == () and inits["w2_scale"] == np.float32(
        np.abs(w).max() / np.float32(127))
    assert not _node(result.model, "w2_DequantizeLinear").attribute


@pytest.mark.parametrize("method", ["minmax", "percentile", "entropy"])
def test_kiln_matches_onnxruntime_and_float(quantized, method, tmp_path):
    path = quantized[method].save(tmp_path / "net.int8.onnx")
    float_module, int8_module = kiln.compile(conv_net()), kiln.compile(path)
    refs, gots = [], []
    for x in _inputs(100):
        ref, got = float_module.run([x])[0], int8_module.run([x])[0]
        refs.append(ref)
        gots.append(got)
    assert sqnr_db(np.array(refs), np.array(gots)) >= 30.0
    ort = ort_run(path, {"x": _inputs(100)[0]}, str(tmp_path))["y"]
    np.testing.assert_allclose(gots[0], ort, rtol=1e-4, atol=1e-5)


def test_old_opset_is_converted_for_per_channel_weights():
    model = conv_net()
    model.opset_import[0].version = 11
    with pytest.warns(UserWarning, match="opset 11; converted to opset 13 for per-channel"):
        result = kiln.quantize(model, CALIBRATION, progress=False)
    assert result.model.opset_import[0].version == 13
    assert _inits(result.model)["w1_scale"].shape == (8,)
    float_module, int8_module = kiln.compile(model), kiln.compile(result.model)
    x = _inputs(1)[0]
    assert sqnr_db(float_module.run([x])[0], int8_module.run([x])[0]) >= 30.0


def test_old_opset_the_converter_fails_on_gets_per_tensor_weights(monkeypatch):
    def fail(model, version):
        raise RuntimeError("no adapter for this op")
    monkeypatch.setattr(kiln.quantize.api.version_converter, "convert_version", fail)
    model = conv_net()
    model.opset_import[0].version = 11
    with pytest.warns(UserWarning) as caught:
        result = kiln.quantize(model, CALIBRATION, progress=False)
    messages = [str(w.message) for w in caught]
    assert any("could not take it to 13 (no adapter for this op)" in m for m in messages)
    assert any("opset 11; per-axis DequantizeLinear needs 13" in m for m in messages)
    assert result.model.opset_import[0].version == 11
    assert _inits(result.model)["w1_scale"].shape == ()


def test_exclude_keeps_a_node_in_float():
    result = kiln.quantize(conv_net(), CALIBRATION, exclude=["conv2"], progress=False)
    conv2 = _node(result.model, "conv2")
    assert conv2.input[1] == "w2" and conv2.input[0] == "r1_dequantized"
    assert any(n.op_type == "Relu" and n.name == "relu2" for n in result.model.graph.node)
    assert "conv2" not in result.quantized_nodes and "conv1" in result.quantized_nodes


def test_weight_also_read_inside_an_if_branch_stays():
    """hey_jarvis (openWakeWord, a PyTorch export) reads one of its Gemm weights inside an If
    branch too: the float initializer must stay for the branch while the top-level Gemm reads
    the int8 one (the writer dropped it: onnx.checker rejected the model)."""
    from onnx import TensorProto, helper
    rng = np.random.default_rng(3)
    w = numpy_helper.from_array(rng.standard_normal((8, 16)).astype(np.float32), "w")
    branch = lambda name, out: helper.make_graph(
        [helper.make_node("Gemm", ["x", "w"], [out], name=name)], name, [],
        [helper.make_tensor_value_info(out, TensorProto.FLOAT, [1, 16])])
    nodes = [helper.make_node("MatMul", ["x", "w"], ["m"], name="mm"),
             helper.make_node("ReduceSum", ["m"], ["s"], keepdims=0, name="sum"),
             helper.make_node("Greater", ["s", "zero"], ["c"], name="gt"),
             helper.make_node("If", ["c"], ["y"], name="if", then_branch=branch("then", "t"),
                              else_branch=branch("else", "e")),
             helper.make_node("Add", ["y", "m"], ["out"], name="add")]
    graph = helper.make_graph(
        nodes, "if_reads_weight", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, 16])],
        [w, numpy_helper.from_array(np.float32(0), "zero")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    calib = {"x": rng.standard_normal((8, 1, 8)).astype(np.float32)}
    result = kiln.quantize(model, calib, progress=False)
    assert "mm" in result.quantized_nodes
    assert "w" in _inits(result.model) and "w_quantized" in _inits(result.model)
    x = rng.standard_normal((1, 8)).astype(np.float32)
    ref = kiln.compile(model).run([x])[0]
    got = kiln.compile(result.model).run([x])[0]
    assert sqnr_db(ref, got) >= 30.0


def test_bad_options():
    with pytest.raises(ValueError, match=r"exclude names no node of the model: \['nope'\]"):
        kiln.quantize(conv_net(), CALIBRATION, exclude=["nope"], progress=False)
    with pytest.raises(ValueError, match="unknown method 'kl'"):
        kiln.quantize(conv_net(), CALIBRATION, method="kl", progress=False)
    with pytest.raises(ValueError, match="nothing to quantize"):
        kiln.quantize(conv_net(), CALIBRATION, progress=False,
                      exclude=["conv1", "conv2", "conv3", "fc"])


def test_small_mlp_matmul_weights_per_column():
    """MatMul + Add(constant bias) + Relu: the MatMul is quantized, the bias Add (a float
    constant operand) and the Relu after it stay float."""
    model, w, _ = mlp_model(batch=2, features=8, hidden=4)
    data = {"x": np.random.default_rng(3).standard_normal((8, 2, 8)).astype(np.float32)}
    result = kiln.quantize(model, data, progress=False)
    assert result.quantized_nodes == ["MatMul_0"]
    inits = _inits(result.model)
    scale = next(v for k, v in inits.items() if k.endswith("_scale") and v.shape == (4,))
    np.testing.assert_array_equal(scale, (np.abs(w).max(axis=0) / np.float32(127))
                                  .astype(np.float32))


def test_shared_mlp_model(tmp_path):
    path = os.path.join(MODELS_DIR, "mlp.onnx")
    if not os.path.exists(path):
        pytest.skip(f"shared model missing: {path} (set KILN_MODELS_DIR)")
    rng = np.random.default_rng(7)
    data = {"input": rng.standard_normal((4, 64, 1024)).astype(np.float32)}
    result = kiln.quantize(path, data, method="percentile", progress=False)
    qpath = result.save(tmp_path / "mlp.int8.onnx")
    x = rng.standard_normal((64, 1024)).astype(np.float32)
    ref = kiln.compile(path).run([x])[0]
    got = kiln.compile(qpath).run([x])[0]
    assert sqnr_db(ref, got) >= 30.0
    ort = next(iter(ort_run(qpath, {"input": x}, str(tmp_path)).values()))
    assert sqnr_db(ort, got) >= 50.0  # same model; rounding at Q boundaries may differ


def _cli():
    return os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(kiln.__file__))),
                        "bin", "kiln-quantize")


def test_cli(tmp_path):
    cli = _cli()
    if not os.path.exists(cli):
        pytest.skip(f"{cli} is not built")
    onnx.save(conv_net(), tmp_path / "net.onnx")
    np.savez(tmp_path / "cal.npz", **CALIBRATION)
    out = tmp_path / "net.int8.onnx"
    done = subprocess.run([cli, str(tmp_path / "net.onnx"), "--calibration",
                           str(tmp_path / "cal.npz"), "-o", str(out), "--method", "entropy",
                           "--per-channel", "--exclude", "conv3"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    # conv3 in float: the Add, pools and Flatten after it have no quantized input either
    assert "quantized 2 Conv, 1 Gemm, 2 Relu (folded)" in done.stdout
    assert "calibrating (entropy): 16/16 samples" in done.stderr
    model = onnx.load(out)
    assert _inits(model)["w1_scale"].shape == (8,)
    np.savez(tmp_path / "bad.npz", x=np.zeros((2, 3, 16, 16), np.float32))
    done = subprocess.run([cli, str(tmp_path / "net.onnx"), "--calibration",
                           str(tmp_path / "bad.npz"), "-o", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    assert "kiln-quantize: error: kiln.quantize: input 'x': calibration data has shape" \
        in done.stderr


def test_quantized_model_with_symbolic_batch_and_image_dims():
    """conv_net with input [n, 3, h, w], quantized with kiln.quantize: one artifact runs every
    size on the int8 kernels, warning-free, and gives the same bytes as the QDQ model compiled
    for that size; it stays close to the float model."""
    import warnings
    from onnx import TensorProto, helper
    model = conv_net()
    model.graph.input[0].CopyFrom(
        helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 3, "h", "w"]))
    model.graph.output[0].CopyFrom(helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 10]))
    qmodel = kiln.quantize(model, CALIBRATION, progress=False).model
    assert kiln.ir(qmodel, "graph").count("kiln.matmul_int8") == 4  # 3 convs + the Gemm
    with warnings.catch_warnings():
        warnings.simplefilter("error", kiln.CompileWarning)
        symbolic = kiln.compile(qmodel)
    floating = kiln.compile(model)
    for shape in [(1, 3, 16, 16), (2, 3, 23, 17), (1, 3, 40, 64)]:
        x = np.random.default_rng(shape[2]).standard_normal(shape).astype(np.float32)
        (y,) = symbolic.run([x])
        (fixed,) = kiln.compile(qmodel, input_shapes={"x": list(shape)}).run([x])
        np.testing.assert_array_equal(y, fixed, err_msg=str(shape))
        assert sqnr_db(floating.run([x])[0], y) >= 25.0, shape
