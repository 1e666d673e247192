"""Integer matmuls of 8-bit values (MatMulInteger, QLinearMatMul) with constant weights run as
kiln.matmul_int8 (ui8 x i8 → i32, the weights packed for vpdpbusd) and match an int64 numpy
reference exactly: zero points (scalar activation ones, per-column weight ones), int8
activations (shifted by +128), odd M, N, K (not multiples of the 6 x 64 register tiles, the
16 columns of a block or the 4 k of a group), batched activations, and requantization with
per-column scales and saturation; uint8 weights shifted per column into int8. Weights known
only at run time stay on the i32 path, with a warning. On a CPU with AMX-INT8 the shapes that
fit its tiles run on them (the others, and the rows past the tiles, on VNNI code), so the same
cases check both kernels there."""
import os

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import kiln

ONNX_TYPE = {np.uint8: TensorProto.UINT8, np.int8: TensorProto.INT8}


def random_of(rng, dtype, shape):
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max + 1, shape, dtype=np.int64).astype(dtype)


def matmul_integer_model(a_shape, b, a_dtype, a_zp, b_zp):
    """MatMulInteger(a, b [, a_zp, b_zp]) with b (and the zero points) as initializers."""
    inits = [numpy_helper.from_array(b, "b")]
    inputs = ["a", "b"]
    if a_zp is not None or b_zp is not None:
        inits.append(numpy_helper.from_array(np.array(a_zp or 0, a_dtype), "az"))
        inputs.append("az")
    if b_zp is not None:
        inits.append(numpy_helper.from_array(b_zp, "bz"))
        inputs.append("bz")
    out_shape = list(a_shape[:-1]) + [b.shape[1]]
    graph = helper.make_graph(
        [helper.make_node("MatMulInteger", inputs, ["y"])], "mmi",
        [helper.make_tensor_value_info("a", ONNX_TYPE[a_dtype], list(a_shape))],
        [helper.make_tensor_value_info("y", TensorProto.INT32, out_shape)], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


CASES = [
    # (a shape, N, a dtype, a zero point, b zero point kind)
    ((1, 1), 1, np.uint8, None, None),
    ((5, 37), 21, np.uint8, 130, "scalar"),
    ((7, 130), 70, np.uint8, 255, "column"),
    ((13, 64), 64, np.int8, -3, None),
    ((6, 8), 128, np.int8, None, "scalar"),
    ((64, 256), 192, np.uint8, 7, None),
    ((3, 5), 200, np.uint8, None, "column"),
    ((2, 9, 33), 17, np.int8, 100, None),
    ((100, 515), 67, np.uint8, 128, "column"),
    # k in 3 blocks of 512 (the middle one in a loop, the last of one group + 2 k), two full
    # 64-column panels and a 2-column one.
    ((10, 1030), 130, np.uint8, 1, "column"),
    # Rows split into chunks for the threads: 301 rows in 11 chunks of 30 for the 64-column
    # panel, 6 chunks of 60 for the 32-column one; each last chunk is a single row.
    ((301, 70), 96, np.uint8, 3, "column"),
    # Shapes of the AMX tiles (where the CPU has AMX-INT8; the VNNI kernel elsewhere): 49
    # rows = a block of 32 + a tile of 16 + a row for the VNNI kernel, 64 columns, 9 steps of
    # 64 k; 40 rows x 48 columns (a 2 x 2 block, then a 2 x 1) with int8 activations and k
    # 64 + 8 (the rest by vpdpbusd on the tiles' rows); 17 x 80 with k = 64 + 36; a long K.
    ((49, 576), 64, np.uint8, 3, "column"),
    ((40, 72), 48, np.int8, -3, "scalar"),
    ((17, 100), 80, np.uint8, None, None),
    ((2, 20, 64), 16, np.uint8, 200, "column"),
    ((33, 4608), 128, np.uint8, 5, None),
    # K = 2 x 64 + 19 (a 7x7 RGB stem conv's): the rest ends with a partial group of 3 k.
    ((49, 147), 64, np.uint8, 3, "column"),
    ((17, 130), 32, np.int8, 1, None),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}x{c[1]}-{c[2].__name__}")
def test_matmul_integer_matches_reference(case):
    a_shape, n, a_dtype, a_zp, b_zp_kind = case
    k = a_shape[-1]
    rng = np.random.default_rng(k * 31 + n)
    # Weights and their zero point chosen so that w - zp fits int8 (the int8 kernel's domain).
    b_zp = None
    if b_zp_kind == "scalar":
        b_zp = np.array(5, np.int8)
    elif b_zp_kind == "column":
        b_zp = rng.integers(-20, 21, n).astype(np.int8)
    lo, hi = -128 + 20, 127 - 20
    b = rng.integers(lo, hi + 1, (k, n)).astype(np.int8)
    a = random_of(rng, a_dtype, a_shape)
    model = matmul_integer_model(a_shape, b, a_dtype, a_zp, b_zp)
    assert "kiln.matmul_int8" in kiln.ir(model, "graph")
    (y,) = kiln.compile(model).run([a])
    ref = (a.astype(np.int64) - (a_zp or 0)) @ (b.astype(np.int64) -
                                                 (0 if b_zp is None else b_zp.astype(np.int64)))
    assert y.dtype == np.int32
    np.testing.assert_array_equal(y, ref.astype(np.int32))


def test_uint8_weights_with_zero_points_run_shifted_into_int8():
    """uint8 weights with per-column zero points (ISNet's ConvInteger style): shifted per
    column into int8, the shift added back through the row sums of the activations."""
    rng = np.random.default_rng(3)
    b = rng.integers(0, 256, (19, 70)).astype(np.uint8)
    b_zp = rng.integers(0, 256, 70).astype(np.uint8)
    a = random_of(rng, np.uint8, (9, 19))
    model = matmul_integer_model((9, 19), b, np.uint8, 9, b_zp)
    assert "kiln.matmul_int8" in kiln.ir(model, "graph")
    (y,) = kiln.compile(model).run([a])
    ref = (a.astype(np.int64) - 9) @ (b.astype(np.int64) - b_zp.astype(np.int64))
    np.testing.assert_array_equal(y, ref)


def test_runtime_weights_warn_and_stay_exact_on_the_i32_path():
    rng = np.random.default_rng(4)
    graph = helper.make_graph(
        [helper.make_node("MatMulInteger", ["a", "b"], ["y"], name="proj")], "mmi_runtime_b",
        [helper.make_tensor_value_info("a", TensorProto.UINT8, [4, 19]),
         helper.make_tensor_value_info("b", TensorProto.INT8, [19, 23])],
        [helper.make_tensor_value_info("y", TensorProto.INT32, [4, 23])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    # Never silently slow: the compiler names the reason.
    with pytest.warns(kiln.CompileWarning, match="node 'proj': .*not a constant matrix"):
        assert "kiln.matmul_int8" not in kiln.ir(model, "graph")
    with pytest.warns(kiln.CompileWarning, match="runs as an i32 matmul"):
        compiled = kiln.compile(model)
    a = random_of(rng, np.uint8, (4, 19))
    b = random_of(rng, np.int8, (19, 23))
    (y,) = compiled.run([a, b])
    np.testing.assert_array_equal(y, a.astype(np.int64) @ b.astype(np.int64))


def qlinear_matmul_model(m, k, n, out_dtype, seed):
    rng = np.random.default_rng(seed)
    b = rng.integers(-128, 128, (k, n)).astype(np.int8)
    a_scale, a_zp = np.float32(0.02), np.uint8(131)
    b_scale = rng.uniform(0.001, 0.02, n).astype(np.float32)  # per column
    y_scale = np.float32(0.4)
    y_zp = np.array(3 if out_dtype == np.int8 else 120, out_dtype)
    inits = [numpy_helper.from_array(np.array(a_scale), "as"),
             numpy_helper.from_array(np.array(a_zp), "az"), numpy_helper.from_array(b, "b"),
             numpy_helper.from_array(b_scale, "bs"),
             numpy_helper.from_array(np.array(0, np.int8), "bz"),
             numpy_helper.from_array(np.array(y_scale), "ys"),
             numpy_helper.from_array(y_zp, "yz")]
    graph = helper.make_graph(
        [helper.make_node("QLinearMatMul", ["a", "as", "az", "b", "bs", "bz", "ys", "yz"],
                          ["y"])], "qlmm",
        [helper.make_tensor_value_info("a", TensorProto.UINT8, [m, k])],
        [helper.make_tensor_value_info("y", ONNX_TYPE[out_dtype], [m, n])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    return model, (b, a_scale, a_zp, b_scale, y_scale, y_zp)


@pytest.mark.parametrize("out_dtype", [np.uint8, np.int8])
@pytest.mark.parametrize("m, k, n", [
    (11, 300, 45),
    # Few rows over a long K stream the weights: k in blocks of 128 steps of 4 (the last one
    # partial, with a partial group of 2 k), the sums kept between blocks, the requantization
    # after the last.
    (30, 1030, 130),
    # On AMX tiles where the CPU has them: the requantization applied to the tiles' rows;
    # with N = 45 the last tile's columns past N are computed and not written.
    (49, 264, 96),
    (40, 300, 45),
])
def test_qlinear_matmul_requantizes_with_saturation(out_dtype, m, k, n):
    model, (b, a_scale, a_zp, b_scale, y_scale, y_zp) = qlinear_matmul_model(
        m, k, n, out_dtype, seed=5)
    rng = np.random.default_rng(6)
    a = random_of(rng, np.uint8, (m, k))
    assert "kiln.matmul_int8" in kiln.ir(model, "graph")
    (y,) = kiln.compile(model).run([a])
    acc = (a.astype(np.int64) - int(a_zp)) @ b.astype(np.int64)
    # The importer's float32 arithmetic: acc * (a_scale * b_scale) / y_scale, half to even.
    real = acc.astype(np.float32) * (a_scale * b_scale)[None, :]
    q = np.rint(real / y_scale) + np.float32(y_zp)
    info = np.iinfo(out_dtype)
    ref = np.clip(q, info.min, info.max).astype(out_dtype)
    # Saturation is exercised: some outputs sit at the type's bounds.
    assert (ref == info.min).any() and (ref == info.max).any()
    np.testing.assert_array_equal(y, ref)


ONNX_NODE_DATA = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data", "node")


@pytest.mark.parametrize("name", ["test_matmulinteger", "test_qlinearmatmul_2D",
                                  "test_qlinearconv"])
def test_onnx_node_tests_on_the_int8_kernel(name):
    """ONNX's node tests feed weights, scales and zero points as inputs (so the conformance
    run keeps them on the i32 path); as initializers, as in a real quantized model, they run
    on kiln.matmul_int8 (QLinearConv's 1x1 conv through its matmul form) and still give
    ONNX's expected outputs exactly."""
    folder = os.path.join(ONNX_NODE_DATA, name)
    model = onnx.load(os.path.join(folder, "model.onnx"))
    data = os.path.join(folder, "test_data_set_0")
    inputs = [numpy_helper.to_array(onnx.load_tensor(os.path.join(data, f"input_{i}.pb")))
              for i in range(len(model.graph.input))]
    expected = numpy_helper.to_array(onnx.load_tensor(os.path.join(data, "output_0.pb")))
    graph = model.graph
    for value_info, array in zip(list(graph.input[1:]), inputs[1:]):
        graph.initializer.append(numpy_helper.from_array(array, value_info.name))
        graph.input.remove(value_info)
    assert "kiln.matmul_int8" in kiln.ir(model, "graph")
    (y,) = kiln.compile(model).run([inputs[0]])
    assert y.dtype == expected.dtype
    np.testing.assert_array_equal(y, expected)


def test_matmul_integer_with_symbolic_rows_and_shifted_weights_is_exact():
    """MatMulInteger over [b, t, K] with symbolic b and t and uint8 weights (zero point 3:
    values past int8, shifted per column and added back through the activations' row sums
    at run time): the int8 kernel, warning-free, the exact i32 product at every row count."""
    import warnings
    rng = np.random.default_rng(0)
    k, n = 40, 70
    w = rng.integers(0, 256, (k, n)).astype(np.uint8)
    inits = [numpy_helper.from_array(w, "w"),
             numpy_helper.from_array(np.array(100, np.uint8), "xz"),
             numpy_helper.from_array(np.array(3, np.uint8), "wz")]
    graph = helper.make_graph(
        [helper.make_node("MatMulInteger", ["x", "w", "xz", "wz"], ["y"])], "mmi",
        [helper.make_tensor_value_info("x", TensorProto.UINT8, ["b", "t", k])],
        [helper.make_tensor_value_info("y", TensorProto.INT32, None)], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    graph_ir = kiln.ir(model, "graph")
    assert "kiln.matmul_int8" in graph_ir and "kiln.reduce" in graph_ir  # the row sums
    with warnings.catch_warnings():
        warnings.simplefilter("error", kiln.CompileWarning)
        module = kiln.compile(model)
    for rows in [(1, 1), (2, 7), (3, 50)]:
        x = rng.integers(0, 256, rows + (k,)).astype(np.uint8)
        ref = (x.astype(np.int64) - 100) @ (w.astype(np.int64) - 3)
        np.testing.assert_array_equal(module.run([x])[0], ref.astype(np.int32), err_msg=str(rows))


@pytest.mark.parametrize("cpu, tiles", [("sapphirerapids", True), ("icelake-server", False)])
def test_amx_tiles_only_where_the_target_has_them(cpu, tiles):
    """The int8 GEMM runs on AMX tiles (tdpbusd) for a CPU with AMX-INT8 and on the VNNI
    kernel for one without, whatever this machine is (the IR is not run)."""
    rng = np.random.default_rng(8)
    b = rng.integers(-128, 128, (128, 64)).astype(np.int8)
    model = matmul_integer_model((64, 128), b, np.uint8, None, None)
    text = kiln.ir(model, "llvm", cpu=cpu)
    assert ("amx.tdpbusd" in text) == tiles
    assert "llvm.x86.avx512.vpdpbusd.512" in text or tiles


def test_report_counts_int8_ops_and_names_the_gemm_kernel():
    """Module.report(): an int8 GEMM's multiply-adds as ``int8_ops`` (2 each, not in
    ``flops``) and, as its schedule, the kernel kiln-cpu-vnni-gemm wrote (AMX tiles or VNNI
    register blocks, per this machine)."""
    rng = np.random.default_rng(9)
    b = rng.integers(-128, 128, (96, 48)).astype(np.int8)
    (row,) = kiln.compile(matmul_integer_model((40, 96), b, np.uint8, None, None)).report()
    assert row["int8_ops"] == 2 * 40 * 48 * 96
    assert row["flops"] <= 40 * 48  # the zero fill at most, nothing of the product
    assert row["schedule"].startswith("int8 GEMM")
