"""The float model as a graph to quantize: constants, producers, consumers, tensor types, and
the plan of which nodes run quantized, which Relu/Clip fold into a Q, which tensors get a
QuantizeLinear/DequantizeLinear pair and where their parameters come from."""
import collections
import warnings

import numpy as np
import onnx
from onnx import numpy_helper

#: ops whose float inputs and weights are quantized (int8 kernels: conv, matmul)
COMPUTE_OPS = ("Conv", "MatMul", "Gemm")
#: ops that stay quantized between quantized ops, each output with parameters of its own
BETWEEN_OPS = ("Add", "Concat", "AveragePool", "GlobalAveragePool", "Relu", "Clip")
#: between ops that combine operands: quantized only when no operand is a float constant
MIXING_OPS = ("Add", "Concat")
#: ops that move or pick values: the output reuses the input's parameters
PASS_OPS = ("MaxPool", "Flatten", "Reshape", "Transpose", "Squeeze", "Unsqueeze")
#: activations that a Q with zero point 0 performs (folded into the producer's Q)
FOLD_OPS = ("Relu", "Clip")


class Graph:
    """Indexes of an onnx.ModelProto: constant values (initializers, Constant nodes and
    Identity of a constant), the producer and consumers of each tensor, float tensors, node
    names (unnamed nodes get `<op>_<index>`, written back into the model)."""

    def __init__(self, model):
        self.model = model
        g = model.graph
        self.opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")),
                          0)
        for i, node in enumerate(g.node):
            if not node.name:
                node.name = f"{node.op_type}_{i}"
        names = collections.Counter(n.name for n in g.node)
        twice = [n for n, c in names.items() if c > 1]
        if twice:
            raise ValueError(f"kiln.quantize: node names must be unique, these are not: "
                             f"{twice[:5]}")
        self.nodes = list(g.node)
        self.by_name = {n.name: n for n in self.nodes}
        self.producer = {out: n for n in self.nodes for out in n.output if out}
        self.consumers = collections.defaultdict(list)
        for n in self.nodes:
            for t in n.input:
                if t:
                    self.consumers[t].append(n)
        self.outputs = [o.name for o in g.output]
        self.inputs = [i.name for i in g.input]
        self._constants()
        self._types()

    def _constants(self):
        self.const = {t.name: numpy_helper.to_array(t) for t in self.model.graph.initializer}
        for n in self.nodes:
            if n.op_type == "Constant":
                for a in n.attribute:
                    if a.name == "value":
                        self.const[n.output[0]] = numpy_helper.to_array(a.t)
                    elif a.name in ("value_float", "value_int"):
                        self.const[n.output[0]] = np.array(onnx.helper.get_attribute_value(a))
            elif n.op_type == "Identity" and n.input[0] in self.const:
                self.const[n.output[0]] = self.const[n.input[0]]

    def _types(self):
        inferred = onnx.shape_inference.infer_shapes(self.model)
        self.elem_type, self.shape = {}, {}
        g = inferred.graph
        for vi in list(g.input) + list(g.value_info) + list(g.output):
            tt = vi.type.tensor_type
            self.elem_type[vi.name] = tt.elem_type
            if tt.HasField("shape"):
                self.shape[vi.name] = [d.dim_value if d.HasField("dim_value") else None
                                       for d in tt.shape.dim]
        for t in g.initializer:
            self.elem_type[t.name] = t.data_type
            self.shape[t.name] = list(t.dims)

    def is_float(self, tensor):
        return self.elem_type.get(tensor) == onnx.TensorProto.FLOAT

    def is_activation(self, tensor):
        """A float tensor computed at run time (not a constant)."""
        return bool(tensor) and tensor not in self.const and self.is_float(tensor)


class Plan:
    """What runs quantized. `nodes`: names of the quantized nodes (compute and between ops);
    `folded`: {Relu/Clip name: producer name} folded into the producer's output Q;
    `qdq`: {tensor: source} for every activation with a Q/DQ pair, `source` the tensor whose
    calibrated range sets its parameters (itself, or a pass-through op's input);
    `weights`: {compute node: (weight tensor, axis)} constant weights quantized to int8;
    `observe`: the tensors calibration must observe."""

    def __init__(self):
        self.nodes, self.folded, self.qdq, self.weights = [], {}, {}, {}
        self.fold_target = {}  # producer name -> the folded activation node
        self.op_type = {}  # quantized node name -> op type

    @property
    def observe(self):
        return sorted({src for src in self.qdq.values()})


def _clip_is_relu(graph, node):
    """Clip with min 0 (a constant) and any max: what a Q with zero point 0 does at the low end;
    the high end is the calibrated range, never above max (it was observed after the Clip)."""
    if node.op_type == "Relu":
        return True
    if graph.opset >= 11:
        lo = node.input[1] if len(node.input) > 1 else ""
        value = graph.const.get(lo) if lo else None
    else:
        value = next((np.array(a.f) for a in node.attribute if a.name == "min"), None)
    return value is not None and value.size == 1 and float(value) == 0.0


def weight_axis(graph, node, per_channel):
    """The output-channel axis of a compute node's constant weight, or None (per tensor)."""
    if not per_channel:
        return None
    if node.op_type == "Conv":
        return 0
    if node.op_type == "Gemm":
        trans_b = next((a.i for a in node.attribute if a.name == "transB"), 0)
        return 0 if trans_b else 1
    rank = len(graph.const[node.input[1]].shape)
    return rank - 1 if rank >= 2 else None


def _weight_input(graph, node):
    """The constant weight input of a compute node, or None (both operands activations)."""
    w = node.input[1] if len(node.input) > 1 else ""
    return w if w in graph.const and graph.const[w].dtype == np.float32 else None


def make_plan(graph, exclude=(), per_channel=True):
    """Walks the nodes in order: a compute op is quantized unless excluded, a between op when
    all its float activation inputs are outputs of quantized nodes (Add and Concat: and no
    float constant operand, e.g. a bias add after a MatMul stays float), a pass-through op
    likewise (its output then shares its input's parameters). A Relu/Clip(0, max) whose input
    only it reads and comes from a quantized node folds into that node's output Q. Graph
    outputs keep their float values (their producer reads quantized inputs)."""
    plan = Plan()
    quantized_out = set()  # tensors produced by quantized nodes
    graph_outputs = set(graph.outputs)
    if per_channel and graph.opset < 13:
        warnings.warn(f"kiln.quantize: the model imports opset {graph.opset}; per-axis "
                      f"DequantizeLinear needs 13: weights are quantized per tensor",
                      UserWarning, stacklevel=3)
        per_channel = False
    for node in graph.nodes:
        if node.name in exclude:
            continue
        acts = [t for t in node.input if graph.is_activation(t)]
        if node.op_type in COMPUTE_OPS:
            if not acts:
                continue
            w = _weight_input(graph, node)
            if w is not None:
                plan.weights[node.name] = (w, weight_axis(graph, node, per_channel))
        elif node.op_type in BETWEEN_OPS or node.op_type in PASS_OPS:
            if not acts or not all(t in quantized_out for t in acts):
                continue
            if node.op_type in MIXING_OPS and any(
                    t in graph.const and graph.is_float(t) for t in node.input):
                continue  # Add(x, bias) etc.: an int8 kernel wants every operand quantized
            if node.op_type in FOLD_OPS:
                src = graph.producer.get(node.input[0])
                if (src is not None and src.name in plan.nodes and src.name not in plan.fold_target
                        and len(graph.consumers[node.input[0]]) == 1
                        and node.input[0] not in graph_outputs
                        and node.output[0] not in graph_outputs
                        and _clip_is_relu(graph, node)):
                    plan.folded[node.name] = src.name
                    plan.fold_target[src.name] = node.name
        else:
            continue
        plan.nodes.append(node.name)
        plan.op_type[node.name] = node.op_type
        for t in acts:
            plan.qdq.setdefault(t, t)
        pass_src = acts[0] if node.op_type in PASS_OPS else None
        for out in node.output:
            if out and graph.is_float(out):
                quantized_out.add(out)
                if out not in graph_outputs:
                    plan.qdq[out] = plan.qdq.get(pass_src, pass_src) if pass_src else out
    for name, src in plan.folded.items():  # the producer's output is now the activation's
        node = graph.by_name[name]
        plan.qdq.pop(node.input[0], None)
    if not plan.weights and not any(graph.by_name[n].op_type in COMPUTE_OPS for n in plan.nodes):
        raise ValueError("kiln.quantize: the model has nothing to quantize (no Conv, MatMul or "
                         "Gemm with a float activation input, or all of them excluded)")
    return plan

