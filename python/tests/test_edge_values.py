"""Values at the edges of what ops define: integer division by zero and INT_MIN / -1 (which trap
on x86 when compiled naively: SIGFPE), and tensors with a zero-size dim (which crashed MLIR's
tiling and bufferization). Found by tests/fuzz/mutate_models.py."""
import numpy as np
import pytest
from onnx import TensorProto, helper

import kiln

INT_MIN = np.iinfo(np.int32).min


def model(nodes, inputs, outputs, opset=13):
    graph = helper.make_graph(nodes, "edge",
                              [helper.make_tensor_value_info(n, t, s) for n, t, s in inputs],
                              [helper.make_tensor_value_info(n, t, None) for n, t in outputs])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def binary(op, dtype, **attrs):
    return model([helper.make_node(op, ["x", "y"], ["z"], **attrs)],
                 [("x", dtype, [4]), ("y", dtype, [4])], [("z", dtype)])


def test_signed_integer_division_never_traps():
    x = np.array([7, -7, INT_MIN, 5], np.int32)
    y = np.array([0, -1, -1, 2], np.int32)
    (z,) = kiln.compile(binary("Div", TensorProto.INT32)).run([x, y])
    np.testing.assert_array_equal(z, [0, 7, INT_MIN, 2])  # x / 0 = 0; INT_MIN / -1 wraps


@pytest.mark.parametrize("fmod", [0, 1])
def test_signed_integer_mod_never_traps(fmod):
    x = np.array([7, -7, INT_MIN, -5], np.int32)
    y = np.array([0, -1, -1, 3], np.int32)
    (z,) = kiln.compile(binary("Mod", TensorProto.INT32, fmod=fmod)).run([x, y])
    np.testing.assert_array_equal(z, [0, 0, 0, -2 if fmod else 1])


def test_unsigned_mod_and_div_by_zero_are_zero():
    x = np.array([7, 5, 9, 2**63], np.uint64)
    y = np.array([0, 3, 0, 2], np.uint64)
    (m,) = kiln.compile(binary("Mod", TensorProto.UINT64)).run([x, y])
    np.testing.assert_array_equal(m, [0, 2, 0, 0])
    (d,) = kiln.compile(binary("Div", TensorProto.UINT64)).run([x, y])
    np.testing.assert_array_equal(d, [0, 1, 0, 2**62])


REDUCTIONS = {"ReduceSum": 0.0, "ReduceProd": 1.0, "ReduceMax": -np.inf, "ReduceMin": np.inf,
              "ReduceLogSum": -np.inf, "ReduceLogSumExp": -np.inf, "ReduceL2": 0.0,
              "ReduceSumSquare": 0.0}


@pytest.mark.parametrize("op", sorted(REDUCTIONS))
def test_reduction_over_an_empty_dim_is_its_identity(op):
    m = model([helper.make_node(op, ["x"], ["y"], axes=[1], keepdims=0)],
              [("x", TensorProto.FLOAT, [3, 0, 5])], [("y", TensorProto.FLOAT)], opset=11)
    (y,) = kiln.compile(m).run([np.zeros((3, 0, 5), np.float32)])
    assert y.shape == (3, 5)
    np.testing.assert_array_equal(y, np.full((3, 5), REDUCTIONS[op], np.float32))


def test_empty_tensors_through_concat_matmul_and_elementwise():
    m = model([helper.make_node("Concat", ["a", "b"], ["c"], axis=1),
               helper.make_node("Relu", ["a"], ["r"]),
               helper.make_node("MatMul", ["p", "q"], ["mm"]),
               helper.make_node("Add", ["mm", "one"], ["s"])],
              [("a", TensorProto.FLOAT, [2, 0]), ("b", TensorProto.FLOAT, [2, 3]),
               ("p", TensorProto.FLOAT, [2, 0]), ("q", TensorProto.FLOAT, [0, 3]),
               ("one", TensorProto.FLOAT, [2, 3])],
              [("c", TensorProto.FLOAT), ("r", TensorProto.FLOAT), ("s", TensorProto.FLOAT)])
    b = np.arange(6, dtype=np.float32).reshape(2, 3)
    one = np.ones((2, 3), np.float32)
    empty = np.zeros((2, 0), np.float32)
    c, r, s = kiln.compile(m).run([empty, b, empty, np.zeros((0, 3), np.float32), one])
    np.testing.assert_array_equal(c, b)
    assert r.shape == (2, 0)
    np.testing.assert_array_equal(s, one)  # an empty contraction is zeros


def test_unsupported_op_on_an_empty_input_is_a_compile_error():
    m = model([helper.make_node("Pad", ["x", "pads"], ["y"])],
              [("x", TensorProto.FLOAT, [2, 0]), ("pads", TensorProto.INT64, [4])],
              [("y", TensorProto.FLOAT)])
    with pytest.raises(kiln.CompileError):
        kiln.compile(m)


def test_a_kernel_folded_to_the_identity_of_its_input():
    # Clip(x, max=x) is x: the kernel returns its argument (bufferization crashed on that).
    m = model([helper.make_node("Clip", ["x", "", "x"], ["y"])],
              [("x", TensorProto.FLOAT, [3])], [("y", TensorProto.FLOAT)])
    x = np.array([-1.5, 0.25, 7.0], np.float32)
    (y,) = kiln.compile(m).run([x])
    np.testing.assert_array_equal(y, x)


def test_dynamic_dims_beside_a_zero_size_dim():
    m = model([helper.make_node("Relu", ["x"], ["y"])],
              [("x", TensorProto.FLOAT, ["n", 0])], [("y", TensorProto.FLOAT)])
    (y,) = kiln.compile(m).run([np.zeros((3, 0), np.float32)])
    assert y.shape == (3, 0)


def test_cumsum_over_a_huge_axis_is_a_clear_error():
    m = model([helper.make_node("CumSum", ["x", "axis"], ["y"])],
              [("x", TensorProto.FLOAT, [1 << 31, 3]), ("axis", TensorProto.INT64, [])],
              [("y", TensorProto.FLOAT)], opset=14)
    axis = helper.make_tensor("axis", TensorProto.INT64, [], [0])
    m.graph.initializer.append(axis)
    with pytest.raises(kiln.CompileError, match="cumulative-sum triangle"):
        kiln.compile(m)


def test_einsum_with_a_missing_operand_is_a_clear_error():
    m = model([helper.make_node("Einsum", ["x", ""], ["z"], equation="i,i")],
              [("x", TensorProto.FLOAT, [5])], [("z", TensorProto.FLOAT)], opset=12)
    with pytest.raises(kiln.CompileError, match="operand 1 is missing"):
        kiln.compile(m)


def test_dft_over_a_huge_signal_is_a_clear_error():
    m = model([helper.make_node("DFT", ["x"], ["y"], axis=1, inverse=1)],
              [("x", TensorProto.FLOAT, [1, 1 << 40, 10, 2])], [("y", TensorProto.FLOAT)],
              opset=17)
    with pytest.raises(kiln.CompileError, match="DFT matrix of shape"):
        kiln.compile(m)


def test_scan_too_long_to_unroll_is_a_clear_error():
    body = helper.make_graph(
        [helper.make_node("Add", ["s", "x"], ["s_out"]),
         helper.make_node("Identity", ["s_out"], ["y"])], "body",
        [helper.make_tensor_value_info("s", TensorProto.FLOAT, [2]),
         helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
        [helper.make_tensor_value_info("s_out", TensorProto.FLOAT, [2]),
         helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])])
    m = model([helper.make_node("Scan", ["s0", "xs"], ["s", "ys"], num_scan_inputs=1, body=body)],
              [("s0", TensorProto.FLOAT, [2]), ("xs", TensorProto.FLOAT, [1 << 40, 2])],
              [("s", TensorProto.FLOAT), ("ys", TensorProto.FLOAT)], opset=11)
    with pytest.raises(kiln.CompileError, match="would be unrolled into more than 65536 ops"):
        kiln.compile(m)


def test_huge_constant_result_is_a_clear_error():
    # Dropout's mask in inference is all true: a splat constant of 3 x 4 x 2^31 bools would have
    # been expanded into weights.bin (LLVM's out-of-memory abort in kiln-compile).
    m = model([helper.make_node("Dropout", ["x"], ["y", "mask"])],
              [("x", TensorProto.FLOAT, [3, 4, (1 << 31) - 1])],
              [("y", TensorProto.FLOAT), ("mask", TensorProto.BOOL)])
    with pytest.raises(kiln.CompileError, match="would take more than 1 GiB of weights"):
        kiln.compile(m)


@pytest.mark.parametrize("op,attrs", [
    ("MaxPool", dict(kernel_shape=[3], dilations=[1 << 62])),
    ("MaxPool", dict(kernel_shape=[3], pads=[(1 << 62), (1 << 62)])),
    ("AveragePool", dict(kernel_shape=[3], strides=[0])),
    ("MaxPool", dict(kernel_shape=[(1 << 62) + 1], dilations=[4])),
], ids=["dilation-2^62", "pads-2^62-each", "stride-0", "kernel-times-dilation-overflows"])
def test_window_attributes_out_of_range_are_a_clear_error(op, attrs):
    # The output extent (in + pads - dilation * (kernel - 1) - 1) / stride + 1 overflowed int64
    # or divided by zero in shape inference (undefined behaviour; UBSan in the mutation fuzzer).
    m = model([helper.make_node(op, ["x"], ["y"], **attrs)],
              [("x", TensorProto.FLOAT, [1, 2, 8])], [("y", TensorProto.FLOAT)])
    with pytest.raises(kiln.CompileError, match=r"window does not fit|stride|dilation"):
        kiln.compile(m)
