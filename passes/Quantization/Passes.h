//===- Passes.h - quantization passes of Kiln -----------------------------===//
#ifndef KILN_PASSES_QUANTIZATION_PASSES_H
#define KILN_PASSES_QUANTIZATION_PASSES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"

#include <cstdint>
#include <vector>

namespace kiln {
#define GEN_PASS_DECL
#include "passes/Quantization/Passes.h.inc"

/// Weights w[k][n] of a K x N matrix (row-major, each in [-128, 127]) packed in the
/// kiln.matmul_int8 layout [ceil(N/64)][ceil(K/4)][64][4], zeros past K and N.
std::vector<int8_t> packInt8Weights(const std::vector<int32_t> &w, int64_t k, int64_t n);

#define GEN_PASS_REGISTRATION
#include "passes/Quantization/Passes.h.inc"
} // namespace kiln

#endif
