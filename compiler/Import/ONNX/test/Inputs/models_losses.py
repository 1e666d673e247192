"""Loss ops: NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss."""
from common import parse


def build(out_dir):
    return {
        "nll": parse("""
            g (float[2,3,4] x, int64[2,4] t, float[3] w) => (float[] loss, float[2,4] each) {
              loss = NegativeLogLikelihoodLoss <ignore_index = 1> (x, t, w)
              each = NegativeLogLikelihoodLoss <reduction = "none"> (x, t)
            }"""),
        "sce": parse("""
            g (float[2,3] x, int64[2] t) => (float[] loss, float[2,3] logp) {
              loss, logp = SoftmaxCrossEntropyLoss <reduction = "sum"> (x, t)
            }"""),
        "nll_bad_target": parse("""
            g (float[2,3,4] x, int64[2] t) => (float[] loss) {
              loss = NegativeLogLikelihoodLoss (x, t)
            }""", names=["nll"]),
    }
