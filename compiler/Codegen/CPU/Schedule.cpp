//===- Schedule.cpp - default schedules per kind of linalg op -------------===//
#include "compiler/Codegen/CPU/Schedule.h"

#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;

namespace kiln {
int64_t largestDivisorAtMost(int64_t extent, int64_t limit) {
  for (int64_t d = std::min(extent, limit); d > 1; --d)
    if (extent % d == 0)
      return d;
  return 1;
}

namespace {
/// Register tile for the columns of a matmul: a multiple of the 16-lane vector when possible.
int64_t vectorTile(int64_t extent, int64_t limit) {
  for (int64_t d : {limit, limit / 2, (int64_t)16, (int64_t)8})
    if (d > 0 && d <= extent && extent % d == 0)
      return d;
  return largestDivisorAtMost(extent, limit);
}

Schedule matmulSchedule(ArrayRef<int64_t> r, size_t batchDims) {
  Schedule s;
  int64_t m = r[batchDims], n = r[batchDims + 1], k = r[batchDims + 2];
  s.outerTiles.assign(batchDims, 1);
  s.outerTiles.append({largestDivisorAtMost(m, 64), vectorTile(n, 256), largestDivisorAtMost(k, 256)});
  s.innerTiles.assign(batchDims, 1);
  s.innerTiles.append({largestDivisorAtMost(s.outerTiles[batchDims], 8),
                       vectorTile(s.outerTiles[batchDims + 1], 32), 1});
  return s;
}

/// conv_2d_nchw_fchw loops: (n, f, oh, ow, c, kh, kw). One register tile per step; kw stays
/// whole so that the tile decomposes to a 1-D convolution.
Schedule convNchwSchedule(ArrayRef<int64_t> r) {
  Schedule s;
  s.innerTiles = {1, vectorTile(r[1], 32), 1, largestDivisorAtMost(r[3], 8),
                  largestDivisorAtMost(r[4], 16), 1, 0};
  return s;
}

/// Elementwise and reductions: outer parallel dims one at a time, the innermost dim in vectors;
/// reduction dims stay whole.
Schedule genericSchedule(linalg::LinalgOp op, ArrayRef<int64_t> r) {
  Schedule s;
  auto iterators = op.getIteratorTypesArray();
  size_t rank = r.size();
  for (size_t i = 0; i < rank; ++i) {
    bool parallel = iterators[i] == utils::IteratorType::parallel;
    if (!parallel)
      s.innerTiles.push_back(0);
    else if (i + 1 == rank)
      s.innerTiles.push_back(largestDivisorAtMost(r[i], 64));
    else
      s.innerTiles.push_back(1);
  }
  return s;
}
} // namespace

Schedule chooseDefaultSchedule(linalg::LinalgOp op) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (llvm::any_of(ranges, ShapedType::isDynamic) || ranges.empty())
    return Schedule{{}, {}, false};
  if (isa<linalg::MatmulOp>(op))
    return matmulSchedule(ranges, 0);
  if (isa<linalg::BatchMatmulOp>(op))
    return matmulSchedule(ranges, 1);
  if (isa<linalg::Conv2DNchwFchwOp>(op))
    return convNchwSchedule(ranges);
  if (isa<linalg::DepthwiseConv2DNchwChwOp>(op))
    // No vector path for NCHW depthwise in MLIR 19: one channel row at a time, scalar.
    return Schedule{{}, {1, 1, 1, 0, 0, 0}, false};
  if (isa<linalg::PoolingNchwMaxOp, linalg::PoolingNchwSumOp>(op))
    return Schedule{{}, {1, 1, 1, largestDivisorAtMost(ranges[3], 16), 1, 0}, true};
  if (isa<linalg::ConvolutionOpInterface>(op.getOperation()))
    return Schedule{{}, {}, false};
  return genericSchedule(op, ranges);
}

Schedule getSchedule(linalg::LinalgOp op) {
  auto dict = op->getAttrOfType<DictionaryAttr>(kScheduleAttr);
  if (!dict)
    return chooseDefaultSchedule(op);
  Schedule s;
  if (auto outer = dict.getAs<DenseI64ArrayAttr>("outer"))
    s.outerTiles.assign(outer.asArrayRef().begin(), outer.asArrayRef().end());
  if (auto inner = dict.getAs<DenseI64ArrayAttr>("inner"))
    s.innerTiles.assign(inner.asArrayRef().begin(), inner.asArrayRef().end());
  if (auto vec = dict.getAs<BoolAttr>("vectorize"))
    s.vectorize = vec.getValue();
  return s;
}
} // namespace kiln
