"""Models the importer must reject with a clear error (and never crash on)."""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from common import parse


def relu_model():
    return parse("""g (float[2] x) => (float[2] y) { y = Relu(x) }""")


def with_opsets(opsets):
    model = relu_model()
    del model.opset_import[:]
    for domain, version in opsets:
        model.opset_import.add(domain=domain, version=version)
    return model


def unsupported_input_type():
    return parse("""g (string[2] x) => (string[2] y) { y = Identity(x) }""")


def unsupported_initializer_type():
    model = parse("""g (float[2] x) => (float[2] y) { y = Identity(x) }""")
    model.graph.initializer.append(numpy_helper.from_array(np.array([1, 2], np.complex64), "u"))
    model.graph.output.append(helper.make_tensor_value_info("u", TensorProto.COMPLEX64, [2]))
    return model


def unranked_input():
    model = relu_model()
    model.graph.input[0].type.tensor_type.ClearField("shape")
    return model


def bad_attribute_type():
    model = parse("""g (float[2] a, float[2] b) => (float[4] y) { y = Concat <axis = 0> (a, b) }""",
                  names=["cat"])
    attr = model.graph.node[0].attribute[0]
    attr.type = onnx.AttributeProto.FLOAT
    attr.f = 0.0
    return model


def build(out_dir):
    valid = relu_model().SerializeToString()
    return {
        "truncated": valid[: len(valid) // 2],
        "not_onnx": b"\xff\xff\xff\xff this is not a protobuf",
        "no_graph": onnx.ModelProto(ir_version=8).SerializeToString(),
        "opset_0": with_opsets([("", 0)]),
        "opset_18": with_opsets([("", 18)]),
        "no_default_opset": with_opsets([("ai.onnx.ml", 3)]),
        "missing_value": parse("""g (float[2] x) => (float[2] y) { y = Add(x, ghost) }""",
                               names=["add_ghost"]),
        "output_not_produced": parse("""g (float[2] x) => (float[2] y, float[2] z) {
                                          y = Relu(x) }"""),
        "defined_twice": parse("""g (float[2] x) => (float[2] y) { y = Relu(x)
                                                                    y = Neg(x) }"""),
        "string_input": unsupported_input_type(),
        "complex_initializer": unsupported_initializer_type(),
        "unranked_input": unranked_input(),
        "bad_attribute_type": bad_attribute_type(),
        "resize_mode": parse("""
            g (float[1,1,2,2] x) => (float[1,1,4,4] y) <float[4] s = {1, 1, 2, 2}> {
              y = Resize <mode = "area"> (x, , s)
            }""", opset=13, names=["resize"]),
        "bn_extra_outputs": parse("""
            g (float[1,2,3] x, float[2] s, float[2] b, float[2] m, float[2] v)
              => (float[1,2,3] y, float[2] rm) {
              y, rm = BatchNormalization(x, s, b, m, v)
            }""", opset=9, names=["bn9"]),
        "conv_channels": parse("""
            g (float[1,3,5,5] x, float[4,2,3,3] w) => (float[1,4,3,3] y) { y = Conv(x, w) }""",
                               names=["Conv_3"]),
        "add_broadcast": parse("""
            g (float[2,3] a, float[4] b) => (float[2,3] y) { y = Add(a, b) }""",
                               names=["bad_add"]),
        "mixed_types": parse("""
            g (float[2] a, int64[2] b) => (float[2] y) { y = Add(a, b) }""", names=["mixed"]),
        "reduce_axes_input_13": parse("""
            g (float[2,3] x) => (float[2,1] y) <int64[1] ax = {1}> { y = ReduceMean(x, ax) }"""),
        "pad_wrap": parse("""
            g (float[2,3] x) => (float[2,5] y) <int64[4] p = {0, 1, 0, 1}> {
              y = Pad <mode = "wrap"> (x, p)
            }"""),
        "split_uneven": parse("""
            g (float[5] x) => (float[2] a, float[2] b) { a, b = Split(x) }"""),
    }
