"""kiln.quantize's calibration data contract: .npz, test_data_set_* folders, dicts, and the
errors that name the input."""

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

import kiln
from kiln.quantize.data import load_calibration
from quantize_helpers import conv_net


def two_input_model():
    """y = MatMul(a, W) + b2 with a: f32[2, 4] and b2: f32[2, 3]."""
    w = numpy_helper.from_array(np.ones((4, 3), np.float32), "W")
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["a", "W"], ["m"]),
         helper.make_node("Add", ["m", "b2"], ["y"])],
        "two", [helper.make_tensor_value_info("a", TensorProto.FLOAT, [2, 4]),
                helper.make_tensor_value_info("b2", TensorProto.FLOAT, [2, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])], [w])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def samples(s=3):
    rng = np.random.default_rng(0)
    return {"a": rng.standard_normal((s, 2, 4)).astype(np.float32),
            "b2": rng.standard_normal((s, 2, 3)).astype(np.float32)}


def test_npz_and_dict(tmp_path):
    path = tmp_path / "cal.npz"
    np.savez(path, **samples())
    for source in (str(path), samples()):
        data = load_calibration(source, two_input_model())
        assert data.count == 3
        assert data.sample(1)["a"].shape == (2, 4)
        np.testing.assert_array_equal(data.sample(2)["b2"], samples()["b2"][2])


def test_folder_of_test_data_sets(tmp_path):
    arrays = samples(12)
    for i in range(12):  # test_data_set_10 sorts after _2 (natural order)
        folder = tmp_path / f"test_data_set_{i}"
        folder.mkdir()
        for k, name in enumerate(("a", "b2")):
            tensor = numpy_helper.from_array(arrays[name][i], name)
            (folder / f"input_{k}.pb").write_bytes(tensor.SerializeToString())
    data = load_calibration(str(tmp_path), two_input_model())
    assert data.count == 12
    np.testing.assert_array_equal(data.arrays["a"], arrays["a"])


@pytest.mark.parametrize("change, message", [
    (lambda d: d.pop("b2"), r"no array for input\(s\) \['b2'\]"),
    (lambda d: d.update(c=d["a"]), r"array\(s\) \['c'\] name no model input"),
    (lambda d: d.update(a=d["a"].astype(np.float64)),
     "input 'a': calibration data has dtype float64, the model takes float32"),
    (lambda d: d.update(a=d["a"][0]), r"input 'a': calibration data has shape \[2, 4\], "
                                      r"expected \[S, 2, 4\]"),
    (lambda d: d.update(b2=d["b2"][:, :, :2]), r"input 'b2': .*shape \[3, 2, 2\]"),
    (lambda d: d.update(b2=d["b2"][:2]), "different sample counts"),
    (lambda d: d.update(a=d["a"][:0], b2=d["b2"][:0]), "holds no samples"),
    (lambda d: d["a"].__setitem__((0, 0, 0), np.nan), "input 'a': .*NaN or Inf"),
])
def test_bad_data_names_the_input(change, message):
    data = samples()
    change(data)
    with pytest.raises(kiln.InputError, match=message):
        load_calibration(data, two_input_model())


def test_bad_sources(tmp_path):
    with pytest.raises(kiln.InputError, match="does not exist"):
        load_calibration(str(tmp_path / "nothing.npz"), two_input_model())
    with pytest.raises(kiln.InputError, match="no test_data_set_"):
        load_calibration(str(tmp_path), two_input_model())
    (tmp_path / "x.txt").write_text("1")
    with pytest.raises(kiln.InputError, match="neither an .npz"):
        load_calibration(str(tmp_path / "x.txt"), two_input_model())
    with pytest.raises(TypeError, match="calibration_data must be"):
        load_calibration(42, two_input_model())


def test_folder_with_a_wrong_tensor_name(tmp_path):
    folder = tmp_path / "test_data_set_0"
    folder.mkdir()
    for k, name in enumerate(("a", "zz")):
        tensor = numpy_helper.from_array(np.zeros((2, 4 if k == 0 else 3), np.float32), name)
        (folder / f"input_{k}.pb").write_bytes(tensor.SerializeToString())
    with pytest.raises(kiln.InputError, match="holds tensor 'zz', which is no input"):
        load_calibration(str(tmp_path), two_input_model())


def test_quantize_from_a_folder_equals_the_npz(tmp_path):
    """The same samples as test_data_set_* folders and as an .npz give the same ranges."""
    x = np.random.default_rng(4).standard_normal((3, 1, 3, 16, 16)).astype(np.float32)
    for i in range(3):
        folder = tmp_path / "sets" / f"test_data_set_{i}"
        folder.mkdir(parents=True)
        (folder / "input_0.pb").write_bytes(numpy_helper.from_array(x[i], "x")
                                            .SerializeToString())
    np.savez(tmp_path / "cal.npz", x=x)
    a = kiln.quantize(conv_net(), str(tmp_path / "sets"), progress=False)
    b = kiln.quantize(conv_net(), str(tmp_path / "cal.npz"), progress=False)
    assert a.ranges == b.ranges


def test_quantize_reports_data_errors_before_compiling():
    bad = {"x": np.zeros((4, 1, 3, 8, 8), np.float32)}  # the net takes [1, 3, 16, 16]
    with pytest.raises(kiln.InputError, match=r"input 'x'.*\[4, 1, 3, 8, 8\].*\[S, 1, 3, 16, 16\]"):
        kiln.quantize(conv_net(), bad, progress=False)
