//===- LowerStridedCopies.cpp - strided memref.copy → linalg.copy ---------===//
#include "compiler/Codegen/CPU/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Utils/MemRefUtils.h"
#include "compiler/Codegen/CPU/Schedule.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/IR/PatternMatch.h"

namespace kiln {
#define GEN_PASS_DEF_LOWERSTRIDEDCOPIES
#include "compiler/Codegen/CPU/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
bool isContiguous(MemRefType type) {
  return type.getLayout().isIdentity() || memref::isStaticShapeAndContiguousRowMajor(type);
}

/// Copies rows of the innermost dim as vectors: outer dims one at a time, the innermost in
/// chunks of up to 64 elements. Leaves the copy as is (scalar loops later) when the shape is
/// dynamic or the innermost dim is too short to be worth vectors.
void vectorizeCopy(IRRewriter &rewriter, linalg::CopyOp copy) {
  auto type = cast<MemRefType>(copy.getDpsInits()[0].getType());
  if (!type.hasStaticShape() || type.getRank() == 0 || type.getShape().back() < 8)
    return;
  SmallVector<int64_t> tiles(type.getRank(), 1);
  tiles.back() = kiln::largestDivisorAtMost(type.getShape().back(), 64);
  scf::SCFTilingOptions options;
  options.setTileSizes(getAsIndexOpFoldResult(copy.getContext(), tiles));
  rewriter.setInsertionPoint(copy);
  auto tiled = scf::tileUsingSCF(rewriter, cast<TilingInterface>(copy.getOperation()), options);
  if (failed(tiled))
    return;
  rewriter.eraseOp(copy);
  Operation *inner = tiled->tiledOps.back();
  rewriter.setInsertionPoint(inner);
  (void)linalg::vectorize(rewriter, inner);
}

struct LowerStridedCopiesPass : kiln::impl::LowerStridedCopiesBase<LowerStridedCopiesPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<memref::CopyOp> copies;
    getOperation().walk([&](memref::CopyOp copy) {
      auto src = cast<MemRefType>(copy.getSource().getType());
      auto dst = cast<MemRefType>(copy.getTarget().getType());
      if (!isContiguous(src) || !isContiguous(dst)) // contiguous ones lower to llvm.memcpy
        copies.push_back(copy);
    });
    for (memref::CopyOp copy : copies) {
      rewriter.setInsertionPoint(copy);
      auto linalgCopy =
          rewriter.replaceOpWithNewOp<linalg::CopyOp>(copy, copy.getSource(), copy.getTarget());
      // Vector rows instead of scalar loops that LLVM would vectorize slowly at compile time.
      vectorizeCopy(rewriter, linalgCopy);
    }
  }
};
} // namespace
