"""Recurrent layers: RNN, GRU, LSTM as an input projection matmul + kiln.recurrent."""
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
            g (float[2,1,3] x, float[2,16,3] w, float[2,16,4] r, float[2,32] b, int32[1] lens,
               float[2,1,4] h0, float[2,1,4] c0, float[2,12] p)
              => (float[2,2,1,4] y, float[2,1,4] h, float[2,1,4] c) {
              y, h, c = LSTM <hidden_size = 4, direction = "bidirectional", clip = 2.0>
                        (x, w, r, b, lens, h0, c0, p)
            }"""),
        "lstm_layout1": parse("""
            g (float[3,5,2] x, float[1,64,2] w, float[1,64,16] r, float[3,1,16] h0)
              => (float[3,5,1,16] y, float[3,1,16] h) {
              y, h = LSTM <hidden_size = 16, layout = 1> (x, w, r, , , h0)
            }""", opset=14),
        "gru_symbolic": parse("""
            g (float[T,1,3] x, float[1,48,3] w, float[1,48,16] r) => (float[T,1,1,16] y) {
              y = GRU <hidden_size = 16, activations = ["HardSigmoid", "Softsign"],
                       activation_alpha = [0.3]> (x, w, r)
            }"""),
        "rnn_activation": parse("""
            g (float[2,1,3] x, float[1,4,3] w, float[1,4,4] r) => (float[2,1,1,4] y) {
              y = RNN <hidden_size = 4, activations = ["Swish"]> (x, w, r)
            }""", names=["rnn"]),
        "rnn_weights": parse("""
            g (float[2,1,3] x, float[1,4,2] w, float[1,4,4] r) => (float[2,1,1,4] y) {
              y = RNN <hidden_size = 4> (x, w, r)
            }""", names=["rnn"]),
    }
