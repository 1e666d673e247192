#!/usr/bin/python3
"""Compares two ONNX TensorProto files (rtol 1e-3, atol 1e-4); exit 1 with the error if not."""
import sys

import numpy as np
import onnx
from onnx import numpy_helper


def load(path):
    tensor = onnx.TensorProto()
    with open(path, "rb") as f:
        tensor.ParseFromString(f.read())
    return numpy_helper.to_array(tensor)


got, want = load(sys.argv[1]), load(sys.argv[2])
if got.shape != want.shape or not np.allclose(got, want, rtol=1e-3, atol=1e-4):
    sys.exit(f"mismatch: max abs error {np.abs(got - want).max() if got.shape == want.shape else 'shape'}")
print(f"match: max abs error {np.abs(got - want).max():.3g}")
