//===- Features.cpp - loop-nest features from the anchor op and its tiles --===//
#include "autotune/features/Features.h"

#include "mlir/IR/AffineExprVisitor.h"

#include <cmath>

using namespace mlir;

namespace kiln::tune {
namespace {
float lg(double v) { return static_cast<float>(std::log2(std::max(v, 1.0))); }

/// Tile extent per loop at each level: register (innermost), cache, parallel task, whole.
struct Levels {
  std::vector<std::vector<int64_t>> tiles; // [level][loop]
};

Levels levelsOf(const std::vector<int64_t> &ranges, const Schedule &s) {
  auto level = [&](const SmallVector<int64_t> &t, const std::vector<int64_t> &parent) {
    std::vector<int64_t> out(parent);
    for (size_t d = 0; d < out.size() && d < t.size(); ++d)
      if (t[d] > 0)
        out[d] = std::min(t[d], parent[d]);
    return out;
  };
  std::vector<int64_t> whole = ranges;
  std::vector<int64_t> task = level(s.parallelTiles, whole);
  std::vector<int64_t> cache = level(s.outerTiles, task);
  std::vector<int64_t> reg = level(s.innerTiles, cache);
  return {{reg, cache, task, whole}};
}

/// Elements an operand touches within a tile: each result expr of its map spans
/// 1 + sum |coef| * (tile - 1) over the loops it uses.
double footprint(AffineMap map, const std::vector<int64_t> &tile) {
  double elements = 1;
  for (AffineExpr e : map.getResults()) {
    int64_t span = 1;
    e.walk([&](AffineExpr sub) {
      if (auto bin = dyn_cast<AffineBinaryOpExpr>(sub)) {
        if (bin.getKind() != AffineExprKind::Mul)
          return;
        auto dim = dyn_cast<AffineDimExpr>(bin.getLHS());
        auto cst = dyn_cast<AffineConstantExpr>(bin.getRHS());
        if (dim && cst)
          span += std::abs(cst.getValue()) * (tile[dim.getPosition()] - 1) -
                  (tile[dim.getPosition()] - 1); // replaces the plain-dim count below
      } else if (auto dim = dyn_cast<AffineDimExpr>(sub)) {
        span += tile[dim.getPosition()] - 1;
      }
    });
    elements *= span;
  }
  return elements;
}

double product(const std::vector<int64_t> &v) {
  double p = 1;
  for (int64_t x : v)
    p *= x;
  return p;
}
} // namespace

const std::vector<std::string> &featureNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n = {"log_flops", "log_tasks", "log_cache_iters", "log_reg_iters",
                                  "log_reg_elems", "vector_width", "reg_intensity",
                                  "peeled_share", "is_matmul", "is_conv", "is_depthwise",
                                  "is_generic"};
    for (const char *level : {"reg", "cache", "task"})
      for (int op = 0; op < 3; ++op) {
        n.push_back(std::string("log_bytes_") + level + "_op" + std::to_string(op));
        n.push_back(std::string("reuse_") + level + "_op" + std::to_string(op));
      }
    for (const char *name : {"vector_accumulators", "spills", "vector_width_is_16k",
                             "log_reduction_reg_elems", "log_weight_cache_bytes_vs_l2",
                             "odd_task_count", "innermost_remainder_share"})
      n.push_back(name);
    while (n.size() < kFeatureLength)
      n.push_back("reserved_" + std::to_string(n.size()));
    return n;
  }();
  return names;
}

std::vector<float> extractFeatures(const Workload &w, const Schedule &s) {
  std::vector<float> f(kFeatureLength, 0.f);
  Levels lv = levelsOf(w.loopRanges, s);
  const auto &reg = lv.tiles[0], &cache = lv.tiles[1], &task = lv.tiles[2], &whole = lv.tiles[3];
  f[0] = lg(w.flops);
  f[1] = lg(product(whole) / product(task));
  f[2] = lg(product(task) / product(cache));
  f[3] = lg(product(cache) / product(reg));
  f[4] = lg(product(reg));
  f[5] = static_cast<float>(reg.empty() ? 1 : reg.back());
  auto maps = linalg::LinalgOp(w.anchor).getIndexingMapsArray();
  double regBytes = 0;
  for (AffineMap m : maps)
    regBytes += footprint(m, reg);
  f[6] = static_cast<float>(product(reg) / std::max(regBytes, 1.0));
  // Share of the iteration space in partial (peeled) register tiles.
  double full = 1;
  for (size_t d = 0; d < reg.size(); ++d)
    full *= static_cast<double>(whole[d] / std::max<int64_t>(reg[d], 1) * reg[d]) / whole[d];
  f[7] = static_cast<float>(1 - full);
  f[8] = w.kind == WorkloadKind::Matmul || w.kind == WorkloadKind::BatchMatmul;
  f[9] = w.kind == WorkloadKind::ConvNhwc;
  f[10] = w.kind == WorkloadKind::DepthwiseNhwc;
  f[11] = w.kind == WorkloadKind::Generic;
  // Register pressure and shape of the innermost vector work (version 2).
  auto iterators = linalg::LinalgOp(w.anchor).getIteratorTypesArray();
  double parallelRegElems = 1, reductionRegElems = 1;
  for (size_t d = 0; d < reg.size(); ++d)
    (iterators[d] == utils::IteratorType::parallel ? parallelRegElems : reductionRegElems) *=
        reg[d];
  double accumulators = std::ceil(parallelRegElems / 16.0); // f32 lanes of a zmm register
  f[30] = static_cast<float>(accumulators);
  f[31] = accumulators > 28 ? 1.f : 0.f; // spills past the 32 registers (minus operands)
  f[32] = reg.empty() ? 0.f : static_cast<float>(reg.back() % 16 == 0);
  f[33] = lg(reductionRegElems);
  f[34] = maps.size() > 1 ? lg(footprint(maps[1], cache) * 4) - 21 : 0; // weights vs 2 MB L2
  f[35] = static_cast<float>(static_cast<int64_t>(product(whole) / product(task)) % 2);
  f[36] = reg.empty() ? 0.f : static_cast<float>(whole.back() % std::max<int64_t>(reg.back(), 1)) /
                                  std::max<int64_t>(reg.back(), 1);
  size_t i = 12;
  for (const auto *tile : {&reg, &cache, &task})
    for (size_t op = 0; op < 3; ++op, i += 2) {
      if (op >= maps.size())
        continue;
      double elems = footprint(maps[op], *tile);
      f[i] = lg(elems * 4);
      f[i + 1] = static_cast<float>(product(*tile) / std::max(elems, 1.0));
    }
  return f;
}
} // namespace kiln::tune
