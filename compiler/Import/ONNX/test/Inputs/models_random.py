"""Dropout in training mode, RandomUniformLike, RandomNormalLike, Bernoulli (kiln.random_like)."""
from common import parse


def build(out_dir):
    return {
        "dropout_training": parse("""
            g (float[2,3] x, float r, bool t) => (float[2,3] y, bool[2,3] m) {
              y, m = Dropout <seed = 7> (x, r, t)
            }"""),
        "random_like": parse("""
            g (float[2,3] x) => (float[2,3] u, double[2,3] n, float[2,3] b) {
              u = RandomUniformLike <low = -1.0, high = 1.0, seed = 1.0> (x)
              n = RandomNormalLike <dtype = 11, mean = 2.0, scale = 0.5> (x)
              b = Bernoulli(x)
            }""", opset=15),
    }
