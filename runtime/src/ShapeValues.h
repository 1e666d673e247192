// Dims that follow the values of a tensor known at run time ("shape values": a
// Reshape shape, Unsqueeze/Squeeze axes), computed on the host before any kernel runs.
#ifndef KILN_RUNTIME_SRC_SHAPEVALUES_H
#define KILN_RUNTIME_SRC_SHAPEVALUES_H

#include <cstdint>
#include <string>
#include <vector>

namespace kiln {

/// The dims of a view of a value of shape `input` by the int64 `values`, as `mode` says
/// (ONNX semantics): "reshape" (0 copies the input dim, one -1 is inferred),
/// "reshape_allowzero" (0 is a zero dim), "unsqueeze" (axes of the result that get extent
/// 1), "squeeze" (axes of the input, each of extent 1, dropped). Throws kiln::Error
/// (KILN_ERROR_INVALID_ARGUMENT) starting with `label` (the node) when the values are bad.
std::vector<int64_t> valueShapedDims(const std::string &mode, const std::vector<int64_t> &input,
                                     const std::vector<int64_t> &values,
                                     const std::string &label);

} // namespace kiln

#endif // KILN_RUNTIME_SRC_SHAPEVALUES_H
