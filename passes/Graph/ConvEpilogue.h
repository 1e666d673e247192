//===- ConvEpilogue.h - the ops after a convolution its kernel can absorb -===//
#ifndef KILN_PASSES_GRAPH_CONVEPILOGUE_H
#define KILN_PASSES_GRAPH_CONVEPILOGUE_H

#include "mlir/IR/Operation.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/SmallVector.h"

#include <limits>

namespace kiln {
/// What follows a convolution in a chain where each op is the only user of the value before
/// it: [an add of a tensor of the result's type (a residual)] then [relu | clip] then, where
/// the kernel supports it, [hard swish | SiLU: x * sigmoid(x), the value's two users] —
/// applied in the convolution's output pass instead of passes of their own.
struct ConvEpilogue {
  mlir::Value residual; ///< null: none
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  bool hardSwish = false; ///< x * max(0, min(1, x / 6 + 1 / 2)) after the clamp
  bool silu = false;      ///< x * sigmoid(x) after the clamp
  llvm::SmallVector<mlir::Operation *> ops; ///< the absorbed ops, in order

  /// The op whose result the fused op replaces: the last absorbed one, or `conv`. Build the
  /// fused op there: every operand it takes dominates it.
  mlir::Operation *last(mlir::Operation *conv) const { return ops.empty() ? conv : ops.back(); }

  /// Replaces the last op with `fused` and erases the other absorbed ops and `conv`.
  void replace(mlir::RewriterBase &rewriter, mlir::Operation *conv, mlir::Value fused) const;
};

/// The epilogue of `conv`'s single result; with `allowResidual` false no add is absorbed,
/// with `allowSwish` false no hard swish or SiLU.
ConvEpilogue matchConvEpilogue(mlir::Operation *conv, bool allowResidual, bool allowSwish = false);
} // namespace kiln

#endif
