"""ONNX RNN/GRU/LSTM test models and a float64 numpy reference of ONNX's equations."""
import numpy as np
from onnx import TensorProto, helper, mapping, numpy_helper

GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}
DEFAULT_ACTIVATIONS = {"RNN": ["Tanh"], "GRU": ["Sigmoid", "Tanh"],
                       "LSTM": ["Sigmoid", "Tanh", "Tanh"]}


def _activation(name, alpha, beta):
    name = name.lower()
    return {
        "relu": lambda x: np.maximum(x, 0),
        "tanh": np.tanh,
        "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
        "affine": lambda x: alpha * x + beta,
        "leakyrelu": lambda x: np.where(x >= 0, x, alpha * x),
        "thresholdedrelu": lambda x: np.where(x > alpha, x, 0),
        "scaledtanh": lambda x: alpha * np.tanh(beta * x),
        "hardsigmoid": lambda x: np.clip(alpha * x + beta, 0, 1),
        "elu": lambda x: np.where(x >= 0, x, alpha * (np.exp(x) - 1)),
        "softsign": lambda x: x / (1 + np.abs(x)),
        "softplus": lambda x: np.log1p(np.exp(x)),
    }[name]


def _functions(op, attrs, dirs):
    """Per direction, the cell's functions with clip applied to their inputs."""
    names = attrs.get("activations") or DEFAULT_ACTIVATIONS[op] * dirs
    alphas, betas = list(attrs.get("activation_alpha", [])), list(attrs.get("activation_beta", []))
    uses = {"affine": (1, 1), "leakyrelu": (1, 0), "thresholdedrelu": (1, 0),
            "scaledtanh": (1, 1), "hardsigmoid": (1, 1), "elu": (1, 0)}
    defaults = {"affine": (1, 0), "leakyrelu": (0.01, 0), "thresholdedrelu": (1, 0),
                "scaledtanh": (1, 1), "hardsigmoid": (0.2, 0.5), "elu": (1, 0)}
    clip = attrs.get("clip")
    fns = []
    for name in names:
        use, (alpha, beta) = uses.get(name.lower(), (0, 0)), defaults.get(name.lower(), (0, 0))
        if use[0] and alphas:
            alpha = alphas.pop(0)
        if use[1] and betas:
            beta = betas.pop(0)
        f = _activation(name, alpha, beta)
        fns.append((lambda f: (lambda x: f(np.clip(x, -clip, clip)) if clip else f(x)))(f))
    per = len(DEFAULT_ACTIVATIONS[op])
    return [fns[d * per:(d + 1) * per] for d in range(dirs)]


def reference(op, attrs, x, w, r, b=None, lens=None, h0=None, c0=None, p=None):
    """Y, Y_h (and Y_c for LSTM) of ONNX `op` in float64."""
    layout = attrs.get("layout", 0)
    x = x.astype(np.float64)
    if layout:
        x = x.transpose(1, 0, 2)
        h0 = None if h0 is None else h0.transpose(1, 0, 2)
        c0 = None if c0 is None else c0.transpose(1, 0, 2)
    seq, batch, _ = x.shape
    dirs, hs = w.shape[0], attrs["hidden_size"]
    g = GATES[op]
    fns = _functions(op, attrs, dirs)
    y = np.zeros((seq, dirs, batch, hs))
    yh, yc = np.zeros((dirs, batch, hs)), np.zeros((dirs, batch, hs))
    for d in range(dirs):
        f = fns[d]
        wb = b[d, :g * hs] if b is not None else np.zeros(g * hs)
        rb = b[d, g * hs:] if b is not None else np.zeros(g * hs)
        h = np.zeros((batch, hs)) if h0 is None else h0[d].astype(np.float64)
        c = np.zeros((batch, hs)) if c0 is None else c0[d].astype(np.float64)
        reverse = d == 1 or attrs.get("direction") == "reverse"
        for t in (range(seq - 1, -1, -1) if reverse else range(seq)):
            xw, hr = x[t] @ w[d].T + wb, h @ r[d].T + rb
            part = lambda v, k: v[:, k * hs:(k + 1) * hs]
            new_c = c
            if op == "RNN":
                new_h = f[0](xw + hr)
            elif op == "GRU":
                z, rg = f[0](part(xw, 0) + part(hr, 0)), f[0](part(xw, 1) + part(hr, 1))
                if attrs.get("linear_before_reset"):
                    n = f[1](part(xw, 2) + rg * part(hr, 2))
                else:
                    n = f[1](part(xw, 2) + (rg * h) @ part(r[d].T, 2) + rb[2 * hs:])
                new_h = (1 - z) * n + z * h
            else:
                pi, po, pf = (np.zeros(hs),) * 3 if p is None else np.split(p[d], 3)
                pre = xw + hr
                i = f[0](part(pre, 0) + pi * c)
                fg = 1 - i if attrs.get("input_forget") else f[0](part(pre, 2) + pf * c)
                new_c = fg * c + i * f[1](part(pre, 3))
                new_h = f[0](part(pre, 1) + po * new_c) * f[2](new_c)
            valid = (np.full(batch, True) if lens is None else t < lens)[:, None]
            h, c = np.where(valid, new_h, h), np.where(valid, new_c, c)
            y[t, d] = np.where(valid, new_h, 0)
        yh[d], yc[d] = h, c
    if layout:
        y, yh, yc = y.transpose(2, 0, 1, 3), yh.transpose(1, 0, 2), yc.transpose(1, 0, 2)
    return (y, yh, yc) if op == "LSTM" else (y, yh)


def model(op, attrs, seq, batch, inputs_size, seed=0, initial=False, lens=False,
          peepholes=False, bias=True, dims=None):
    """An `op` node with constant W, R (B, P) and graph inputs X (sequence_lens, initial_h,
    initial_c); returns (model, weights dict, input names). `dims` overrides X's dims (names
    for symbolic ones)."""
    rng = np.random.default_rng(seed)
    hs, g = attrs["hidden_size"], GATES[op]
    dirs = 2 if attrs.get("direction") == "bidirectional" else 1
    layout = attrs.get("layout", 0)
    weights = {"W": rng.uniform(-0.5, 0.5, (dirs, g * hs, inputs_size)),
               "R": rng.uniform(-0.5, 0.5, (dirs, g * hs, hs))}
    if bias:
        weights["B"] = rng.uniform(-0.5, 0.5, (dirs, 2 * g * hs))
    if peepholes:
        weights["P"] = rng.uniform(-0.5, 0.5, (dirs, 3 * hs))
    weights = {k: v.astype(np.float32) for k, v in weights.items()}
    x_dims = dims or ([batch, seq, inputs_size] if layout else [seq, batch, inputs_size])
    batch = x_dims[0 if layout else 1]  # symbolic in `dims`: so are lens and the states
    state_dims = [batch, dirs, hs] if layout else [dirs, batch, hs]
    graph_inputs = [helper.make_tensor_value_info("X", TensorProto.FLOAT, x_dims)]
    names = ["X", "W", "R", "B" if bias else ""]
    if lens:
        graph_inputs.append(helper.make_tensor_value_info("lens", TensorProto.INT32, [batch]))
    names.append("lens" if lens else "")
    for name in ("h0", "c0") if op == "LSTM" else ("h0",):
        if initial:
            graph_inputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT,
                                                              state_dims))
        names.append(name if initial else "")
    if peepholes:
        names.append("P")
    while names[-1] == "":
        names.pop()
    outputs = ["Y", "Y_h", "Y_c"][:3 if op == "LSTM" else 2]
    node = helper.make_node(op, names, outputs, **attrs)
    graph = helper.make_graph(
        [node], op.lower(), graph_inputs,
        [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in outputs],
        [numpy_helper.from_array(v, k) for k, v in weights.items()])
    return (helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)]), weights,
            [i.name for i in graph_inputs])


def with_element_type(onnx_model, dtype):
    """`onnx_model` with its float weights, X and outputs in numpy `dtype` instead of float32."""
    graph = onnx_model.graph
    for init in graph.initializer:
        init.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(init).astype(dtype), init.name))
    elem = mapping.NP_TYPE_TO_TENSOR_TYPE[np.dtype(dtype)]
    for value in list(graph.input) + list(graph.output):
        if value.type.tensor_type.elem_type == TensorProto.FLOAT:
            value.type.tensor_type.elem_type = elem
    return onnx_model
