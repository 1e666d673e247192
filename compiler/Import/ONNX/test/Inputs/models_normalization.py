"""Normalizations composed of reductions: InstanceNormalization, LRN, MeanVarianceNormalization."""
from common import parse


def build(out_dir):
    return {
        "instance_norm": parse("""
            g (float[1,2,3,3] x, float[2] s, float[2] b) => (float[1,2,3,3] y) {
              y = InstanceNormalization <epsilon = 0.01> (x, s, b)
            }"""),
        "lrn": parse("""
            g (float[1,4,2,2] x) => (float[1,4,2,2] y) { y = LRN <size = 3> (x) }"""),
        "mvn": parse("""
            g (float[1,2,3,3] x) => (float[1,2,3,3] y) { y = MeanVarianceNormalization(x) }"""),
    }
