//===- VectorPools.h - which pools lower straight to vector code ----------===//
//
// Shared by kiln-explicit-conv-padding (which then leaves their padding alone) and the CPU
// lowering that reads the padding in place (compiler/Conversion/KilnToLinalg/PoolToVectors).
//
//===----------------------------------------------------------------------===//
#ifndef KILN_DIALECT_GRAPH_VECTORPOOLS_H
#define KILN_DIALECT_GRAPH_VECTORPOOLS_H

#include "kiln/Dialect/Graph/KilnDialect.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/STLExtras.h"

#include <type_traits>

namespace kiln {
/// An NHWC 2-D pool, f32 with static channels in whole 8-lane vectors or (max pools only)
/// 8-bit integers with static channels in whole 16-lane vectors (batch and image dims may be
/// dynamic, in the input and the result alike), no dilation, no negative pads (`PoolOp`:
/// kiln::MaxPoolOp or kiln::AvgPoolOp).
template <typename PoolOp> bool isVectorCodedPool(PoolOp pool) {
  constexpr bool isMax = std::is_same_v<PoolOp, MaxPoolOp>;
  auto input = mlir::cast<mlir::RankedTensorType>(pool.getInput().getType());
  auto result = mlir::cast<mlir::RankedTensorType>(pool.getResult().getType());
  auto sameDynamism = [&](int64_t d) { return input.isDynamicDim(d) == result.isDynamicDim(d); };
  return pool.getLayout() == "NHWC" && input.getRank() == 4 && result.getRank() == 4 &&
         !input.isDynamicDim(3) && sameDynamism(0) && sameDynamism(1) && sameDynamism(2) &&
         ((input.getElementType().isF32() && input.getDimSize(3) % 8 == 0) ||
          (isMax && input.getElementType().isInteger(8) && input.getDimSize(3) % 16 == 0)) &&
         llvm::all_of(pool.getDilations(), [](int64_t d) { return d == 1; }) &&
         llvm::all_of(pool.getPads(), [](int64_t p) { return p >= 0; });
}
} // namespace kiln

#endif // KILN_DIALECT_GRAPH_VECTORPOOLS_H
