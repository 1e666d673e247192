"""kiln.quantize: calibrate a float ONNX model on sample inputs and write its QDQ model."""
import os
import warnings

import onnx
from onnx import version_converter

from .calibrate import calibrate
from .data import load_calibration
from .graph import Graph, make_plan
from .observers import METHODS
from .params import activation_params
from .qdq import write_qdq


class QuantizeResult:
    """What :func:`kiln.quantize` made: ``model`` (the QDQ onnx.ModelProto), ``ranges``
    {activation: (lo, hi)}, ``layers`` (per-layer rows when an accuracy budget was given or
    ``analyze=True``: see kiln.quantize.sensitivity), ``kept_float`` (node names left in float by
    the accuracy budget), ``output_error`` (the whole model's measured error, when measured)."""

    def __init__(self, model, ranges, plan, layers=None, kept_float=(), output_error=None):
        self.model = model
        self.ranges = ranges
        self.plan = plan
        self.layers = layers or []
        self.kept_float = list(kept_float)
        self.output_error = output_error
        self.model_ms = None  # the float model's 1-thread kernel time (analysis only)
        self.int8_model_ms = None  # the same for the QDQ model as Kiln compiles it today
        self.budget, self.metric = None, None
        self.history = []  # the measured output error after each round of the choice

    @property
    def quantized_nodes(self):
        return list(self.plan.nodes)

    def save(self, path):
        """Writes the QDQ model to `path`; returns `path`."""
        onnx.save(self.model, os.fspath(path))
        return os.fspath(path)

    def report(self):
        """The per-layer report as text (empty when no analysis ran)."""
        from .report import format_report
        return format_report(self)


def _load_model(model):
    if isinstance(model, (str, os.PathLike)):
        return onnx.load(os.fspath(model))
    if isinstance(model, (bytes, bytearray)):
        return onnx.load_from_string(bytes(model))
    if isinstance(model, onnx.ModelProto):
        copy = onnx.ModelProto()
        copy.CopyFrom(model)
        return copy
    raise TypeError(f"kiln.quantize: model must be a path, an onnx.ModelProto or its bytes, "
                    f"not {type(model).__name__}")


def _opset_for_per_channel(model, per_channel):
    """Per-channel weights need a per-axis DequantizeLinear: opset 13. A model of an older
    opset (tf2onnx exports opset 12 by default) is converted by ONNX's version converter, its
    float semantics unchanged, and the QDQ model written at opset 13; where the converter
    fails, the model stays as it is and its weights get one scale each (make_plan warns).
    Per-tensor weights ruin depthwise convs, whose channels' ranges differ by orders of
    magnitude (BlazeFace on photos: 50% of the faces found changed, against 0% per channel)."""
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)
    if not per_channel or opset >= 13:
        return model
    try:
        converted = version_converter.convert_version(model, 13)
        onnx.checker.check_model(converted)
    except Exception as e:  # the converter raises various errors for what it cannot convert
        warnings.warn(f"kiln.quantize: the model imports opset {opset} and ONNX's version "
                      f"converter could not take it to 13 ({str(e).splitlines()[0][:200]})",
                      UserWarning, stacklevel=4)
        return model
    warnings.warn(f"kiln.quantize: the model imports opset {opset}; converted to opset 13 "
                  f"for per-channel weights (per-axis DequantizeLinear)", UserWarning,
                  stacklevel=4)
    return converted


def _check_exclude(graph, exclude):
    exclude = [exclude] if isinstance(exclude, str) else list(exclude or ())
    unknown = [n for n in exclude if n not in graph.by_name]
    if unknown:
        raise ValueError(f"kiln.quantize: exclude names no node of the model: {unknown} "
                         f"(nodes without a name are called <op>_<index>)")
    return set(exclude)


def params_for(plan, ranges):
    """{tensor: (scale, zero point)} for every Q/DQ pair of the plan."""
    return {t: activation_params(*ranges[src]) for t, src in plan.qdq.items()}


def quantize(model, calibration_data, method="minmax", per_channel=True, exclude=(),
             percentile=99.99, accuracy_budget=None, metric="rel_error", analyze=False,
             progress=True, compile_options=None, max_rounds=4,
             analysis_samples=32):
    """Post-training quantization of a float ONNX model into a standard QDQ model.

    model: a path, an onnx.ModelProto or its bytes.
    calibration_data: an .npz (one array per input, named as the input, first axis = samples),
        a folder of ONNX test_data_set_*/input_*.pb sets, or a dict {input name: array}.
    method: how an activation's range is picked from its calibration values: "minmax",
        "percentile" (the central ``percentile`` %, default 99.99) or "entropy" (KL divergence).
    per_channel: symmetric int8 weights with one scale per output channel (else per tensor).
    exclude: node names to keep in float.
    accuracy_budget: keep the layers with the worst error per expected gain in float until the
        quantized model's error on the calibration samples is at most this (``metric``:
        "rel_error" = ||y_q - y|| / ||y|| over the outputs, "top1" = share of samples whose
        arg-max changes). None: quantize every candidate.
    analyze: measure the per-layer report even without a budget.
    compile_options: options for kiln.compile of the calibration models (e.g. threads=1).

    Activations are asymmetric uint8 per tensor, biases int32 with scale s_x * s_w. Returns a
    :class:`QuantizeResult`; ``.save(path)`` writes the model. Raises kiln.InputError for bad
    calibration data, ValueError for bad options or a model with nothing to quantize.
    """
    if method not in METHODS:
        raise ValueError(f"kiln.quantize: unknown method {method!r} (methods: "
                         f"{', '.join(METHODS)})")
    if metric not in ("rel_error", "top1"):
        raise ValueError(f"kiln.quantize: unknown metric {metric!r} (rel_error, top1)")
    float_model = _opset_for_per_channel(_load_model(model), per_channel)
    graph = Graph(float_model)
    data = load_calibration(calibration_data, float_model)
    excluded = _check_exclude(graph, exclude)
    plan = make_plan(graph, excluded, per_channel)
    ranges = calibrate(float_model, graph, plan.observe, data, method, percentile,
                       compile_options, progress)
    meta = {"kiln.quantize.method": method, "kiln.quantize.per_channel": per_channel,
            "kiln.quantize.samples": data.count}
    qmodel = write_qdq(graph, plan, params_for(plan, ranges), meta)
    if accuracy_budget is None and not analyze:
        return QuantizeResult(qmodel, ranges, plan)
    from .sensitivity import choose
    return choose(graph, plan, ranges, data.subset(analysis_samples), meta, excluded,
                  per_channel, accuracy_budget, metric, compile_options,
                  progress, max_rounds, (method, percentile, compile_options, progress))
