//===- TensorBytes.cpp - the bytes a tensor type needs --------------------===//
#include "kiln/Dialect/Graph/TensorBytes.h"

#include <algorithm>

std::optional<uint64_t> kiln::addressableBytes(mlir::RankedTensorType type, uint64_t limit) {
  mlir::Type element = type.getElementType();
  uint64_t bytes = std::max<uint64_t>(1, element.getIntOrFloatBitWidth() / 8);
  for (int64_t d : type.getShape())
    if (!mlir::ShapedType::isDynamic(d) &&
        (__builtin_mul_overflow(bytes, uint64_t(d), &bytes) || bytes > limit))
      return std::nullopt;
  return bytes;
}

std::string kiln::formatBytes(uint64_t bytes) {
  static const char *units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int unit = 0;
  while (unit < 6 && bytes >= 1024 && bytes % 1024 == 0) {
    bytes /= 1024;
    ++unit;
  }
  return std::to_string(bytes) + " " + units[unit];
}
