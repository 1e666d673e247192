// Element-level helpers for kiln-run: float16 conversion, seeded random fill,
// value printing.
#ifndef KILN_RUNTIME_TOOLS_TENSORVALUES_H
#define KILN_RUNTIME_TOOLS_TENSORVALUES_H

#include "Half.h"
#include "kiln/runtime.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace kiln {

/// Element `index` of a `dtype` buffer, as a double.
double elementAt(kiln_dtype dtype, const void *data, size_t index);

/// Fills `count` elements deterministically from `seed`: floating types
/// uniform in [-1, 1], integer types in [0, 10), bool in {0, 1}.
void fillRandom(kiln_dtype dtype, void *data, size_t count, uint64_t seed);

/// The first `limit` elements, space separated (ints exact, floats %.6g).
std::string formatValues(kiln_dtype dtype, const void *data, size_t count,
                         size_t limit);

/// The `k` largest (index, value) pairs among the first `rowLength`
/// elements, largest first.
std::vector<std::pair<size_t, double>> topK(kiln_dtype dtype, const void *data,
                                            size_t rowLength, size_t k);

/// True for float16/float32/float64.
bool isFloating(kiln_dtype dtype);

} // namespace kiln

#endif // KILN_RUNTIME_TOOLS_TENSORVALUES_H
