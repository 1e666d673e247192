"""Resize (opset 10, 11, 13) and Upsample (opset 7, 9): constant or run-time scales / sizes."""
from common import parse


def build(out_dir):
    return {
        "resize_constant": parse("""
            g (float[1,2,4,4] x) => (float[1,2,8,2] y, float[1,2,4,4] same) <float[4] s = {1, 1, 2, 0.5},
                                                       float[4] one = {1, 1, 1, 1}> {
              y = Resize <mode = "linear", coordinate_transformation_mode = "align_corners"> (x, , s)
              same = Resize(x, , one)
            }"""),
        "resize_runtime": parse("""
            g (float[1,1,4,4] x, int64[4] sizes, float[8] roi) => (float[?,?,?,?] y, float[?,?,?,?] z) {
              y = Resize <mode = "cubic", cubic_coeff_a = -0.5, exclude_outside = 1> (x, , , sizes)
              z = Resize <coordinate_transformation_mode = "tf_crop_and_resize",
                          extrapolation_value = 10.0> (x, roi, , sizes)
            }"""),
        "upsample": parse("""
            g (float[1,1,2,2] x, float[4] s) => (float[?,?,?,?] y) { y = Upsample(x, s) }""", opset=9),
        "upsample_7": parse("""
            g (float[1,1,2,2] x) => (float[1,1,4,6] y) { y = Upsample <scales = [1.0, 1.0, 2.0, 3.0]> (x) }""",
                            opset=7),
    }
