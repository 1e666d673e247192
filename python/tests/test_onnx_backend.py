"""kiln.onnx_backend: run_node / prepare against numpy, and inside onnx's BackendTest harness."""
import numpy as np
import onnx
import onnx.backend.test
import pytest
from onnx import helper

import kiln
import kiln.onnx_backend as backend
from conftest import mlp_model


def test_supports_device():
    assert backend.supports_device("CPU")
    assert not backend.supports_device("CUDA")
    with pytest.raises(ValueError, match="not supported"):
        backend.prepare(mlp_model()[0], device="CUDA")


def test_run_node_relu():
    x = np.random.default_rng(0).standard_normal((3, 5)).astype(np.float32)
    (y,) = backend.run_node(helper.make_node("Relu", ["x"], ["y"]), [x])
    np.testing.assert_array_equal(y, np.maximum(x, 0))


def test_run_node_add_broadcast():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((2, 3, 4)).astype(np.float32)
    b = rng.standard_normal((4,)).astype(np.float32)
    (c,) = backend.run_node(helper.make_node("Add", ["a", "b"], ["c"]), [a, b])
    np.testing.assert_allclose(c, a + b, rtol=1e-6)
    (d,) = backend.run_node(helper.make_node("Add", ["a", "a"], ["d"]), [a, a])  # one input twice
    np.testing.assert_allclose(d, a + a, rtol=1e-6)


def conv_reference(x, w, b, pad):
    n, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = h + 2 * pad - kh + 1, wd + 2 * pad - kw + 1
    out = np.zeros((n, f, oh, ow), np.float64)
    for i in range(kh):
        for j in range(kw):
            patch = xp[:, :, i:i + oh, j:j + ow]
            out += np.einsum("nchw,fc->nfhw", patch, w[:, :, i, j])
    return (out + b[None, :, None, None]).astype(np.float32)


def test_run_node_conv():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((1, 3, 8, 8)).astype(np.float32)
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    b = rng.standard_normal((4,)).astype(np.float32)
    node = helper.make_node("Conv", ["x", "w", "b"], ["y"], pads=[1, 1, 1, 1])
    (y,) = backend.run_node(node, [x, w, b])
    assert y.shape == (1, 4, 8, 8)
    np.testing.assert_allclose(y, conv_reference(x, w, b, 1), rtol=1e-4, atol=1e-4)


def test_run_node_unsupported_op():
    with pytest.raises(kiln.UnsupportedOpError):
        backend.run_node(helper.make_node("Unique", ["x"], ["y"]),
                         [np.eye(3, dtype=np.float32)])


def test_prepare_and_run_model():
    model, w, b = mlp_model()
    x = np.random.default_rng(3).standard_normal((2, 8)).astype(np.float32)
    rep = backend.prepare(model)
    assert isinstance(rep, onnx.backend.base.BackendRep)
    np.testing.assert_allclose(rep.run([x])[0], np.maximum(x @ w + b, 0), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(backend.run_model(model, {"x": x})[0], rep.run(x)[0], rtol=0)


# A few of onnx's own node tests through its harness: the conformance run uses the same path.
_INCLUDED = ["test_relu_cpu", "test_add_bcast_cpu", "test_matmul_2d_cpu",
             "test_conv_with_strides_padding_cpu", "test_sigmoid_cpu"]
_backend_test = onnx.backend.test.BackendTest(backend, __name__)
for _name in _INCLUDED:
    _backend_test.include(rf"^{_name}$")
for _case in _backend_test.test_cases.values():
    for _attr in [a for a in vars(_case) if a.startswith("test_") and a not in _INCLUDED]:
        delattr(_case, _attr)  # not included: drop instead of reporting thousands of skips
    globals()[_case.__name__] = _case
