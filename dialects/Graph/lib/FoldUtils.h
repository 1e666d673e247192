//===- FoldUtils.h - helpers shared by the kiln ops' constant folders -----===//
#ifndef KILN_DIALECT_GRAPH_FOLDUTILS_H
#define KILN_DIALECT_GRAPH_FOLDUTILS_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/IR/Operation.h"

namespace kiln::fold {
/// Constant data-movement folds copy bytes; shape arithmetic is small, weights can be large.
/// Input-independent masks fold too: Swin's shifted-window attention masks (built from
/// constants by ScatterND, Expand, Sub, Equal and Where) are [64, 49, 49] in its first stage.
constexpr int64_t kMaxFoldElementsArith = 1 << 18;
/// Casts keep the smaller limit: a QDQ model's larger 8-bit filters stay `cast` + scale (the
/// form kiln-form-int8-qdq reads) rather than folding to f32 weights.
constexpr int64_t kMaxFoldElementsCast = 1 << 16;

inline mlir::DenseElementsAttr dense(mlir::Attribute a) {
  return llvm::dyn_cast_or_null<mlir::DenseElementsAttr>(a);
}

/// Row-major strides of `shape`, in elements.
llvm::SmallVector<int64_t> stridesOf(llvm::ArrayRef<int64_t> shape);

/// Broadcast index of `srcShape` for a result index (numpy rules, right aligned).
int64_t broadcastIndex(llvm::ArrayRef<int64_t> srcShape, llvm::ArrayRef<int64_t> srcStrides,
                       llvm::ArrayRef<int64_t> idx);

/// Folds an elementwise op with numpy broadcasting whose operands are all constants: the
/// result element is `fn(operand elements)` (a null attribute stops the fold). Only static
/// results of at most kMaxFoldElementsArith elements fold.
mlir::Attribute foldElementwise(
    mlir::Operation *op, llvm::ArrayRef<mlir::Attribute> operands,
    llvm::function_ref<mlir::Attribute(llvm::ArrayRef<mlir::Attribute>)> fn);
} // namespace kiln::fold

#endif
