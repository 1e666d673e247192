"""kiln.Module (a loaded artifact: inputs, outputs, run, export) and kiln.load."""
import collections
import collections.abc
import json
import os
import shutil
import weakref

import numpy as np

from . import _kiln
from .errors import InputError

#: name, numpy dtype and shape (a tuple) of one model input or output
TensorInfo = collections.namedtuple("TensorInfo", ["name", "dtype", "shape"])

_ARTIFACT_FILES = ("manifest.json", "kernels.so", "weights.bin")


def _infos(raw):
    """TensorInfos with None for a dim known only at run time (-1 in the manifest)."""
    return [TensorInfo(name, np.dtype(dtype), tuple(None if d < 0 else d for d in shape))
            for name, dtype, shape, _ in raw]


class Module:
    """A compiled model, loaded by the runtime. Made by :func:`kiln.compile` or :func:`kiln.load`.

    ``run(inputs)`` may be called from several threads: calls on one Module are serialized
    (the runtime's arena is per model), distinct Modules run in parallel.
    """

    def __init__(self, path, threads=None, _tempdir=None, device=None):
        """Loads the artifact folder `path`; prefer :func:`kiln.load`. `_tempdir` (internal) is
        removed when this Module is garbage-collected. `device`: for GPU artifacts (vulkan), the
        device index (default 0)."""
        if threads is not None and (int(threads) != threads or threads < 0):
            raise ValueError(f"kiln: threads must be a non-negative int, got {threads!r}")
        if device is not None and (int(device) != device or device < 0):
            raise ValueError(f"kiln: device must be a non-negative int, got {device!r}")
        if _tempdir is not None:
            self._cleanup = weakref.finalize(self, shutil.rmtree, _tempdir, True)
        self._native = _kiln.RuntimeModel(os.fspath(path), int(threads or 0), int(device or 0))
        self._path = os.fspath(path)
        self._inputs = _infos(self._native.inputs)
        self._outputs = _infos(self._native.outputs)

    @property
    def inputs(self):
        """The model inputs in order, as TensorInfo(name, dtype, shape); a dynamic dim (a
        symbolic one in the model, e.g. the batch) is None and takes any size."""
        return list(self._inputs)

    @property
    def outputs(self):
        """The model outputs in order, as TensorInfo(name, dtype, shape); a dynamic dim is
        None (its size follows from the inputs of each run)."""
        return list(self._outputs)

    @property
    def path(self):
        """The artifact folder this Module was loaded from (a temporary one after compile)."""
        return self._path

    def run(self, inputs):
        """Runs the model.

        inputs: a dict {input name: array} or a list/tuple of arrays in the order of
        ``Module.inputs``. Arrays must have the declared dtype and shape, any size along a
        dynamic (None) dim; dims that the model ties together (e.g. the batch of two inputs)
        must agree, else kiln.InputError names the step where they differ. A C-contiguous
        numpy array is passed without a copy (plain lists/scalars are converted when the cast is
        safe). Raises kiln.InputError naming the input and what was expected.

        Returns a list of numpy arrays, one per output. They own their data: the outputs are
        copied out of the runtime's arena, which the next run overwrites, so results stay valid.
        """
        arrays = [_as_input(v, info) for v, info in zip(self._ordered(inputs), self._inputs)]
        return self._native.run(arrays)

    def _ordered(self, inputs):
        names = [i.name for i in self._inputs]
        if isinstance(inputs, collections.abc.Mapping):
            unknown = [k for k in inputs if k not in names]
            missing = [n for n in names if n not in inputs]
            if unknown or missing:
                raise InputError(f"kiln: inputs by name: unknown {unknown}, missing {missing} "
                                 f"(the model's inputs are {names})")
            return [inputs[n] for n in names]
        if not isinstance(inputs, (list, tuple)):
            raise InputError(f"kiln: inputs must be a dict by name or a list in order, not "
                             f"{type(inputs).__name__} (the model's inputs are {names})")
        if len(inputs) != len(names):
            raise InputError(f"kiln: the model takes {len(names)} inputs {names}, "
                             f"got {len(inputs)}")
        return list(inputs)

    def report(self):
        """What code generation made of each step, from the artifact's manifest: a list of
        dicts with ``kernel``, ``op``, ``node`` and (artifacts from this Kiln) ``schedule``,
        ``vector`` (False: large scalar loops are left), ``parallel`` (False: large loops run
        on one thread), ``flops``, ``int8_ops`` (of int8 GEMMs, 2 per multiply-add; not in
        ``flops``), ``bytes`` and a ``note`` saying why when one is False."""
        with open(os.path.join(self._path, "manifest.json")) as f:
            steps = json.load(f)["steps"]
        rows = []
        for step in steps:
            row = {"kernel": step["kernel"], "op": step.get("op", ""), "node": step.get("name", "")}
            row.update(step.get("codegen", {}))
            rows.append(row)
        return rows

    def export(self, path):
        """Copies the artifact folder (manifest.json, kernels.so, weights.bin) to `path`, a
        folder created if needed; :func:`kiln.load` loads it back. Returns `path`."""
        path = os.fspath(path)
        os.makedirs(path, exist_ok=True)
        if os.path.samefile(path, self._path):
            return path
        for name in _ARTIFACT_FILES:
            shutil.copyfile(os.path.join(self._path, name), os.path.join(path, name))
        return path

    def __repr__(self):
        return f"<kiln.Module ({_signature(self._inputs)}) -> ({_signature(self._outputs)})>"


def _signature(infos):
    return ", ".join(f"{i.name}: {i.dtype}[{', '.join('?' if d is None else str(d) for d in i.shape)}]"
                     for i in infos)


def _as_input(value, info):
    """`value` as a C-contiguous array of `info`'s dtype and shape, copying only when needed."""
    if isinstance(value, np.ndarray) or hasattr(value, "__array_interface__") \
            or hasattr(value, "__array__"):
        array = np.asarray(value)
        if array.dtype != info.dtype:
            raise InputError(f"kiln: input '{info.name}': expected dtype {info.dtype}, "
                             f"got {array.dtype}")
    else:  # a list, tuple or scalar: no dtype of its own, convert if that loses nothing
        array = np.asarray(value)
        if not np.can_cast(array.dtype, info.dtype, casting="same_kind"):
            raise InputError(f"kiln: input '{info.name}': expected dtype {info.dtype}, "
                             f"got values of {array.dtype}")
        array = array.astype(info.dtype)
    if len(array.shape) != len(info.shape) or any(
            want is not None and want != got for want, got in zip(info.shape, array.shape)):
        raise InputError(f"kiln: input '{info.name}': expected shape {info.shape}"
                         f"{' (None: any size)' if None in info.shape else ''}, "
                         f"got {array.shape}")
    if not array.flags.c_contiguous:
        array = np.array(array, order="C")
    return array


def load(path, threads=None, device=None):
    """Loads an artifact folder written by :meth:`Module.export` or ``kiln-compile -o``.
    `threads` sets the runtime's process-wide thread pool (None keeps it); `device` picks the
    GPU of a vulkan artifact (default 0)."""
    return Module(path, threads=threads, device=device)
