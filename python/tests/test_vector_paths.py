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
    """Bool kernels stay scalar: the report says so, naming the node and the reason."""
    from onnx import TensorProto, helper
    graph = helper.make_graph(
        [helper.make_node("Equal", ["a", "b"], ["y"], name="eq")], "bool",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, [256, 256]) for n in "ab"],
        [helper.make_tensor_value_info("y", TensorProto.BOOL, [256, 256])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    with pytest.warns(kiln.CompileWarning, match="eq"):
        module = kiln.compile(model, threads=1)
    (row,) = module.report()
    assert row["vector"] is False and row["node"] == "eq" and "bool" in row["note"]
