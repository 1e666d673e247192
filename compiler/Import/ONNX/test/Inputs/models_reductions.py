"""Reduce* ops: axes attribute (and ReduceSum's axes input from opset 13)."""
from common import parse


def build(out_dir):
    return {
        "reduce_attrs": parse("""
            g (float[2,3,4] x) => (float[2,3,1] mean, float[2] max, float[1,1,1] min,
                                   float[2,4] prod, float[2,1,1] l1, float[3] l2,
                                   float[2,3,1] sq, float[2,3] ls, float[2,3] lse) {
              mean = ReduceMean <axes = [-1]> (x)
              max = ReduceMax <axes = [2, 1], keepdims = 0> (x)
              min = ReduceMin(x)
              prod = ReduceProd <axes = [1], keepdims = 0> (x)
              l1 = ReduceL1 <axes = [1, 2]> (x)
              l2 = ReduceL2 <axes = [0, -1], keepdims = 0> (x)
              sq = ReduceSumSquare <axes = [2]> (x)
              ls = ReduceLogSum <axes = [2], keepdims = 0> (x)
              lse = ReduceLogSumExp <axes = [2], keepdims = 0> (x)
            }"""),
        "reduce_sum_11": parse("""
            g (float[2,3,4] x) => (float[2,1,4] y) { y = ReduceSum <axes = [1]> (x) }""",
                               opset=11),
        "reduce_sum_13": parse("""
            g (float[2,3,4] x) => (float[2,4] a, float[1,1,1] b, float[2,3,4] c) {
              ax1 = Constant <value_ints = [1]> ()
              a = ReduceSum <keepdims = 0> (x, ax1)
              b = ReduceSum(x)
              c = ReduceSum <noop_with_empty_axes = 1> (x)
            }"""),
        "reduce_sum_runtime_axes": parse("""
            g (float[2,3,4] x, int64[1] axes) => (float[?,?,?] a, float[?,?] b) {
              a = ReduceSum(x, axes)
              b = ReduceSum <keepdims = 0> (x, axes)
            }"""),
        "reduce_duplicate_axes": parse("""
            g (float[2,3,4] x) => (float[2] y) { y = ReduceMean <axes = [1, -2]> (x) }""",
                                       names=["dup"]),
        "reduce_constant": parse("""
            g (float[2,3] x) => (float[?,?] y, int64[1] r) <float[2,1] sizes = {300, 321},
                                                             float[1] half = {0.5}> {
              m = ReduceMax <axes = [0], keepdims = 0> (sizes)
              h = Mul(m, half)
              hc = Ceil(h)
              hf = Floor(h)
              hr = Round(h)
              c = Cast <to = 7> (hc)
              f = Cast <to = 7> (hf)
              r = Cast <to = 7> (hr)
              z = Constant <value = int64[1] {0}> ()
              p = Concat <axis = 0> (f, z, c, z)
              y = Pad(x, p)
            }""", opset=13),
    }
