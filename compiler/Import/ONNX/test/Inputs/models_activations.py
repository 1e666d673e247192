"""Activation models: Relu, Clip (attributes before opset 11, inputs after), LeakyRelu, ..."""
from common import parse


def build(out_dir):
    return {
        "activations": parse("""
            g (float[2,3] x) => (float[2,3] y) {
              t0 = Relu(x)
              t1 = Sigmoid(t0)
              t2 = Tanh(t1)
              t3 = LeakyRelu <alpha = 0.5> (t2)
              t4 = Elu(t3)
              t5 = HardSigmoid <alpha = 0.25> (t4)
              y = HardSwish(t5)
            }""", opset=14),
        "clip_attrs": parse("""
            g (float[4] x) => (float[4] y, float[4] z) {
              y = Clip <min = 0.0, max = 6.0> (x)
              z = Clip <max = 1.0> (x)
            }""", opset=10),
        "clip_inputs": parse("""
            g (float[4] x) => (float[4] y, float[4] z, int32[4] w)
              <float lo = {0.0}, float hi = {6.0}> {
              y = Clip(x, lo, hi)
              z = Clip(x, , hi)
              i = Cast <to = 6> (x)
              w = Clip(i)
            }""", opset=13),
        "clip_runtime_bounds": parse("""
            g (float[4] x, float lo, float hi) => (float[4] y, float[4] z) {
              y = Clip(x, lo, hi)
              z = Clip(x, , hi)
            }""", opset=13),
    }
