"""Ops on positions: ArgMax ArgMin Hardmax GatherElements GatherND Trilu EyeLike."""
from common import parse


def build(out_dir):
    return {
        "argmax": parse("""
            g (float[2,3] x) => (int64[2,1] a, int64[3] b) {
              a = ArgMax <axis = 1> (x)
              b = ArgMin <keepdims = 0, select_last_index = 1> (x)
            }"""),
        "hardmax": parse("""
            g (float[2,3] x) => (float[2,3] y) { y = Hardmax(x) }"""),
        "gather": parse("""
            g (float[3,4] d, int64[2,4] i, int64[2,1] j) => (float[2,4] e, float[2,4] n) {
              e = GatherElements <axis = 0> (d, i)
              n = GatherND(d, j)
            }"""),
        "scatter": parse("""
            g (float[3,4] d, int64[3,2] i, float[3,2] u, int64[2,1] j, float[2,4] v)
              => (float[3,4] e, float[3,4] n, float[3,4] old) {
              e = ScatterElements <axis = 1, reduction = "add"> (d, i, u)
              n = ScatterND(d, j, v)
              old = Scatter <axis = 1> (d, i, u)
            }""", opset=16),
        "trilu": parse("""
            g (float[2,3] x) => (float[2,3] u, float[2,3] l) <int64 k = {1}> {
              u = Trilu(x)
              l = Trilu <upper = 0> (x, k)
            }""", opset=14),
        "trilu_runtime_k": parse("""
            g (float[2,3] x, int64 k) => (float[2,3] u) { u = Trilu(x, k) }""", opset=14,
                                 names=["trilu"]),
        "eyelike": parse("""
            g (float[2,3] x) => (int32[2,3] y) { y = EyeLike <k = 1, dtype = 6> (x) }"""),
    }
