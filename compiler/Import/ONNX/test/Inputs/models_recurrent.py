"""Recurrent layers unrolled over their static sequence: RNN, GRU, LSTM."""
from common import parse


def build(out_dir):
    return {
        "rnn": parse("""
            g (float[2,1,3] x, float[1,4,3] w, float[1,4,4] r) => (float[2,1,1,4] y,
                                                                   float[1,1,4] h) {
              y, h = RNN <hidden_size = 4> (x, w, r)
            }"""),
        "gru": parse("""
            g (float[1,2,3] x, float[1,12,3] w, float[1,12,4] r, float[1,24] b)
              => (float[1,2,4] h) {
              y, h = GRU <hidden_size = 4, linear_before_reset = 1> (x, w, r, b)
            }"""),
        "lstm_bidirectional": parse("""
            g (float[2,1,3] x, float[2,16,3] w, float[2,16,4] r)
              => (float[2,2,1,4] y, float[2,1,4] h, float[2,1,4] c) {
              y, h, c = LSTM <hidden_size = 4, direction = "bidirectional"> (x, w, r)
            }"""),
        "rnn_activation": parse("""
            g (float[2,1,3] x, float[1,4,3] w, float[1,4,4] r) => (float[2,1,1,4] y) {
              y = RNN <hidden_size = 4, activations = ["Softsign"]> (x, w, r)
            }""", names=["rnn"]),
    }
