// Element-level helpers for kiln-run: float16 conversion, seeded random fill,
// value printing.
#include "tools/TensorValues.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>

namespace kiln {
namespace {

template <typename T> T load(const void *data, size_t index) {
  T value;
  std::memcpy(&value, static_cast<const uint8_t *>(data) + index * sizeof(T),
              sizeof(T));
  return value;
}

template <typename T> void store(void *data, size_t index, T value) {
  std::memcpy(static_cast<uint8_t *>(data) + index * sizeof(T), &value,
              sizeof(T));
}

} // namespace

bool isFloating(kiln_dtype dtype) {
  return dtype == KILN_DTYPE_FLOAT16 || dtype == KILN_DTYPE_FLOAT32 ||
         dtype == KILN_DTYPE_FLOAT64;
}

double elementAt(kiln_dtype dtype, const void *data, size_t index) {
  switch (dtype) {
  case KILN_DTYPE_FLOAT32:
    return load<float>(data, index);
  case KILN_DTYPE_FLOAT16:
    return halfToFloat(load<uint16_t>(data, index));
  case KILN_DTYPE_FLOAT64:
    return load<double>(data, index);
  case KILN_DTYPE_INT8:
    return load<int8_t>(data, index);
  case KILN_DTYPE_UINT8:
  case KILN_DTYPE_BOOL:
    return load<uint8_t>(data, index);
  case KILN_DTYPE_INT16:
    return load<int16_t>(data, index);
  case KILN_DTYPE_UINT16:
    return load<uint16_t>(data, index);
  case KILN_DTYPE_UINT32:
    return load<uint32_t>(data, index);
  case KILN_DTYPE_UINT64:
    return double(load<uint64_t>(data, index));
  case KILN_DTYPE_INT32:
    return load<int32_t>(data, index);
  case KILN_DTYPE_INT64:
    return double(load<int64_t>(data, index));
  }
  return 0.0;
}

void fillRandom(kiln_dtype dtype, void *data, size_t count, uint64_t seed) {
  // mt19937_64 output is fully specified, so inputs match across toolchains.
  std::mt19937_64 rng(seed);
  for (size_t i = 0; i < count; ++i) {
    uint64_t bits = rng();
    double unit = double(bits >> 11) * 0x1.0p-53; // [0, 1)
    double real = 2.0 * unit - 1.0;
    int64_t integer = int64_t(bits % (dtype == KILN_DTYPE_BOOL ? 2 : 10));
    switch (dtype) {
    case KILN_DTYPE_FLOAT32:
      store(data, i, float(real));
      break;
    case KILN_DTYPE_FLOAT16:
      store(data, i, floatToHalf(float(real)));
      break;
    case KILN_DTYPE_FLOAT64:
      store(data, i, real);
      break;
    case KILN_DTYPE_INT8:
    case KILN_DTYPE_UINT8:
    case KILN_DTYPE_BOOL:
      store(data, i, uint8_t(integer));
      break;
    case KILN_DTYPE_INT16:
    case KILN_DTYPE_UINT16:
      store(data, i, int16_t(integer));
      break;
    case KILN_DTYPE_UINT32:
      store(data, i, uint32_t(integer));
      break;
    case KILN_DTYPE_UINT64:
      store(data, i, uint64_t(integer));
      break;
    case KILN_DTYPE_INT32:
      store(data, i, int32_t(integer));
      break;
    case KILN_DTYPE_INT64:
      store(data, i, integer);
      break;
    }
  }
}

std::string formatValues(kiln_dtype dtype, const void *data, size_t count,
                         size_t limit) {
  std::string text;
  char buffer[64];
  for (size_t i = 0; i < std::min(count, limit); ++i) {
    if (isFloating(dtype))
      std::snprintf(buffer, sizeof(buffer), "%.6g", elementAt(dtype, data, i));
    else if (dtype == KILN_DTYPE_INT64) // beyond a double's exact range
      std::snprintf(buffer, sizeof(buffer), "%lld",
                    (long long)load<int64_t>(data, i));
    else
      std::snprintf(buffer, sizeof(buffer), "%lld",
                    (long long)elementAt(dtype, data, i));
    text += (i ? " " : "") + std::string(buffer);
  }
  if (count > limit)
    text += " ...";
  return text;
}

std::vector<std::pair<size_t, double>> topK(kiln_dtype dtype, const void *data,
                                            size_t rowLength, size_t k) {
  std::vector<std::pair<size_t, double>> entries(rowLength);
  for (size_t i = 0; i < rowLength; ++i)
    entries[i] = {i, elementAt(dtype, data, i)};
  k = std::min(k, rowLength);
  std::partial_sort(entries.begin(), entries.begin() + k, entries.end(),
                    [](const auto &a, const auto &b) {
                      return a.second > b.second ||
                             (a.second == b.second && a.first < b.first);
                    });
  entries.resize(k);
  return entries;
}

} // namespace kiln
