//===- Int8Layout.h - the packed weight layouts of kiln.matmul_int8 ------------===//
//
// What the packing (passes/Quantization/Int8MatMul.cpp), the verifier, the linalg lowering
// and the VNNI kernel (compiler/Codegen/CPU/VnniGemm.cpp) must agree on: which layout a
// grouped product uses and the packed tensor's shape. Header-only.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_DIALECT_GRAPH_INT8LAYOUT_H
#define KILN_DIALECT_GRAPH_INT8LAYOUT_H

#include <array>
#include <cstdint>

namespace kiln {
/// Bytes of a row of the packed weights: 64 columns x 4 k (one vpdpbusd operand per 16).
constexpr int64_t kInt8PanelRowBytes = 256;

/// Whether a grouped product of `n` columns in `groups` groups of `cg` channels packs its
/// weights over all columns as a dense product does (panels of 64 columns holding whole
/// groups, 16 / fg groups per vector of 16 lanes): groups of fewer than 16 columns that
/// divide 16, whole vectors only, and each vector's groups' 4 channels of a tap within 64
/// bytes of a row of the lhs (one load, then a shuffle to the groups' lanes). Otherwise each
/// group's columns have panels of their own.
inline bool groupsShareVectors(int64_t n, int64_t groups, int64_t cg) {
  if (groups <= 1 || n % groups != 0)
    return false;
  int64_t fg = n / groups;
  return fg < 16 && 16 % fg == 0 && n % 16 == 0 && (16 / fg - 1) * cg + 4 <= 64;
}

/// The packed weights' shape [panels, ceil(K / 4), 256] of a product with `k` lhs columns
/// and `n` result columns (grouped: `groups` x `cg` channels per tap, each group's rows
/// k / groups).
inline std::array<int64_t, 3> packedWeightShape(int64_t k, int64_t n, int64_t groups = 1,
                                                int64_t cg = 0) {
  if (groups <= 1 || groupsShareVectors(n, groups, cg))
    return {(n + 63) / 64, (k / groups + 3) / 4, kInt8PanelRowBytes};
  return {groups * ((n / groups + 63) / 64), (k / groups + 3) / 4, kInt8PanelRowBytes};
}
} // namespace kiln

#endif
