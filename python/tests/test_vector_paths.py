"""No silent slow path: the shared models and zoo-like graphs (zoo_like_graphs.py) compile
with every kernel vectorized (Module.report(): no step keeps large scalar loops), and the
report names the node and the reason when one does not."""
import os

import numpy as np
import pytest

import kiln
import zoo_like_graphs

MODELS = os.environ.get("KILN_MODELS_DIR", os.path.join(os.path.dirname(__file__), "..", "..",
                                                        "..", "shared", "models"))


def scalar_steps(module):
    return [f"{r['kernel']} {r['op']} (node '{r['node']}'): {r.get('note', '')}"
            for r in module.report() if r.get("vector") is False]


@pytest.mark.parametrize("name,model,inputs", zoo_like_graphs.all_graphs(),
                         ids=[g[0] for g in zoo_like_graphs.all_graphs()])
def test_zoo_like_graph_is_vectorized(name, model, inputs):
    module = kiln.compile(model, threads=1)
    assert scalar_steps(module) == []
    outputs = module.run([np.random.default_rng(1).standard_normal(s).astype(np.float32)
                          for s in inputs.values()])
    assert all(np.isfinite(o).all() for o in outputs)


@pytest.mark.parametrize("model", ["squeezenet1_1", "resnet18", "mobilenet_v2", "bert_like", "mlp"])
def test_shared_model_is_vectorized(model):
    module = kiln.compile(os.path.join(MODELS, model + ".onnx"), threads=1)
    assert scalar_steps(module) == []


def test_report_names_a_scalar_kernel():
    """A grouped and dilated transposed conv stays scalar (the zero-insertion lowering's
    grouped NCHW conv): the report says so, naming the node and why."""
    from onnx import TensorProto, helper, numpy_helper
    w = numpy_helper.from_array(np.ones((4, 2, 3, 3), np.float32), "w")
    graph = helper.make_graph(
        [helper.make_node("ConvTranspose", ["x", "w"], ["y"], name="up", strides=[2, 2], group=2,
                          dilations=[2, 2])],
        "grouped_up", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [w])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    with pytest.warns(kiln.CompileWarning, match="up"):
        module = kiln.compile(model, threads=1)
    rows = [r for r in module.report() if r["vector"] is False]
    assert rows and rows[0]["node"] == "up" and "vectorization off" in rows[0]["note"]


def test_bool_kernels_are_vectorized():
    """Comparisons, logic and Where read and write bools as bytes, i1 only in registers
    (kiln-cpu-bool-bytes): no scalar kernel, results exact, a bool output included."""
    from onnx import TensorProto, helper
    n = helper.make_node
    nodes = [n("Greater", ["a", "b"], ["gt"], name="gt"), n("Equal", ["a", "b"], ["eq"], name="eq"),
             n("Not", ["eq"], ["ne"], name="ne"), n("Or", ["gt", "eq"], ["ge"], name="ge"),
             n("Xor", ["ge", "ne"], ["x"], name="xor"),
             n("Where", ["gt", "a", "b"], ["y"], name="where")]
    graph = helper.make_graph(
        nodes, "bools", [helper.make_tensor_value_info(v, TensorProto.FLOAT, [2, 300, 77]) for v in "ab"],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None),
         helper.make_tensor_value_info("x", TensorProto.BOOL, None),
         helper.make_tensor_value_info("ne", TensorProto.BOOL, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    module = kiln.compile(model, threads=2)
    assert scalar_steps(module) == []
    rng = np.random.default_rng(4)
    a = rng.integers(-2, 3, (2, 300, 77)).astype(np.float32)
    b = rng.integers(-2, 3, (2, 300, 77)).astype(np.float32)
    y, x, ne = module.run([a, b])
    np.testing.assert_array_equal(y, np.where(a > b, a, b))
    np.testing.assert_array_equal(ne, a != b)
    np.testing.assert_array_equal(x, ((a > b) | (a == b)) ^ (a != b))
