//===- AmxPhis.h - AMX tile phis retyped after translation to LLVM IR ----------===//
//
// MLIR 19's LLVM dialect has no type for AMX tiles: an `amx` dialect tile carried by a loop
// (the sums of kiln-cpu-vnni-gemm's AMX kernel over k) translates to a phi typed as the
// tile's vector (an array of vectors) whose incoming values are the intrinsics' x86_amx
// values, which the LLVM verifier rejects. retypeAmxPhis gives such phis the x86_amx type.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_COMPILER_TARGET_CPU_AMXPHIS_H
#define KILN_COMPILER_TARGET_CPU_AMXPHIS_H

#include "llvm/IR/Module.h"

#include <string>

namespace kiln {
/// Retypes every phi with an x86_amx incoming value (directly or through such phis) to
/// x86_amx. False, with `error` naming the function and phi, where such a phi also takes a
/// value of another type (which no tile can be).
bool retypeAmxPhis(llvm::Module &module, std::string &error);
} // namespace kiln

#endif
