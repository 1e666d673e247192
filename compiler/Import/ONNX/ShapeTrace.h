//===- ShapeTrace.h - shape tensors traced back to input dims at import ----===//
//
// A model with a symbolic dim computes shapes at run time (`x.view(x.size(0), -1)` exports
// Shape → Gather → Unsqueeze → Concat → Reshape). When every element of such a shape tensor
// is a constant or a dim of a known tensor, the importer still knows the result's dims
// symbolically and emits a kiln.reshape with `?` dims (sized at run time by the plan).
//
//===----------------------------------------------------------------------===//
#ifndef KILN_IMPORT_ONNX_SHAPETRACE_H
#define KILN_IMPORT_ONNX_SHAPETRACE_H

#include "mlir/IR/Value.h"
#include "llvm/ADT/SmallVector.h"

namespace kiln::importer {
/// One element of an integer shape tensor: a constant `value`, or dim `dim` of `source`.
struct ShapeElement {
  int64_t value = 0;
  mlir::Value source;
  int64_t dim = -1;
  bool isConstant() const { return !source; }
};

/// The tensor and dim that dim `dim` of `v` equals at run time, followed back through ops
/// that keep it: transposes, reshapes that record it (`dims_from`) and elementwise ops whose
/// result has their first operand's shape; (v, dim) itself where none applies.
std::pair<mlir::Value, int64_t> rootDim(mlir::Value v, int64_t dim);

/// The elements of `shape` (a 0-D or 1-D integer tensor) traced through kiln.constant,
/// kiln.shape, kiln.gather / kiln.slice with constant indices, kiln.concat, kiln.reshape and
/// kiln.cast (a dim of a tensor as its rootDim); failure when some element is computed
/// otherwise.
mlir::FailureOr<llvm::SmallVector<ShapeElement>> traceShape(mlir::Value shape);
} // namespace kiln::importer

#endif
