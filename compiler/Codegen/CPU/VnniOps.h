//===- VnniOps.h - the vector ops of an AVX-512 VNNI dot-product step ------------===//
//
// Shared by the VNNI micro-kernel (VnniGemm.cpp) and the k rest of the AMX tiles
// (AmxTiles.cpp): A's 4 bytes broadcast, B's 64 bytes as 16 words, and `vpdpbusd`.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_COMPILER_CODEGEN_CPU_VNNIOPS_H
#define KILN_COMPILER_CODEGEN_CPU_VNNIOPS_H

#include "mlir/IR/Builders.h"

namespace kiln {
/// The LLVM intrinsic of `vpdpbusd` on 512-bit vectors.
constexpr llvm::StringLiteral kVpdpbusd = "llvm.x86.avx512.vpdpbusd.512";

/// 4 bytes of `source` (an i8 tensor or memref) at `at`, read with zeros past its end unless
/// `inBounds`, broadcast to 16 lanes as one i32.
mlir::Value broadcastWord(mlir::OpBuilder &b, mlir::Location loc, mlir::Value source,
                          mlir::ValueRange at, bool inBounds);

/// 64 bytes of `source` (an i8 tensor or memref) at `at` as 16 lanes of i32.
mlir::Value loadWords(mlir::OpBuilder &b, mlir::Location loc, mlir::Value source,
                      mlir::ValueRange at);

/// acc + per lane the dot product of a's 4 unsigned bytes and b's 4 signed ones (16 x i32).
mlir::Value vpdpbusd(mlir::OpBuilder &b, mlir::Location loc, mlir::Value acc, mlir::Value a,
                     mlir::Value bWords);
} // namespace kiln

#endif
