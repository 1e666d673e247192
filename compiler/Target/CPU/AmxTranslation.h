//===- AmxTranslation.h - AMX tiles in LLVM IR translated from MLIR 19 ----------===//
//
// Two fix-ups of the LLVM IR of kiln-cpu-vnni-gemm's AMX kernel, after translation:
// - MLIR 19's LLVM dialect has no type for AMX tiles: an `amx` dialect tile carried by a loop
//   (the sums over k) translates to a phi typed as the tile's vector (an array of vectors)
//   whose incoming values are the intrinsics' x86_amx values, which the LLVM verifier
//   rejects. retypeAmxPhis gives such phis the x86_amx type.
// - MLIR's CSE merges the (operand-free, pure) `amx.tile_zero`s of a block's accumulators into
//   one; tiles have no register-to-register move, so LLVM copies that zero into each
//   accumulator through the stack (a 1 KiB store and load per copy, a third of a 32 x 32
//   block's time at K = 1024). splitSharedTileZeros gives each use a tilezero of its own.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_COMPILER_TARGET_CPU_AMXTRANSLATION_H
#define KILN_COMPILER_TARGET_CPU_AMXTRANSLATION_H

#include "llvm/IR/Module.h"

#include <string>

namespace kiln {
/// Retypes every phi with an x86_amx incoming value (directly or through such phis) to
/// x86_amx. False, with `error` naming the function and phi, where such a phi also takes a
/// value of another type (which no tile can be).
bool retypeAmxPhis(llvm::Module &module, std::string &error);

/// Replaces each tilezero with several uses by a copy per use, placed right before it (before
/// the incoming block's terminator for a phi).
void splitSharedTileZeros(llvm::Module &module);
} // namespace kiln

#endif
