// The device interface: one Executor per loaded model holds its memory and runs
// its plan.
#ifndef KILN_RUNTIME_SRC_EXECUTOR_H
#define KILN_RUNTIME_SRC_EXECUTOR_H

#include "src/DynamicShapes.h"
#include "src/Manifest.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace kiln {

/// Runs a validated plan on one device. Created by createExecutor() from the
/// manifest's target.kind; see runtime/README.md, "Add a device".
class Executor {
public:
  virtual ~Executor() = default;

  /// Sizes the plan for `inputShapes` (one per model input, in order): for a plan with
  /// dynamic dims, computes every shape and re-places the arena (growing it when needed);
  /// for a static plan only checks the shapes. Cheap when the shapes are those of the
  /// previous call. Throws kiln::Error naming a bad input or the step whose input dims
  /// disagree. `inputData` (one host pointer per model input) gives the values of inputs
  /// that are shape values (Manifest::readsValues; then the plan is resolved every call).
  virtual void prepare(const std::vector<std::vector<int64_t>> &inputShapes,
                       const std::vector<const void *> &inputData) = 0;

  /// Every value's shape, bytes and offset as of the last prepare().
  virtual const ResolvedPlan &resolved() const = 0;

  /// Copies the bytes of `value` (its size as of the last prepare()) from host memory into
  /// `value` (an arena value).
  virtual void writeValue(const ValueInfo &value, const void *data) = 0;

  /// Makes the kernels read input `value` (and its views) from host memory `data` (its size
  /// as of the last prepare(), 64-byte aligned) instead of the arena; no copy. A null `data`
  /// (an empty input) goes back to the value's arena bytes. `data` must
  /// stay unchanged until the run ends (kernels never write to their inputs). Only for a
  /// manifest with viewsRecorded (else a view of the input would still read the arena).
  virtual void bindInput(const ValueInfo &value, const void *data) = 0;

  /// Host-readable bytes of `value` as the last run left them.
  virtual const void *readValue(const ValueInfo &value) const = 0;

  /// Runs every step of the plan, in order. While profiling is on, adds each
  /// step's wall time to stepSeconds().
  virtual void run() = 0;

  /// Turns per-step timing on or off; turning it on clears the totals.
  void setProfiling(bool on) {
    profiling_ = on;
    if (on) {
      stepSeconds_.assign(stepSeconds_.size(), 0.0);
      profiledRuns_ = 0;
    }
  }
  bool profiling() const { return profiling_; }
  /// Seconds spent in each step over the profiled runs.
  const std::vector<double> &stepSeconds() const { return stepSeconds_; }
  uint64_t profiledRuns() const { return profiledRuns_; }

protected:
  std::vector<double> stepSeconds_; ///< sized by the device to its step count
  uint64_t profiledRuns_ = 0;

private:
  bool profiling_ = false;
};

/// Builds the executor for `manifest.targetKind` over the artifact folder
/// `dir`; `device` picks the device of that kind (GPUs; the CPU ignores it).
/// Throws kiln::Error if the kind is unknown or loading fails.
std::unique_ptr<Executor> createExecutor(const Manifest &manifest,
                                         const std::string &dir, int device = 0);

} // namespace kiln

#endif // KILN_RUNTIME_SRC_EXECUTOR_H
