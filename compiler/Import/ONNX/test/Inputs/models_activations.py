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
        "composed": parse("""
            g (float[2,3] x, float[3] slope) => (float[2,3] a, float[2,3] b, float[2,3] c,
                                                 float[2,3] d, float[2,3] e, float[2,3] f,
                                                 float[2,3] g) {
              a = Selu <alpha = 2.0, gamma = 3.0> (x)
              b = Softplus(x)
              c = Softsign(x)
              d = ThresholdedRelu <alpha = 0.5> (x)
              e = Shrink <lambd = 1.5, bias = 0.5> (x)
              f = Celu <alpha = 2.0> (x)
              g = PRelu(x, slope)
            }""", opset=13),
        "prelu_channels_6": parse("""
            g (float[1,3,2,2] x, float[3] slope) => (float[1,3,2,2] y) { y = PRelu(x, slope) }""",
                                  opset=6),
        "prelu_bad_slope": parse("""
            g (float[2,3] x, float[2,3,4] slope) => (float[2,3] y) { y = PRelu(x, slope) }""",
                                 opset=13, names=["prelu"]),
        "clip_runtime_bounds": parse("""
            g (float[4] x, float lo, float hi) => (float[4] y, float[4] z) {
              y = Clip(x, lo, hi)
              z = Clip(x, , hi)
            }""", opset=13),
    }
