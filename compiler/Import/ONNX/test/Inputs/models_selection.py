"""TopK, Compress, NonZero: element selection (sizes from constants or run-time values)."""
from common import parse


def build(out_dir):
    return {
        "topk": parse("""
            g (float[3,4] x, int64[1] k) => (float[3,?] v, int64[3,?] i, float[2,4] w, int64[2,4] j)
              <int64[1] two = {2}> {
              v, i = TopK <axis = 1, largest = 0> (x, k)
              w, j = TopK <axis = 0> (x, two)
            }""", opset=11),
        "compress": parse("""
            g (float[3,2] x, bool[3] c) => (float[?,2] y, float[2] z) <bool[4] keep = {0, 1, 0, 1}> {
              y = Compress <axis = 0> (x, c)
              z = Compress (x, keep)
            }""", opset=11),
        "nonzero": parse("""
            g (float[2,3] x) => (int64[2,?] y) { y = NonZero(x) }"""),
    }
