"""Writes the QDQ model: QuantizeLinear/DequantizeLinear pairs on the planned activations,
int8 weights and int32 biases behind DequantizeLinear, folded Relu/Clip removed."""
import numpy as np
import onnx
from onnx import helper, numpy_helper

from .params import quantize_bias, quantize_weight


class _Writer:
    def __init__(self, graph, plan, act_params):
        self.graph, self.plan, self.params = graph, plan, act_params
        self.inits = []      # new initializers
        self.weight_dq = {}  # (weight, axis) -> (dequantized name, scales)
        self.folded_input = {graph.by_name[r].output[0]: graph.by_name[r].input[0]
                             for r in plan.folded}

    def _const(self, name, array):
        self.inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def act_pair(self, t):
        """[Q, DQ] for activation t: Q reads t (or, for a folded Relu's output, its input)."""
        scale, zp = self.params[t]
        src = self.folded_input.get(t, t)
        s = self._const(f"{t}_scale", np.float32(scale))
        z = self._const(f"{t}_zero_point", np.uint8(zp))
        return [helper.make_node("QuantizeLinear", [src, s, z], [f"{t}_quantized"],
                                 name=f"{t}_QuantizeLinear"),
                helper.make_node("DequantizeLinear", [f"{t}_quantized", s, z],
                                 [f"{t}_dequantized"], name=f"{t}_DequantizeLinear")]

    def weight(self, node, w, axis):
        """DequantizeLinear of the int8 weight (shared by the nodes that use it alike)."""
        key = (w, axis)
        if key not in self.weight_dq:
            q, scale = quantize_weight(self.graph.const[w], axis)
            zp = np.zeros(scale.shape, np.int8) if axis is not None else np.int8(0)
            sc = scale if axis is not None else np.float32(scale)
            base = w if axis is None or len(self.graph.consumers[w]) < 2 else f"{w}_axis{axis}"
            names = [self._const(f"{base}_quantized", q), self._const(f"{base}_scale", sc),
                     self._const(f"{base}_zero_point", zp)]
            attrs = {"axis": axis} if axis is not None else {}
            dq = helper.make_node("DequantizeLinear", names, [f"{base}_dequantized"],
                                  name=f"{base}_DequantizeLinear", **attrs)
            self.weight_dq[key] = (f"{base}_dequantized", scale, dq)
            return f"{base}_dequantized", scale, [dq]
        name, scale, _ = self.weight_dq[key]
        return name, scale, []

    def bias(self, node, x, w_scale, axis):
        """DequantizeLinear of the int32 bias (scale s_x * s_w, s_x the scale of the float
        input `x`), or [] to keep it float: no constant 1-D bias, or `x` is not quantized."""
        if len(node.input) < 3 or not node.input[2]:
            return []
        b = node.input[2]
        value = self.graph.const.get(b)
        if value is None or value.ndim != 1 or x not in self.params:
            return []
        if axis is not None and len(w_scale) != len(value):
            return []
        q, scale = quantize_bias(value, self.params[x][0], w_scale, b)
        base = f"{node.name}_bias"
        zp = np.zeros(scale.shape, np.int32) if axis is not None else np.int32(0)
        sc = scale if axis is not None else np.float32(scale.reshape(-1)[0])
        names = [self._const(f"{base}_quantized", q), self._const(f"{base}_scale", sc),
                 self._const(f"{base}_zero_point", zp)]
        attrs = {"axis": 0} if axis is not None else {}
        node.input[2] = f"{base}_dequantized"
        return [helper.make_node("DequantizeLinear", names, [f"{base}_dequantized"],
                                 name=f"{base}_DequantizeLinear", **attrs)]


def _rewire(node, plan):
    for i, t in enumerate(node.input):
        if t in plan.qdq:
            node.input[i] = f"{t}_dequantized"


def write_qdq(graph, plan, act_params, metadata=None):
    """The QDQ model of `graph.model` under `plan`, with `act_params` {tensor: (scale, zp)}
    for every tensor of plan.qdq. Checked by onnx.checker."""
    if graph.opset < 10:
        raise ValueError(f"kiln.quantize: QuantizeLinear/DequantizeLinear need opset >= 10, "
                         f"the model imports opset {graph.opset}")
    missing = [t for t in plan.qdq if t not in act_params]
    if missing:
        raise ValueError(f"kiln.quantize: no calibrated range for {missing[:5]}")
    w = _Writer(graph, plan, act_params)
    nodes = []
    pending = {t for t in plan.qdq}
    for t in graph.inputs:
        if t in pending:
            nodes += w.act_pair(t)
            pending.discard(t)
    for original in graph.nodes:
        if original.name in plan.folded:
            continue
        node = onnx.NodeProto()
        node.CopyFrom(original)
        _rewire(node, plan)
        if node.name in plan.weights:
            wname, axis = plan.weights[node.name]
            dq_name, w_scale, extra = w.weight(node, wname, axis)
            node.input[1] = dq_name
            nodes += extra
            nodes += w.bias(node, original.input[0], w_scale, axis)
        nodes.append(node)
        fold = plan.fold_target.get(node.name)
        outs = list(node.output) + ([graph.by_name[fold].output[0]] if fold else [])
        for t in outs:
            if t in pending:
                nodes += w.act_pair(t)
                pending.discard(t)
    if pending:
        raise ValueError(f"kiln.quantize: no producer for the tensors {sorted(pending)[:5]}")
    return _finish(graph, nodes, w.inits, metadata)


def _subgraph_reads(nodes):
    """Every name that a node of the subgraphs of `nodes` (If branches, Loop and Scan bodies,
    nested ones too) reads: outer-scope values among them must stay."""
    reads = set()
    for n in nodes:
        for a in n.attribute:
            for sub in ([a.g] if a.type == onnx.AttributeProto.GRAPH else
                        list(a.graphs) if a.type == onnx.AttributeProto.GRAPHS else []):
                reads.update(t for inner in sub.node for t in inner.input)
                reads.update(o.name for o in sub.output)
                reads |= _subgraph_reads(sub.node)
    return reads


def _finish(graph, nodes, inits, metadata):
    model = onnx.ModelProto()
    model.CopyFrom(graph.model)
    g = model.graph
    used = ({t for n in nodes for t in n.input} | {o.name for o in g.output} |
            _subgraph_reads(nodes))
    # constants that only the float weights needed go away (Constant/Identity nodes too)
    live = []
    for n in reversed(nodes):
        if n.op_type in ("Constant", "Identity") and n.output[0] in graph.const \
                and n.output[0] not in used:
            continue
        live.append(n)
        used.update(n.input)
    nodes = live[::-1]
    kept = [t for t in g.initializer if t.name in used]
    dropped = {t.name for t in g.initializer} - used
    inputs = [i for i in g.input if i.name not in dropped]  # IR < 4 lists initializers
    del g.input[:]
    g.input.extend(inputs)
    del g.node[:]
    g.node.extend(nodes)
    del g.initializer[:]
    g.initializer.extend(kept + inits)
    del g.value_info[:]
    for key, value in (metadata or {}).items():
        model.metadata_props.append(onnx.StringStringEntryProto(key=key, value=str(value)))
    onnx.checker.check_model(model)
    return model
