// Dims from shape values (ONNX Reshape, Unsqueeze, Squeeze semantics) on the host.
#include "src/ShapeValues.h"

#include "src/DType.h"
#include "src/Error.h"

#include <algorithm>

namespace kiln {
namespace {

[[noreturn]] void invalid(const std::string &label, const std::string &message) {
  throw Error(KILN_ERROR_INVALID_ARGUMENT, label + ": " + message);
}

/// a * b, or an error naming `label` when it does not fit in int64 (shape values are user data).
int64_t checkedMul(int64_t a, int64_t b, const std::vector<int64_t> &dims,
                   const std::string &label) {
  int64_t p;
  if (__builtin_mul_overflow(a, b, &p))
    invalid(label, "the elements of shape " + formatShape(dims) + " overflow int64");
  return p;
}

int64_t product(const std::vector<int64_t> &dims, const std::string &label) {
  int64_t p = 1;
  for (int64_t d : dims)
    p = checkedMul(p, d, dims, label);
  return p;
}

std::vector<int64_t> reshapeDims(const std::vector<int64_t> &input,
                                 const std::vector<int64_t> &values, bool allowZero,
                                 const std::string &label) {
  std::vector<int64_t> out(values.size());
  int64_t inferred = -1, known = 1;
  for (size_t i = 0; i < values.size(); ++i) {
    int64_t v = values[i];
    if (v == 0 && !allowZero) {
      if (i >= input.size())
        invalid(label, "shape value 0 at index " + std::to_string(i) +
                           " copies a dim the input " + formatShape(input) + " lacks");
      v = input[i];
    }
    if (v < -1)
      invalid(label, "shape value " + std::to_string(v) + " is invalid");
    if (v == -1) {
      if (inferred >= 0)
        invalid(label, "shape " + formatShape(values) + " has more than one -1");
      inferred = int64_t(i);
    } else {
      known = checkedMul(known, v, values, label);
    }
    out[i] = v;
  }
  int64_t total = product(input, label);
  if (inferred >= 0) {
    if (known == 0 || total % known != 0)
      invalid(label, "cannot reshape " + formatShape(input) + " into " + formatShape(values));
    out[inferred] = total / known;
  } else if (known != total) {
    invalid(label, "cannot reshape " + formatShape(input) + " into " + formatShape(values));
  }
  return out;
}

/// `axes` made non-negative for `rank`; out of range or repeated axes are errors.
std::vector<int64_t> normalizeAxes(const std::vector<int64_t> &axes, int64_t rank,
                                   const std::string &label) {
  std::vector<int64_t> out;
  for (int64_t a : axes) {
    if (a < -rank || a >= rank)
      invalid(label, "axis " + std::to_string(a) + " is out of range for rank " +
                         std::to_string(rank));
    a = a < 0 ? a + rank : a;
    if (std::find(out.begin(), out.end(), a) != out.end())
      invalid(label, "axis " + std::to_string(a) + " is repeated in " + formatShape(axes));
    out.push_back(a);
  }
  return out;
}

} // namespace

std::vector<int64_t> valueShapedDims(const std::string &mode, const std::vector<int64_t> &input,
                                     const std::vector<int64_t> &values,
                                     const std::string &label) {
  if (mode == "reshape" || mode == "reshape_allowzero")
    return reshapeDims(input, values, mode == "reshape_allowzero", label);
  if (mode == "unsqueeze") {
    int64_t rank = int64_t(input.size() + values.size());
    std::vector<int64_t> axes = normalizeAxes(values, rank, label), out;
    for (int64_t d = 0, next = 0; d < rank; ++d)
      out.push_back(std::find(axes.begin(), axes.end(), d) != axes.end() ? 1 : input[next++]);
    return out;
  }
  if (mode == "squeeze") {
    std::vector<int64_t> axes = normalizeAxes(values, int64_t(input.size()), label), out;
    for (int64_t d = 0; d < int64_t(input.size()); ++d) {
      bool dropped = std::find(axes.begin(), axes.end(), d) != axes.end();
      if (dropped && input[d] != 1)
        invalid(label, "cannot squeeze dim " + std::to_string(d) + " of extent " +
                           std::to_string(input[d]) + " (input " + formatShape(input) + ")");
      if (!dropped)
        out.push_back(input[d]);
    }
    return out;
  }
  invalid(label, "unknown shape mode '" + mode + "'");
}

} // namespace kiln
