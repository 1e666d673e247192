"""The cost side of the accuracy-aware choice: FLOPs of a quantized layer from the inferred
shapes, its fp32 time measured by kiln-run --profile on the compiled float model (the steps of a
fused kernel count for the conv/matmul they hold), and the expected int8 gain."""
import collections
import os
import re
import subprocess
import tempfile

import numpy as np
from onnx import helper, numpy_helper

#: expected int8/fp32 speed-up of a layer with int8 kernels (VNNI: 4x the FMA rate, less the
#: requantization and packing): an assumption of the cost model, shown as such in the report
INT8_SPEEDUP = {"dense": 3.0, "depthwise": 1.5, "activations": 2.0}

_STEP = re.compile(r"^\s+\d+\s+([0-9.]+)\s+[0-9.]+%\s+\S+\s+(\S+)\s+(.+)$")


def _attr(node, name, default):
    return next((helper.get_attribute_value(a) for a in node.attribute if a.name == name),
                default)


def layer_kind_flops(graph, node):
    """('dense' | 'depthwise' | 'activations', MFLOP or None) of a compute node."""
    out = graph.shape.get(node.output[0]) or []
    w = graph.shape.get(node.input[1]) or []
    kind = "dense" if node.input[1] in graph.const else "activations"
    if None in out or None in w or not out or not w:
        return kind, None
    if node.op_type == "Conv":
        group = _attr(node, "group", 1)
        if group > 1 and w[1] == 1:
            kind = "depthwise"
        return kind, 2.0 * np.prod(out) * np.prod(w[1:]) / 1e6  # per output: C/g * kernel
    if node.op_type == "MatMul":
        k = w[-2] if len(w) >= 2 else w[0]
    else:  # Gemm: B is [K, N], or [N, K] with transB
        k = w[1] if _attr(node, "transB", 0) else w[0]
    return kind, 2.0 * np.prod(out) * k / 1e6


def kiln_run_path():
    """build/bin/kiln-run beside build/python (or $KILN_RUN), or None."""
    import kiln
    path = os.environ.get("KILN_RUN") or os.path.join(
        os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(kiln.__file__)))),
        "bin", "kiln-run")
    return path if os.access(path, os.X_OK) else None


def profile_steps(artifact, sample, runs=10, threads=1):
    """[(ms per run, op, node)] of every step of an artifact, from kiln-run --profile."""
    kiln_run = kiln_run_path()
    if kiln_run is None:
        return None
    with tempfile.TemporaryDirectory(prefix="kiln-quantize-") as tmp:
        cmd = [kiln_run, artifact, "--repeat", str(runs), "--threads", str(threads),
               "--profile-steps", "1000000"]
        for i, (name, array) in enumerate(sample.items()):
            path = os.path.join(tmp, f"input_{i}.pb")
            with open(path, "wb") as f:
                f.write(numpy_helper.from_array(array, name).SerializeToString())
            cmd += ["--input", f"{name}={path}"]
        done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"kiln.quantize: kiln-run --profile failed: {done.stderr.strip()}")
    steps = []
    for line in done.stdout.splitlines():
        m = _STEP.match(line)
        if m:
            steps.append((float(m.group(1)), m.group(2), m.group(3).strip()))
    return steps


def _owner(graph, name, layers, depth=4):
    """The layer a step labelled with node `name` belongs to: the node itself, else the nearest
    layer among its producers (a fused conv+add+relu kernel is named after its Relu)."""
    if name in layers:
        return name
    node = graph.by_name.get(name)
    frontier = [node] if node is not None else []
    for _ in range(depth):
        nxt = []
        for n in frontier:
            for t in n.input:
                p = graph.producer.get(t)
                if p is None or t in graph.const:
                    continue
                if p.name in layers:
                    return p.name
                nxt.append(p)
        frontier = nxt
    return None


def measured_float_ms(graph, layers, steps):
    """{layer: fp32 ms per run} summed over the steps attributed to each layer: the steps named
    after it (its layout transposes, pads, Winograd parts too), and fused kernels holding a conv
    or matmul that are named after a later node of the fusion. Other steps (a pool, a
    reduction) belong to no layer."""
    names = set(layers)
    out = collections.defaultdict(float)
    for ms, op, node in steps:
        if node in names:
            owner = node
        elif op.startswith("kiln.fused(") and ("conv" in op or "matmul" in op):
            owner = _owner(graph, node, names)
        else:
            owner = None
        if owner is not None:
            out[owner] += ms
    return dict(out)
