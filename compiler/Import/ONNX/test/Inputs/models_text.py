"""TfIdfVectorizer over integer n-grams (with skips, TF / IDF / TFIDF)."""
from common import parse


def build(out_dir):
    return {
        "tfidf": parse("""
            g (int32[2,6] x) => (float[2,4] y) {
              y = TfIdfVectorizer <mode = "TFIDF", min_gram_length = 1, max_gram_length = 2,
                                   max_skip_count = 1, ngram_counts = [0, 2],
                                   ngram_indexes = [3, 2, 1, 0], pool_int64s = [4, 5, 4, 5, 6, 7],
                                   weights = [1.0, 2.0, 3.0, 4.0]> (x)
            }""", opset=9),
        "tfidf_strings": parse("""
            g (int32[6] x) => (float[1] y) {
              y = TfIdfVectorizer <mode = "TF", min_gram_length = 1, max_gram_length = 1,
                                   max_skip_count = 0, ngram_counts = [0], ngram_indexes = [0],
                                   pool_strings = ["a"]> (x)
            }""", opset=9, names=["tfidf"]),
    }
