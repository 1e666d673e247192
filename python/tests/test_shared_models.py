"""A shared model (../shared/models/mlp.onnx) compiled from Python against its reference data."""
import os

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

import kiln
from conftest import MODELS_DIR


def load_pb(path):
    tensor = onnx.TensorProto()
    with open(path, "rb") as f:
        tensor.ParseFromString(f.read())
    return numpy_helper.to_array(tensor)


@pytest.mark.parametrize("as_proto", [False, True], ids=["path", "proto"])
def test_mlp_matches_reference(as_proto):
    path = os.path.join(MODELS_DIR, "mlp.onnx")
    data = os.path.join(MODELS_DIR, "testdata", "mlp")
    if not os.path.exists(path) or not os.path.isdir(data):
        pytest.skip(f"shared model missing: {path} (set KILN_MODELS_DIR)")
    module = kiln.compile(onnx.load(path) if as_proto else path)
    inputs = [load_pb(os.path.join(data, f)) for f in sorted(os.listdir(data))
              if f.startswith("input_")]
    refs = [load_pb(os.path.join(data, f)) for f in sorted(os.listdir(data))
            if f.startswith("output_")]
    outputs = module.run(inputs)
    assert len(outputs) == len(refs)
    for got, want in zip(outputs, refs):
        assert got.shape == want.shape and got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-4)
