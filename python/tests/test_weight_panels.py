"""Matmul weights laid out as B panels [N / W, K, W] (kiln-cpu-pack-weight-panels + the
artifact's weights permuted to match): results match numpy, also where the same weight is
read elsewhere as is (a tied embedding's Gather, a graph output) and for batched weights."""
import numpy as np
from onnx import TensorProto, helper, numpy_helper

import kiln


def model(nodes, inputs, outputs, inits):
    graph = helper.make_graph(
        nodes, "panels",
        [helper.make_tensor_value_info(n, t, s) for n, t, s in inputs],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in outputs],
        [numpy_helper.from_array(v, n) for n, v in inits.items()])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def packed_steps(module):
    return [r["node"] for r in module.report() if r.get("schedule", "").endswith("B-panels")]


def test_matmul_reads_packed_weights():
    rng = np.random.default_rng(0)
    w = rng.standard_normal((256, 512)).astype(np.float32)
    a = rng.standard_normal((49, 256)).astype(np.float32)
    m = model([helper.make_node("MatMul", ["a", "w"], ["c"], name="mm"),
               helper.make_node("Relu", ["c"], ["y"], name="relu")],
              [("a", TensorProto.FLOAT, [49, 256])], [("y", [49, 512])], {"w": w})
    module = kiln.compile(m)
    assert packed_steps(module) == ["relu"]  # the fused step is named after its last node
    (y,) = module.run([a])
    np.testing.assert_allclose(y, np.maximum(a @ w, 0), rtol=1e-4, atol=1e-4)


def test_weight_also_read_as_is_keeps_its_layout():
    # A tied embedding: Gather reads rows of the table, the output projection multiplies by it.
    rng = np.random.default_rng(1)
    table = rng.standard_normal((128, 256)).astype(np.float32)
    ids = np.array([[3, 77, 0, 127]], np.int64)
    h = rng.standard_normal((4, 128)).astype(np.float32)
    m = model([helper.make_node("Gather", ["table", "ids"], ["emb"], name="gather"),
               helper.make_node("MatMul", ["h", "table"], ["logits"], name="mm")],
              [("ids", TensorProto.INT64, [1, 4]), ("h", TensorProto.FLOAT, [4, 128])],
              [("emb", [1, 4, 256]), ("logits", [4, 256])], {"table": table})
    module = kiln.compile(m)
    assert "mm" in packed_steps(module)
    emb, logits = module.run([ids, h])
    np.testing.assert_array_equal(emb, table[ids])
    np.testing.assert_allclose(logits, h @ table, rtol=1e-4, atol=1e-4)


def test_batched_weights():
    rng = np.random.default_rng(2)
    w = rng.standard_normal((4, 96, 128)).astype(np.float32)
    a = rng.standard_normal((4, 30, 96)).astype(np.float32)
    m = model([helper.make_node("MatMul", ["a", "w"], ["y"], name="bmm")],
              [("a", TensorProto.FLOAT, [4, 30, 96])], [("y", [4, 30, 128])], {"w": w})
    module = kiln.compile(m)
    assert packed_steps(module) == ["bmm"]
    (y,) = module.run([a])
    np.testing.assert_allclose(y, a @ w, rtol=1e-4, atol=1e-4)


def test_mixed_register_widths():
    # Columns the register tiles cover in blocks of two widths (96 = 64 + 32; 160 in two
    # tasks of 80 = 64 + 16): panels of the gcd, a wide block read from several side by side.
    rng = np.random.default_rng(3)
    for n in (96, 160):
        w = rng.standard_normal((192, n)).astype(np.float32)
        a = rng.standard_normal((49, 192)).astype(np.float32)
        m = model([helper.make_node("MatMul", ["a", "w"], ["y"], name="mm")],
                  [("a", TensorProto.FLOAT, [49, 192])], [("y", [49, n])], {"w": w})
        module = kiln.compile(m)
        assert packed_steps(module) == ["mm"], n
        (y,) = module.run([a])
        np.testing.assert_allclose(y, a @ w, rtol=1e-4, atol=1e-4)
