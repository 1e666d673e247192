"""Failures are Python exceptions carrying the compiler's or runtime's message, never an abort."""
import os
import subprocess
import sys

import numpy as np
import pytest
from onnx import TensorProto, helper

import kiln


def one_node_model(op_type, opset=13, domain=""):
    node = helper.make_node(op_type, ["x"], ["y"], domain=domain)
    graph = helper.make_graph([node], "one_node",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])])
    opsets = [helper.make_opsetid("", opset)]
    if domain:
        opsets.append(helper.make_opsetid(domain, 1))
    return helper.make_model(graph, opset_imports=opsets)


def test_hierarchy():
    for cls in (kiln.CompileError, kiln.UnsupportedOpError, kiln.InputError, kiln.RuntimeError):
        assert issubclass(cls, kiln.KilnError)
    assert issubclass(kiln.UnsupportedOpError, kiln.CompileError)
    assert issubclass(kiln.InputError, ValueError)
    assert issubclass(kiln.RuntimeError, RuntimeError)


def test_unknown_op_is_unsupported_op_error():
    with pytest.raises(kiln.UnsupportedOpError, match=r"FancyOp.*the op is not supported") as e:
        kiln.compile(one_node_model("FancyOp"))
    assert e.value.diagnostics and "FancyOp" in e.value.diagnostics[0]


def test_unknown_domain_and_opset_are_unsupported():
    with pytest.raises(kiln.UnsupportedOpError, match="domain 'com.example' is not supported"):
        kiln.compile(one_node_model("Relu", domain="com.example"))
    with pytest.raises(kiln.UnsupportedOpError, match="opset 99 is not supported"):
        kiln.compile(one_node_model("Relu", opset=99))


def test_truncated_file_is_compile_error(tmp_path, model_file):
    data = model_file.read_bytes()
    bad = tmp_path / "truncated.onnx"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(kiln.CompileError, match="not a valid ONNX model") as e:
        kiln.compile(bad)
    assert not isinstance(e.value, kiln.UnsupportedOpError)
    assert "truncated.onnx" in str(e.value)


def test_missing_file_is_compile_error(tmp_path):
    with pytest.raises(kiln.CompileError, match="cannot read the model"):
        kiln.compile(tmp_path / "nope.onnx")


def test_wrong_input_shape_dtype_name_count(compiled_mlp):
    module = compiled_mlp[0]
    good = np.zeros((2, 8), np.float32)
    with pytest.raises(kiln.InputError, match=r"input 'x': expected shape \(2, 8\), got \(3, 8\)"):
        module.run([np.zeros((3, 8), np.float32)])
    with pytest.raises(kiln.InputError, match="input 'x': expected dtype float32, got int64"):
        module.run([np.zeros((2, 8), np.int64)])
    with pytest.raises(kiln.InputError, match=r"unknown \['X'\], missing \['x'\]"):
        module.run({"X": good})
    with pytest.raises(kiln.InputError, match="takes 1 inputs"):
        module.run([good, good])
    with pytest.raises(kiln.InputError, match="dict by name or a list"):
        module.run(good)
    with pytest.raises(kiln.InputError, match="input 'x': expected dtype float32, got values"):
        module.run([[["a"] * 8] * 2])  # a list that does not cast safely to float32
    assert module.run([good])[0].shape == (2, 4)  # still usable after the errors


def test_load_bad_artifact_is_runtime_error(tmp_path):
    with pytest.raises(kiln.RuntimeError, match="kiln_model_load failed"):
        kiln.load(tmp_path)  # an empty folder: no manifest.json


def test_interpreter_survives_failures():
    """A fresh interpreter hits every failure, then compiles and runs, then exits cleanly."""
    script = r"""
import numpy as np, kiln
from onnx import helper, TensorProto
def model(op):
    g = helper.make_graph([helper.make_node(op, ["x"], ["y"])], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
caught = []
for bad in (lambda: kiln.compile(model("NoSuchOp")), lambda: kiln.compile(b"\x08\x07garbage"),
            lambda: kiln.load("/nonexistent"), lambda: kiln.ir(model("NoSuchOp"), "llvm")):
    try:
        bad()
    except kiln.KilnError as e:
        caught.append(type(e).__name__)
y, = kiln.compile(model("Relu")).run([np.array([-1, 2, -3, 4], np.float32)])
assert y.tolist() == [0, 2, 0, 4], y
print("survived", caught)
"""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=dict(os.environ), timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert ("survived ['UnsupportedOpError', 'CompileError', 'RuntimeError', "
            "'UnsupportedOpError']") in proc.stdout
