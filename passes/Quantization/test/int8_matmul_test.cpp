// int8_matmul_test.cpp - the weight packing and the int8 split of weights (Int8MatMul.h)
// against direct definitions: every packed byte is where kiln.matmul_int8 reads it, padding
// is zero, and values + shift reproduce the weights with every value in int8.
#include "passes/Quantization/Int8MatMul.h"

#include <gtest/gtest.h>

#include <random>

namespace {
TEST(PackInt8Weights, EveryWeightAtItsPackedIndexAndZerosElsewhere) {
  for (auto [k, n] : {std::pair<int64_t, int64_t>{1, 1}, {3, 2}, {37, 21}, {64, 64},
                      {130, 129}}) {
    std::mt19937 rng(k * 1000 + n);
    std::vector<int32_t> w(k * n);
    for (int32_t &x : w)
      x = int32_t(rng() % 255) - 127; // non-zero mostly; zeros are checked by count below
    std::vector<int8_t> packed = kiln::packInt8Weights(w, k, n);
    int64_t nb = (n + 63) / 64, kb = (k + 3) / 4;
    ASSERT_EQ(packed.size(), size_t(nb * kb * 256));
    std::vector<bool> used(packed.size(), false);
    for (int64_t r = 0; r < k; ++r)
      for (int64_t c = 0; c < n; ++c) {
        size_t at = ((c / 64) * kb + r / 4) * 256 + (c % 64) * 4 + r % 4;
        EXPECT_EQ(packed[at], w[r * n + c]) << "k=" << r << " n=" << c;
        used[at] = true;
      }
    for (size_t i = 0; i < packed.size(); ++i)
      if (!used[i])
        EXPECT_EQ(packed[i], 0) << "padding byte " << i;
  }
}

TEST(PackInt8Weights, GroupedEachGroupsColumnsInItsOwnPanelsOrAllAsOne) {
  // [K, N] weights of G groups of cg channels (N / G columns each). Per group: column c of
  // group g = c / fg at packed[g * ceil(fg / 64) + (c % fg) / 64][k / 4][(c % fg % 64) * 4 +
  // k % 4] (16, 80 and 128 columns per group: a panel's part, a panel and a part, two
  // panels). Groups of 4 and 8 columns share vectors: packed as the dense [K, N] matrix.
  struct Case {
    int64_t k, n, groups, cg;
    bool shared;
  };
  for (Case t : {Case{72, 48, 3, 8, false}, Case{36, 160, 2, 4, false}, Case{8, 256, 2, 8, false},
                 Case{36, 128, 32, 4, true}, Case{72, 64, 8, 8, true}}) {
    std::mt19937 rng(t.k * 1000 + t.n);
    std::vector<int32_t> w(t.k * t.n);
    for (int32_t &x : w)
      x = int32_t(rng() % 255) - 127;
    std::vector<int8_t> packed = kiln::packInt8Weights(w, t.k, t.n, t.groups, t.cg);
    int64_t groups = t.shared ? 1 : t.groups;
    int64_t fg = t.n / groups, ppg = (fg + 63) / 64, kb = (t.k + 3) / 4;
    ASSERT_EQ(packed.size(), size_t(groups * ppg * kb * 256)) << "n=" << t.n;
    std::vector<bool> used(packed.size(), false);
    for (int64_t r = 0; r < t.k; ++r)
      for (int64_t c = 0; c < t.n; ++c) {
        int64_t g = c / fg, cc = c % fg;
        size_t at = ((g * ppg + cc / 64) * kb + r / 4) * 256 + (cc % 64) * 4 + r % 4;
        EXPECT_EQ(packed[at], w[r * t.n + c]) << "k=" << r << " n=" << c;
        used[at] = true;
      }
    for (size_t i = 0; i < packed.size(); ++i)
      if (!used[i])
        EXPECT_EQ(packed[i], 0) << "padding byte " << i;
  }
}

TEST(SplitInt8Weights, ColumnsThatFitAreUnshifted) {
  std::vector<int64_t> w{-128, 127, 0, 5};
  mlir::FailureOr<kiln::Int8Weights> s = kiln::splitInt8Weights(w, 2);
  ASSERT_TRUE(succeeded(s));
  EXPECT_FALSE(s->shifted);
  EXPECT_EQ(s->values, (std::vector<int32_t>{-128, 127, 0, 5}));
}

TEST(SplitInt8Weights, Uint8ColumnsShiftByTheirMinimumPlus128) {
  // Column 0 spans [-114, 141] (uint8 weights minus zero point 114), column 1 fits.
  std::vector<int64_t> w{-114, 3, 141, -4, 0, 100};
  mlir::FailureOr<kiln::Int8Weights> s = kiln::splitInt8Weights(w, 2);
  ASSERT_TRUE(succeeded(s));
  EXPECT_TRUE(s->shifted);
  EXPECT_EQ(s->shift, (std::vector<int64_t>{14, 0}));
  for (size_t i = 0; i < w.size(); ++i) {
    EXPECT_EQ(s->values[i] + s->shift[i % 2], w[i]);
    EXPECT_GE(s->values[i], -128);
    EXPECT_LE(s->values[i], 127);
  }
}

TEST(SplitInt8Weights, ASpanOverAByteFails) {
  std::vector<int64_t> w{-200, 100};
  EXPECT_TRUE(failed(kiln::splitInt8Weights(w, 1)));
}
} // namespace
