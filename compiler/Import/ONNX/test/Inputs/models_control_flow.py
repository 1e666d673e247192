"""If (constant or run-time condition) and Scan (opset 8 with a batch dim, opset 9+)."""
from onnx import TensorProto, helper

from common import parse


def branch(name, value):
    out = helper.make_tensor_value_info(name + "_out", TensorProto.FLOAT, [2])
    add = helper.make_node("Add", ["x", name + "_c"], [name + "_out"])
    const = helper.make_node("Constant", [], [name + "_c"],
                             value=helper.make_tensor("v", TensorProto.FLOAT, [2], [value] * 2))
    return helper.make_graph([const, add], name, [], [out])


def if_model(cond_input, shapes_differ=False, rank_differs=False):
    graph_inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])]
    if cond_input:
        graph_inputs.append(helper.make_tensor_value_info("c", TensorProto.BOOL, []))
    nodes = [] if cond_input else [helper.make_node(
        "Constant", [], ["c"], value=helper.make_tensor("t", TensorProto.BOOL, [], [False]))]
    else_branch = branch("else", 2.0)
    if shapes_differ or rank_differs:
        shape = [1, 1] if rank_differs else [1]
        out = helper.make_tensor_value_info("other_out", TensorProto.FLOAT, shape)
        const = helper.make_node("Constant", [], ["other_out"],
                                 value=helper.make_tensor("w", TensorProto.FLOAT, shape, [0.0]))
        else_branch = helper.make_graph([const], "other", [], [out])
    nodes.append(helper.make_node("If", ["c"], ["y"], name="if", then_branch=branch("then", 1.0),
                                  else_branch=else_branch))
    y_shape = None if shapes_differ or rank_differs else [2]
    graph = helper.make_graph(nodes, "g", graph_inputs,
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, y_shape)])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                             producer_name="kiln-test")


def if_branch_fails():
    """A run-time If whose else branch only works for other inputs (it reshapes x [2] to [3])."""
    shape = helper.make_node("Constant", [], ["s"],
                             value=helper.make_tensor("s", TensorProto.INT64, [1], [3]))
    reshape = helper.make_node("Reshape", ["x", "s"], ["bad_out"])
    bad = helper.make_graph([shape, reshape], "bad", [],
                            [helper.make_tensor_value_info("bad_out", TensorProto.FLOAT, [3])])
    node = helper.make_node("If", ["c"], ["y"], name="if", then_branch=branch("then", 1.0),
                            else_branch=bad)
    graph = helper.make_graph([node], "g", [
        helper.make_tensor_value_info("x", TensorProto.FLOAT, [2]),
        helper.make_tensor_value_info("c", TensorProto.BOOL, [])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                             producer_name="kiln-test")


def scan_body():
    body = parse("""
        body (float[2] s, float[2] e) => (float[2] s2, float[2] o) {
          s2 = Add(s, e)
          o = Identity(s2)
        }""").graph
    return body


def scan_model(opset):
    body = scan_body()
    if opset == 8:
        inputs = ["", "init", "xs"]
        shapes = {"init": [1, 2], "xs": [1, 3, 2], "s": [1, 2], "o": [1, 3, 2]}
        attrs = dict(num_scan_inputs=1, body=body)
    else:
        inputs = ["init", "xs"]
        shapes = {"init": [2], "xs": [3, 2], "s": [2], "o": [2, 3]}
        attrs = dict(num_scan_inputs=1, body=body, scan_input_directions=[1],
                     scan_output_axes=[1])
    node = helper.make_node("Scan", inputs, ["s", "o"], name="scan", **attrs)
    vi = lambda n: helper.make_tensor_value_info(n, TensorProto.FLOAT, shapes[n])
    graph = helper.make_graph([node], "g", [vi("init"), vi("xs")], [vi("s"), vi("o")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                             producer_name="kiln-test")


def build(out_dir):
    return {
        "if_runtime": if_model(True),
        "if_constant": if_model(False),
        "if_shapes_differ": if_model(True, shapes_differ=True),
        "if_ranks_differ": if_model(True, rank_differs=True),
        "if_branch_fails": if_branch_fails(),
        "scan_9": scan_model(9),
        "scan_8": scan_model(8),
    }
