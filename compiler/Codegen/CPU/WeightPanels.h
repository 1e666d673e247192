//===- WeightPanels.h - the packed layout of matmul weights (B panels) ----===//
//
// The contract between kiln-cpu-pack-weight-panels, which makes a kernel read a weight
// argument [.., K, N] as panels [.., N / W, K, W] (in groups, panelShape), and the compiler, which
// permutes the weight's bytes in the artifact to match; with what the compiler tells the CPU
// codegen about a kernel's weight arguments (markWeightArgs, compiler/Pipeline/PackPlanWeights.h).
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
/// Function attribute (i64 array): [argument, W, G, ...] for each argument read as panels
/// of W columns in groups of G columns (panelShape).
constexpr llvm::StringLiteral kPackedArgsAttr = "kiln.packed_args";
/// Entries per argument in kPackedArgsAttr and in the compiler's lists of packed arguments.
constexpr size_t kPackedArgFields = 3;

/// Bytes of a cache line: a panel row narrower gains nothing from packing; prefetches are
/// issued per line.
constexpr int64_t kCacheLineBytes = 64;

/// The panel layout of [.., K, N] in panels of `width` (W) columns, grouped `group` (G)
/// columns at a time (G divides N; G = N: no groups): each group is ceil(G / W) panels, the
/// last one zero-padded where W does not divide G, so that a task of G columns (a parallel
/// tile of 200 columns: 12 panels of 16 and one of 8 columns and 8 zeros) starts on a panel.
/// [.., K, N] → [.., N / G * ceil(G / W), K, W]; where W divides G, [.., N / W, K, W].
llvm::SmallVector<int64_t> panelShape(llvm::ArrayRef<int64_t> shape, int64_t width, int64_t group);

/// Panels per group: ceil(G / W).
inline int64_t panelsPerGroup(int64_t width, int64_t group) { return (group + width - 1) / width; }

/// Writes `src` (row-major `shape`, `elementBytes` per element) to `dst` in the layout of
/// panelShape(shape, width, group): dst[.., g * P + p, k, j] = src[.., k, g * G + p * W + j]
/// where p * W + j < G, else 0. `dst` holds the product of panelShape's dims; the buffers do
/// not overlap.
void packPanels(const char *src, char *dst, llvm::ArrayRef<int64_t> shape, int64_t width,
                int64_t group, int64_t elementBytes);
} // namespace kiln

#endif
