//===- SplitConcat.cpp - channel concats dissolved into their consumers ---===//
//
// A concat along the innermost (channel) dim is a copy of every part. Its consumers often do
// not need it: a matmul by a constant splits along its contraction,
//   concat(a, b) x W = a x W[0:ca] + b x W[ca:ca+cb],
// and an NHWC max pool works per channel, pool(concat(a, b)) = concat(pool(a), pool(b)).
// SqueezeNet's fire modules concat two expand convs and feed a 1x1 conv or a pool: the copy
// disappears, the partial products meet in the second matmul's epilogue.
//
//===----------------------------------------------------------------------===//
#include "passes/Graph/Passes.h"

#include "kiln/Dialect/Graph/KilnDialect.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_SPLITCONCAT
#include "passes/Graph/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
RankedTensorType tensorOf(Value v) { return cast<RankedTensorType>(v.getType()); }

/// The concat along the last dim that `v` is, or a view of that merges its leading dims
/// (reshape [.., C] → [P, C]); with the reshape's target row count in `rows`. A concat with
/// dynamic leading dims ([1, ?, ?, C]: symbolic image dims) counts when `v` is the concat
/// itself (rows: ShapedType::kDynamic).
kiln::ConcatOp channelConcatOf(Value v, int64_t &rows) {
  auto type = tensorOf(v);
  if (type.getRank() < 1 || type.isDynamicDim(type.getRank() - 1))
    return {};
  if (!type.hasStaticShape()) {
    auto concat = v.getDefiningOp<kiln::ConcatOp>();
    if (!concat || concat.getAxis() != type.getRank() - 1)
      return {};
    rows = ShapedType::kDynamic;
    return concat;
  }
  if (auto reshape = v.getDefiningOp<kiln::ReshapeOp>())
    v = reshape.getInput();
  auto concat = v.getDefiningOp<kiln::ConcatOp>();
  if (!concat)
    return {};
  auto concatType = tensorOf(concat.getResult());
  int64_t rank = concatType.getRank();
  if (!concatType.hasStaticShape() || concat.getAxis() != rank - 1 ||
      concatType.getDimSize(rank - 1) != type.getDimSize(type.getRank() - 1))
    return {};
  rows = concatType.getNumElements() / concatType.getDimSize(rank - 1);
  return concat;
}

/// matmul(concat(parts) viewed as [P, C], W) with W a constant [C, K] → the sum over the parts
/// of matmul(part as [P, C_i], W[rows of part i]), when the partial sums move less memory than
/// the concat: parts x K < C (each partial product, P x K, is written and read once more, the
/// concat copies P x C). An im2col (9 taps of C channels, K >= C filters) stays one GEMM.
struct SplitMatmulOfConcat : OpRewritePattern<kiln::MatMulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(kiln::MatMulOp matmul, PatternRewriter &rewriter) const override {
    int64_t rows = 0;
    auto lhsType = tensorOf(matmul.getLhs()), rhsType = tensorOf(matmul.getRhs());
    if (lhsType.getRank() < 2 || rhsType.getRank() != 2 ||
        !matchPattern(matmul.getRhs(), m_Constant()))
      return failure();
    kiln::ConcatOp concat = channelConcatOf(matmul.getLhs(), rows);
    // Static: the [P, C] view of the concat. Dynamic: the N-D matmul of the concat itself.
    bool direct = ShapedType::isDynamic(rows);
    if (!concat || (!direct && (lhsType.getRank() != 2 || rows != lhsType.getDimSize(0))) ||
        !concat->hasOneUse() ||
        (matmul.getLhs() != concat.getResult() && !matmul.getLhs().hasOneUse()))
      return failure();
    int64_t k = rhsType.getDimSize(1);
    if (int64_t(concat.getInputs().size()) * k >= rhsType.getDimSize(0))
      return failure();
    Location loc = matmul.getLoc();
    int64_t offset = 0;
    Value sum;
    for (Value part : concat.getInputs()) {
      int64_t c = tensorOf(part).getDimSize(tensorOf(part).getRank() - 1);
      Value lhs = direct
                      ? part
                      : rewriter.createOrFold<kiln::ReshapeOp>(loc, lhsType.clone({rows, c}), part);
      Value rhs = rewriter.createOrFold<kiln::SliceOp>(
          loc, matmul.getRhs(), rewriter.getDenseI64ArrayAttr({offset, 0}),
          rewriter.getDenseI64ArrayAttr({offset + c, k}), rewriter.getDenseI64ArrayAttr({1, 1}));
      Value product = rewriter.create<kiln::MatMulOp>(loc, lhs, rhs);
      sum = sum ? rewriter.create<kiln::AddOp>(loc, product, sum).getResult() : product;
      offset += c;
    }
    rewriter.replaceOp(matmul, sum);
    return success();
  }
};

/// max_pool(concat(parts, channels)) in NHWC → concat(max_pool(part) for each part); batch
/// and image dims may be dynamic.
struct MaxPoolOfConcat : OpRewritePattern<kiln::MaxPoolOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(kiln::MaxPoolOp pool, PatternRewriter &rewriter) const override {
    auto concat = pool.getInput().getDefiningOp<kiln::ConcatOp>();
    auto type = tensorOf(pool.getInput());
    if (!concat || !concat->hasOneUse() || pool.getLayout() != "NHWC" || type.getRank() != 4 ||
        type.isDynamicDim(3) || concat.getAxis() != 3)
      return failure();
    SmallVector<Value> pooled;
    SmallVector<int64_t> shape(tensorOf(pool.getResult()).getShape());
    for (Value part : concat.getInputs()) {
      shape[3] = tensorOf(part).getDimSize(3);
      auto result = tensorOf(pool.getResult()).clone(shape);
      pooled.push_back(rewriter.create<kiln::MaxPoolOp>(
          pool.getLoc(), result, part, pool.getKernelShapeAttr(), pool.getStridesAttr(),
          pool.getPadsAttr(), pool.getDilationsAttr(), pool.getCeilModeAttr(),
          pool.getCountIncludePadAttr(), pool.getLayoutAttr()));
    }
    rewriter.replaceOpWithNewOp<kiln::ConcatOp>(pool, pooled, concat.getAxisAttr());
    return success();
  }
};

struct SplitConcatPass : kiln::impl::SplitConcatBase<SplitConcatPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<SplitMatmulOfConcat, MaxPoolOfConcat>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
