//===- VectorPools.h - which pools lower straight to vector code ----------===//
//
// Shared by kiln-explicit-conv-padding (which then leaves their padding alone) and the CPU
// lowering that reads the padding in place (compiler/Conversion/KilnToLinalg/PoolToVectors).
//
//===----------------------------------------------------------------------===//
#ifndef KILN_DIALECT_GRAPH_VECTORPOOLS_H
#define KILN_DIALECT_GRAPH_VECTORPOOLS_H

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/STLExtras.h"

namespace kiln {
/// A static NHWC f32 2-D max or average pool, channels in whole 8-lane vectors, no dilation,
/// no negative pads (`PoolOp`: kiln::MaxPoolOp or kiln::AvgPoolOp).
template <typename PoolOp> bool isVectorCodedPool(PoolOp pool) {
  auto input = mlir::cast<mlir::RankedTensorType>(pool.getInput().getType());
  auto result = mlir::cast<mlir::RankedTensorType>(pool.getResult().getType());
  return pool.getLayout() == "NHWC" && input.getRank() == 4 && input.hasStaticShape() &&
         result.hasStaticShape() && input.getElementType().isF32() &&
         input.getDimSize(3) % 8 == 0 &&
         llvm::all_of(pool.getDilations(), [](int64_t d) { return d == 1; }) &&
         llvm::all_of(pool.getPads(), [](int64_t p) { return p >= 0; });
}
} // namespace kiln

#endif // KILN_DIALECT_GRAPH_VECTORPOOLS_H
