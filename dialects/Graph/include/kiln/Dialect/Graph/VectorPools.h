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
/// An NHWC 2-D pool of f32 or (max pools only) 8-bit integers, static channels in whole
/// 8-lane vectors (batch and image dims may be dynamic, in the input and the result alike), no
/// dilation, no negative pads (`PoolOp`: kiln::MaxPoolOp or kiln::AvgPoolOp). With `element`,
/// whether it would be with that element type (kiln-int8-max-pool asks before it rewrites).
template <typename PoolOp> bool isVectorCodedPool(PoolOp pool, mlir::Type element = {}) {
  constexpr bool isMax = std::is_same_v<PoolOp, MaxPoolOp>;
  auto input = mlir::cast<mlir::RankedTensorType>(pool.getInput().getType());
  auto result = mlir::cast<mlir::RankedTensorType>(pool.getResult().getType());
  if (!element)
    element = input.getElementType();
  auto sameDynamism = [&](int64_t d) { return input.isDynamicDim(d) == result.isDynamicDim(d); };
  return pool.getLayout() == "NHWC" && input.getRank() == 4 && result.getRank() == 4 &&
         !input.isDynamicDim(3) && sameDynamism(0) && sameDynamism(1) && sameDynamism(2) &&
         (element.isF32() || (isMax && element.isInteger(8))) && input.getDimSize(3) % 8 == 0 &&
         llvm::all_of(pool.getDilations(), [](int64_t d) { return d == 1; }) &&
         llvm::all_of(pool.getPads(), [](int64_t p) { return p >= 0; });
}
} // namespace kiln

#endif // KILN_DIALECT_GRAPH_VECTORPOOLS_H
