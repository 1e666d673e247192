"""Graph-level behaviour: signature, names, initializers listed as inputs, shape overrides and
external data (weights in a side file next to the model)."""
import os

import numpy as np
from onnx import TensorProto, helper, numpy_helper

from common import parse


def external(name, array, location, offset=None, length=None):
    """An initializer whose data lives in `location` (relative to the model)."""
    t = numpy_helper.from_array(array, name)
    t.ClearField("raw_data")
    t.data_location = TensorProto.EXTERNAL
    for key, value in (("location", location), ("offset", offset), ("length", length)):
        if value is not None:
            t.external_data.add(key=key, value=str(value))
    return t


def with_external_weight(location, offset=None, length=None):
    """y = x + w, with w (4 floats) stored externally."""
    model = parse("""g (float[4] x) => (float[4] y) { y = Add(x, w) }""")
    model.graph.initializer.append(
        external("w", np.arange(4, dtype=np.float32), location, offset, length))
    return model


def write_weights(out_dir):
    os.makedirs(os.path.join(out_dir, "weights"), exist_ok=True)
    with open(os.path.join(out_dir, "weights", "w.bin"), "wb") as f:
        f.write(b"\0" * 8 + np.arange(4, dtype=np.float32).tobytes())
    with open(os.path.join(out_dir, "weights", "whole.bin"), "wb") as f:
        f.write(np.arange(4, dtype=np.float32).tobytes())
    with open(os.path.join(out_dir, "short.bin"), "wb") as f:
        f.write(b"\0" * 6)


def initializer_as_input():
    """IR 3 style: the weight is listed among the inputs; it is a constant, not an argument."""
    model = parse("""g (float[2] x, float[2] w) => (float[2] y) <float[2] w = {3, 4}> {
                       y = Mul(x, w) }""")
    return model


def unsorted_nodes():
    """Nodes listed after their users (exporters ship such files; onnxruntime accepts them),
    and a node reading a name nothing produces."""
    model = parse("""g (float[2] x) => (float[2] y) {
                       t = Relu(x)
                       y = Add(t, t)
                     }""")
    nodes = list(model.graph.node)
    del model.graph.node[:]
    model.graph.node.extend(reversed(nodes))
    return model


def dangling_input():
    model = parse("""g (float[2] x) => (float[2] y) { y = Add(x, nowhere) }""")
    return model


def build(out_dir):
    write_weights(out_dir)
    return {
        "signature": parse("""
            g (float[N,3] x, int64[2] ids) => (float[N,3] y, int64[2] ids_out) {
              y = Relu(x)
              ids_out = Identity(ids)
            }""", names=["relu_0"]),
        "initializer_input": initializer_as_input(),
        "unsorted_nodes": unsorted_nodes(),
        "dangling_input": dangling_input(),
        "external_ok": with_external_weight("weights/w.bin", offset=8, length=16),
        "external_whole_file": with_external_weight("weights/../weights/whole.bin"),
        "external_escape": with_external_weight("../w.bin"),
        "external_absolute": with_external_weight("/etc/passwd"),
        "external_missing": with_external_weight("nowhere.bin"),
        "external_short": with_external_weight("short.bin"),
        "external_past_end": with_external_weight("weights/w.bin", offset=16, length=16),
    }
