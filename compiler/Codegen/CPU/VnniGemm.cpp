//===- VnniGemm.cpp - the int8 GEMM (ui8 x i8 → i32) as AVX-512 VNNI vector code ===//
//
// Replaces the `kiln.int8_gemm` generics of kiln.matmul_int8 (A [M, K] ui8, B packed
// [N/64][K/4][64][4] i8) with a register-blocked micro-kernel of `vpdpbusd`: per step of 4 k,
// `nv` 64-byte loads of B (16 columns x 4 k each, contiguous), `mr` broadcasts of 4 bytes of
// A and mr x nv multiply-accumulates into 32-bit lanes. Tasks of a chunk of rows x a panel of
// 64 columns run on the kernel's threads (scf.forall; a layer of 64 output channels is not
// one task); k goes in blocks whose B stays in L1, rows in blocks of `mr` with a static tail
// block in the last chunk; a K that is not a multiple of 4 reads its last group of A with
// zero padding (B is zero-padded when packed). An M known at run time only (a symbolic batch,
// image or sequence) sizes the chunks in code and runs its last M % mr rows one at a time.
// A grouped GEMM (a grouped convolution's: A [M, taps, G, Cg]) has panels per group, each
// reading its group's channels of every tap and writing its group's columns; groups of 4 or 8
// columns share vectors instead (dense panels), each vector's A the 4 channels of its groups
// loaded at once and shuffled to their lanes.
//
//===----------------------------------------------------------------------===//
#include "compiler/Codegen/CPU/AmxTiles.h"
#include "compiler/Codegen/CPU/CodegenNotes.h"
#include "compiler/Codegen/CPU/Passes.h"
#include "compiler/Codegen/CPU/Schedule.h"
#include "compiler/Codegen/CPU/VnniEpilogue.h"
#include "compiler/Codegen/CPU/VnniOps.h"
#include "kiln/Dialect/Graph/Int8Layout.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace kiln {
#define GEN_PASS_DEF_VNNIGEMM
#include "compiler/Codegen/CPU/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
/// Set by the kiln.matmul_int8 lowering (compiler/Conversion/KilnToLinalg/MatMulInt8ToLinalg.cpp).
constexpr llvm::StringLiteral kInt8GemmAttr = "kiln.int8_gemm";
/// Output columns per panel (4 vectors of 16 lanes) and per vector; steps of 4 k per block
/// of k (128 steps: 512 k, 32 KiB of a panel's B, in L1).
constexpr int64_t kPanel = 64, kBlock = 16, kKSteps = 128;
/// Parallel tasks a GEMM aims for (row chunks x panels; a pool's lanes take several each and
/// steal from late threads), and the fewest blocks of rows a chunk holds.
constexpr int64_t kTasks = 16, kMinBlocks = 4;
/// Rows up to which a GEMM streams its weights from memory once (16 blocks of 6 rows: the
/// most that kiln-cpu-prefetch-weight-panels spreads a block's prefetches over).
constexpr int64_t kStreamingRows = 96;

struct Gemm {
  Value a, b; ///< A [M, K] i8 (unsigned values), B packed [ceil(N/64), ceil(K/4), 256] i8.
  int64_t m, n, k; ///< m: ShapedType::kDynamic when known at run time only (`mValue`)
  Value mValue;
  /// Grouped (A [M, taps, groups, cg], B per group [groups * ceil(fg/64), ceil(k/4), 256]):
  /// k is a group's taps * cg, fg = n / groups its columns; 0 groups: dense.
  int64_t groups = 0, cg = 0;
  /// Consecutive panels per task (groups narrower than a panel: one task reads each 64-byte
  /// line of A once for several groups instead of once per group).
  int64_t panelsPerTask = 1;
  /// Groups sharing vectors: A read from `aRows`, A's rows [M, taps * groups * cg].
  Value aRows;
  int64_t fg() const { return groups ? n / groups : n; }
  /// Groups sharing vectors (groupsShareVectors): B packed as a dense [k, n], panels over all
  /// columns; otherwise a grouped GEMM has panels per group.
  bool shared() const { return groups && kiln::groupsShareVectors(n, groups, cg); }
  bool perGroup() const { return groups && !shared(); }
  int64_t panelsPerGroup() const { return (fg() + kPanel - 1) / kPanel; }
  /// Applied to the sums of the last k block before their store (null: the sums are the
  /// result).
  const kiln::GemmEpilogue *epilogue = nullptr;
  /// On AMX tiles (dense GEMMs where the target has AMX-INT8 and amxFits): A and B as
  /// memrefs; the micro-kernel is amxBlock over all of K, its scratch allocated per task.
  kiln::AmxGemm amx{};
  bool onAmx() const { return amx.a != nullptr; }

  /// Steps of 4 k per block: kKSteps (a block of B in L1 while the row blocks pass over it,
  /// the sums kept in the output between blocks); with an epilogue, all of K in one block: the
  /// sums stay in registers until the epilogue, no i32 tensor (B's panel from L2 past 512 k).
  /// Except where few rows stream long panels from memory (a CNN's 7x7 stage): in one block
  /// the first row block waits for the whole panel (288 KB for ResNet-18's 3x3 convs of 512
  /// channels) and the others find it in cache; in blocks, kiln-cpu-prefetch-weight-panels
  /// fetches each next block while the row blocks compute on this one.
  int64_t kStepsPerBlock() const {
    return onAmx() || (epilogue && !streamsPanels()) ? std::max<int64_t>(1, k / 4) : kKSteps;
  }
  bool streamsPanels() const {
    return !ShapedType::isDynamic(m) && m <= kStreamingRows && k / 4 > kKSteps;
  }
  int64_t kBlocks() const {
    return std::max<int64_t>(1, (k / 4 + kStepsPerBlock() - 1) / kStepsPerBlock());
  }
};

/// The tensors a task writes: the i32 sums between k blocks (`acc`; null where one block
/// covers K and an epilogue stores the result) and the epilogue's result (`out`; null
/// without an epilogue). Threaded through loops as their non-null values in that order.
struct Tiles {
  Value acc, out;

  SmallVector<Value> values() const {
    SmallVector<Value> v;
    for (Value t : {acc, out})
      if (t)
        v.push_back(t);
    return v;
  }
  /// The same layout, holding `v`.
  Tiles with(ValueRange v) const {
    Tiles t;
    size_t i = 0;
    if (acc)
      t.acc = v[i++];
    if (out)
      t.out = v[i++];
    return t;
  }
};

Value idx(OpBuilder &b, Location loc, int64_t v) { return b.create<arith::ConstantIndexOp>(loc, v); }

/// The first output column of panel `p`: p * 64, or grouped, panel p % ppg of group p / ppg.
Value columnOf(OpBuilder &b, Location loc, const Gemm &g, Value p) {
  if (!g.perGroup())
    return b.create<arith::MulIOp>(loc, p, idx(b, loc, kPanel));
  Value ppg = idx(b, loc, g.panelsPerGroup());
  Value group = b.create<arith::DivUIOp>(loc, p, ppg);
  Value q = b.create<arith::RemUIOp>(loc, p, ppg);
  return b.create<arith::AddIOp>(loc, b.create<arith::MulIOp>(loc, group, idx(b, loc, g.fg())),
                                 b.create<arith::MulIOp>(loc, q, idx(b, loc, kPanel)));
}

/// Rows per micro-kernel for `nv` vectors of columns: mr * nv accumulators, nv B vectors and
/// one broadcast of A within 32 registers; on AMX, two tiles of rows.
int64_t rowsFor(const Gemm &g, int64_t nv) {
  if (g.onAmx())
    return kiln::kAmxRows;
  return nv >= 3 ? 6 : nv == 2 ? 12 : 16;
}

/// 4 bytes of row `row` of A from column `col` (grouped: of panel p's group, col = tap * cg
/// + channel), broadcast to all 16 lanes as one i32.
Value broadcastA(OpBuilder &b, Location loc, const Gemm &g, Value row, Value col, Value p,
                 bool tail) {
  SmallVector<Value> at{row, col};
  if (g.groups) {
    Value cg = idx(b, loc, g.cg);
    at = {row, b.create<arith::DivUIOp>(loc, col, cg),
          b.create<arith::DivUIOp>(loc, p, idx(b, loc, g.panelsPerGroup())),
          b.create<arith::RemUIOp>(loc, col, cg)};
  }
  return kiln::broadcastWord(b, loc, g.a, at, !tail);
}

/// Groups sharing vectors: the A word of each lane of vector `j` of panel `p` for 4 k from
/// `col` (tap * cg + channel) of its group: the groups g0 .. g0 + 16 / fg - 1 of the vector
/// read as one run of bytes of row `row`, their words shuffled to fg lanes each.
Value sharedA(OpBuilder &b, Location loc, const Gemm &g, Value row, Value col, Value p, int64_t j) {
  int64_t fg = g.fg(), perVector = kBlock / fg, bytes = (perVector - 1) * g.cg + 4;
  Value cg = idx(b, loc, g.cg);
  Value tap = b.create<arith::DivUIOp>(loc, col, cg);
  Value channel = b.create<arith::RemUIOp>(loc, col, cg);
  Value g0 = b.create<arith::DivUIOp>(
      loc,
      b.create<arith::AddIOp>(loc, b.create<arith::MulIOp>(loc, p, idx(b, loc, kPanel)),
                              idx(b, loc, j * kBlock)),
      idx(b, loc, fg));
  Value at = b.create<arith::AddIOp>(
      loc, b.create<arith::MulIOp>(loc, tap, idx(b, loc, g.groups * g.cg)),
      b.create<arith::AddIOp>(loc, b.create<arith::MulIOp>(loc, g0, cg), channel));
  auto i8 = b.getI8Type();
  Value pad = b.create<arith::ConstantOp>(loc, b.getIntegerAttr(i8, 0));
  Value run = b.create<vector::TransferReadOp>(loc, VectorType::get({bytes}, i8), g.aRows,
                                               ValueRange{row, at}, pad, ArrayRef<bool>{true});
  Value words = b.create<vector::BitCastOp>(loc, VectorType::get({bytes / 4}, b.getI32Type()), run);
  SmallVector<int64_t> lanes;
  for (int64_t l = 0; l < kBlock; ++l)
    lanes.push_back(l / fg * (g.cg / 4));
  return b.create<vector::ShuffleOp>(loc, words, words, lanes);
}

/// One step of 4 k (group `kg`) of panel `p`: acc[r * nv + j] += A[m0 + r, 4kg..4kg+3] .
/// B[p, kg, 64j..64j+63] (16 columns x 4 k).
SmallVector<Value> step(OpBuilder &b, Location loc, const Gemm &g, ValueRange accs, Value m0,
                        Value p, Value kg, int64_t mr, int64_t nv, bool tail) {
  SmallVector<Value> bv;
  for (int64_t j = 0; j < nv; ++j)
    bv.push_back(kiln::loadWords(b, loc, g.b, ValueRange{p, kg, idx(b, loc, 64 * j)}));
  Value col = b.create<arith::MulIOp>(loc, kg, idx(b, loc, 4));
  SmallVector<Value> out(accs.begin(), accs.end());
  for (int64_t r = 0; r < mr; ++r) {
    Value row = b.create<arith::AddIOp>(loc, m0, idx(b, loc, r));
    bool shared = g.shared();
    Value av = shared ? Value() : broadcastA(b, loc, g, row, col, p, tail);
    for (int64_t j = 0; j < nv; ++j)
      out[r * nv + j] = kiln::vpdpbusd(b, loc, out[r * nv + j],
                                       shared ? sharedA(b, loc, g, row, col, p, j) : av, bv[j]);
  }
  return out;
}

/// A block of k steps: groups [start, start + steps), then the partial last group when
/// `kTail`; the accumulators start from the output (`load`) or from zero.
struct KBlock {
  Value start;
  int64_t steps;
  bool load, kTail;
  bool last = false; ///< the last block: the epilogue applies
};

Tiles amxRows(OpBuilder &b, Location loc, const Gemm &g, Tiles tiles, Value m0, Value a0, Value p,
              int64_t mr, int64_t cols, const KBlock &kb);

/// Rows [m0, m0 + mr) of a task's tiles of `cols` columns (A's rows [a0, a0 + mr)) over one
/// k block: the k loop in registers, the accumulators read and written masked past `cols`;
/// after the last block, the epilogue's values written instead.
Tiles microKernel(OpBuilder &b, Location loc, const Gemm &g, Tiles tiles, Value m0, Value a0,
                  Value p, int64_t mr, int64_t cols, const KBlock &kb) {
  if (g.onAmx())
    return amxRows(b, loc, g, tiles, m0, a0, p, mr, cols, kb);
  Value slice = tiles.acc;
  int64_t nv = (cols + kBlock - 1) / kBlock;
  auto vec = VectorType::get({16}, b.getI32Type());
  Value zero = b.create<arith::ConstantOp>(loc, DenseElementsAttr::get(vec, int32_t(0)));
  Value zeroScalar = b.create<arith::ConstantOp>(loc, b.getI32IntegerAttr(0));
  SmallVector<Value> rows, init;
  for (int64_t r = 0; r < mr; ++r)
    rows.push_back(b.create<arith::AddIOp>(loc, m0, idx(b, loc, r)));
  for (int64_t r = 0; r < mr; ++r)
    for (int64_t j = 0; j < nv; ++j)
      init.push_back(kb.load ? b.create<vector::TransferReadOp>(
                                   loc, vec, slice, ValueRange{rows[r], idx(b, loc, j * kBlock)},
                                   zeroScalar, ArrayRef<bool>{(j + 1) * kBlock <= cols})
                                   .getResult()
                             : zero);
  SmallVector<Value> accs = init;
  if (kb.steps > 0) {
    Value end = b.create<arith::AddIOp>(loc, kb.start, idx(b, loc, kb.steps));
    auto loop = b.create<scf::ForOp>(loc, kb.start, end, idx(b, loc, 1), init,
                                     [&](OpBuilder &nb, Location nl, Value kg, ValueRange args) {
                                       nb.create<scf::YieldOp>(
                                           nl, step(nb, nl, g, args, a0, p, kg, mr, nv, false));
                                     });
    accs = loop.getResults();
  }
  if (kb.kTail)
    accs = step(b, loc, g, accs, a0, p, idx(b, loc, g.k / 4), mr, nv, true);
  if (kb.last && g.epilogue) {
    Value col0 = columnOf(b, loc, g, p);
    for (int64_t r = 0; r < mr; ++r) {
      Value row = b.create<arith::AddIOp>(loc, a0, idx(b, loc, r));
      for (int64_t j = 0; j < nv; ++j) {
        bool inBounds = (j + 1) * kBlock <= cols;
        Value col = b.create<arith::AddIOp>(loc, col0, idx(b, loc, j * kBlock));
        Value v = g.epilogue->apply(b, loc, accs[r * nv + j], row, col, inBounds);
        tiles.out = b.create<vector::TransferWriteOp>(loc, v, tiles.out,
                                                      ValueRange{rows[r], idx(b, loc, j * kBlock)},
                                                      ArrayRef<bool>{inBounds})
                        .getResult();
      }
    }
    return tiles;
  }
  for (int64_t r = 0; r < mr; ++r)
    for (int64_t j = 0; j < nv; ++j)
      slice = b.create<vector::TransferWriteOp>(loc, accs[r * nv + j], slice,
                                                ValueRange{rows[r], idx(b, loc, j * kBlock)},
                                                ArrayRef<bool>{(j + 1) * kBlock <= cols})
                  .getResult();
  tiles.acc = slice;
  return tiles;
}

/// microKernel on AMX tiles: rows in whole tiles of 16 (one k block: the epilogue's values,
/// or the sums without one), the rest in the VNNI kernel's register blocks.
Tiles amxRows(OpBuilder &b, Location loc, const Gemm &g, Tiles tiles, Value m0, Value a0, Value p,
              int64_t mr, int64_t cols, const KBlock &kb) {
  int64_t whole = mr / 16 * 16;
  if (whole) {
    Value &dest = g.epilogue ? tiles.out : tiles.acc;
    dest = kiln::amxBlock(b, loc, g.amx, dest, m0, a0, p, columnOf(b, loc, g, p), whole, cols);
  }
  Gemm vnni = g;
  vnni.amx = {};
  int64_t step = rowsFor(vnni, (cols + kBlock - 1) / kBlock);
  for (int64_t r = whole; r < mr; r += step) {
    auto at = [&](Value v) { return b.create<arith::AddIOp>(loc, v, idx(b, loc, r)); };
    tiles = microKernel(b, loc, vnni, tiles, at(m0), at(a0), p, std::min(step, mr - r), cols, kb);
  }
  return tiles;
}

/// microKernel for the task's panels p0, p0 + 1, ... (g.panelsPerTask, `cols` columns each,
/// side by side in the task's tiles): on each panel's [mr, cols] part of the tiles, so that
/// every write is masked at its own panel's last column.
Tiles microKernels(OpBuilder &b, Location loc, const Gemm &g, Tiles tiles, Value m0, Value a0,
                   Value p0, int64_t mr, int64_t cols, const KBlock &kb) {
  if (g.panelsPerTask == 1)
    return microKernel(b, loc, g, tiles, m0, a0, p0, mr, cols, kb);
  auto loop = b.create<scf::ForOp>(
      loc, idx(b, loc, 0), idx(b, loc, g.panelsPerTask), idx(b, loc, 1), tiles.values(),
      [&](OpBuilder &nb, Location nl, Value pi, ValueRange args) {
        Value p = nb.create<arith::AddIOp>(nl, p0, pi);
        Value col = nb.create<arith::MulIOp>(nl, pi, idx(nb, nl, cols));
        auto one = nb.getIndexAttr(1);
        SmallVector<OpFoldResult> offsets{m0, col},
            sizes{nb.getIndexAttr(mr), nb.getIndexAttr(cols)}, strides{one, one};
        SmallVector<Value> parts;
        for (Value t : args)
          parts.push_back(nb.create<tensor::ExtractSliceOp>(nl, t, offsets, sizes, strides));
        Tiles done = microKernel(nb, nl, g, tiles.with(parts), idx(nb, nl, 0), a0, p, mr, cols, kb);
        SmallVector<Value> back;
        for (auto [part, t] : llvm::zip(done.values(), args))
          back.push_back(nb.create<tensor::InsertSliceOp>(nl, part, t, offsets, sizes, strides));
        nb.create<scf::YieldOp>(nl, back);
      });
  return tiles.with(loop.getResults());
}

/// The rows of one task: slice rows [0, fullEnd) in blocks of `mr` (A's rows from `a0`), then
/// `tail` rows (the matrix's last M % mr) at slice row `tailAt`, only where `tailIf` holds
/// (null: always).
struct Rows {
  Value a0, fullEnd;
  int64_t tail = 0, tailAt = 0;
  Value tailIf;
  /// With a run-time M: the rows [fullEnd, end) after the full blocks, one at a time.
  Value end;
};

/// All rows of one task's panel over one k block: blocks of `mr` rows in a loop, then the rest.
Tiles panelRows(OpBuilder &b, Location loc, const Gemm &g, Tiles tiles, Value p, int64_t cols,
                const KBlock &kb, const Rows &rows) {
  int64_t mr = rowsFor(g, (cols + kBlock - 1) / kBlock);
  if (!isConstantIntValue(rows.fullEnd, 0)) {
    auto loop = b.create<scf::ForOp>(
        loc, idx(b, loc, 0), rows.fullEnd, idx(b, loc, mr), tiles.values(),
        [&](OpBuilder &nb, Location nl, Value m0, ValueRange args) {
          Value a = nb.create<arith::AddIOp>(nl, rows.a0, m0);
          nb.create<scf::YieldOp>(
              nl, microKernels(nb, nl, g, tiles.with(args), m0, a, p, mr, cols, kb).values());
        });
    tiles = tiles.with(loop.getResults());
  }
  if (rows.end) {
    auto loop = b.create<scf::ForOp>(
        loc, rows.fullEnd, rows.end, idx(b, loc, 1), tiles.values(),
        [&](OpBuilder &nb, Location nl, Value m0, ValueRange args) {
          Value a = nb.create<arith::AddIOp>(nl, rows.a0, m0);
          nb.create<scf::YieldOp>(
              nl, microKernels(nb, nl, g, tiles.with(args), m0, a, p, 1, cols, kb).values());
        });
    return tiles.with(loop.getResults());
  }
  if (!rows.tail)
    return tiles;
  auto tailRows = [&](OpBuilder &nb, Location nl, Tiles t) {
    Value at = idx(nb, nl, rows.tailAt);
    Value a = nb.create<arith::AddIOp>(nl, rows.a0, at);
    return microKernels(nb, nl, g, t, at, a, p, rows.tail, cols, kb);
  };
  if (!rows.tailIf)
    return tailRows(b, loc, tiles);
  // Once in the last chunk: a loop of one or no trip rather than an scf.if, whose tensor
  // result one-shot bufferization copies (a malloc and two copies of the slice per task once
  // a second k block adds a second one).
  Value trips = b.create<arith::SelectOp>(loc, rows.tailIf, idx(b, loc, 1), idx(b, loc, 0));
  auto once = b.create<scf::ForOp>(
      loc, idx(b, loc, 0), trips, idx(b, loc, 1), tiles.values(),
      [&](OpBuilder &nb, Location nl, Value, ValueRange args) {
        nb.create<scf::YieldOp>(nl, tailRows(nb, nl, tiles.with(args)).values());
      });
  return tiles.with(once.getResults());
}

/// One task's panel (`p`, `cols` columns): the k steps in blocks of kKSteps (a block of B
/// stays in L1 while every row block passes over it); the first block starts from zero, the
/// middle ones run in a loop, the last takes the partial group of 4 k (and the epilogue).
Tiles panel(OpBuilder &b, Location loc, const Gemm &g, Tiles tiles, Value p, int64_t cols,
            const Rows &rows) {
  // On AMX tiles, one k block: each block of rows passes over the panel's columns in 32s
  // with A's rows still in L1 (a pass over all rows per 32 columns, B's in L1 instead, was
  // 10-15% slower at 1024^3 and 3136 x 576 x 64).
  if (g.onAmx())
    return panelRows(b, loc, g, tiles, p, cols,
                     {idx(b, loc, 0), g.k / 4, false, g.k % 4 != 0, true}, rows);
  int64_t steps = g.k / 4, blocks = g.kBlocks(), per = g.kStepsPerBlock();
  bool kTail = g.k % 4 != 0;
  auto blockSteps = [&](int64_t i) { return std::min(per, steps - i * per); };
  tiles = panelRows(b, loc, g, tiles, p, cols,
                    {idx(b, loc, 0), std::max<int64_t>(0, blockSteps(0)), false,
                     kTail && blocks == 1, blocks == 1},
                    rows);
  if (blocks > 2) {
    auto loop = b.create<scf::ForOp>(
        loc, idx(b, loc, per), idx(b, loc, (blocks - 1) * per), idx(b, loc, per),
        tiles.values(), [&](OpBuilder &nb, Location nl, Value kg, ValueRange args) {
          nb.create<scf::YieldOp>(
              nl, panelRows(nb, nl, g, tiles.with(args), p, cols, {kg, per, true, false}, rows)
                      .values());
        });
    tiles = tiles.with(loop.getResults());
  }
  if (blocks > 1)
    tiles = panelRows(b, loc, g, tiles, p, cols,
                      {idx(b, loc, (blocks - 1) * per), blockSteps(blocks - 1), true, kTail, true},
                      rows);
  return tiles;
}

/// The body of a task of `forall` (at its start): the tiles of `outs` at rows
/// [task.a0, + rows) and the `cols` columns of panel `p`, computed by panel() and inserted
/// back in parallel. Returns the forall's results.
Tiles runTask(OpBuilder &b, Location loc, const Gemm &g, scf::ForallOp forall, Tiles outs, Value p,
              const Rows &task, OpFoldResult rows, int64_t cols) {
  Tiles shared = outs.with(forall.getRegionIterArgs());
  Gemm withScratch = g;
  if (g.onAmx())
    withScratch.amx.scratch = kiln::amxScratch(b, loc);
  Value col = columnOf(b, loc, g, p);
  auto one = b.getIndexAttr(1);
  SmallVector<OpFoldResult> offsets{task.a0, col},
      sizes{rows, b.getIndexAttr(cols * g.panelsPerTask)}, strides{one, one};
  SmallVector<Value> slices;
  for (Value t : shared.values())
    slices.push_back(b.create<tensor::ExtractSliceOp>(loc, t, offsets, sizes, strides));
  Tiles done = panel(b, loc, withScratch, shared.with(slices), p, cols, task);
  b.setInsertionPointToStart(forall.getTerminator().getBody());
  for (auto [tile, t] : llvm::zip(done.values(), shared.values()))
    b.create<tensor::ParallelInsertSliceOp>(loc, tile, t, offsets, sizes, strides);
  return outs.with(forall.getResults());
}

/// Row chunks of the parallel tasks: enough chunks that chunks x `panels` reaches kTasks (a
/// 64-column layer is not one task), each at least kMinBlocks blocks of `mr` rows; the rows
/// per chunk a multiple of mr, so only the last chunk has a partial block.
int64_t rowsPerChunk(int64_t m, int64_t mr, int64_t panels) {
  int64_t blocks = (m + mr - 1) / mr;
  int64_t chunks = std::clamp<int64_t>((kTasks + panels - 1) / panels, 1,
                                       std::max<int64_t>(1, m / mr / kMinBlocks));
  return (blocks + chunks - 1) / chunks * mr;
}

/// The index of a task's first panel: its panel index times g.panelsPerTask.
Value firstPanel(OpBuilder &b, Location loc, const Gemm &g, Value task) {
  if (g.panelsPerTask == 1)
    return task;
  return b.create<arith::MulIOp>(loc, task, idx(b, loc, g.panelsPerTask));
}

/// `count` panels of `cols` columns each: task i takes panel (i / perGroup) * stride + first +
/// i % perGroup (dense: stride 0, perGroup = count; grouped: stride = panels per group).
struct PanelSet {
  int64_t count, cols, perGroup, first, stride;

  Value panel(OpBuilder &b, Location loc, Value i) const {
    Value p = b.create<arith::AddIOp>(loc, i, idx(b, loc, first));
    if (perGroup == count)
      return p;
    Value per = idx(b, loc, perGroup);
    Value q = b.create<arith::RemUIOp>(loc, i, per);
    Value group = b.create<arith::DivUIOp>(loc, i, per);
    return b.create<arith::AddIOp>(loc, b.create<arith::MulIOp>(loc, group, idx(b, loc, stride)),
                                   b.create<arith::AddIOp>(loc, q, idx(b, loc, first)));
  }
};

/// The columns of `set`'s panels of [M, N] i32 = A x B as an scf.forall over (row chunk,
/// panel) tasks.
Tiles buildTasks(OpBuilder &b, Location loc, const Gemm &g, Tiles outs, const PanelSet &set) {
  int64_t panels = set.count / g.panelsPerTask, cols = set.cols;
  int64_t mr = rowsFor(g, (cols + kBlock - 1) / kBlock), rowsEach = rowsPerChunk(g.m, mr, panels);
  int64_t chunks = (g.m + rowsEach - 1) / rowsEach, lastRows = g.m - (chunks - 1) * rowsEach;
  auto forall = b.create<scf::ForallOp>(
      loc, ArrayRef<OpFoldResult>{b.getIndexAttr(chunks), b.getIndexAttr(panels)},
      outs.values(), std::nullopt);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(forall.getBody());
  Value c = forall.getInductionVar(0);
  Value p = set.panel(b, loc, firstPanel(b, loc, g, forall.getInductionVar(1)));
  Value row0 = b.create<arith::MulIOp>(loc, c, idx(b, loc, rowsEach));
  // Every chunk but the last has rowsEach rows, all in full blocks of mr.
  Value isLast = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, c, idx(b, loc, chunks - 1));
  auto perChunk = [&](int64_t last, int64_t others) -> OpFoldResult {
    if (chunks == 1 || last == others)
      return b.getIndexAttr(last);
    return b.create<arith::SelectOp>(loc, isLast, idx(b, loc, last), idx(b, loc, others))
        .getResult();
  };
  OpFoldResult rows = perChunk(lastRows, rowsEach);
  OpFoldResult fullEnd = perChunk(lastRows / mr * mr, rowsEach);
  Rows task{row0, getValueOrCreateConstantIndexOp(b, loc, fullEnd), lastRows % mr,
            lastRows / mr * mr, chunks > 1 ? isLast : Value()};
  return runTask(b, loc, g, forall, outs, p, task, rows, cols);
}

/// buildTasks for an M known at run time only: rowsPerChunk's chunks computed in code, each
/// chunk's rows min(rowsEach, M - row0), its last M % mr rows one at a time.
Tiles buildDynamicTasks(OpBuilder &b, Location loc, const Gemm &g, Tiles outs,
                        const PanelSet &set) {
  int64_t panels = set.count / g.panelsPerTask, cols = set.cols;
  int64_t mr = rowsFor(g, (cols + kBlock - 1) / kBlock);
  Value m = g.mValue, one = idx(b, loc, 1);
  Value blocks = b.create<arith::CeilDivUIOp>(loc, m, idx(b, loc, mr));
  Value most = b.create<arith::MaxUIOp>(
      loc, one, b.create<arith::DivUIOp>(loc, m, idx(b, loc, mr * kMinBlocks)));
  Value chunks = b.create<arith::MinUIOp>(
      loc, idx(b, loc, std::max<int64_t>(1, (kTasks + panels - 1) / panels)), most);
  Value rowsEach = b.create<arith::MulIOp>(loc, b.create<arith::CeilDivUIOp>(loc, blocks, chunks),
                                           idx(b, loc, mr));
  // With M = 0 no task runs (ceil(0 / mr) = 0 blocks of rows; chunks >= 1 of 0 rows each).
  chunks = b.create<arith::CeilDivUIOp>(loc, m, b.create<arith::MaxUIOp>(loc, rowsEach, one));
  auto forall = b.create<scf::ForallOp>(loc, ArrayRef<OpFoldResult>{chunks, b.getIndexAttr(panels)},
                                        outs.values(), std::nullopt);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(forall.getBody());
  Value p = set.panel(b, loc, firstPanel(b, loc, g, forall.getInductionVar(1)));
  Value row0 = b.create<arith::MulIOp>(loc, forall.getInductionVar(0), rowsEach);
  Value rows = b.create<arith::MinUIOp>(loc, rowsEach, b.create<arith::SubIOp>(loc, m, row0));
  Value fullEnd = b.create<arith::MulIOp>(loc, b.create<arith::DivUIOp>(loc, rows, idx(b, loc, mr)),
                                          idx(b, loc, mr));
  Rows task{row0, fullEnd};
  task.end = rows;
  return runTask(b, loc, g, forall, outs, p, task, rows, cols);
}

/// [M, N] i32 = A x B [with its epilogue]: the full panels' tasks in one scf.forall, the
/// partial last panel's (of each group) in another.
Tiles buildGemm(OpBuilder &b, Location loc, Gemm g, Tiles init) {
  // Panels per group (stride: panels per group), or over all columns (dense, groups sharing
  // vectors).
  bool perGroup = g.perGroup();
  int64_t groups = perGroup ? g.groups : 1, cols = perGroup ? g.fg() : g.n;
  int64_t stride = perGroup ? g.panelsPerGroup() : 0;
  // Groups of at most 64 columns and channels: as many per task as fill 64 columns and 64
  // bytes of each tap's A (a divisor of the groups: every task alike).
  if (perGroup && stride == 1)
    for (int64_t per = kPanel / std::max(g.fg(), g.cg); per > 1; --per)
      if (g.groups % per == 0) {
        g.panelsPerTask = per;
        break;
      }
  int64_t full = cols / kPanel, rest = cols % kPanel;
  auto tasks = ShapedType::isDynamic(g.m) ? buildDynamicTasks : buildTasks;
  Tiles out = init;
  if (full > 0)
    out = tasks(b, loc, g, out, {groups * full, kPanel, full, 0, stride});
  if (rest)
    out = tasks(b, loc, g, out, {groups, rest, 1, full, stride});
  return out;
}

/// Whether the module's target lists the ISA extension `name`; without a `kiln.target`
/// (kiln-opt tests), `otherwise`.
bool targetHas(Operation *op, llvm::StringRef name, bool otherwise) {
  auto module = op->getParentOfType<ModuleOp>();
  auto target = module ? module->getAttrOfType<DictionaryAttr>(kiln::kTargetAttr) : nullptr;
  if (!target)
    return otherwise;
  auto isa = target.getAs<ArrayAttr>("isa");
  return isa && llvm::any_of(isa, [&](Attribute a) {
           auto s = dyn_cast<StringAttr>(a);
           return s && s.getValue() == name;
         });
}

/// AVX-512 VNNI: without a target, the AVX-512 machine the default schedules assume.
bool targetHasVnni(Operation *op) { return targetHas(op, "avx512vnni", true); }

/// AMX tiles with int8 products: only where the target lists them.
bool targetHasAmx(Operation *op) {
  return targetHas(op, "amx-tile", false) && targetHas(op, "amx-int8", false);
}

/// The memory effects of llvm.call_intrinsic, which declares none (so bufferization's
/// deallocation refuses it): none for `vpdpbusd` (registers only), read + write of any
/// memory for every other intrinsic (the conservative answer).
struct CallIntrinsicEffects
    : MemoryEffectOpInterface::ExternalModel<CallIntrinsicEffects, LLVM::CallIntrinsicOp> {
  void getEffects(Operation *op,
                  SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>> &effects)
      const {
    if (cast<LLVM::CallIntrinsicOp>(op).getIntrin() == kiln::kVpdpbusd)
      return;
    effects.emplace_back(MemoryEffects::Read::get());
    effects.emplace_back(MemoryEffects::Write::get());
  }
};

void attachCallIntrinsicEffects(MLIRContext *ctx, LLVM::LLVMDialect *) {
  std::optional<RegisteredOperationName> name =
      RegisteredOperationName::lookup(LLVM::CallIntrinsicOp::getOperationName(), ctx);
  if (name && !name->hasInterface<MemoryEffectOpInterface>())
    LLVM::CallIntrinsicOp::attachInterface<CallIntrinsicEffects>(*ctx);
}

bool callIntrinsicHasEffects(MLIRContext *ctx) {
  std::optional<RegisteredOperationName> name =
      RegisteredOperationName::lookup(LLVM::CallIntrinsicOp::getOperationName(), ctx);
  return name && name->hasInterface<MemoryEffectOpInterface>();
}

// The effects are registered with the context's dialects (registerCPUCodegenExtensions), not
// in getDependentDialects: a pass whose dependent registry carries an extension makes every
// PassManager::run append to the context's registry, which races when the parallel codegen
// runs pass managers on several threads of one context (ParallelBuild.cpp).
struct VnniGemmPass : kiln::impl::VnniGemmBase<VnniGemmPass> {
  void runOnOperation() override {
    SmallVector<linalg::GenericOp> gemms;
    getOperation().walk([&](linalg::GenericOp op) {
      if (op->hasAttr(kInt8GemmAttr))
        gemms.push_back(op);
    });
    if (gemms.empty())
      return;
    if (!callIntrinsicHasEffects(&getContext())) {
      gemms.front().emitError("kiln: llvm.call_intrinsic has no memory effects in this context: "
                              "create it with a registry from kiln::registerKilnDialects "
                              "(kiln::registerCPUCodegenExtensions)");
      return signalPassFailure();
    }
    if (!targetHasVnni(getOperation())) {
      for (linalg::GenericOp op : gemms)
        op.emitWarning("kiln: the target has no AVX-512 VNNI: this int8 GEMM runs as scalar "
                       "integer loops");
      return;
    }
    bool amx = targetHasAmx(getOperation());
    bool onTiles = false;
    for (linalg::GenericOp op : gemms) {
      auto a = cast<RankedTensorType>(op.getDpsInputs()[0].getType());
      auto c = cast<RankedTensorType>(op.getDpsInits()[0].getType());
      Gemm g{op.getDpsInputs()[0], op.getDpsInputs()[1], a.getDimSize(0), c.getDimSize(1),
             a.getDimSize(1)};
      if (a.getRank() == 4) { // grouped: [M, taps, groups, cg]
        g.groups = a.getDimSize(2);
        g.cg = a.getDimSize(3);
        g.k = a.getDimSize(1) * g.cg;
      }
      // The requantization after it, applied to the sums before their store; built where it
      // stands (its other inputs may be defined after the GEMM).
      std::optional<kiln::GemmEpilogue> epilogue = kiln::matchGemmEpilogue(op.getResult(0));
      g.epilogue = epilogue ? &*epilogue : nullptr;
      Operation *at = epilogue ? epilogue->op.getOperation() : op.getOperation();
      OpBuilder b(at);
      Location loc = op.getLoc();
      SmallVector<Value> dynamicM;
      if (ShapedType::isDynamic(g.m)) {
        g.mValue = b.create<tensor::DimOp>(loc, g.a, 0);
        dynamicM.push_back(g.mValue);
      }
      if (amx && !g.groups && kiln::amxFits(g.m, g.n, g.k))
        g.amx = {kiln::amxOperand(b, loc, g.a), kiln::amxOperand(b, loc, g.b), Value(), g.k,
                 g.epilogue};
      onTiles |= g.onAmx();
      if (g.shared())
        g.aRows = b.create<tensor::CollapseShapeOp>(loc, g.a,
                                                    ArrayRef<ReassociationIndices>{{0}, {1, 2, 3}});
      Tiles init;
      if (!epilogue || g.kBlocks() > 1)
        init.acc = b.create<tensor::EmptyOp>(loc, c, dynamicM);
      if (epilogue)
        init.out = b.create<tensor::EmptyOp>(loc, c.clone(epilogue->resultType().getElementType()),
                                             dynamicM);
      Tiles done = buildGemm(b, loc, g, init);
      if (epilogue) {
        epilogue->op.getResult(0).replaceAllUsesWith(done.out);
        epilogue->op.erase();
      } else {
        op.getResult(0).replaceAllUsesWith(done.acc);
      }
      op.erase();
    }
    // What the kernel's notes (and kiln-compile --report) call its schedule; whether the
    // artifact needs AMX.
    if (onTiles)
      getOperation()->setAttr(kiln::kAmxTilesAttr, UnitAttr::get(&getContext()));
    getOperation()->setAttr(
        kiln::kGemmKernelAttr,
        StringAttr::get(&getContext(), onTiles ? "int8 GEMM on AMX tiles (2 x 2 tdpbusd)"
                                               : "int8 GEMM, VNNI register blocks"));
  }
};
} // namespace

void kiln::registerCPUCodegenExtensions(DialectRegistry &registry) {
  registry.addExtension(attachCallIntrinsicEffects);
}
