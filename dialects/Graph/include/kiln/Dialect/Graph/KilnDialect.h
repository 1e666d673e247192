//===- KilnDialect.h - the kiln graph dialect: dialect + ops --------------===//
#ifndef KILN_DIALECT_GRAPH_KILNDIALECT_H
#define KILN_DIALECT_GRAPH_KILNDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "kiln/Dialect/Graph/KilnOpsDialect.h.inc"
#include "kiln/Dialect/Graph/KilnOpsEnums.h.inc"

#define GET_OP_CLASSES
#include "kiln/Dialect/Graph/KilnOps.h.inc"

/// The dialect lives in the project namespace `kiln`; `mlir::kiln` names the same namespace so
/// that code with `using namespace mlir` can say `kiln::ConvOp` without ambiguity.
namespace mlir {
namespace kiln = ::kiln;
} // namespace mlir

namespace kiln {
/// True for ops that compute each result element from the elements at the same (broadcast)
/// position of their operands: unary math, binary arithmetic, comparisons, logic, where, cast.
bool isElementwise(mlir::Operation *op);
} // namespace kiln

#endif // KILN_DIALECT_GRAPH_KILNDIALECT_H
