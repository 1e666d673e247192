//===- Winograd.h - the transform matrices of Winograd F(m x m, 3 x 3) ----===//
//
// Shared by the graph pass that transforms filters at compile time, the verifiers and the
// lowering of winograd_input / winograd_output to vector code.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_DIALECT_GRAPH_WINOGRAD_H
#define KILN_DIALECT_GRAPH_WINOGRAD_H

#include "llvm/ADT/ArrayRef.h"

#include <cstdint>

namespace kiln {
/// Y = A^T [(G g G^T) ⊙ (B^T d B)] A for an alpha x alpha input tile d, a 3x3 filter g and an
/// m x m output tile Y (alpha = m + 2). Matrices are row-major.
struct WinogradMatrices {
  int64_t m;     ///< output tile size
  int64_t alpha; ///< input tile size, m + 2
  llvm::ArrayRef<double> bt; ///< B^T, alpha x alpha
  llvm::ArrayRef<double> g;  ///< G, alpha x 3
  llvm::ArrayRef<double> at; ///< A^T, m x alpha
};

/// The matrices of F(m x m, 3 x 3) for m = 2 or 4 (interpolation points 0, ±1, ±2, ∞);
/// nullptr for other m.
const WinogradMatrices *getWinogradMatrices(int64_t m);

/// Tiles of one dilation phase along a dim: m-sized tiles covering its ceil(extent /
/// dilation) output positions.
inline int64_t winogradPhaseTiles(int64_t extent, int64_t m, int64_t dilation = 1) {
  return ((extent + dilation - 1) / dilation + m - 1) / m;
}

/// Number of m-sized tiles covering `extent` output positions: with a dilation d, every
/// phase (positions p, p + d, ... for p < d) is tiled on its own.
inline int64_t winogradTiles(int64_t extent, int64_t m, int64_t dilation = 1) {
  return dilation * winogradPhaseTiles(extent, m, dilation);
}
} // namespace kiln

#endif // KILN_DIALECT_GRAPH_WINOGRAD_H
