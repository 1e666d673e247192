"""Helpers shared by the model builders of the ONNX importer tests."""
import onnx
import onnx.parser


def parse(text, opset=13, names=None):
    """A model from ONNX's text syntax at the given default-domain opset.

    `names` optionally names the nodes in order (the text syntax leaves them unnamed)."""
    header = '<ir_version: 8, opset_import: ["" : %d], producer_name: "kiln-test">\n' % opset
    model = onnx.parser.parse_model(header + text)
    for node, name in zip(model.graph.node, names or []):
        node.name = name
    return model
