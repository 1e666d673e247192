"""HannWindow, HammingWindow, BlackmanWindow (constant or run-time size), DFT."""
from common import parse


def build(out_dir):
    return {
        "windows": parse("""
            g (int32 n) => (float[?] hann, double[?] blackman, float[3] hamming) <int64 three = {3}> {
              hann = HannWindow(n)
              blackman = BlackmanWindow <periodic = 0, output_datatype = 11> (n)
              hamming = HammingWindow(three)
            }""", opset=17),
        "dft": parse("""
            g (float[2,8,1] x, float[2,8,2] z) => (float[2,5,2] y, float[2,8,2] w) <int64 len = {8}> {
              y = DFT <axis = 1, onesided = 1> (x, len)
              w = DFT <axis = 1, inverse = 1> (z)
            }""", opset=17),
    }
