// Element types of the artifact format: manifest names, sizes, and shape
// arithmetic.
#include "src/DType.h"

namespace kiln {
namespace {

struct DTypeEntry {
  kiln_dtype dtype;
  const char *name;
  size_t size;
};

constexpr DTypeEntry kDTypes[] = {
    {KILN_DTYPE_FLOAT32, "float32", 4}, {KILN_DTYPE_FLOAT16, "float16", 2},
    {KILN_DTYPE_FLOAT64, "float64", 8}, {KILN_DTYPE_INT8, "int8", 1},
    {KILN_DTYPE_UINT8, "uint8", 1},     {KILN_DTYPE_INT16, "int16", 2},
    {KILN_DTYPE_INT32, "int32", 4},     {KILN_DTYPE_INT64, "int64", 8},
    {KILN_DTYPE_BOOL, "bool", 1},       {KILN_DTYPE_UINT16, "uint16", 2},
    {KILN_DTYPE_UINT32, "uint32", 4},   {KILN_DTYPE_UINT64, "uint64", 8},
};

const DTypeEntry *find(kiln_dtype dtype) {
  for (const DTypeEntry &entry : kDTypes)
    if (entry.dtype == dtype)
      return &entry;
  return nullptr;
}

} // namespace

std::optional<kiln_dtype> parseDType(const std::string &name) {
  for (const DTypeEntry &entry : kDTypes)
    if (name == entry.name)
      return entry.dtype;
  return std::nullopt;
}

size_t dtypeSize(kiln_dtype dtype) {
  const DTypeEntry *entry = find(dtype);
  return entry ? entry->size : 0;
}

const char *dtypeName(kiln_dtype dtype) {
  const DTypeEntry *entry = find(dtype);
  return entry ? entry->name : "unknown";
}

std::optional<uint64_t> shapeBytes(const std::vector<int64_t> &shape,
                                   size_t elementSize) {
  constexpr uint64_t kLimit = uint64_t(1) << 62;
  uint64_t total = elementSize;
  for (int64_t dim : shape) {
    if (dim < 0)
      return std::nullopt;
    if (dim != 0 && total > kLimit / uint64_t(dim))
      return std::nullopt;
    total *= uint64_t(dim);
  }
  return total;
}

std::string formatShape(const std::vector<int64_t> &shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? "," : "") + std::to_string(shape[i]);
  return text + "]";
}

} // namespace kiln
