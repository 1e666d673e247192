//===- ToyProblem.h - a synthetic tuning problem (space, features, fake runner) for tests ---===//
#ifndef KILN_AUTOTUNE_TEST_TOYPROBLEM_H
#define KILN_AUTOTUNE_TEST_TOYPROBLEM_H

#include "autotune/TuningUtil.h"

#include <cmath>
#include <vector>

namespace kiln::tune::test {

/// 4 knobs × 8 values = 4096 configs; a smooth landscape with one best config, a little
/// deterministic roughness, and failing configs (tile_m × tile_n too large).
struct ToyProblem {
  SearchSpace space;
  double flops = 2.0e9;
  /// Where the landscape peaks, in log2 units of each knob (shifts it between workloads).
  double peak[4] = {4.2, 2.8, 3.1, 5.0};

  ToyProblem() {
    std::vector<int64_t> pow2 = {1, 2, 4, 8, 16, 32, 64, 128};
    space.knobs = {
        {"tile_m", pow2}, {"tile_n", pow2}, {"vector", pow2}, {"unroll", {1, 2, 3, 4, 5, 6, 7, 8}}};
  }

  /// log2 of the knob values (unroll as is): the coordinates of the landscape.
  std::vector<double> coords(const Config &c) const {
    std::vector<double> x;
    for (size_t k = 0; k < 4; ++k) {
      double v = static_cast<double>(space.knobs[k].values[c[k]]);
      x.push_back(k == 3 ? v : std::log2(v));
    }
    return x;
  }

  bool fails(const Config &c) const { return c[0] + c[1] >= 13; } // tile_m*tile_n >= 8192

  /// The synthetic throughput in GFLOP/s (0 for a failing config).
  double gflops(const Config &c) const {
    if (fails(c))
      return 0;
    std::vector<double> x = coords(c);
    double d = 0;
    const double width[4] = {3.0, 3.0, 2.0, 6.0};
    for (size_t k = 0; k < 4; ++k)
      d += (x[k] - peak[k]) * (x[k] - peak[k]) / width[k];
    double rough = 0.03 * static_cast<double>(ConfigHash{}(c) % 1000) / 1000.0;
    return 100.0 * std::exp(-d) * (1.0 + rough) + 0.5;
  }

  /// Shape-independent features: the coordinates and a few products.
  std::vector<float> features(const Config &c) const {
    std::vector<double> x = coords(c);
    return {static_cast<float>(x[0]),        static_cast<float>(x[1]),
            static_cast<float>(x[2]),        static_cast<float>(x[3]),
            static_cast<float>(x[0] + x[1]), static_cast<float>(x[2] - x[1]),
            static_cast<float>(x[0] * x[3])};
  }

  /// The fake runner: a measurement of `c`.
  Measurement measure(const Config &c) const {
    Measurement m;
    m.config = c;
    if (fails(c)) {
      m.error = "tile does not fit the registers";
      return m;
    }
    m.gflops = gflops(c);
    m.seconds = flops / (m.gflops * 1e9);
    return m;
  }

  /// The best config, by enumeration.
  Config optimum() const {
    Config best;
    double bestValue = -1;
    for (uint64_t i = 0; i < space.size(); ++i) {
      Config c = configAt(space, i);
      if (gflops(c) > bestValue) {
        bestValue = gflops(c);
        best = c;
      }
    }
    return best;
  }
};

} // namespace kiln::tune::test

#endif
