"""Arithmetic, comparison, Where and Cast models."""
from common import parse


def build(out_dir):
    return {
        "det": parse("""
            g (float[3,2,2] x) => (float[3] y) { y = Det(x) }""", opset=11),
        "add_broadcast": parse("""
            g (float[2,3] a, float[3] b) => (float[2,3] c) { c = Add(a, b) }"""),
        "arith": parse("""
            g (float[2,3] a, float[2,1] b) => (float[2,3] r) {
              s = Sub(a, b)
              m = Mul(s, a)
              r = Div(m, b)
            }"""),
        "pow_int_exponent": parse("""
            g (float[4] x) => (float[4] y) <int64[1] e = {2}> { y = Pow(x, e) }"""),
        "variadic": parse("""
            g (float[2,3] a, float[3] b, float[1] c) => (float[2,3] mn, float[2,3] mx,
                                                         float[2,3] sm, float[2,3] me,
                                                         float[2,3] one) {
              mn = Min(a, b, c)
              mx = Max(a, b)
              sm = Sum(a, b, c)
              me = Mean(a, b)
              one = Sum(a)
            }"""),
        "unary": parse("""
            g (float[5] x) => (float[5] y) {
              t0 = Sqrt(x)
              t1 = Exp(t0)
              t2 = Log(t1)
              t3 = Erf(t2)
              t4 = Neg(t3)
              t5 = Abs(t4)
              t6 = Reciprocal(t5)
              t7 = Floor(t6)
              y = Ceil(t7)
            }"""),
        "compare_where": parse("""
            g (float[2,3] a, float[3] b) => (float[2,3] y, bool[2,3] eq, bool[2,3] gt) {
              lt = Less(a, b)
              gt = Greater(a, b)
              eq = Equal(a, b)
              y = Where(lt, a, b)
            }"""),
        "cast": parse("""
            g (float[2,3] a) => (int32[2,3] i, float[2,3] same) {
              i = Cast <to = 6> (a)
              same = Cast <to = 1> (a)
            }"""),
        "pow_int_base": parse("""
            g (int32[4] x, float[4] e) => (int32[4] y) { y = Pow(x, e) }"""),
        "more_math": parse("""
            g (float[4] x, int32[4] i, int32[4] j) => (float[4] y, int32[4] m, float[4] s,
                                                       int32[4] c) {
              t0 = Round(x)
              t1 = Sin(t0)
              t2 = Cos(t1)
              t3 = Tan(t2)
              t4 = Asin(t3)
              t5 = Acos(t4)
              t6 = Atan(t5)
              t7 = Sinh(t6)
              t8 = Cosh(t7)
              t9 = Asinh(t8)
              t10 = Acosh(t9)
              y = Atanh(t10)
              m = Mod(i, j)
              s = Sign(x)
              c = CastLike(x, i)
            }""", opset=15),
        "fmod": parse("""
            g (float[4] x, float[1] y) => (float[4] z) { z = Mod <fmod = 1> (x, y) }"""),
        "float_mod_without_fmod": parse("""
            g (float[4] x, float[4] y) => (float[4] z) { z = Mod(x, y) }""", names=["mod"]),
        "legacy_broadcast": parse("""
            g (float[2,3,4] a, float[3] b, float[3,4] c) => (float[2,3,4] y, float[2,3,4] z) {
              y = Add <broadcast = 1, axis = 1> (a, b)
              z = Mul <broadcast = 1> (a, c)
            }""", opset=6),
        "cast_named": parse("""
            g (float[2] x) => (int64[2] y) { y = Cast <to = "INT64"> (x) }""", opset=5),
        "cast_folds": parse("""
            g () => (float[3] y) <int64[3] c = {1, 2, 3}> { y = Cast <to = 1> (c) }"""),
        "unsigned": parse("""
            g (uint8[4] a, uint16[4] b, uint32[4] c, uint64[4] d) => (uint8[4] q, uint16[4] l,
                                                                     uint32[4] r, float[4] f)
              <uint64[1] k = {1}> {
              q = Div(a, a)
              l = BitShift <direction = "LEFT"> (b, b)
              r = BitShift <direction = "RIGHT"> (c, c)
              e = Add(d, k)
              f = Cast <to = 1> (e)
            }""", opset=13),
        "bitshift_bad_direction": parse("""
            g (uint8[4] a) => (uint8[4] b) { b = BitShift <direction = "UP"> (a, a) }""",
            names=["shift"], opset=13),
    }
