"""Calibration: the float model, with the activations to observe added as graph outputs, is
compiled by Kiln and run over every sample; each observer sees its tensor of every run."""
import sys
import time
import warnings

import onnx
from onnx import helper

from ..errors import CompileWarning
from .observers import make_observer


def with_outputs(model, graph, tensors):
    """A copy of `model` whose graph outputs also include `tensors` (their types as inferred)."""
    out = onnx.ModelProto()
    out.CopyFrom(model)
    present = {o.name for o in out.graph.output}
    for t in tensors:
        if t in present:
            continue
        out.graph.output.append(helper.make_tensor_value_info(
            t, graph.elem_type.get(t, onnx.TensorProto.FLOAT), graph.shape.get(t)))
        present.add(t)
    return out


def compile_quietly(model, compile_options):
    """kiln.compile with the compiler's codegen warnings (one thread for a loop, ...) counted,
    not printed: they are about speed, and calibration runs are not timed."""
    import kiln
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CompileWarning)
        module = kiln.compile(model, **(compile_options or {}))
    other = [w for w in caught if not issubclass(w.category, CompileWarning)]
    for w in other:
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return module


class Progress:
    """'what: i/n samples' on stderr, rewritten in place on a terminal, else every 10%."""

    def __init__(self, what, total, enabled=True, stream=None):
        self.what, self.total, self.enabled = what, total, enabled
        self.stream = stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.start = time.perf_counter()
        self.shown = -1

    def update(self, done):
        if not self.enabled:
            return
        step = max(1, -(-self.total // 10))
        if not self.tty and done != self.total and done // step == self.shown:
            return
        self.shown = done // step
        took = time.perf_counter() - self.start
        end = "\n" if (done == self.total or not self.tty) else ""
        start = "\r" if self.tty else ""
        self.stream.write(f"{start}{self.what}: {done}/{self.total} samples ({took:.1f} s){end}")
        self.stream.flush()


def run_samples(module, data, names, progress=None):
    """Yields ({output name: array}, sample) for every sample: the outputs named in `names`."""
    outputs = [o.name for o in module.outputs]
    index = {n: outputs.index(n) for n in names if n in outputs}
    for i in range(data.count):
        sample = data.sample(i)
        got = module.run(sample)
        yield {n: got[k] for n, k in index.items()}, sample
        if progress:
            progress.update(i + 1)


def calibrate(model, graph, tensors, data, method="minmax", percentile=99.99,
              compile_options=None, show_progress=True):
    """{tensor: (lo, hi)}: the range `method` picks for each of `tensors` over all samples."""
    observers = {t: make_observer(method, percentile) for t in tensors}
    inputs = {name for name, _, _ in data.inputs}
    computed = [t for t in tensors if t not in inputs]
    module = compile_quietly(with_outputs(model, graph, computed), compile_options)
    progress = Progress(f"kiln.quantize: calibrating ({method})", data.count, show_progress)
    for outs, sample in run_samples(module, data, computed, progress):
        for t, obs in observers.items():
            obs.observe(sample[t] if t in inputs else outs[t])
    ranges = {}
    for t, obs in observers.items():
        if not obs.seen():
            raise ValueError(f"kiln.quantize: tensor '{t}' was empty in every calibration run")
        ranges[t] = obs.range()
    return ranges
