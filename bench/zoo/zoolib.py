"""Shared by the zoo scripts: paths, ONNX TensorProto .pb files as numpy arrays, model sidecars."""
import functools
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
MODELS = os.path.join(HERE, "models")  # git-ignored cache of exported/fetched models

# ONNX TensorProto.DataType <-> numpy dtype.
DTYPES = {1: np.float32, 2: np.uint8, 3: np.int8, 4: np.uint16, 5: np.int16, 6: np.int32,
          7: np.int64, 9: np.bool_, 10: np.float16, 11: np.float64, 12: np.uint32,
          13: np.uint64}
CODES = {np.dtype(t): c for c, t in DTYPES.items()}


def _varint(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _read_varint(buf, pos):
    value, shift = 0, 0
    while True:
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7


def _field(number, wire, payload):
    if wire == 0:
        return _varint(number << 3) + _varint(payload)
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def tensor_bytes(array, name):
    """An ONNX TensorProto (dims, data_type, name, raw_data) of a numpy array."""
    array = np.asarray(array)  # (not ascontiguousarray: it makes scalars 1-D)
    dims = b"".join(_varint(d) for d in array.shape)
    out = _field(1, 2, dims) if array.ndim else b""
    out += _field(2, 0, CODES[array.dtype]) + _field(8, 2, name.encode())
    return out + _field(9, 2, array.tobytes(order="C"))


def write_tensor(path, array, name):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(tensor_bytes(array, name))


def _fields(buf):
    """{field: [(wire, value)]}: ints for varints, bytes for the rest."""
    out, pos = {}, 0
    while pos < len(buf):
        key, pos = _read_varint(buf, pos)
        wire = key & 7
        if wire == 0:
            value, pos = _read_varint(buf, pos)
        elif wire == 2:
            n, pos = _read_varint(buf, pos)
            value, pos = buf[pos:pos + n], pos + n
        elif wire in (1, 5):
            n = 8 if wire == 1 else 4
            value, pos = buf[pos:pos + n], pos + n
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        out.setdefault(key >> 3, []).append((wire, value))
    return out


def _ints(entries):
    values = []
    for wire, value in entries:
        if wire == 0:
            values.append(value)
            continue
        pos = 0
        while pos < len(value):
            v, pos = _read_varint(value, pos)
            values.append(v)
    return values


def read_tensor(path):
    """(name, numpy array) of an ONNX TensorProto file (raw_data or typed fields)."""
    with open(path, "rb") as f:
        fields = _fields(f.read())
    dims = _ints(fields.get(1, []))
    dtype = np.dtype(DTYPES[_ints(fields[2])[0]])
    name = fields[8][0][1].decode() if 8 in fields else ""
    if 9 in fields:
        data = np.frombuffer(fields[9][0][1], dtype)
    elif dtype in (np.float32, np.float64):
        raw = b"".join(v for _, v in fields.get(4 if dtype == np.float32 else 10, []))
        data = np.frombuffer(raw, dtype)
    else:
        ints = _ints(fields.get(7 if dtype.itemsize == 8 else 5, []))
        if dtype == np.float16:
            data = np.array(ints, np.uint16).view(np.float16)
        else:  # two's complement of negative int64 varints
            data = np.array([v - (1 << 64) if v >= 1 << 63 else v for v in ints]).astype(dtype)
    return name, data.reshape(dims)


def write_sidecar(name, onnx_file, source, input_desc, cases, **extra):
    """models/<name>.json: what run.py needs to run one model (cases: [{label, inputs}])."""
    meta = dict(name=name, onnx=onnx_file, source=source, input=input_desc, cases=cases,
                **extra)
    with open(os.path.join(MODELS, name + ".json"), "w") as f:
        json.dump(meta, f, indent=1)
    return meta


def save_case(model, label, arrays):
    """Writes {input name: array} as models/<model>/<label>/<name>.pb; returns the case."""
    inputs = {}
    for name, array in arrays.items():
        rel = os.path.join(model, label or "default", _safe(name) + ".pb")
        write_tensor(os.path.join(MODELS, rel), array, name)
        inputs[name] = rel
    return {"label": label, "inputs": inputs}


def _safe(name):
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in name)


def load_sidecars(names=None):
    """All models/*.json (or the named ones), sorted by name."""
    files = sorted(f for f in os.listdir(MODELS) if f.endswith(".json")) \
        if os.path.isdir(MODELS) else []
    metas = []
    for f in files:
        with open(os.path.join(MODELS, f)) as fh:
            meta = json.load(fh)
        if not names or meta["name"] in names:
            metas.append(meta)
    return metas


ORT_DIR = os.path.join(REPO, "bench", "vs_onnxruntime")  # ort_bench.js, its node_modules


def ensure_debs(*packages):
    """Installs the Debian packages a zoo script needs that this machine lacks (as build.sh)."""
    import subprocess
    missing = [p for p in packages if "install ok installed" not in subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", p], capture_output=True, text=True).stdout]
    if not missing:
        return
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run(sudo + ["apt-get", "update", "-qq"], check=True)
    subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", "--no-install-recommends"] + missing,
                   check=True, env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))


def vs_run():
    """bench/vs_onnxruntime/run.py as a module (its npm install of the peer and tool wait)."""
    import importlib.util
    import sys
    if ORT_DIR not in sys.path:
        sys.path.insert(0, ORT_DIR)  # run.py imports its report.py
    spec = importlib.util.spec_from_file_location("vs_run", os.path.join(ORT_DIR, "run.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@functools.lru_cache(maxsize=None)
def ensure_onnxruntime():
    """onnxruntime-node's version, installed (npm ci) on first use; once per process."""
    return vs_run().ensure_onnxruntime()


def ort_run(model, inputs, threads=1, repeat=1, warmup=0, output_dir=None, timeout=None):
    """Runs ort_bench.js on {name: .pb path}; its JSON line as a dict (raises on failure)."""
    import subprocess
    ensure_onnxruntime()
    cmd = ["node", os.path.join(ORT_DIR, "ort_bench.js"), "--model", model,
           "--threads", str(threads), "--repeat", str(repeat), "--warmup", str(warmup)]
    for name, path in inputs.items():
        cmd += ["--input", f"{name}={path}"]
    if output_dir:
        cmd += ["--output-dir", output_dir]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError("onnxruntime: " + last_line(done.stderr, done.returncode))
    return json.loads(done.stdout)


def last_line(text, returncode):
    """The last non-empty line of an error output, else the exit status."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[-1] if lines else f"exit status {returncode}"


def read_outputs(folder):
    """{tensor name: array} of every .pb file in a folder (as kiln-run/ort_bench.js write)."""
    out = {}
    for f in sorted(os.listdir(folder)):
        if f.endswith(".pb"):
            name, array = read_tensor(os.path.join(folder, f))
            out[name or f[:-3]] = array
    return out


def compare(ref, got, rtol=1e-3, atol_scale=1e-4):
    """Elementwise |got - ref| <= atol_scale * max|ref| + rtol * |ref|, relative L2 error
    and the worst element over max|ref| (see BUILD-NOTES: deep nets differ by summation
    order). match: 'yes' (all elements), 'close' (rel L2 <= 1e-4, worst <= 1e-3 of the
    scale), else 'NO'."""
    if ref.shape != got.shape:
        return {"match": "NO", "why": f"shape {list(got.shape)} vs {list(ref.shape)}"}
    r, g = ref.astype(np.float64), got.astype(np.float64)
    both_nan = np.isnan(r) & np.isnan(g)
    r, g = np.where(both_nan, 0, r), np.where(both_nan, 0, g)
    scale = float(np.max(np.abs(r))) if r.size else 0.0
    scale = scale if scale > 0 and np.isfinite(scale) else 1.0  # all zero: absolute errors
    diff = np.abs(g - r)
    diff[~np.isfinite(diff)] = 1e30  # NaN or inf where the other is finite
    bad = diff > atol_scale * scale + rtol * np.abs(r)
    worst = float(diff.max()) if diff.size else 0.0
    norm = float(np.linalg.norm(np.where(np.isfinite(r), r, 0)))
    rel_l2 = float(np.linalg.norm(diff)) / (norm if norm > 0 else 1.0)
    res = {"rel_l2": rel_l2, "worst_abs": worst, "scale": scale,
           "worst_over_scale": worst / scale,
           "bad_fraction": float(bad.mean()) if bad.size else 0.0}
    close = rel_l2 <= 1e-4 and res["worst_over_scale"] <= 1e-3
    res["match"] = "yes" if not bad.any() else ("close" if close else "NO")
    return res
