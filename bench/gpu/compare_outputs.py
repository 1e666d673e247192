#!/usr/bin/python3
"""Compares kiln-run's outputs with reference outputs, both ONNX TensorProto files, with numpy
only (the device image has no onnx package): every output within rtol + atol x |ref| and its
worst error within rtol x the output's scale, as tests/e2e/check_model.py checks on CPU.

  compare_outputs.py OUTPUT_DIR TESTDATA_DIR OUTPUT_NAME... [--rtol R] [--atol A]
"""
import argparse
import os
import sys

import numpy as np

DTYPES = {1: np.float32, 2: np.uint8, 3: np.int8, 5: np.int16, 6: np.int32, 7: np.int64,
          9: np.bool_, 10: np.float16, 11: np.float64}


def varint(buf, i):
    value = shift = 0
    while True:
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return value, i


def read_tensor(path):
    """The TensorProto fields Kiln and onnx's numpy_helper write: dims, data_type, raw_data or
    float_data / int32_data / int64_data."""
    buf = open(path, "rb").read()
    dims, dtype, raw, floats, ints = [], 1, None, [], []
    i = 0
    while i < len(buf):
        key, i = varint(buf, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, i = varint(buf, i)
            if field == 1:
                dims.append(value)
            elif field == 2:
                dtype = value
            elif field in (5, 7):
                ints.append(value if value < 1 << 63 else value - (1 << 64))
        elif wire == 2:
            size, i = varint(buf, i)
            chunk = buf[i:i + size]
            i += size
            if field == 1:
                j = 0
                while j < len(chunk):
                    value, j = varint(chunk, j)
                    dims.append(value)
            elif field == 9:
                raw = chunk
            elif field == 4:
                floats.extend(np.frombuffer(chunk, dtype=np.float32))
            elif field in (5, 7):
                j = 0
                while j < len(chunk):
                    value, j = varint(chunk, j)
                    ints.append(value if value < 1 << 63 else value - (1 << 64))
        elif wire == 5:
            if field == 4:
                floats.append(np.frombuffer(buf[i:i + 4], dtype=np.float32)[0])
            i += 4
        elif wire == 1:
            i += 8
        else:
            sys.exit(f"{path}: not a TensorProto (wire type {wire})")
    np_type = DTYPES.get(dtype)
    if np_type is None:
        sys.exit(f"{path}: data type {dtype} not handled")
    if raw is not None:
        data = np.frombuffer(raw, dtype=np_type)
    elif floats:
        data = np.array(floats, dtype=np_type)
    else:
        data = np.array(ints, dtype=np_type)
    return data.reshape(dims)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("outputs")
    ap.add_argument("testdata")
    ap.add_argument("names", nargs="+")
    ap.add_argument("--rtol", type=float, default=1e-3)
    ap.add_argument("--atol", type=float, default=1e-4)
    args = ap.parse_args()
    worst = 0.0
    for k, name in enumerate(args.names):
        safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in name)
        got = read_tensor(os.path.join(args.outputs, safe + ".pb")).astype(np.float64)
        ref = read_tensor(os.path.join(args.testdata, f"output_{k}.pb")).astype(np.float64)
        if got.shape != ref.shape:
            sys.exit(f"FAILED {name}: shape {got.shape} != reference {ref.shape}")
        err = np.abs(got - ref)
        scale = float(np.abs(ref).max()) if ref.size else 0.0
        bad = err > args.atol + args.rtol * np.abs(ref)
        worst = max(worst, float(err.max()) if err.size else 0.0)
        if bad.any() or (scale > 0 and err.max() > args.rtol * scale):
            sys.exit(f"FAILED {name}: max abs error {err.max():.3g} (scale {scale:.3g}), "
                     f"{int(bad.sum())} elements out of tolerance")
    print(f"PASSED {len(args.names)} outputs, max abs error {worst:.3g}")


if __name__ == "__main__":
    main()
