//===- AmxTiles.cpp - an int8 GEMM's register block on AMX tiles ----------------===//
//
// A block of 16 or 32 rows x 16 or 32 columns: up to 2 x 2 accumulator tiles, the k loop over
// steps of 64 k carrying them in tile registers; then the tiles go to a scratch buffer on the
// stack, whose rows get the K % 64 rest with `vpdpbusd` and the epilogue as vectors of 16
// lanes, as the VNNI kernel's accumulators.
//
// The tiles are `amx` dialect values (vector types); MLIR 19 has no LLVM type for them, so
// the k loop's block arguments translate to phis of arrays that the CPU back end retypes to
// x86_amx (compiler/Target/CPU/AmxTranslation.cpp).
//
//===----------------------------------------------------------------------===//
#include "compiler/Codegen/CPU/AmxTiles.h"
#include "compiler/Codegen/CPU/VnniOps.h"

#include "mlir/Dialect/AMX/AMXDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace {
/// Rows (and 32-bit columns) of a tile; bytes of a tile row. Every tile is 16 x 64 bytes:
/// LLVM 19's tile configuration mixes up the rows of tiles of several shapes in one function
/// (wrong sums or "ran out of registers"), so edges go to vector code instead.
constexpr int64_t kTile = 16, kTileBytes = 64;
/// Rows of the scratch the epilogue loop handles per trip.
constexpr int64_t kRowsPerTrip = 4;

Value idx(OpBuilder &b, Location loc, int64_t v) {
  return b.create<arith::ConstantIndexOp>(loc, v);
}

Value add(OpBuilder &b, Location loc, Value v, int64_t c) {
  return c ? b.create<arith::AddIOp>(loc, v, idx(b, loc, c)).getResult() : v;
}

/// The tiles of a block: `rows` x `cols` tiles of 16 x 16 sums, from row a0 of A and column
/// `c` of panel p.
struct TileBlock {
  const kiln::AmxGemm &g;
  Value a0, p;
  int64_t c, rows, cols;

  /// accs[i * cols + j] += A[rows i, 64 k from kByte] x B[the same k, columns j].
  SmallVector<Value> multiply(OpBuilder &b, Location loc, ValueRange accs, Value kByte) const {
    auto bytes = VectorType::get({kTile, kTileBytes}, b.getI8Type());
    auto sums = VectorType::get({kTile, kTile}, b.getI32Type());
    SmallVector<Value> as, bs, out;
    for (int64_t i = 0; i < rows; ++i)
      as.push_back(b.create<amx::TileLoadOp>(loc, bytes, g.a,
                                             ValueRange{add(b, loc, a0, i * kTile), kByte}));
    Value kGroup = b.create<arith::DivUIOp>(loc, kByte, idx(b, loc, 4));
    for (int64_t j = 0; j < cols; ++j)
      bs.push_back(b.create<amx::TileLoadOp>(
          loc, bytes, g.b, ValueRange{p, kGroup, idx(b, loc, 4 * (c + j * kTile))}));
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j)
        out.push_back(b.create<amx::TileMulIOp>(loc, sums, as[i], bs[j], accs[i * cols + j],
                                                /*isZextLhs=*/true, /*isZextRhs=*/false));
    return out;
  }

  /// The sums over the whole steps of 64 k.
  SmallVector<Value> sums(OpBuilder &b, Location loc) const {
    auto type = VectorType::get({kTile, kTile}, b.getI32Type());
    SmallVector<Value> accs;
    for (int64_t i = 0; i < rows * cols; ++i)
      accs.push_back(b.create<amx::TileZeroOp>(loc, type));
    auto loop = b.create<scf::ForOp>(
        loc, idx(b, loc, 0), idx(b, loc, g.k / kTileBytes * kTileBytes), idx(b, loc, kTileBytes),
        accs, [&](OpBuilder &nb, Location nl, Value kByte, ValueRange args) {
          nb.create<scf::YieldOp>(nl, multiply(nb, nl, args, kByte));
        });
    return loop.getResults();
  }

  /// `acc` (16 sums of row `row` of A, columns c + 16 j ..) plus the products over the k past
  /// the last whole step of 64, with `vpdpbusd`: 4 k per step, A's 4 bytes broadcast (a last
  /// partial group read masked, zeros past K; B is zero-padded there).
  Value rest(OpBuilder &b, Location loc, Value acc, Value row, int64_t j) const {
    for (int64_t kg = g.k / kTileBytes * kTile; 4 * kg < g.k; ++kg) {
      Value av =
          kiln::broadcastWord(b, loc, g.a, ValueRange{row, idx(b, loc, 4 * kg)}, 4 * kg + 4 <= g.k);
      Value bv = kiln::loadWords(b, loc, g.b,
                                 ValueRange{p, idx(b, loc, kg), idx(b, loc, 4 * (c + j * kTile))});
      acc = kiln::vpdpbusd(b, loc, acc, av, bv);
    }
    return acc;
  }
};
} // namespace

bool kiln::amxFits(int64_t m, int64_t n, int64_t k) {
  return !ShapedType::isDynamic(m) && m >= kTile && n > 0 && k >= kTileBytes;
}

Value kiln::amxScratch(OpBuilder &b, Location loc) {
  return b.create<memref::AllocaOp>(loc, MemRefType::get({kAmxRows, 2 * kTile}, b.getI32Type()),
                                    b.getI64IntegerAttr(kTileBytes));
}

Value kiln::amxOperand(OpBuilder &b, Location loc, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  return b.create<bufferization::ToMemrefOp>(
      loc, MemRefType::get(type.getShape(), type.getElementType()), tensor, /*read_only=*/true);
}

Value kiln::amxBlock(OpBuilder &b, Location loc, const AmxGemm &g, Value dest, Value m0, Value a0,
                     Value p, Value col0, int64_t rows, int64_t cols) {
  assert(rows % kTile == 0 && rows <= kAmxRows && cols <= 4 * kTile && "whole tiles of rows");
  // Columns past `cols` in the last tile are the panel's zero padding: computed, not written.
  for (int64_t c = 0; c < cols; c += 2 * kTile) {
    TileBlock block{g, a0, p, c, rows / kTile, (std::min(2 * kTile, cols - c) + kTile - 1) / kTile};
    SmallVector<Value> accs = block.sums(b, loc);
    for (int64_t i = 0; i < block.rows; ++i)
      for (int64_t j = 0; j < block.cols; ++j)
        b.create<amx::TileStoreOp>(loc, g.scratch,
                                   ValueRange{idx(b, loc, i * kTile), idx(b, loc, j * kTile)},
                                   accs[i * block.cols + j]);
    // Row by row from the scratch, 16 lanes per column tile: the k past the whole steps, then
    // the epilogue; four rows per trip (rows are 16 or 32: resnet50 int8 3-4% faster at 1
    // thread than one).
    auto loop = b.create<scf::ForOp>(
        loc, idx(b, loc, 0), idx(b, loc, rows), idx(b, loc, kRowsPerTrip), ValueRange{dest},
        [&](OpBuilder &nb, Location nl, Value r0, ValueRange args) {
          Value out = args[0];
          auto vec = VectorType::get({kTile}, nb.getI32Type());
          Value zero = nb.create<arith::ConstantOp>(nl, nb.getI32IntegerAttr(0));
          for (int64_t u = 0; u < kRowsPerTrip; ++u) {
            Value r = add(nb, nl, r0, u);
            Value row = nb.create<arith::AddIOp>(nl, a0, r);
            for (int64_t j = 0; j < block.cols; ++j) {
              int64_t local = c + j * kTile;
              bool inBounds = local + kTile <= cols;
              Value v = nb.create<vector::TransferReadOp>(nl, vec, g.scratch,
                                                          ValueRange{r, idx(nb, nl, j * kTile)},
                                                          zero, ArrayRef<bool>{true});
              v = block.rest(nb, nl, v, row, j);
              if (g.epilogue)
                v = g.epilogue->apply(nb, nl, v, row, add(nb, nl, col0, local), inBounds);
              out = nb.create<vector::TransferWriteOp>(
                          nl, v, out,
                          ValueRange{nb.create<arith::AddIOp>(nl, m0, r), idx(nb, nl, local)},
                          ArrayRef<bool>{inBounds})
                        .getResult();
            }
          }
          nb.create<scf::YieldOp>(nl, out);
        });
    dest = loop.getResult(0);
  }
  return dest;
}
