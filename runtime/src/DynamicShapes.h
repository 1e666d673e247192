// Shapes, sizes and arena offsets of a plan with dynamic dims for one set of
// input shapes (format version 2, docs/artifact.md).
#ifndef KILN_RUNTIME_SRC_DYNAMICSHAPES_H
#define KILN_RUNTIME_SRC_DYNAMICSHAPES_H

#include "src/Manifest.h"

#include <cstdint>
#include <functional>
#include <vector>

namespace kiln {

/// A step's shape function: reads the dynamic dims of its inputs, writes those
/// of its outputs and then 1 (the input dims agree) or 0.
using ShapeFunction = void (*)(const int64_t *in, int64_t *out);

/// The host bytes of a value that is a model input or a weight (views: those of the
/// value they view), or null when it has none before the kernels run.
using HostData = std::function<const void *(size_t value)>;

/// Every value's shape, size and arena offset for one set of input shapes.
struct ResolvedPlan {
  std::vector<std::vector<int64_t>> shapes; ///< per value (index)
  std::vector<uint64_t> bytes;              ///< per value
  std::vector<uint64_t> offsets;            ///< per value, in its storage
  uint64_t arenaBytes = 0;
  std::vector<std::vector<int64_t>> stepDims; ///< per step: its `dims` values
};

/// Resolves `manifest` (dynamic) for `inputShapes` (one per model input):
/// checks each input against its declared rank and static dims, runs the
/// steps' shape functions (`shapeFunctions[i]` for steps[i], null if none) in
/// order, sizes the views, then places every arena buffer with the lifetimes
/// of the manifest. Throws kiln::Error (KILN_ERROR_INVALID_ARGUMENT) naming the
/// input or the step whose input dims disagree. Shape values (views with `shapeFrom`,
/// steps with `valueArgs`) are read through `hostData`.
ResolvedPlan resolvePlan(const Manifest &manifest,
                         const std::vector<std::vector<int64_t>> &inputShapes,
                         const std::vector<ShapeFunction> &shapeFunctions,
                         const HostData &hostData = {});

/// The plan of a static manifest as a ResolvedPlan (its own offsets).
ResolvedPlan staticPlan(const Manifest &manifest);

} // namespace kiln

#endif // KILN_RUNTIME_SRC_DYNAMICSHAPES_H
