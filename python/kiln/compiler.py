"""kiln.compile and kiln.ir: an ONNX model (path or onnx.ModelProto) through Kiln's compiler."""
import os
import shutil
import tempfile
import warnings

import numpy as np

from . import _kiln
from .errors import CompileWarning, compile_error
from .module import Module

#: the CPU the kernels are compiled for unless `cpu=` says otherwise (the compiling machine)
DEFAULT_CPU = "host"

_COMPILE_OPTIONS = {"cpu", "input_shapes", "input_values", "threads", "verbose", "fuse",
                    "winograd", "device"}
_IR_OPTIONS = {"cpu", "input_shapes", "input_values", "verbose", "fuse", "winograd"}


def phases(target="cpu"):
    """The pipeline's phase names for `target`, in order: import, graph, kernels, linalg, then
    the target's (cpu: llvm; vulkan: gpu, spirv)."""
    return list(_kiln.phases(target))


def _model_source(model):
    """(path or bytes, from_bytes, display name) of `model`: a path, an onnx.ModelProto or the
    bytes of a serialized ModelProto."""
    if isinstance(model, (str, os.PathLike)):
        return os.fspath(model), False, os.fspath(model)
    if isinstance(model, (bytes, bytearray, memoryview)):
        return bytes(model), True, "<onnx bytes>"
    if hasattr(model, "SerializeToString") and hasattr(model, "graph"):
        name = (model.graph.name or "model").replace("/", "_")
        return model.SerializeToString(), True, f"<onnx.ModelProto '{name}'>"
    raise TypeError(f"kiln: model must be a path, an onnx.ModelProto or its serialized bytes, "
                    f"not {type(model).__name__}")


def _input_shapes(shapes):
    """Validates `input_shapes={name: shape}` into {str: [int, ...]}."""
    if shapes is None:
        return {}
    if not hasattr(shapes, "items"):
        raise TypeError("kiln: input_shapes must be a dict {input name: shape}")
    out = {}
    for name, shape in shapes.items():
        try:
            dims = [int(d) for d in shape]
        except (TypeError, ValueError):
            raise TypeError(f"kiln: input_shapes['{name}'] must be a sequence of ints, "
                            f"got {shape!r}") from None
        if any(d < 0 for d in dims):
            raise ValueError(f"kiln: input_shapes['{name}'] has a negative dim: {dims}")
        out[str(name)] = dims
    return out


def _check_options(options, allowed, what):
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise TypeError(f"kiln.{what}: unknown option(s) {', '.join(unknown)} "
                        f"(known: {', '.join(sorted(allowed))})")


def _input_values(values):
    """Validates `input_values={name: value or values}` into {str: [float, ...]} (row-major)."""
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise TypeError("kiln: input_values must be a dict {input name: value(s)}")
    out = {}
    for name, value in values.items():
        flat = np.asarray(value, dtype=np.float64).reshape(-1)
        out[str(name)] = [float(v) for v in flat]
    return out


def _winograd_switch(value):
    """``winograd=`` as the native layer's int: True (the heuristic) 0, False -1, 2 or 4."""
    if value is True:
        return 0
    if value is False:
        return -1
    if value in (2, 4) and not isinstance(value, bool):
        return int(value)
    raise ValueError(f"kiln: winograd must be True, False, 2 or 4, not {value!r}")


def _run_compiler(model, artifact, target, options, compile_to="", tuning_db=None):
    source, from_bytes, display = _model_source(model)
    ok, ir, errors, warns = _kiln.compile_model(
        source, from_bytes, display, artifact, target, options.get("cpu") or DEFAULT_CPU,
        _input_shapes(options.get("input_shapes")), compile_to, bool(options.get("verbose")),
        os.fspath(tuning_db) if tuning_db is not None else "", bool(options.get("fuse", True)),
        _winograd_switch(options.get("winograd", True)),
        _input_values(options.get("input_values")))
    for w in warns:
        warnings.warn(w, CompileWarning, stacklevel=3)
    if not ok:
        raise compile_error(list(errors))
    return ir


def compile(model, target="cpu", tuning_db=None, **options):  # noqa: A001 - kiln.compile
    """Compiles an ONNX model ahead of time and loads it.

    model: a path to an .onnx file, an ``onnx.ModelProto`` or its serialized bytes.
    target: ``"cpu"`` (default) or ``"vulkan"`` (SPIR-V compute shaders run through the Vulkan
        loader, libvulkan.so.1; ``device=N`` picks the GPU). ``"cuda"`` is not built yet; an
        unknown or unbuilt target raises kiln.CompileError.
    tuning_db: a tuning database written by ``kiln-tune`` (a path): each kernel whose workload
        has a record faster than its default schedule gets that schedule.
    options: ``cpu="host"`` (or ``"x86-64-v4"``, ``"x86-64-v3"``, ``"x86-64"``, an LLVM CPU name),
        ``input_shapes={name: shape}`` to fix symbolic input dims, ``input_values={name: value}``
        to fix an input's values at compile time (it is then no longer an input; e.g. a sample
        rate that selects a branch), ``threads=N`` (the runtime's
        process-wide thread pool; default: one per CPU), ``verbose=True`` (phase timings on stderr),
        ``fuse=False`` (one kernel per op), ``winograd=False`` (3x3 convolutions direct or
        im2col; ``2`` or ``4`` forces Winograd F(m x m, 3 x 3) on every candidate).

    Returns a :class:`kiln.Module`. Its artifact lives in a temporary folder removed when the
    Module is garbage-collected; ``Module.export(path)`` keeps a copy.
    Raises kiln.UnsupportedOpError, kiln.CompileError (with the compiler's diagnostics).
    """
    _check_options(options, _COMPILE_OPTIONS, "compile")
    threads = options.get("threads")
    tempdir = tempfile.mkdtemp(prefix="kiln-")
    try:
        artifact = os.path.join(tempdir, "model.kiln")
        _run_compiler(model, artifact, target, options, tuning_db=tuning_db)
        return Module(artifact, threads=threads, _tempdir=tempdir, device=options.get("device"))
    except BaseException:
        shutil.rmtree(tempdir, ignore_errors=True)
        raise


def ir(model, phase, target="cpu", **options):
    """The IR text of `model` after pipeline phase `phase` (see :func:`kiln.phases`):
    ``import``, ``graph``, ``kernels``, ``linalg``, then the target's: ``llvm`` (cpu), ``gpu`` or
    ``spirv`` (vulkan). Large constants are elided.

    Takes the same `model` and options (``cpu``, ``input_shapes``, ``verbose``, ``fuse``,
    ``winograd``) as :func:`kiln.compile`; nothing is written to disk.
    """
    _check_options(options, _IR_OPTIONS, "ir")
    known = phases(target)  # empty for a target this build lacks: the compiler says so
    if known and phase not in known:
        raise ValueError(f"kiln.ir: unknown phase {phase!r} (phases: {', '.join(known)})")
    return _run_compiler(model, "", target, options, compile_to=phase)
