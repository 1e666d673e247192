"""Accuracy-aware choice (HAGO-style): the quantization error of each quantized layer alone
(SQNR of its output against float, on the calibration samples), its cost (FLOPs, fp32 time
measured by kiln-run --profile, expected int8 gain), and a greedy choice of the layers kept in
float so that the whole model's measured output error stays within the budget."""
import warnings

import numpy as np
import onnx
from onnx import helper, numpy_helper

from .calibrate import Progress, calibrate, compile_quietly, run_samples, with_outputs
from .costs import INT8_SPEEDUP, layer_kind_flops, measured_float_ms, profile_steps
from .graph import COMPUTE_OPS, make_plan
from .params import activation_params, quantize_bias, quantize_weight
from .qdq import write_qdq


class Layer:
    """One quantized compute node: its error, cost and decision (see format_report)."""

    def __init__(self, name, op, kind, mflop):
        self.name, self.op, self.kind, self.mflop = name, op, kind, mflop
        self.sqnr_db = None
        self.float_ms = None
        self.gain_ms = None
        self.decision = "int8"

    @property
    def nsr(self):
        return 10.0 ** (-self.sqnr_db / 10.0) if self.sqnr_db is not None else 0.0

    def as_dict(self):
        return dict(name=self.name, op=self.op, kind=self.kind, mflop=self.mflop,
                    sqnr_db=self.sqnr_db, float_ms=self.float_ms,
                    est_int8_gain_ms=self.gain_ms, decision=self.decision)


def _fake_quant_pair(t, params, prefix, nodes, inits):
    scale, zp = params
    s, z = f"{prefix}_s", f"{prefix}_z"
    inits += [numpy_helper.from_array(np.float32(scale), s), numpy_helper.from_array(zp, z)]
    nodes += [helper.make_node("QuantizeLinear", [t, s, z], [f"{prefix}_q"]),
              helper.make_node("DequantizeLinear", [f"{prefix}_q", s, z], [f"{prefix}_dq"])]
    return f"{prefix}_dq"


def _shadow(graph, plan, params, node, index, nodes, inits):
    """A quantized copy of `node` reading the float model's own inputs; returns (reference
    tensor, shadow tensor)."""
    p = f"kiln_shadow{index}"
    copy = onnx.NodeProto()
    copy.CopyFrom(node)
    copy.name = p
    for i, t in enumerate(node.input):
        if t in plan.qdq:
            copy.input[i] = _fake_quant_pair(t, params[t], f"{p}_in{i}", nodes, inits)
    if node.name in plan.weights:
        w, axis = plan.weights[node.name]
        q, scale = quantize_weight(graph.const[w], axis)
        shape = [1] * q.ndim
        if axis is not None:
            shape[axis] = -1
        w_fq = (q.astype(np.float32) * scale.reshape(shape)).astype(np.float32)
        inits.append(numpy_helper.from_array(w_fq, f"{p}_w"))
        copy.input[1] = f"{p}_w"
        b = node.input[2] if len(node.input) > 2 else ""
        if b in graph.const and graph.const[b].ndim == 1 and node.input[0] in params \
                and (axis is None or len(scale) == len(graph.const[b])):
            qb, sb = quantize_bias(graph.const[b], params[node.input[0]][0], scale, b)
            inits.append(numpy_helper.from_array((qb * sb).astype(np.float32), f"{p}_b"))
            copy.input[2] = f"{p}_b"
    copy.output[0] = f"{p}_out"
    del copy.output[1:]
    nodes.append(copy)
    out, ref = f"{p}_out", node.output[0]
    folded = plan.fold_target.get(node.name)
    if folded:
        act = onnx.NodeProto()
        act.CopyFrom(graph.by_name[folded])
        act.name, act.input[0], act.output[0] = f"{p}_act", out, f"{p}_act_out"
        nodes.append(act)
        out, ref = f"{p}_act_out", graph.by_name[folded].output[0]
    if ref in plan.qdq:
        out = _fake_quant_pair(out, params[ref], f"{p}_out", nodes, inits)
    return ref, out


def layer_errors(graph, plan, params, layers, data, compile_options, show_progress):
    """Fills each layer's sqnr_db from one Kiln run of the float model plus the quantized
    copies; returns the float model's outputs per sample (the reference of output_error)."""
    model = onnx.ModelProto()
    model.CopyFrom(graph.model)
    nodes, inits, pairs = [], [], []
    for i, layer in enumerate(layers):
        pairs.append(_shadow(graph, plan, params, graph.by_name[layer.name], i, nodes, inits))
    model.graph.node.extend(nodes)
    model.graph.initializer.extend(inits)
    shadow_outs = [s for _, s in pairs]
    for s in shadow_outs:
        model.graph.output.append(helper.make_tensor_value_info(s, onnx.TensorProto.FLOAT, None))
    model = with_outputs(model, graph, [r for r, _ in pairs])
    module = compile_quietly(model, compile_options)
    signal, noise = np.zeros(len(layers)), np.zeros(len(layers))
    names = graph.outputs + [r for r, _ in pairs] + shadow_outs
    progress = Progress("kiln.quantize: layer errors", data.count, show_progress)
    reference = []
    for outs, _ in run_samples(module, data, names, progress):
        reference.append([outs[o] for o in graph.outputs])
        for i, (r, s) in enumerate(pairs):
            ref = outs[r].astype(np.float64)
            signal[i] += np.sum(ref * ref)
            noise[i] += np.sum((ref - outs[s]) ** 2)
    for i, layer in enumerate(layers):
        layer.sqnr_db = float(10 * np.log10(max(signal[i], 1e-30) / max(noise[i], 1e-30)))
    return reference


def output_error(qmodel, data, reference, compile_options, show_progress=False):
    """{"rel_error": ||y_q - y|| / ||y||, "top1": share of (sample, row) arg-maxes that change,
    "sqnr_db"} of the QDQ model (compiled by Kiln) against the float outputs."""
    module = compile_quietly(qmodel, compile_options)
    progress = Progress("kiln.quantize: quantized model's error", data.count, show_progress)
    num = den = 0.0
    changed = total = 0
    for i in range(data.count):
        got = module.run(data.sample(i))
        progress.update(i + 1)
        for y, yq in zip(reference[i], got):
            y64 = y.astype(np.float64)
            num += float(np.sum((y64 - yq) ** 2))
            den += float(np.sum(y64 * y64))
            if y.ndim >= 1 and y.shape[-1] > 1:
                changed += int(np.sum(np.argmax(y, -1) != np.argmax(yq, -1)))
                total += int(np.prod(y.shape[:-1]))
    rel = float(np.sqrt(num / den)) if den > 0 else float(np.sqrt(num))
    return {"rel_error": rel, "top1": changed / total if total else 0.0,
            "sqnr_db": float(10 * np.log10(den / num)) if num > 0 and den > 0 else float("inf"),
            "module": module}


def _costs(graph, layers, data, compile_options):
    """The float model's 1-thread kernel time and each layer's share of it, measured by
    kiln-run --profile (a fused kernel counts for the conv/matmul it holds); the int8 gain is
    the float time less the assumed int8 speed-up. Returns the model's ms, or None when
    kiln-run is not found (then the layers have no times)."""
    module = compile_quietly(graph.model, compile_options)
    steps = profile_steps(module.path, data.sample(0))
    if not steps:
        return None
    times = measured_float_ms(graph, [l.name for l in layers], steps)
    for layer in layers:
        layer.float_ms = times.get(layer.name, 0.0)
        layer.gain_ms = layer.float_ms * (1.0 - 1.0 / INT8_SPEEDUP[layer.kind])
    return sum(ms for ms, _, _ in steps)


def _pick_float(layers, kept, target_nsr):
    """Moves the layers with the most noise per expected gain to float until the remaining
    layers' summed NSR is at most target_nsr (at least one layer per round, never the last
    quantized one)."""
    live = [l for l in layers if l.name not in kept]
    live.sort(key=lambda l: l.nsr / max(l.gain_ms or 0.0, 1e-6), reverse=True)
    remaining = sum(l.nsr for l in live)
    picked = []
    for layer in live[:-1]:
        if remaining <= target_nsr and picked:
            break
        picked.append(layer.name)
        remaining -= layer.nsr
    return picked


def _plan_model(graph, ranges, excluded, per_channel, meta, data,
                method_args):
    """(plan, QDQ model) with `excluded` in float; ranges missing for the new plan are
    calibrated (a tensor no earlier plan had a Q/DQ pair on)."""
    plan = make_plan(graph, excluded, per_channel)
    missing = [t for t in plan.observe if t not in ranges]
    if missing:
        ranges.update(calibrate(graph.model, graph, missing, data, *method_args))
    params = {t: activation_params(*ranges[src]) for t, src in plan.qdq.items()}
    return plan, write_qdq(graph, plan, params, meta)


def choose(graph, plan, ranges, data, meta, excluded, per_channel, budget,
           metric, compile_options, show_progress, max_rounds, method_args=()):
    """Per-layer errors and costs, then (with a budget) the greedy choice; a QuantizeResult."""
    from .api import QuantizeResult
    params = {t: activation_params(*ranges[src]) for t, src in plan.qdq.items()}
    layers = []
    for name in plan.nodes:
        node = graph.by_name[name]
        if node.op_type in COMPUTE_OPS:
            kind, mflop = layer_kind_flops(graph, node)
            layers.append(Layer(name, node.op_type, kind, mflop))
    reference = layer_errors(graph, plan, params, layers, data, compile_options, show_progress)
    model_ms = _costs(graph, layers, data, compile_options)
    qmodel = write_qdq(graph, plan, params, meta)
    error = output_error(qmodel, data, reference, compile_options, show_progress)
    history = [dict(error, kept_float=0)]
    kept = []
    rounds = 0
    while budget is not None and error[metric] > budget and rounds < max_rounds:
        live_nsr = sum(l.nsr for l in layers if l.name not in kept)
        if metric == "rel_error" and live_nsr > 0:
            # output NSR ~ k * sum of the quantized layers' NSR; k from the last measurement
            k = error["rel_error"] ** 2 / live_nsr
            target = budget ** 2 / k
        else:
            target = live_nsr / 2  # arg-max changes are not additive: halve the noise
        picked = _pick_float(layers, kept, target)
        if not picked:
            break
        kept += picked
        plan, qmodel = _plan_model(graph, ranges, excluded | set(kept), per_channel,
                                   meta, data, method_args)
        error = output_error(qmodel, data, reference, compile_options, show_progress)
        history.append(dict(error, kept_float=len(kept)))
        rounds += 1
    if budget is not None and error[metric] > budget:
        warnings.warn(f"kiln.quantize: the accuracy budget {metric} <= {budget} is not met "
                      f"after {rounds} round(s) ({metric} = {error[metric]:.4g} with "
                      f"{len(kept)} layer(s) in float)", UserWarning, stacklevel=3)
    for layer in layers:
        if layer.name in kept:
            layer.decision = "float (budget)"
    module = error.pop("module")
    steps = profile_steps(module.path, data.sample(0)) if model_ms else None
    int8_ms = sum(ms for ms, _, _ in steps) if steps else None
    for entry in history:
        entry.pop("module", None)
    result = QuantizeResult(qmodel, ranges, plan, layers, kept, error)
    result.int8_model_ms = int8_ms
    result.model_ms = model_ms
    result.budget = budget
    result.metric = metric
    result.history = history
    return result
