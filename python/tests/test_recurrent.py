"""ONNX RNN, GRU and LSTM (kiln.recurrent: a loop over time) against a float64 numpy reference:
directions, biases, initial states, sequence_lens, peepholes, activations, layout, symbolic T."""
import numpy as np
import pytest

import kiln
from recurrent_models import model, reference, with_element_type

SEQ, BATCH, INPUT = 5, 3, 6

CASES = {
    "lstm": ("LSTM", {"hidden_size": 8}, {}),
    "lstm_reverse_initial": ("LSTM", {"hidden_size": 8, "direction": "reverse"},
                             {"initial": True}),
    "lstm_bidirectional_lens": ("LSTM", {"hidden_size": 8, "direction": "bidirectional"},
                                {"lens": True, "initial": True}),
    "lstm_peepholes_clip": ("LSTM", {"hidden_size": 16, "clip": 0.7}, {"peepholes": True}),
    "lstm_input_forget": ("LSTM", {"hidden_size": 8, "input_forget": 1}, {"peepholes": True}),
    "lstm_layout1": ("LSTM", {"hidden_size": 8, "layout": 1, "direction": "bidirectional"},
                     {"initial": True, "lens": True}),
    "lstm_activations": ("LSTM", {"hidden_size": 4, "activations": ["HardSigmoid", "Softsign",
                                                                    "ScaledTanh"],
                                  "activation_alpha": [0.3, 0.8], "activation_beta": [0.4, 1.2]},
                         {"bias": False}),
    "gru": ("GRU", {"hidden_size": 8}, {}),
    "gru_linear_before_reset": ("GRU", {"hidden_size": 8, "linear_before_reset": 1}, {}),
    "gru_bidirectional_lens": ("GRU", {"hidden_size": 8, "direction": "bidirectional"},
                               {"lens": True, "initial": True}),
    "gru_reverse_lbr_lens": ("GRU", {"hidden_size": 16, "direction": "reverse",
                                     "linear_before_reset": 1}, {"lens": True}),
    "rnn": ("RNN", {"hidden_size": 8}, {}),
    "rnn_bidirectional_relu": ("RNN", {"hidden_size": 8, "direction": "bidirectional",
                                       "activations": ["Relu", "LeakyRelu"],
                                       "activation_alpha": [0.2]},
                               {"initial": True, "lens": True}),
    "rnn_affine_elu_clip": ("RNN", {"hidden_size": 4, "direction": "bidirectional",
                                    "activations": ["Affine", "Elu"], "clip": 1.5,
                                    "activation_alpha": [0.5, 0.9], "activation_beta": [0.1]},
                            {}),
    "rnn_thresholded_softplus": ("RNN", {"hidden_size": 4, "direction": "bidirectional",
                                         "activations": ["ThresholdedRelu", "Softplus"],
                                         "activation_alpha": [0.1]}, {}),
}


def _inputs(names, attrs, seq, batch, hidden, dirs, seed=1):
    rng = np.random.default_rng(seed)
    layout = attrs.get("layout", 0)
    values = {}
    for name in names:
        if name == "X":
            shape = (batch, seq, INPUT) if layout else (seq, batch, INPUT)
            values[name] = rng.standard_normal(shape).astype(np.float32)
        elif name == "lens":
            values[name] = rng.integers(1, seq + 1, batch).astype(np.int32)
        else:
            shape = (batch, dirs, hidden) if layout else (dirs, batch, hidden)
            values[name] = rng.standard_normal(shape).astype(np.float32)
    return values


def _check(module, op, attrs, weights, names, seq, batch):
    dirs = 2 if attrs.get("direction") == "bidirectional" else 1
    feeds = _inputs(names, attrs, seq, batch, attrs["hidden_size"], dirs, seed=seq)
    got = module.run([feeds[n] for n in names])
    want = reference(op, attrs, feeds["X"], weights["W"], weights["R"], weights.get("B"),
                     feeds.get("lens"), feeds.get("h0"), feeds.get("c0"), weights.get("P"))
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=2e-5)


@pytest.mark.parametrize("case", sorted(CASES))
def test_matches_reference(case):
    op, attrs, options = CASES[case]
    onnx_model, weights, names = model(op, attrs, SEQ, BATCH, INPUT, **options)
    _check(kiln.compile(onnx_model, threads=1), op, attrs, weights, names, SEQ, BATCH)


def test_recurrence_is_one_loop_not_unrolled():
    onnx_model, _, _ = model("LSTM", {"hidden_size": 8}, 50, BATCH, INPUT)
    graph = kiln.ir(onnx_model, "graph")
    assert graph.count("kiln.recurrent lstm") == 1
    assert graph.count("kiln.matmul") == 1  # the input projection of the whole sequence
    linalg = kiln.ir(onnx_model, "linalg")
    # One loop over time; inside it, H R^T is a contraction that carries its own schedule.
    assert linalg.count("scf.for") == 1 and linalg.count("linalg.matmul") == 1
    assert linalg.count("kiln.schedule") == 1


@pytest.mark.parametrize("op,attrs,options", [
    ("LSTM", {"hidden_size": 8, "direction": "bidirectional"}, {"initial": True}),
    ("GRU", {"hidden_size": 8}, {"lens": True}),
    ("RNN", {"hidden_size": 4, "direction": "reverse"}, {}),
])
def test_symbolic_sequence_length(op, attrs, options):
    onnx_model, weights, names = model(op, attrs, SEQ, BATCH, INPUT, dims=["T", BATCH, INPUT],
                                       **options)
    module = kiln.compile(onnx_model, threads=1)
    assert module.inputs[0].shape == (None, BATCH, INPUT)
    for seq in (1, 7, 2, 33):
        _check(module, op, attrs, weights, names, seq, BATCH)


@pytest.mark.parametrize("op", ["LSTM", "GRU"])
def test_symbolic_batch_and_sequence(op):
    attrs = {"hidden_size": 8, "direction": "bidirectional"}
    onnx_model, weights, names = model(op, attrs, SEQ, BATCH, INPUT, dims=["T", "N", INPUT])
    module = kiln.compile(onnx_model, threads=1)
    assert module.inputs[0].shape == (None, None, INPUT)
    for seq, batch in ((SEQ, 1), (2, 4), (9, 3)):
        _check(module, op, attrs, weights, names, seq, batch)


def test_symbolic_batch():
    attrs = {"hidden_size": 8, "direction": "bidirectional"}
    onnx_model, weights, names = model("LSTM", attrs, SEQ, BATCH, INPUT,
                                       dims=[SEQ, "N", INPUT], lens=True, initial=True)
    module = kiln.compile(onnx_model, threads=1)
    for batch in (1, 4):
        _check(module, "LSTM", attrs, weights, names, SEQ, batch)


def test_two_threads_match_one():
    onnx_model, weights, names = model("LSTM", {"hidden_size": 64}, 9, 2, INPUT)
    module = kiln.compile(onnx_model, threads=2)
    _check(module, "LSTM", {"hidden_size": 64}, weights, names, 9, 2)


@pytest.mark.parametrize("dtype,tolerance", [(np.float64, 1e-12), (np.float16, 3e-3)])
def test_double_and_half(dtype, tolerance):
    attrs = {"hidden_size": 16, "direction": "bidirectional",
             "activations": ["Sigmoid", "Tanh", "ScaledTanh"] * 2}
    onnx_model, weights, _ = model("LSTM", attrs, SEQ, BATCH, INPUT, lens=True)
    module = kiln.compile(with_element_type(onnx_model, dtype), threads=1)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((SEQ, BATCH, INPUT)).astype(dtype)
    lens = np.array([5, 2, 4], np.int32)
    got = module.run([x, lens])
    cast = {k: v.astype(dtype) for k, v in weights.items()}
    want = reference("LSTM", attrs, x, cast["W"], cast["R"], cast["B"], lens)
    for g, w in zip(got, want):
        assert g.dtype == dtype
        np.testing.assert_allclose(g, w, rtol=tolerance, atol=tolerance)


def test_unknown_activation_names_the_node():
    onnx_model, _, _ = model("RNN", {"hidden_size": 4, "activations": ["Swish"]}, SEQ, BATCH,
                             INPUT)
    with pytest.raises(kiln.CompileError, match="activation 'Swish'"):
        kiln.compile(onnx_model)
