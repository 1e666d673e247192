"""ReverseSequence and MaxUnpool: index tensors feeding gather/scatter; GridSample taps."""
from common import parse


def build(out_dir):
    return {
        "reverse_sequence": parse("""
            g (float[4,3] x, int64[3] lens) => (float[4,3] y) {
              y = ReverseSequence <batch_axis = 1, time_axis = 0> (x, lens)
            }"""),
        "max_unpool": parse("""
            g (float[1,1,2,2] x, int64[1,1,2,2] i) => (float[1,1,4,4] y) {
              y = MaxUnpool <kernel_shape = [2, 2], strides = [2, 2]> (x, i)
            }"""),
        "max_unpool_runtime_shape": parse("""
            g (float[1,1,2,2] x, int64[1,1,2,2] i, int64[4] s) => (float[1,1,4,4] y) {
              y = MaxUnpool <kernel_shape = [2, 2], strides = [2, 2]> (x, i, s)
            }""", names=["unpool"]),
        "grid_sample": parse("""
            g (float[1,2,3,4] x, float[1,2,2,2] grid) => (float[1,2,2,2] y) {
              y = GridSample <mode = "bilinear", padding_mode = "zeros"> (x, grid)
            }""", opset=16),
        "grid_sample_bad_mode": parse("""
            g (float[1,2,3,4] x, float[1,2,2,2] grid) => (float[1,2,2,2] y) {
              y = GridSample <mode = "area"> (x, grid)
            }""", opset=16, names=["gs"]),
    }
