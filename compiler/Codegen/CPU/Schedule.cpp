//===- Schedule.cpp - default schedules per kind of linalg op -------------===//
#include "compiler/Codegen/CPU/Schedule.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;

namespace kiln {
int64_t largestDivisorAtMost(int64_t extent, int64_t limit) {
  for (int64_t d = std::min(extent, limit); d > 1; --d)
    if (extent % d == 0)
      return d;
  return 1;
}

int64_t registerVectorTile(int64_t extent, int64_t limit) {
  if (extent <= 8)
    return extent;
  for (int64_t t = limit; t >= 16; t /= 2)
    if (t <= extent && (extent % t == 0 || llvm::isPowerOf2_64(extent % t)))
      return t;
  // No full-width tile leaves a power-of-two remainder (230 filters of a (2+1)-D ResNet): the
  // widest that still has 4 full tiles, its odd remainder a small part of the work. 8-lane
  // tiles (half registers) ran its convs at 40% of the speed. Measured with a 24-lane
  // remainder where 16 lanes left 8 (184 columns): 3x slower, hence the last resort.
  for (int64_t t = limit; t >= 16; t /= 2)
    if (extent >= 4 * t)
      return t;
  return 8;
}

bool readsInLoopOrder(AffineMap map) {
  int64_t last = -1;
  for (AffineExpr e : map.getResults()) {
    if (auto c = dyn_cast<AffineConstantExpr>(e); c && c.getValue() == 0)
      continue;
    auto dim = dyn_cast<AffineDimExpr>(e);
    if (!dim || int64_t(dim.getPosition()) <= last)
      return false;
    last = dim.getPosition();
  }
  return true;
}

VectorTarget vectorTargetOf(Operation *op) {
  VectorTarget t;
  for (Operation *p = op; p; p = p->getParentOp())
    if (auto dict = p->getAttrOfType<DictionaryAttr>(kTargetAttr)) {
      if (auto bits = dict.getAs<IntegerAttr>("vector_bits"))
        t.lanes = std::max<int64_t>(bits.getInt() / 32, 4);
      if (auto regs = dict.getAs<IntegerAttr>("vector_registers"))
        t.registers = regs.getInt();
      if (auto l2 = dict.getAs<IntegerAttr>("l2_bytes"))
        t.l2Bytes = l2.getInt();
      break;
    }
  return t;
}

SmallVector<int64_t> scheduleRanges(linalg::LinalgOp op) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  for (int64_t &r : ranges)
    if (ShapedType::isDynamic(r))
      r = kRepresentativeExtent;
  return ranges;
}

namespace {
/// Ops with fewer loop iterations than this run on one thread.
constexpr int64_t kMinParallelIterations = 1 << 14;
/// L1 data cache per core, both hosts measured (Zen 5, Intel Xeon): 48 KiB.
constexpr int64_t kL1Bytes = 48 << 10;

/// Register tile for the columns of a matmul: a multiple of the 16-lane vector when possible.
int64_t vectorTile(int64_t extent, int64_t limit) {
  for (int64_t d : {limit, limit / 2, (int64_t)16, (int64_t)8})
    if (d > 0 && d <= extent && extent % d == 0)
      return d;
  return largestDivisorAtMost(extent, limit);
}

/// Cache tile: a divisor of the extent (cache tiles keep static shapes; only register tiles
/// are peeled).
int64_t cacheTile(int64_t extent, int64_t limit) { return largestDivisorAtMost(extent, limit); }

/// Cache tile of the vectorized dim: a divisor whose remainder after `vector`-wide register
/// tiles is a multiple of 8 lanes (odd-width vectors like 26 lanes scalarize badly in LLVM).
/// Without such a divisor of at least `vector` (257 filters, 1001 classes), an extent of at
/// most 512 stays whole (0): its register tiles are peeled, the remainder is static.
int64_t vectorCacheTile(int64_t extent, int64_t limit, int64_t vector) {
  for (int64_t d = std::min(extent, limit); d > 1; --d)
    if (extent % d == 0 && (d % vector) % 8 == 0)
      return d >= vector || d == extent ? d : (extent <= 512 ? 0 : d);
  int64_t divisor = largestDivisorAtMost(extent, limit);
  return extent <= 512 || (divisor < vector && extent <= 4096) ? 0 : divisor;
}

/// Cache tile of a matmul's rows: the divisor of `m` up to 64 that wastes least of its
/// `rows`-row register tiles (a 13-row tile runs as 6 + 6 + 1 rows at the cost of 18), the
/// larger on ties; `m` itself (up to 256) when that wastes clearly less (169 = 13 x 13).
int64_t rowCacheTile(int64_t m, int64_t rows, int64_t limit = 64) {
  auto use = [&](int64_t d) { return double(d) / double((d + rows - 1) / rows * rows); };
  int64_t best = 1;
  for (int64_t d = 1; d <= std::min<int64_t>(m, limit); ++d)
    if (m % d == 0 && use(d) >= use(best) - 1e-9)
      best = d;
  if (m > 64 && m <= 256 && use(m) > use(best) + 0.05)
    best = m;
  return best;
}

Schedule matmulSchedule(ArrayRef<int64_t> r, size_t batchDims, VectorTarget t,
                        bool dynamicColumns) {
  Schedule s;
  int64_t m = r[batchDims], n = r[batchDims + 1], k = r[batchDims + 2];
  // Dynamic columns (attention scores over a symbolic sequence): cache tiles of 4 register
  // tiles, so that only the last partial register tile is peeled. A divisor of the
  // representative extent (240 of 960) left a 16-column remainder in every cache tile, and a
  // 32-column register tile: 45 against 175 GFLOP/s for the same product compiled static.
  int64_t nTile = dynamicColumns ? 16 * t.lanes : vectorCacheTile(n, 256, 32);
  int64_t nSpan = nTile ? nTile : n; // the columns one cache tile covers
  s.outerTiles.assign(batchDims, 1);
  s.innerTiles.assign(batchDims, 1);
  if (!t.bigRegisterFile()) {
    // 16 registers (AVX2): rank-8 updates. Per 8-row slice of B (in L1, rows contiguous) the
    // register tiles (2 rows x 4 vectors, 8 accumulators) sweep the C cache tile with k
    // unrolled by 8. Found by kiln-tune on an AMD EPYC (Zen 3), 64x1024x1024, 1 thread:
    // 79 GFLOP/s against 35 for a 6x16 tile over k blocks of 256 (whose B rows, 4 KB apart,
    // keep evicting each other from L1 and L2). 2x32 against 4x16, same run, kernel alone:
    // 2.63/2.80 vs 3.18/3.62 ms at 1 thread, 1.74/1.89 vs 1.82/2.07 ms at 2.
    int64_t regN = registerVectorTile(nSpan, 4 * t.lanes);
    int64_t kTile = cacheTile(k, 8);
    s.outerTiles.append({rowCacheTile(m, 2), nTile, kTile});
    s.innerTiles.append({std::min<int64_t>(s.outerTiles[batchDims], 2), regN, kTile});
    return s;
  }
  // 6 rows x 4 vectors (24 of the 32 zmm registers as accumulators) where the columns allow,
  // else 8 x 2; measured 6x64 vs 8x32 with AVX-512: 151 vs 138 GFLOP/s (128x768x768), 139 vs
  // 125 (64x1024x1024).
  int64_t regN = registerVectorTile(nSpan, 4 * t.lanes);
  int64_t regM = regN == 4 * t.lanes ? 6 : 8;
  // One row times a B past L2 (a classifier's or a decoder step's vector x matrix) streams B
  // from memory once: k blocks of 8 rows rather than walking 256 rows 16 KB apart per register
  // tile. AlexNet's [1, 9216] x [9216, 4096]: 8.4-9.1 -> 5.8-6.7 ms at 1 thread, 4.7 ->
  // 3.1-3.7 ms at 2 (k blocks of 4 to 16 alike). Small ones (squeeze-excite FCs) keep 256.
  bool streamsB = m == 1 && k * n >= (int64_t(1) << 20);
  // A core with 2 MiB of L2 or more (Intel Xeons) holds more of A's rows per k block: up to
  // 256 rows, k blocks of 128, where K is split anyway. kiln-tune on such a host, 1024^3, 1
  // thread: 150 GFLOP/s against 128 for 64 rows x 256 k (oneDNN's sgemm: 156); the 1 MiB L2
  // of the Zen 5 host keeps 64 x 256.
  bool bigL2 = t.l2Bytes >= (int64_t(2) << 20) && k > 256 && !streamsB;
  int64_t kTile = cacheTile(k, streamsB ? 8 : bigL2 ? 128 : 256);
  s.outerTiles.append({rowCacheTile(m, regM, bigL2 ? 256 : 64), nTile, kTile});
  // Register tiles need not divide: the last partial tile is peeled. k is unrolled by 4. On
  // the Zen 5 host, a cache tile of at most 16 rows (Winograd's batched matmuls of small
  // images, small-batch GEMMs) has too few register tiles per B row to hide its loads without
  // it: kiln-tune, resnet18, 1 thread, reg_k 4 vs 1 (median of the sampled configs):
  // batch_matmul 16x16x512x512 166 vs 110 GFLOP/s, 36x16x256x256 197 vs 168; at 49 rows and
  // more reg_k 1 was as good there. On an Intel Xeon (AVX-512, 2 MiB L2) every one of the
  // best configs kiln-tune found has reg_k 4 at any row count (784x1024x256: 152 GFLOP/s
  // against 134 for the default schedule; 1024^3: 150 against 140 with the same tiles).
  int64_t regK = kTile % 4 == 0 ? 4 : 1;
  s.innerTiles.append({std::min<int64_t>(s.outerTiles[batchDims], regM), regN, regK});
  return s;
}

/// conv_2d_nchw_fchw loops: (n, f, oh, ow, c, kh, kw). One register tile per step; kw stays
/// whole so that the tile decomposes to a 1-D convolution.
Schedule convNchwSchedule(ArrayRef<int64_t> r, VectorTarget t) {
  Schedule s;
  s.innerTiles = {1, vectorTile(r[1], 2 * t.lanes), 1, largestDivisorAtMost(r[3], 8),
                  largestDivisorAtMost(r[4], 16), 1, 0};
  return s;
}

/// Elementwise and reductions: outer parallel dims one at a time, the innermost dim in vectors;
/// reduction dims stay whole.
/// The loop that walks the innermost dim of an input the op reads across: a parallel loop
/// other than the innermost that indexes the last dim of some input (a transpose moving the
/// channels of NHWC to the front), or -1. Only for 32-bit elements (16 x 16 register
/// transposes lower to shuffles; other widths would go element by element).
int64_t transposedLoop(linalg::LinalgOp op) {
  size_t rank = op.getNumLoops();
  if (llvm::any_of(op->getOperandTypes(), [](Type t) {
        Type e = getElementTypeOrSelf(t);
        return !isa<IntegerType, FloatType>(e) || e.getIntOrFloatBitWidth() != 32;
      }))
    return -1;
  for (OpOperand *input : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(input);
    if (map.getNumResults() < 2 || !map.isProjectedPermutation())
      continue;
    int64_t d = map.getDimPosition(map.getNumResults() - 1);
    if (d + 1 != int64_t(rank) && op.getIteratorTypesArray()[d] == utils::IteratorType::parallel)
      return d;
  }
  return -1;
}

Schedule genericSchedule(linalg::LinalgOp op, ArrayRef<int64_t> r, VectorTarget t) {
  Schedule s;
  auto iterators = op.getIteratorTypesArray();
  size_t rank = r.size();
  // A transpose reads along another loop than it writes: square tiles of one vector each way
  // read rows and write rows, transposed in registers (elementwise vectors along the output's
  // last dim alone read the input at a stride: 5 GB/s for NHWC -> NCHW).
  int64_t across = transposedLoop(op);
  bool innermostParallel = rank > 0 && iterators[rank - 1] == utils::IteratorType::parallel;
  SmallVector<int64_t> staticRanges = op.getStaticLoopRanges();
  // Trailing loops of one iteration (an NHWC map of one channel: a mask, a matte, a depth
  // map) leave the vector to the last loop with more, where every operand reads the loops in
  // order: the same contiguous elements, 16 lanes at a time instead of one (kiln-cpu-lower-
  // vector-ops then drops the unit dims of the vectors).
  size_t vectorLoop = rank;
  if (across < 0 && innermostParallel && llvm::all_of(op.getIndexingMapsArray(), [](AffineMap m) {
        return m.isProjectedPermutation() && readsInLoopOrder(m);
      }))
    while (vectorLoop > 1 && staticRanges[vectorLoop - 1] == 1 &&
           iterators[vectorLoop - 2] == utils::IteratorType::parallel)
      --vectorLoop;
  if (vectorLoop < rank) {
    s.innerTiles.assign(rank, 1);
    s.innerTiles[vectorLoop - 1] = registerVectorTile(r[vectorLoop - 1], 4 * t.lanes);
    return s;
  }
  for (size_t i = 0; i < rank; ++i) {
    bool parallel = iterators[i] == utils::IteratorType::parallel;
    // A reduction over outer dims (a global average pool over NHWC's H and W) steps through
    // them one at a time, each step a vector accumulation along the innermost dim; an
    // innermost reduction stays whole (a vector reduction), or, over a dynamic dim (softmax
    // over a symbolic sequence), runs in vector steps of 4 registers with a peeled remainder
    // (whole, the dynamic dim was left to run one element at a time).
    if (!parallel && innermostParallel && i + 1 < rank)
      s.innerTiles.push_back(1);
    else if (!parallel)
      s.innerTiles.push_back(i + 1 == rank && ShapedType::isDynamic(staticRanges[i]) ? 4 * t.lanes
                                                                                     : 0);
    else if (i + 1 == rank)
      s.innerTiles.push_back(across >= 0 ? std::min(r[i], t.lanes)
                                         : registerVectorTile(r[i], 4 * t.lanes));
    else if (int64_t(i) == across)
      s.innerTiles.push_back(std::min(r[i], t.lanes));
    else
      s.innerTiles.push_back(1);
  }
  return s;
}
} // namespace

/// Channel blocks of an NHWC conv: a filter block's [kh, kw, c, f] weights past
/// kConvWeightBlockLimit are split in channel blocks of at most kConvWeightBlockBytes. 1 thread,
/// AMD Zen 5 (1 MB L2), 3x3 convs at 40x40 (fcn_resnet50's): 2048 -> 512 channels (4.7 MB per
/// block of 64 filters) 633-711 ms whole, 423-467 in blocks of 256 channels, 446-465 of 128;
/// 512 -> 512 (1.2 MB) 84-86 ms whole, 93-100 in blocks of 128; 256 -> 256 (590 KB) 16.5 ms
/// whole, 23.5 in blocks of 128 (the epilogue then runs per cache tile, not in registers).
constexpr int64_t kConvWeightBlockBytes = 640 * 1024;
constexpr int64_t kConvWeightBlockLimit = 2048 * 1024;

/// Channel cache tile of conv_2d_nhwc_hwcf loops (n, oh, ow, f, kh, kw, c) with `filters`
/// filters per block: 0 (whole) up to kConvWeightBlockLimit bytes of weights, else the
/// largest divisor of c that is a multiple of 16 (the register tile's channel step) and fits.
int64_t convChannelBlock(ArrayRef<int64_t> r, int64_t filters) {
  int64_t perChannel = r[4] * r[5] * filters * 4;
  if (r[6] * perChannel <= kConvWeightBlockLimit)
    return 0;
  for (int64_t c = kConvWeightBlockBytes / perChannel; c >= 16; --c)
    if (r[6] % c == 0 && c % 16 == 0)
      return c;
  return 0;
}

/// conv_2d_nhwc_hwcf loops: (n, oh, ow, f, kh, kw, c). 8 output pixels x 2 vectors of filters
/// as accumulators (6 x 2 with 16 registers), 16 channels per step; kh = kw = 1 per tile so it
/// decomposes to a 1-D conv.
Schedule convNhwcSchedule(ArrayRef<int64_t> r, VectorTarget t) {
  Schedule s;
  // Filter blocks outermost: a [kh, kw, c, 64] weight slice stays in L2 across all pixels
  // (deep layers have few pixels and megabytes of weights). Where that slice passes
  // kConvWeightBlockLimit (3x3 x 2048 channels x 64 filters: 4.7 MB) the channels are blocked
  // too, so that each register tile's weights come from L2 rather than L3 or memory.
  int64_t fTile = vectorCacheTile(r[3], 64, 32);
  s.outerTiles = {0, 0, 0, fTile, 0, 0, convChannelBlock(r, fTile ? fTile : r[3])};
  s.innerTiles = {1, 1, std::min<int64_t>(r[2], t.bigRegisterFile() ? 8 : 6),
                  registerVectorTile(s.outerTiles[3] ? s.outerTiles[3] : r[3], 2 * t.lanes), 1, 1,
                  largestDivisorAtMost(r[6], 16)};
  return s;
}

/// depthwise_conv_2d_nhwc_hwc loops: (n, oh, ow, c, kh, kw).
Schedule depthwiseNhwcSchedule(ArrayRef<int64_t> r, VectorTarget t) {
  Schedule s;
  s.innerTiles = {1, 1, std::min<int64_t>(r[2], t.bigRegisterFile() ? 8 : 4),
                  registerVectorTile(r[3], 2 * t.lanes), 1, 0};
  return s;
}

Schedule chooseDefaultSchedule(linalg::LinalgOp op) {
  SmallVector<int64_t> ranges = scheduleRanges(op);
  if (ranges.empty())
    return Schedule{{}, {}, {}, false};
  VectorTarget t = vectorTargetOf(op);
  if (isa<linalg::MatmulOp>(op))
    return matmulSchedule(ranges, 0, t, ShapedType::isDynamic(op.getStaticLoopRanges()[1]));
  if (isa<linalg::BatchMatmulOp>(op))
    return matmulSchedule(ranges, 1, t, ShapedType::isDynamic(op.getStaticLoopRanges()[2]));
  if (isa<linalg::Conv2DNhwcHwcfOp>(op))
    return convNhwcSchedule(ranges, t);
  if (isa<linalg::DepthwiseConv2DNhwcHwcOp>(op))
    return depthwiseNhwcSchedule(ranges, t);
  if (isa<linalg::Conv2DNchwFchwOp>(op))
    return convNchwSchedule(ranges, t);
  if (isa<linalg::DepthwiseConv2DNchwChwOp>(op))
    // No vector path for NCHW depthwise in MLIR 19: one channel row at a time, scalar.
    return Schedule{{}, {}, {1, 1, 1, 0, 0, 0}, false};
  if (isa<linalg::PoolingNhwcMaxOp, linalg::PoolingNhwcSumOp>(op))
    // (n, oh, ow, c, kh, kw): rows of output pixels, channels in vectors; kh = 1 per tile.
    return Schedule{{}, {}, {1, 1, std::min<int64_t>(ranges[2], t.bigRegisterFile() ? 8 : 4),
                             registerVectorTile(ranges[3], 2 * t.lanes), 1, 0}, true};
  if (isa<linalg::PoolingNchwMaxOp, linalg::PoolingNchwSumOp>(op))
    return Schedule{{}, {}, {1, 1, 1, largestDivisorAtMost(ranges[3], 16), 1, 0}, true};
  if (isa<linalg::ConvolutionOpInterface>(op.getOperation()))
    return Schedule{{}, {}, {}, false};
  return genericSchedule(op, ranges, t);
}

void addParallelSplit(linalg::LinalgOp op, Schedule &s) {
  SmallVector<int64_t> ranges = scheduleRanges(op);
  auto iterators = op.getIteratorTypesArray();
  size_t rank = ranges.size();
  if (!s.parallelTiles.empty())
    return;
  // Too little work to pay for waking the pool (a few microseconds), e.g. a pad's border.
  int64_t iterations = 1;
  for (int64_t r : ranges)
    iterations *= r;
  if (iterations < kMinParallelIterations)
    return;
  s.parallelTiles.assign(rank, 0);
  auto isParallel = [&](size_t d) { return iterators[d] == utils::IteratorType::parallel; };
  int64_t tasks = 1;
  for (size_t d = 0; d < s.outerTiles.size() && d < rank; ++d)
    if (isParallel(d) && s.outerTiles[d] > 0 && s.outerTiles[d] < ranges[d]) {
      s.parallelTiles[d] = s.outerTiles[d];
      tasks *= ranges[d] / s.outerTiles[d];
    }
  SmallVector<int64_t> staticRanges = op.getStaticLoopRanges();
  if (tasks > 1 && tasks < 8) {
    // A dynamic parallel dim that is not cache-tiled (the rows of an image with symbolic H/W)
    // gives as many tasks as it is long at run time, where a few static cache tiles (5 blocks
    // of 48 channels: 3 + 2 over 2 threads) balance badly: split it instead, one register
    // tile per step; the cache tiles stay, inside each task.
    for (size_t d = 0; d < rank; ++d) {
      bool cacheTiled = d < s.outerTiles.size() && s.outerTiles[d] > 0;
      if (!isParallel(d) || !ShapedType::isDynamic(staticRanges[d]) || cacheTiled)
        continue;
      s.parallelTiles.assign(rank, 0);
      s.parallelTiles[d] = d < s.innerTiles.size() && s.innerTiles[d] > 0 ? s.innerTiles[d] : 1;
      return;
    }
  }
  if (tasks > 1) {
    // A matmul whose cache tiles give few tasks (vit's [197, 768] x [768, 768]: 3 column
    // tiles) balances badly over the pool (2 threads: 2 + 1): halve parallel tiles, while they
    // stay multiples of their register tiles, until there are 8 tasks of real work each.
    if (isa<linalg::MatmulOp, linalg::BatchMatmulOp>(op.getOperation()))
      while (tasks < 8 && iterations / (2 * tasks) >= (int64_t(1) << 18)) {
        bool split = false;
        for (size_t d = rank; d-- > 0 && !split;) {
          int64_t tile = s.parallelTiles[d], half = tile / 2;
          int64_t inner = d < s.innerTiles.size() && s.innerTiles[d] > 0 ? s.innerTiles[d] : 1;
          if (tile && half >= inner && half % inner == 0 && ranges[d] % half == 0) {
            s.parallelTiles[d] = half;
            tasks *= 2;
            split = true;
          }
        }
        if (!split)
          break;
      }
    // A conv whose filter blocks give few tasks (Inception's 17x17 convs: 3 blocks of 64
    // filters, 2 + 1 over 2 threads; 1.4x on 2 threads) also splits a parallel dim that its
    // register tile takes one at a time (the output rows), into about 8 tasks in all; the
    // last chunk may be shorter.
    if (isa<linalg::ConvolutionOpInterface>(op.getOperation()))
      for (size_t d = 0; d < rank && tasks < 8; ++d) {
        int64_t inner = d < s.innerTiles.size() ? s.innerTiles[d] : 0;
        if (!isParallel(d) || s.parallelTiles[d] || inner != 1 || ranges[d] < 2 ||
            ShapedType::isDynamic(staticRanges[d]))
          continue;
        int64_t parts = std::min<int64_t>(ranges[d], (8 + tasks - 1) / tasks);
        s.parallelTiles[d] = (ranges[d] + parts - 1) / parts;
        tasks *= (ranges[d] + s.parallelTiles[d] - 1) / s.parallelTiles[d];
      }
    for (size_t d = 0; d < rank; ++d)
      if (s.parallelTiles[d])
        s.outerTiles[d] = 0; // the parallel level already tiles it
    return;
  }
  s.parallelTiles.assign(rank, 0);
  for (size_t d = 0; d < rank; ++d) {
    if (!isParallel(d) || ranges[d] < 2)
      continue;
    int64_t inner = d < s.innerTiles.size() && s.innerTiles[d] > 0 ? s.innerTiles[d] : 1;
    if (d < s.outerTiles.size() && s.outerTiles[d] > 0) {
      // The cache tile spans the whole dim (e.g. all 196 rows of a matmul): split it into the
      // fewest parallel tiles whose register tiles waste at most 15% (196 rows: 2 x 98 =
      // 2 x (16 x 6 + 2)), else try the next dim. A vector dim's task keeps full vector tiles
      // and a peeled power-of-two rest (160 columns: 2 x 80 = 2 x (64 + 16); MobileNetV2's
      // [49, 960] x [960, 160] ran on one thread), which wastes no lane.
      // Down to 32 lanes per task for a vector dim (96 columns: 2 x 48 = 2 x (32 + 16)).
      int64_t smallest = inner % 16 == 0 ? std::min<int64_t>(inner, 32) : inner;
      int64_t tile = 0;
      for (int64_t t = ranges[d] / 2; t >= smallest && !tile; --t) {
        double used = double(t) / double((t + inner - 1) / inner * inner);
        int64_t vector = inner % 16 == 0 ? registerVectorTile(t, inner) : 0;
        bool wholeLanes = vector && (t % vector == 0 || llvm::isPowerOf2_64(t % vector));
        if (ranges[d] % t == 0 && (used >= 0.85 || wholeLanes))
          tile = t;
      }
      if (!tile)
        continue;
      s.parallelTiles[d] = tile;
      s.outerTiles[d] = 0;
      // A vector register tile re-picked for the task's span, so that its peeled remainder
      // stays a power of two as registerVectorTile chose for the whole dim (232 columns in 2
      // tasks of 116: 32-lane tiles left 20 lanes, which LLVM scalarizes; 16-lane tiles leave 4).
      if (inner % 16 == 0)
        s.innerTiles[d] = registerVectorTile(tile, inner);
      return;
    }
    int64_t tile = largestDivisorAtMost(ranges[d], inner);
    // A split into tiles under half the register tile would shrink it (97 output pixels of an
    // 8-pixel tile: 97 tasks of 1 pixel, one accumulator row each); try the next dim. A
    // static vector dim without such a divisor (921 columns of a (2+1)-D ResNet's GEMM: 3)
    // splits into whole register tiles, about 8 tasks, the last one partial (its register
    // tiles peeled as in a dynamic dim).
    if (!ShapedType::isDynamic(staticRanges[d]) && inner >= 16 && 2 * tile < inner &&
        ranges[d] >= 2 * inner) {
      int64_t registerTiles = (ranges[d] + inner - 1) / inner;
      s.parallelTiles[d] = inner * ((registerTiles + 7) / 8);
      return;
    }
    if (ranges[d] / tile < 2 || 2 * tile < inner)
      continue;
    s.parallelTiles[d] = tile;
    // A dynamic dim split one at a time is most often a symbolic batch of 1 at run time: one
    // task. The next parallel dim taken one at a time as well (an image's rows) splits too,
    // where its rows are run-time sized or hold 4096 elements or more: rows of a few hundred
    // (a spectrogram's frames of 257 bins) woke the pool for a few microseconds of work.
    if (ShapedType::isDynamic(staticRanges[d]) && tile == 1)
      for (size_t e = d + 1; e + 1 < rank; ++e) {
        int64_t innerE = e < s.innerTiles.size() ? s.innerTiles[e] : 0;
        if (!isParallel(e) || innerE != 1 || (e < s.outerTiles.size() && s.outerTiles[e]) ||
            (ranges[e] < 2 && !ShapedType::isDynamic(staticRanges[e])))
          continue;
        int64_t row = 1;
        bool dynamicRow = false;
        for (size_t f = e + 1; f < rank; ++f) {
          dynamicRow |= ShapedType::isDynamic(staticRanges[f]);
          row *= ranges[f];
        }
        if (dynamicRow || row >= 4096)
          s.parallelTiles[e] = 1;
        break;
      }
    // A dynamic dim's last parallel tile may be partial: its register tile stays, peeled, so
    // that the full ones are static (without it the tile ran one element at a time).
    if (d < s.innerTiles.size() && s.innerTiles[d] >= tile && !ShapedType::isDynamic(staticRanges[d]))
      s.innerTiles[d] = 0;
    return;
  }
  s.parallelTiles.clear();
}

/// Register tiles of rows outside those of columns (the loops' order) read, for each row
/// tile, the task's whole block of B (k block x its columns): from L2 once that block is past
/// L1. A matmul with few rows and many columns per task (a CNN's 7x7 stage: 49 x 384 x 384,
/// two tasks of 192 columns, k blocks of 128: 96 KB of B per block) then waits on L2 for
/// every B vector. Columns outside: each column tile's block (32 KB) comes from L2 once and
/// every row tile reuses it from L1, A's few rows staying in L1 too. Chains of 16 such layers
/// (packed weights), this Intel host: 49 x 384 x 384 4% / 9% faster at 1 / 2 threads, 49 x 448
/// x 448 4% / 9%, 49 x 400 x 400 4% / 8%; where the task's block fits L1 already (49 x 440 x
/// 440 in tasks of 88 columns: 39 KB) it was 4% slower, and 49 x 256 x 256 (k whole) alike.
/// A's rows must fit L1 as well: many rows (cache tiles of 256) keep rows outside.
void chooseRegisterOrder(linalg::LinalgOp op, Schedule &s) {
  s.innerOrder.clear();
  int64_t batchDims = isa<linalg::BatchMatmulOp>(op.getOperation()) ? 1 : 0;
  if (!isa<linalg::MatmulOp, linalg::BatchMatmulOp>(op.getOperation()) ||
      s.innerTiles.size() != size_t(batchDims + 3) || s.outerTiles.size() != s.innerTiles.size())
    return;
  SmallVector<int64_t> ranges = scheduleRanges(op);
  int64_t m = batchDims, n = batchDims + 1, k = batchDims + 2;
  // The extent of dim d one task's cache tile covers.
  auto span = [&](int64_t d) {
    int64_t extent = ranges[d];
    if (d < int64_t(s.parallelTiles.size()) && s.parallelTiles[d] > 0)
      extent = std::min(extent, s.parallelTiles[d]);
    if (s.outerTiles[d] > 0)
      extent = std::min(extent, s.outerTiles[d]);
    return extent;
  };
  int64_t rows = span(m), columns = span(n), kBlock = span(k);
  int64_t regM = s.innerTiles[m], regN = s.innerTiles[n];
  auto b = cast<ShapedType>(op.getDpsInputOperand(1)->get().getType());
  int64_t bytes = std::max<int64_t>(1, b.getElementTypeBitWidth() / 8);
  // Only where k runs in cache blocks: the register tiles are then tiled on their own (with
  // the whole reduction in one block, a fused epilogue shares their loops).
  bool kBlocks = s.outerTiles[k] > 0 && s.outerTiles[k] < ranges[k];
  if (!kBlocks || regM <= 0 || regN <= 0 || rows <= regM || columns <= regN)
    return;
  // The task's block of B past L1; one column tile's block and A's block of rows each within
  // two thirds of it (rows outside re-read A from L2 otherwise: 1024^3 in tasks of 256 rows).
  int64_t fits = kL1Bytes * 2 / 3;
  if (kBlock * columns * bytes <= kL1Bytes || kBlock * regN * bytes > fits ||
      rows * kBlock * bytes > fits)
    return;
  for (int64_t d = 0; d < batchDims; ++d)
    s.innerOrder.push_back(d);
  s.innerOrder.append({n, m, k});
}

Schedule getSchedule(linalg::LinalgOp op) {
  auto dict = op->getAttrOfType<DictionaryAttr>(kScheduleAttr);
  if (!dict) {
    Schedule s = chooseDefaultSchedule(op);
    addParallelSplit(op, s);
    chooseRegisterOrder(op, s);
    return s;
  }
  Schedule s;
  if (auto par = dict.getAs<DenseI64ArrayAttr>("parallel"))
    s.parallelTiles.assign(par.asArrayRef().begin(), par.asArrayRef().end());
  if (auto outer = dict.getAs<DenseI64ArrayAttr>("outer"))
    s.outerTiles.assign(outer.asArrayRef().begin(), outer.asArrayRef().end());
  if (auto inner = dict.getAs<DenseI64ArrayAttr>("inner"))
    s.innerTiles.assign(inner.asArrayRef().begin(), inner.asArrayRef().end());
  if (auto vec = dict.getAs<BoolAttr>("vectorize"))
    s.vectorize = vec.getValue();
  chooseRegisterOrder(op, s);
  return s;
}
} // namespace kiln
