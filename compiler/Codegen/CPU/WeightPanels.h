//===- WeightPanels.h - the packed layout of matmul weights (B panels) ----===//
//
// The contract between kiln-cpu-pack-weight-panels, which makes a kernel read a weight
// argument [.., K, N] as panels [.., N / W, K, W], and the compiler, which permutes the
// weight's bytes in the artifact to match; with what the compiler tells the CPU codegen about
// a kernel's weight arguments (markWeightArgs, compiler/Pipeline/PackPlanWeights.h).
//
//===----------------------------------------------------------------------===//
#ifndef KILN_CODEGEN_CPU_WEIGHTPANELS_H
#define KILN_CODEGEN_CPU_WEIGHTPANELS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>

namespace kiln {
/// Argument attribute (unit): every step that runs the kernel passes a weight there (bytes
/// fixed at compile time, which the compiler may lay out as the kernel wants).
constexpr llvm::StringLiteral kWeightArgAttr = "kiln.weight";
/// Argument attribute (f64): an upper bound of |x| over the float32 weights every step that
/// runs the kernel passes there (what kiln-cpu-rounded-quotients may rely on).
constexpr llvm::StringLiteral kMaxAbsArgAttr = "kiln.max_abs";
/// Function attribute (i64 array): [argument, W, ...] for each argument read as panels.
constexpr llvm::StringLiteral kPackedArgsAttr = "kiln.packed_args";

/// Bytes of a cache line: a panel row narrower gains nothing from packing; prefetches are
/// issued per line.
constexpr int64_t kCacheLineBytes = 64;

/// [.., K, N] → [.., N / W, K, W]. `width` divides N.
llvm::SmallVector<int64_t> panelShape(llvm::ArrayRef<int64_t> shape, int64_t width);

/// Writes `src` (row-major `shape`, `elementBytes` per element) to `dst` as panels of
/// `width` columns: dst[.., p, k, j] = src[.., k, p * width + j]. The buffers do not overlap.
void packPanels(const char *src, char *dst, llvm::ArrayRef<int64_t> shape, int64_t width,
                int64_t elementBytes);
} // namespace kiln

#endif
