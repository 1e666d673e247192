"""MaxPool, AveragePool and the global pools."""
from common import parse


def build(out_dir):
    return {
        "maxpool": parse("""
            g (float[1,2,8,8] x) => (float[1,2,4,4] a, float[1,2,3,3] b, float[1,2,4,4] c) {
              a = MaxPool <kernel_shape = [3, 3], strides = [2, 2], ceil_mode = 1> (x)
              b = MaxPool <kernel_shape = [2, 2], strides = [2, 2], dilations = [2, 2]> (x)
              c = MaxPool <kernel_shape = [3, 3], strides = [2, 2], auto_pad = "SAME_UPPER"> (x)
            }"""),
        "avgpool": parse("""
            g (float[1,2,6,6] x) => (float[1,2,3,3] a, float[1,2,3,3] b) {
              a = AveragePool <kernel_shape = [3, 3], strides = [2, 2], pads = [1, 1, 1, 1],
                               count_include_pad = 1> (x)
              b = AveragePool <kernel_shape = [2, 2], strides = [2, 2]> (x)
            }"""),
        "global_pool": parse("""
            g (float[1,8,5,5] x, float[2,3,10] x1) => (float[1,8,1,1] a, float[2,3,1] b) {
              a = GlobalAveragePool(x)
              b = GlobalMaxPool(x1)
            }"""),
        "maxpool_indices": parse("""
            g (float[1,2,4,4] x) => (float[1,2,2,2] y, int64[1,2,2,2] i) {
              y, i = MaxPool <kernel_shape = [2, 2], strides = [2, 2], storage_order = 1> (x)
            }""", names=["pool_with_indices"]),
    }
