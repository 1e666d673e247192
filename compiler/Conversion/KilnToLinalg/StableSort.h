//===- StableSort.h - a stable merge sort of index lists in scf loops -----===//
//
// Sorts the first `m` entries of a 1-D index tensor by a comparison of the entries (an element
// each names: a score, a value of a row), stably: bottom-up merge passes, runs of w into a
// spare buffer and runs of 2w back, so that neither buffer changes roles in the loop (One-Shot
// Bufferize keeps each in place). O(m log m). Used by NonMaxSuppression (candidates by score)
// and TopK with a large k.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_CONVERSION_KILNTOLINALG_STABLESORT_H
#define KILN_CONVERSION_KILNTOLINALG_STABLESORT_H

#include "mlir/IR/Builders.h"

#include <utility>

namespace kiln::lowering {
/// Whether entry `x` goes strictly before entry `y` (an i1).
using EntryBefore =
    llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location, mlir::Value, mlir::Value)>;

/// `list`'s first `m` entries sorted by `before` (equal entries keep their order), through
/// `spare` (as long): the sorted list and the spare buffer.
std::pair<mlir::Value, mlir::Value> stableSort(mlir::OpBuilder &b, mlir::Location l,
                                               mlir::Value list, mlir::Value spare, mlir::Value m,
                                               EntryBefore before);
} // namespace kiln::lowering

#endif
