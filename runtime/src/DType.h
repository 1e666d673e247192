// Element types of the artifact format: manifest names, sizes, and shape
// arithmetic.
#ifndef KILN_RUNTIME_SRC_DTYPE_H
#define KILN_RUNTIME_SRC_DTYPE_H

#include "kiln/runtime.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kiln {

/// Parses a manifest dtype name ("float32", "int64", ...).
std::optional<kiln_dtype> parseDType(const std::string &name);

/// Bytes per element, 0 for an unknown dtype.
size_t dtypeSize(kiln_dtype dtype);

/// The manifest name of `dtype`, or "unknown".
const char *dtypeName(kiln_dtype dtype);

/// product(shape) * elementSize, or nullopt if a dimension is negative or the
/// product exceeds 2^62.
std::optional<uint64_t> shapeBytes(const std::vector<int64_t> &shape,
                                   size_t elementSize);

/// Formats a shape as "[1,3,224,224]".
std::string formatShape(const std::vector<int64_t> &shape);

} // namespace kiln

#endif // KILN_RUNTIME_SRC_DTYPE_H
