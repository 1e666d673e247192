"""Data movement: Concat, Split, Slice, Gather, Transpose, Pad, Identity, Dropout."""
from common import parse


def build(out_dir):
    return {
        "concat": parse("""
            g (float[2,3] a, float[2,5] b) => (float[2,8] y) { y = Concat <axis = -1> (a, b) }"""),
        "split_11": parse("""
            g (float[6,4] x) => (float[2,4] a, float[4,4] b, float[6,2] c, float[6,2] d) {
              a, b = Split <split = [2, 4]> (x)
              c, d = Split <axis = -1> (x)
            }""", opset=11),
        "split_13": parse("""
            g (float[6,4] x) => (float[1,4] a, float[5,4] b, float[3,4] c, float[3,4] d)
              <int64[2] sizes = {1, 5}> {
              a, b = Split(x, sizes)
              c, d = Split(x)
            }"""),
        "split_runtime": parse("""
            g (float[6,4] x, int64[2] sizes) => (float[?,4] a, float[?,4] b) {
              a, b = Split(x, sizes)
            }"""),
        "slice_9": parse("""
            g (float[3,5] x) => (float[3,4] y) {
              y = Slice <starts = [1], ends = [1000], axes = [1]> (x)
            }""", opset=9),
        "slice_13": parse("""
            g (float[4,6] x) => (float[4,3] y, float[3] z)
              <int64[2] s = {-1, 0}, int64[2] e = {-1000, 9223372036854775807}, int64[2] ax = {0, 1},
               int64[2] st = {-1, 2}, float[5] c = {0, 1, 2, 3, 4}, int64[1] one = {1},
               int64[1] minus_one = {-1}> {
              y = Slice(x, s, e, ax, st)
              z = Slice(c, one, minus_one)
            }"""),
        "gather": parse("""
            g (float[5,3] data, int64[2] idx) => (float[2,3] rows, float[5] col, float[2] folded)
              <int64 one = {1}, float[3] table = {10, 20, 30}, int64[2] pick = {-1, 0}> {
              rows = Gather(data, idx)
              col = Gather <axis = -1> (data, one)
              folded = Gather(table, pick)
            }"""),
        "transpose": parse("""
            g (float[2,3,4] x) => (float[4,3,2] y, float[2,4,3] z) {
              y = Transpose(x)
              z = Transpose <perm = [0, 2, 1]> (x)
            }"""),
        "pad_10": parse("""
            g (float[2,3] x) => (float[4,7] y) {
              y = Pad <pads = [1, 2, 1, 2], mode = "reflect"> (x)
            }""", opset=10),
        "pad_13": parse("""
            g (float[2,3] x) => (float[3,5] y, float[2,2] z, float[2,3] w)
              <int64[4] p = {0, 1, 1, 1}, float v = {1.5}, int64[4] crop = {0, -1, 0, 0},
               int64[4] zero = {0, 0, 0, 0}> {
              y = Pad <mode = "edge"> (x, p, v)
              z = Pad(x, crop)
              w = Pad(x, zero)
            }"""),
        "identity_dropout": parse("""
            g (float[2,3] x) => (float[2,3] a, float[2,3] b, float[2,3] c, float[2] k)
              <float r = {0.5}, bool t = {0}, float[2] k = {1, 2}> {
              a = Identity(x)
              b = Dropout(a, r, t)
              c = Dropout(x)
            }"""),
        "space_depth": parse("""
            g (float[1,8,2,3] x, float[1,2,4,6] z) => (float[1,2,4,6] a, float[1,2,4,6] b,
                                                      float[1,8,2,3] c) {
              a = DepthToSpace <blocksize = 2> (x)
              b = DepthToSpace <blocksize = 2, mode = "CRD"> (x)
              c = SpaceToDepth <blocksize = 2> (z)
            }"""),
        "tile": parse("""
            g (float[2,3] x) => (float[4,3] y) <int64[2] r = {2, 1}> { y = Tile(x, r) }"""),
        "legacy_tensor": parse("""
            g (float[2,3] a, float[2,3] b) => (float[2,6] c, float[4,5] p, float[2,1] s0,
                                               float[2,2] s1) <int64[2] sizes = {1, 2}> {
              c = Concat(a, b)
              p = Pad <paddings = [1, 1, 1, 1]> (a)
              s0, s1 = Split <axis = 1> (a, sizes)
            }""", opset=1),
        "dropout_mask": parse("""
            g (float[2,3] x) => (float[2,3] y, bool[2,3] mask) { y, mask = Dropout(x) }"""),
    }
