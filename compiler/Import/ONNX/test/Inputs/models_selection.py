"""TopK, Compress, NonZero, NonMaxSuppression: element selection (sizes from constants,
run-time values or what a kernel computes)."""
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
        "nonzero_computed": parse("""
            g (float[8,16] x) => (int64[2,?] y) {
              m = Relu(x)
              y = NonZero(m)
            }"""),
        "nms": parse("""
            g (float[1,6,4] b, float[1,2,6] s, float[1] iou) => (int64[?,3] y)
              <int64[1] m = {4}> {
              y = NonMaxSuppression <center_point_box = 1> (b, s, m, iou)
            }""", opset=11, names=["nms"]),
        "nms_int_scores": parse("""
            g (float[1,6,4] b, int32[1,2,6] s) => (int64[?,3] y) { y = NonMaxSuppression(b, s) }""",
                                opset=11, names=["nms_bad"]),
    }
