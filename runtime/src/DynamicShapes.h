// Shapes, sizes and arena offsets of a plan with dynamic dims for one set of
// input shapes (format version 2, docs/artifact.md).
#ifndef KILN_RUNTIME_SRC_DYNAMICSHAPES_H
#define KILN_RUNTIME_SRC_DYNAMICSHAPES_H

#include "src/Manifest.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace kiln {

/// A step's shape function: reads the dynamic dims of its inputs, writes those
/// of its outputs and then 1 (the input dims agree) or 0.
using ShapeFunction = void (*)(const int64_t *in, int64_t *out);

/// The host bytes of a value that is a model input or a weight (views: those of the
/// value they view), or null when it has none before the kernels run.
using HostData = std::function<const void *(size_t value)>;

/// Every value's shape, size and arena offset for one set of input shapes.
///
/// A plan whose sizes read values that kernels compute (shape values of kernel
/// results: NonZero of a mask, a Reshape to a computed shape) runs in stages: a
/// stage is the steps up to the first one whose sizes read a value computed by
/// a step of the stage; the stage's kernels run before the next stage is
/// resolved. Each stage's buffers have an arena of their own (`arenaOf`),
/// placed when the stage is resolved.
struct ResolvedPlan {
  std::vector<std::vector<int64_t>> shapes; ///< per value (index)
  std::vector<uint64_t> bytes;              ///< per value
  std::vector<uint64_t>
      offsets;             ///< per value, in its storage (its stage's arena)
  uint64_t arenaBytes = 0; ///< all stages' arenas together
  std::vector<std::vector<int64_t>> stepDims; ///< per step: its `dims` values
  std::vector<uint32_t>
      arenaOf; ///< per arena value: the stage whose arena holds it
  std::vector<uint64_t> stageArenaBytes; ///< per stage resolved so far
  std::vector<size_t>
      stageEnds; ///< per stage resolved so far: its last step + 1
};

/// Resolves a dynamic plan stage by stage (see ResolvedPlan) into `plan`. Shape
/// values are read through `hostData`: inputs and weights at any time, a
/// kernel's result once the stage that computes it has run (the caller runs
/// each stage's steps before next()).
class StagedResolver {
public:
  /// Checks each input of `inputShapes` against its declared rank and static
  /// dims.
  StagedResolver(const Manifest &manifest, ResolvedPlan &plan,
                 const std::vector<std::vector<int64_t>> &inputShapes,
                 const std::vector<ShapeFunction> &shapeFunctions,
                 HostData hostData);
  ~StagedResolver();
  StagedResolver(const StagedResolver &) = delete;
  StagedResolver &operator=(const StagedResolver &) = delete;

  /// Resolves the next stage: runs its steps' shape functions, sizes and places
  /// the buffers they compute; after the last stage sizes the remaining views
  /// and checks the shapes fixed at export. Returns the stage's first step.
  size_t next();
  /// Whether every step is resolved (the last stage included).
  bool done() const;

private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

/// Resolves `manifest` (dynamic) for `inputShapes` (one per model input):
/// checks each input against its declared rank and static dims, runs the
/// steps' shape functions (`shapeFunctions[i]` for steps[i], null if none) in
/// order, sizes the views, then places every arena buffer with the lifetimes
/// of the manifest. Throws kiln::Error (KILN_ERROR_INVALID_ARGUMENT) naming the
/// input or the step whose input dims disagree. Shape values (views with
/// `shapeFrom`, steps with `valueArgs`) are read through `hostData`; a plan
/// that reads values computed by kernels needs a StagedResolver (an error
/// here).
ResolvedPlan resolvePlan(const Manifest &manifest,
                         const std::vector<std::vector<int64_t>> &inputShapes,
                         const std::vector<ShapeFunction> &shapeFunctions,
                         const HostData &hostData = {});

/// The plan of a static manifest as a ResolvedPlan (its own offsets).
ResolvedPlan staticPlan(const Manifest &manifest);

} // namespace kiln

#endif // KILN_RUNTIME_SRC_DYNAMICSHAPES_H
