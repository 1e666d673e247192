//===- Space.cpp - knobs per workload kind --------------------------------===//
#include "autotune/workload/Space.h"

#include "mlir/IR/BuiltinAttributes.h"

#include <algorithm>

using namespace mlir;

namespace kiln::tune {
namespace {
/// Candidate values that are at most `extent` (the extent itself if none fits).
std::vector<int64_t> upTo(int64_t extent, std::initializer_list<int64_t> candidates) {
  std::vector<int64_t> out;
  for (int64_t c : candidates)
    if (c <= extent)
      out.push_back(c);
  if (out.empty())
    out.push_back(extent);
  return out;
}

/// Output-pixel register tiles: the candidates up to `extent`, and `extent` itself when it is
/// smaller than 16 (the default schedules clamp their tile to a narrow row: ow 5 -> 5).
std::vector<int64_t> pixelTiles(int64_t extent) {
  std::vector<int64_t> out = upTo(extent, {1, 2, 3, 4, 6, 7, 8, 14, 16});
  if (extent < 16 && !llvm::is_contained(out, extent))
    out.push_back(extent);
  return out;
}

/// Divisors of `extent` between 4 and `limit` (the extent itself when it fits), at most eight:
/// multiples of 8 first (they vectorize without odd remainders), then evenly spread others.
std::vector<int64_t> dividing(int64_t extent, int64_t limit) {
  std::vector<int64_t> all, preferred, rest;
  for (int64_t d = 4; d <= std::min(extent, limit); ++d)
    if (extent % d == 0)
      all.push_back(d);
  if (all.empty())
    return {largestDivisorAtMost(extent, limit)};
  for (int64_t d : all)
    (d % 8 == 0 ? preferred : rest).push_back(d);
  std::vector<int64_t> out(preferred.end() - std::min<size_t>(preferred.size(), 8), preferred.end());
  for (size_t i = 0; out.size() < 8 && i < rest.size(); ++i)
    out.push_back(rest[rest.size() - 1 - i]);
  std::sort(out.begin(), out.end());
  return out;
}

/// Divisors of `extent` (1 and the extent included), at most `count`, spread evenly over
/// the sorted list (cache-tile choices such as rows of output pixels).
std::vector<int64_t> someDivisors(int64_t extent, size_t count) {
  std::vector<int64_t> all;
  for (int64_t d = 1; d <= extent; ++d)
    if (extent % d == 0)
      all.push_back(d);
  if (all.size() <= count)
    return all;
  std::vector<int64_t> out;
  for (size_t i = 0; i < count; ++i)
    out.push_back(all[i * (all.size() - 1) / (count - 1)]);
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

/// Ops with fewer loop iterations than this run on one thread (as addParallelSplit decides).
constexpr int64_t kMinParallelIterations = 1 << 14;

/// Applies the `par` knob: which of the parallel dims `dims` whose cache tiles are in
/// `outerTiles` run over the thread pool (0: all of them, i: only dims[i-1]); the others stay
/// sequential loops inside it, which also sets the order of the cache-level loops.
void applyParallelChoice(const Workload &w, Schedule &s, int64_t par, ArrayRef<size_t> dims) {
  int64_t iterations = 1;
  for (int64_t r : w.loopRanges)
    iterations *= r;
  if (par <= 0 || iterations < kMinParallelIterations)
    return; // the default split (addParallelSplit)
  SmallVector<int64_t> parallel(w.loopRanges.size(), 0);
  size_t d = dims[std::min<size_t>(par - 1, dims.size() - 1)];
  int64_t tile = s.outerTiles[d];
  if (tile <= 0 || tile >= w.loopRanges[d])
    return; // nothing to split there: the default split
  parallel[d] = tile;
  s.outerTiles[d] = 0;
  s.parallelTiles = parallel;
}

int64_t value(const SearchSpace &space, const Config &config, StringRef name) {
  for (size_t i = 0; i < space.knobs.size(); ++i)
    if (space.knobs[i].name == name)
      return space.knobs[i].values[config[i]];
  return 0;
}
} // namespace

std::optional<int64_t> legacyKnobValue(const Knob &knob) {
  if (knob.name == "reg_k")
    return 1; // one k step per register tile
  if (knob.name == "par")
    return 0; // the default parallel split
  if (knob.name == "block_oh" && !knob.values.empty())
    return knob.values.back(); // whole rows (the largest divisor is the extent)
  return std::nullopt;
}

SearchSpace spaceFor(const Workload &w) {
  SearchSpace s;
  auto &r = w.loopRanges;
  switch (w.kind) {
  case WorkloadKind::Matmul:
  case WorkloadKind::BatchMatmul: {
    size_t b = w.kind == WorkloadKind::BatchMatmul ? 1 : 0;
    s.knobs = {{"tile_m", dividing(r[b], 256)},
               {"tile_n", dividing(r[b + 1], 512)},
               {"tile_k", dividing(r[b + 2], 512)},
               {"reg_m", upTo(r[b], {1, 2, 3, 4, 6, 8, 12})},
               {"reg_n", upTo(r[b + 1], {8, 16, 32, 48, 64})},
               {"reg_k", upTo(r[b + 2], {1, 2, 4, 8})},
               {"par", {0, 1, 2}}};
    break;
  }
  case WorkloadKind::ConvNhwc: // (n, oh, ow, f, kh, kw, c)
    s.knobs = {{"reg_ow", pixelTiles(r[2])},
               {"reg_f", upTo(r[3], {8, 16, 32, 48, 64})},
               {"step_c", dividing(r[6], 64)},
               {"block_f", dividing(r[3], 256)},
               {"block_oh", someDivisors(r[1], 6)},
               {"par", {0, 1, 2}}};
    break;
  case WorkloadKind::DepthwiseNhwc: // (n, oh, ow, c, kh, kw)
    s.knobs = {{"reg_ow", pixelTiles(r[2])},
               {"reg_c", upTo(r[3], {8, 16, 32, 64})},
               {"block_oh", someDivisors(r[1], 6)}};
    break;
  case WorkloadKind::Generic:
    s.knobs = {{"vector", upTo(r.back(), {8, 16, 32, 64, 128})}};
    break;
  }
  return s;
}

Schedule scheduleFor(const Workload &w, const SearchSpace &space, const Config &config) {
  Schedule s = chooseDefaultSchedule(w.anchor);
  if (config.empty()) {
    addParallelSplit(w.anchor, s);
    return s;
  }
  auto v = [&](StringRef name) { return value(space, config, name); };
  auto &r = w.loopRanges;
  switch (w.kind) {
  case WorkloadKind::Matmul:
  case WorkloadKind::BatchMatmul: {
    size_t b = w.kind == WorkloadKind::BatchMatmul ? 1 : 0;
    s.outerTiles.assign(b, 1);
    s.outerTiles.append({v("tile_m"), v("tile_n"), v("tile_k")});
    s.innerTiles.assign(b, 1);
    s.innerTiles.append({std::min(v("reg_m"), v("tile_m")), std::min(v("reg_n"), v("tile_n")),
                         std::min(v("reg_k"), v("tile_k"))});
    s.parallelTiles.clear();
    applyParallelChoice(w, s, v("par"), {b, b + 1});
    break;
  }
  case WorkloadKind::ConvNhwc: {
    int64_t block = v("block_f"), rows = v("block_oh");
    s.outerTiles = {0, rows < r[1] ? rows : 0, 0, block, 0, 0, 0};
    s.innerTiles = {1, 1, v("reg_ow"), std::min(v("reg_f"), block), 1, 1, v("step_c")};
    s.parallelTiles.clear();
    applyParallelChoice(w, s, v("par"), {1, 3});
    break;
  }
  case WorkloadKind::DepthwiseNhwc: {
    int64_t rows = v("block_oh");
    s.outerTiles = {0, rows < r[1] ? rows : 0, 0, 0, 0, 0};
    s.innerTiles = {1, 1, v("reg_ow"), v("reg_c"), 1, 0};
    s.parallelTiles.clear();
    break;
  }
  case WorkloadKind::Generic:
    if (!s.innerTiles.empty() && s.innerTiles.back() > 0)
      s.innerTiles.back() = v("vector");
    s.parallelTiles.clear();
    break;
  }
  addParallelSplit(w.anchor, s);
  return s;
}

std::optional<Config> defaultConfig(const Workload &w, const SearchSpace &space) {
  Schedule d = chooseDefaultSchedule(w.anchor);
  auto &r = w.loopRanges;
  auto at = [](const SmallVector<int64_t> &t, size_t i, int64_t whole) {
    return i < t.size() && t[i] > 0 ? t[i] : whole;
  };
  std::map<std::string, int64_t> v;
  switch (w.kind) {
  case WorkloadKind::Matmul:
  case WorkloadKind::BatchMatmul: {
    size_t b = w.kind == WorkloadKind::BatchMatmul ? 1 : 0;
    v = {{"tile_m", at(d.outerTiles, b, r[b])},     {"tile_n", at(d.outerTiles, b + 1, r[b + 1])},
         {"tile_k", at(d.outerTiles, b + 2, r[b + 2])}, {"reg_m", at(d.innerTiles, b, 1)},
         {"reg_n", at(d.innerTiles, b + 1, 1)},     {"reg_k", at(d.innerTiles, b + 2, 1)},
         {"par", 0}};
    break;
  }
  case WorkloadKind::ConvNhwc:
    v = {{"reg_ow", at(d.innerTiles, 2, 1)}, {"reg_f", at(d.innerTiles, 3, 1)},
         {"step_c", at(d.innerTiles, 6, r[6])}, {"block_f", at(d.outerTiles, 3, r[3])},
         {"block_oh", r[1]}, {"par", 0}};
    break;
  case WorkloadKind::DepthwiseNhwc:
    v = {{"reg_ow", at(d.innerTiles, 2, 1)}, {"reg_c", at(d.innerTiles, 3, 1)}, {"block_oh", r[1]}};
    break;
  case WorkloadKind::Generic:
    if (d.innerTiles.empty() || d.innerTiles.back() <= 0)
      return std::nullopt;
    v = {{"vector", d.innerTiles.back()}};
    break;
  }
  FailureOr<Config> c = configFromValues(space, v);
  if (failed(c))
    return std::nullopt;
  // Only if the config really stands for the default schedule.
  Schedule mine = scheduleFor(w, space, *c), theirs = scheduleFor(w, space, Config{});
  if (mine.parallelTiles != theirs.parallelTiles || mine.outerTiles != theirs.outerTiles ||
      mine.innerTiles != theirs.innerTiles)
    return std::nullopt;
  return *c;
}

DictionaryAttr scheduleAttr(MLIRContext *ctx, const Schedule &s) {
  Builder b(ctx);
  return b.getDictionaryAttr({b.getNamedAttr("parallel", b.getDenseI64ArrayAttr(s.parallelTiles)),
                              b.getNamedAttr("outer", b.getDenseI64ArrayAttr(s.outerTiles)),
                              b.getNamedAttr("inner", b.getDenseI64ArrayAttr(s.innerTiles)),
                              b.getNamedAttr("vectorize", b.getBoolAttr(s.vectorize))});
}

std::map<std::string, int64_t> knobValues(const SearchSpace &space, const Config &config) {
  std::map<std::string, int64_t> out;
  for (size_t i = 0; i < space.knobs.size() && i < config.size(); ++i)
    out[space.knobs[i].name] = space.knobs[i].values[config[i]];
  return out;
}

FailureOr<Config> configFromValues(const SearchSpace &space,
                                   const std::map<std::string, int64_t> &values) {
  Config config;
  for (const Knob &k : space.knobs) {
    auto it = values.find(k.name);
    int64_t value = 0;
    if (it != values.end())
      value = it->second;
    else if (std::optional<int64_t> legacy = legacyKnobValue(k))
      value = *legacy; // a record from before the knob existed: what the schedule did then
    else
      return failure();
    auto pos = std::find(k.values.begin(), k.values.end(), value);
    if (pos == k.values.end())
      return failure();
    config.push_back(pos - k.values.begin());
  }
  return config;
}
} // namespace kiln::tune
