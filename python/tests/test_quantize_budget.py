"""kiln.quantize's accuracy-aware choice: the per-layer report (error, cost, decision) and the
budget that keeps the worst layers in float."""
import numpy as np
import pytest
from onnx import numpy_helper

import kiln
from kiln.quantize.costs import measured_float_ms
from kiln.quantize.graph import Graph
from quantize_helpers import conv_net

CALIBRATION = {"x": np.random.default_rng(1).standard_normal((12, 1, 3, 16, 16))
               .astype(np.float32)}


def net_with_a_bad_layer():
    """conv2 reads input channel 0 (always 0: conv1's bias -100 before the Relu) with weights
    200x the others: a per-tensor int8 scale rounds the weights that matter to 0 or +-1."""
    model = conv_net()
    for t in model.graph.initializer:
        if t.name in ("w2", "b1"):
            value = numpy_helper.to_array(t).copy()
            if t.name == "w2":
                value[:, 0] = 30.0
            else:
                value[0] = -100.0
            t.CopyFrom(numpy_helper.from_array(value, t.name))
    return model


def test_report_without_budget():
    result = kiln.quantize(conv_net(), CALIBRATION, analyze=True, progress=False)
    rows = {l.name: l for l in result.layers}
    assert sorted(rows) == ["conv1", "conv2", "conv3", "fc"]
    assert rows["conv1"].mflop == pytest.approx(2 * 8 * 16 * 16 * 27 / 1e6)
    assert rows["fc"].mflop == pytest.approx(2 * 10 * 8 / 1e6)
    for layer in result.layers:
        assert 10.0 < layer.sqnr_db < 80.0 and layer.decision == "int8"
        assert layer.float_ms is not None and 0 <= layer.gain_ms <= layer.float_ms
    assert result.output_error["sqnr_db"] > 30.0 and not result.kept_float
    # fp32 times from kiln-run --profile: the layers hold most of the model's kernel time
    assert result.model_ms > 0 and result.int8_model_ms > 0
    assert 0 < sum(l.float_ms for l in result.layers) <= result.model_ms + 1e-9
    text = result.report()
    assert "conv2" in text and "SQNR dB" in text and "model output vs float" in text


def test_step_times_go_to_their_layers():
    """kiln-run --profile rows (ms, op, node) of the conv net: a layer's own steps and a fused
    kernel named after its Relu/Add count for it; a pool or a reduction for no layer."""
    graph = Graph(conv_net())
    steps = [(1.0, "kiln.transpose", "conv1"), (2.0, "kiln.fused(matmul+add+relu)", "relu1"),
             (4.0, "kiln.matmul", "conv2"), (8.0, "kiln.fused(matmul+add)", "add"),
             (16.0, "kiln.max_pool", "pool"), (32.0, "kiln.reduce", "gap"),
             (64.0, "kiln.fused(matmul+add)", "fc")]
    times = measured_float_ms(graph, ["conv1", "conv2", "conv3", "fc"], steps)
    assert times == {"conv1": 3.0, "conv2": 4.0, "conv3": 8.0, "fc": 64.0}


def test_budget_keeps_the_bad_layer_in_float():
    bad = net_with_a_bad_layer()
    plain = kiln.quantize(bad, CALIBRATION, per_channel=False, analyze=True, progress=False)
    rows = {l.name: l for l in plain.layers}
    assert rows["conv2"].sqnr_db < min(rows[n].sqnr_db for n in ("conv1", "conv3", "fc")) - 10
    assert plain.output_error["rel_error"] > 0.05
    result = kiln.quantize(bad, CALIBRATION, per_channel=False, accuracy_budget=0.05,
                           progress=False)
    assert "conv2" in result.kept_float
    assert result.output_error["rel_error"] <= 0.05
    assert {l.name: l.decision for l in result.layers}["conv2"] == "float (budget)"
    conv2 = next(n for n in result.model.graph.node if n.name == "conv2")
    assert conv2.input[1] == "w2"  # float weights
    assert "conv1" in result.quantized_nodes


def test_budget_already_met_keeps_everything():
    result = kiln.quantize(conv_net(), CALIBRATION, accuracy_budget=0.5, metric="top1",
                           progress=False)
    assert not result.kept_float and len(result.history) == 1


def test_bad_metric():
    with pytest.raises(ValueError, match="unknown metric 'l2'"):
        kiln.quantize(conv_net(), CALIBRATION, accuracy_budget=0.1, metric="l2")
