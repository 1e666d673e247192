//===- AmxTiles.h - an int8 GEMM's register block on AMX tiles ------------------===//
//
// The micro-kernel that kiln-cpu-vnni-gemm uses instead of `vpdpbusd` where the target has
// AMX-INT8 (Intel Sapphire Rapids and later): `tdpbusd` multiplies a 16 x 64 ui8 tile of A
// by a 16 x 64 i8 tile of B (16 columns x 4 k per row: the rows of the VNNI weight panels,
// 256 bytes apart) into a 16 x 16 i32 tile, 16 x 16 x 64 multiply-adds per instruction.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_COMPILER_CODEGEN_CPU_AMXTILES_H
#define KILN_COMPILER_CODEGEN_CPU_AMXTILES_H

#include "compiler/Codegen/CPU/VnniEpilogue.h"

namespace kiln {
/// Rows of A per register block on AMX: two tiles of 16 (with two column tiles, 4 of the 8
/// tile registers accumulate and 4 hold A and B).
constexpr int64_t kAmxRows = 32;

/// A dense int8 GEMM's operands as the AMX kernel reads them.
struct AmxGemm {
  mlir::Value a;                ///< memref [M, K] of ui8 values, rows contiguous
  mlir::Value b;                ///< memref [panels, K / 4, 256] i8: the packed weights
  mlir::Value scratch;          ///< memref<32x32xi32>: the tiles' sums on their way to the epilogue
  int64_t k;
  const GemmEpilogue *epilogue; ///< null: the i32 sums are the result
};

/// Whether an int8 GEMM of [m, k] x [k, n] runs on AMX tiles: a static M of at least a
/// tile's rows and at least one step of 64 k. The rows past the last whole tile are the VNNI
/// kernel's; a panel's columns past n are its zero padding, computed and not written.
bool amxFits(int64_t m, int64_t n, int64_t k);

/// Rows [a0, a0 + rows) (16 or 32) of A x the `cols` columns of panel `p` (the panel's first
/// result column `col0`) in blocks of 32, over all of K, written to
/// `dest` at rows [m0, m0 + rows), columns [0, cols): the epilogue's values, or the sums
/// without one. Returns the new dest.
mlir::Value amxBlock(mlir::OpBuilder &b, mlir::Location loc, const AmxGemm &g, mlir::Value dest,
                     mlir::Value m0, mlir::Value a0, mlir::Value p, mlir::Value col0, int64_t rows,
                     int64_t cols);

/// A scratch buffer for amxBlock, allocated on the stack where `b` stands.
mlir::Value amxScratch(mlir::OpBuilder &b, mlir::Location loc);

/// A read-only memref view of `tensor` for the tile loads (bufferized to its buffer).
mlir::Value amxOperand(mlir::OpBuilder &b, mlir::Location loc, mlir::Value tensor);
} // namespace kiln

#endif
