"""Ops the importer does not convert: unknown ops, ops newer than the model's opset, other domains."""
from onnx import helper

from common import parse


def custom_domain():
    model = parse("""g (float[2] x) => (float[2] y) { y = Relu(x) }""")
    node = model.graph.node[0]
    node.op_type, node.domain, node.name = "FusedGelu", "com.microsoft", "gelu"
    model.opset_import.add(domain="com.microsoft", version=1)
    return model


def build(out_dir):
    return {
        "roi_align": parse("""
            g (float[1,1,4,4] x, float[1,4] r, int64[1] i) => (float[1,1,1,1] y) {
              y = RoiAlign<output_height=1, output_width=1>(x, r, i)
            }""", names=["roi_7"]),
        "unique": parse("""g (float[4] x) => (float[4] y) { y = Unique(x) }"""),
        "layernorm_13": parse("""
            g (float[2,4] x, float[4] s) => (float[2,4] y) { y = LayerNormalization(x, s) }""",
                              names=["ln"]),
        "hardswish_13": parse("""g (float[2] x) => (float[2] y) { y = HardSwish(x) }"""),
        "custom_domain": custom_domain(),
    }
