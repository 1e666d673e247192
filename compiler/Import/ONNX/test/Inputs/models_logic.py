"""Logical ops and bool tests: And Or Xor Not, GreaterOrEqual LessOrEqual, IsNaN IsInf."""
from common import parse


def build(out_dir):
    return {
        "logic": parse("""
            g (bool[2,3] a, bool[3] b) => (bool[2,3] x, bool[2,3] y, bool[2,3] z, bool[2,3] n) {
              x = And(a, b)
              y = Or(a, b)
              z = Xor(a, b)
              n = Not(a)
            }"""),
        "or_equal": parse("""
            g (float[2,3] a, float[3] b) => (bool[2,3] ge, bool[2,3] le) {
              ge = GreaterOrEqual(a, b)
              le = LessOrEqual(a, b)
            }"""),
        "nan_inf": parse("""
            g (float[4] x) => (bool[4] nan, bool[4] inf, bool[4] pos) {
              nan = IsNaN(x)
              inf = IsInf(x)
              pos = IsInf <detect_negative = 0> (x)
            }"""),
        "and_not_bool": parse("""
            g (float[2] a, float[2] b) => (float[2] y) { y = And(a, b) }""", names=["and"]),
    }
