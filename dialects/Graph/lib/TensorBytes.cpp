//===- TensorBytes.cpp - the bytes a tensor type needs --------------------===//
#include "kiln/Dialect/Graph/TensorBytes.h"

#include <algorithm>

std::optional<uint64_t> kiln::addressableBytes(mlir::RankedTensorType type) {
  mlir::Type element = type.getElementType();
  uint64_t bytes = std::max<uint64_t>(1, element.getIntOrFloatBitWidth() / 8);
  for (int64_t d : type.getShape())
    if (!mlir::ShapedType::isDynamic(d) &&
        (__builtin_mul_overflow(bytes, uint64_t(d), &bytes) || bytes > kMaxTensorBytes))
      return std::nullopt;
  return bytes;
}
