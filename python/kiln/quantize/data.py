"""Calibration data: an .npz, a folder of ONNX test_data_set_*/input_*.pb sets or a dict of
arrays, checked against the model's inputs and served one sample at a time."""
import glob
import os
import re

import numpy as np

from ..errors import InputError


def model_inputs(model):
    """[(name, numpy dtype, dims)] of the model's graph inputs that are not initializers; a dim
    is an int or None (symbolic)."""
    from onnx import mapping
    initializers = {t.name for t in model.graph.initializer}
    out = []
    for vi in model.graph.input:
        if vi.name in initializers:
            continue
        tt = vi.type.tensor_type
        dtype = np.dtype(mapping.TENSOR_TYPE_TO_NP_TYPE[tt.elem_type])
        dims = tuple(d.dim_value if d.HasField("dim_value") else None for d in tt.shape.dim)
        out.append((vi.name, dtype, dims))
    return out


def _load_pb(path):
    import onnx
    from onnx import numpy_helper
    tensor = onnx.TensorProto()
    with open(path, "rb") as f:
        tensor.ParseFromString(f.read())
    return tensor.name, numpy_helper.to_array(tensor)


def _natural_key(path):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", path)]


def _load_folder(folder, inputs):
    """{input name: [S, ...]} from test_data_set_*/input_<i>.pb; a tensor named as an input goes
    to that input, an unnamed one to the input of its position."""
    sets = sorted(glob.glob(os.path.join(folder, "test_data_set_*")), key=_natural_key)
    sets = [s for s in sets if os.path.isdir(s)]
    if not sets:
        raise InputError(f"kiln.quantize: calibration folder '{folder}' has no "
                         f"test_data_set_*/ folders (ONNX's test layout)")
    names = [name for name, _, _ in inputs]
    samples = {name: [] for name in names}
    for s in sets:
        files = sorted(glob.glob(os.path.join(s, "input_*.pb")), key=_natural_key)
        if len(files) != len(names):
            raise InputError(f"kiln.quantize: calibration set '{s}' has {len(files)} "
                             f"input_*.pb files, the model takes {len(names)} inputs {names}")
        for position, f in enumerate(files):
            name, array = _load_pb(f)
            if name not in samples:
                if name:
                    raise InputError(f"kiln.quantize: calibration file '{f}' holds tensor "
                                     f"'{name}', which is no input of the model ({names})")
                name = names[position]
            samples[name].append(array)
    out = {}
    for name, arrays in samples.items():
        if len(arrays) != len(sets):
            raise InputError(f"kiln.quantize: input '{name}': {len(arrays)} tensors in "
                             f"{len(sets)} calibration sets")
        shapes = {a.shape for a in arrays}
        if len(shapes) > 1:
            raise InputError(f"kiln.quantize: input '{name}': the calibration sets disagree "
                             f"on its shape ({sorted(shapes)})")
        out[name] = np.stack(arrays)
    return out


def _load_source(data, inputs):
    if isinstance(data, (str, os.PathLike)):
        path = os.fspath(data)
        if os.path.isdir(path):
            return _load_folder(path, inputs), path
        if not os.path.exists(path):
            raise InputError(f"kiln.quantize: calibration data '{path}' does not exist")
        if not path.endswith(".npz"):
            raise InputError(f"kiln.quantize: calibration data '{path}' is neither an .npz "
                             f"file nor a folder of test_data_set_* sets")
        with np.load(path, allow_pickle=False) as npz:
            return {k: npz[k] for k in npz.files}, path
    if hasattr(data, "items"):
        return {str(k): np.asarray(v) for k, v in data.items()}, "<dict>"
    raise TypeError(f"kiln.quantize: calibration_data must be an .npz path, a folder of "
                    f"test_data_set_* sets or a dict {{input name: array}}, not "
                    f"{type(data).__name__}")


class CalibrationData:
    """Checked calibration samples: ``arrays[name]`` is [S, *input shape]; ``sample(i)`` is the
    {input name: array} of sample i."""

    def __init__(self, arrays, inputs, source):
        self.arrays = arrays
        self.inputs = inputs
        self.source = source
        self.count = len(next(iter(arrays.values())))

    def sample(self, i):
        return {name: np.ascontiguousarray(self.arrays[name][i]) for name, _, _ in self.inputs}

    def subset(self, count):
        """The first `count` samples (all of them if there are fewer)."""
        return CalibrationData({k: v[:count] for k, v in self.arrays.items()}, self.inputs,
                               self.source)


def load_calibration(data, model):
    """Loads `data` and checks it against `model`'s inputs: one array per input, named as the
    input, of its dtype, whose first axis indexes samples and whose other axes are the input's
    shape (a symbolic dim takes any size). Raises kiln.InputError naming the input."""
    inputs = model_inputs(model)
    arrays, source = _load_source(data, inputs)
    names = [name for name, _, _ in inputs]
    unknown = sorted(set(arrays) - set(names))
    missing = [n for n in names if n not in arrays]
    if unknown or missing:
        raise InputError(f"kiln.quantize: calibration data {source}: "
                         + (f"no array for input(s) {missing}" if missing else "")
                         + ("; " if missing and unknown else "")
                         + (f"array(s) {unknown} name no model input" if unknown else "")
                         + f" (the model's inputs are {names})")
    counts = set()
    for name, dtype, dims in inputs:
        array = arrays[name]
        if array.dtype != dtype:
            raise InputError(f"kiln.quantize: input '{name}': calibration data has dtype "
                             f"{array.dtype}, the model takes {dtype}")
        want = "[S, " + ", ".join("?" if d is None else str(d) for d in dims) + "]"
        if array.ndim != len(dims) + 1 or any(
                d is not None and d != got for d, got in zip(dims, array.shape[1:])):
            raise InputError(f"kiln.quantize: input '{name}': calibration data has shape "
                             f"{list(array.shape)}, expected {want} (the first axis indexes "
                             f"the samples)")
        counts.add(array.shape[0])
    if len(counts) > 1:
        raise InputError(f"kiln.quantize: calibration data {source}: the inputs have different "
                         f"sample counts " + ", ".join(f"{n}: {len(arrays[n])}" for n in names))
    if counts == {0}:
        raise InputError(f"kiln.quantize: calibration data {source} holds no samples")
    for name in names:
        a = arrays[name]
        if a.dtype.kind == "f" and not np.all(np.isfinite(a)):
            raise InputError(f"kiln.quantize: input '{name}': calibration data holds NaN or "
                             f"Inf values")
    return CalibrationData(arrays, inputs, source)
