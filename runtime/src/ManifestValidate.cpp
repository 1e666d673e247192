// Cross-checks a parsed manifest: value sizes, storage ranges, bindings and
// step arguments.
#include "src/DType.h"
#include "src/Error.h"
#include "src/Manifest.h"

#include <algorithm>
#include <cstdint>
#include <set>

namespace kiln {
namespace {

[[noreturn]] void fail(const Manifest &manifest, const std::string &what) {
  throw Error(KILN_ERROR_INVALID_ARTIFACT, manifest.path + ": " + what);
}

std::string describeValue(const Manifest &manifest, size_t index) {
  return "values[" + std::to_string(index) + "] (id " +
         std::to_string(manifest.values[index].id) + ")";
}

/// A value with dynamic dims (format version 2): its size is known at run time only.
void checkDynamicValue(const Manifest &manifest, size_t index) {
  const ValueInfo &value = manifest.values[index];
  std::string where = describeValue(manifest, index);
  if (manifest.formatVersion < 2)
    fail(manifest, where + ": dynamic dims need format version 2, shape " +
                       formatShape(value.shape));
  for (int64_t d : value.shape)
    if (d < -1)
      fail(manifest, where + ": invalid shape " + formatShape(value.shape));
  if (value.bytes != 0 || value.storage != Storage::Arena)
    fail(manifest, where + ": a dynamic value has bytes 0 and storage \"arena\"");
}

/// Format version 2: views point backwards, arena buffers carry their lifetimes.
void checkPlanLinks(const Manifest &manifest, size_t index) {
  const ValueInfo &value = manifest.values[index];
  std::string where = describeValue(manifest, index);
  if (value.viewOf >= int64_t(index))
    fail(manifest, where + ": view_of must name an earlier value");
  if (value.viewOf >= 0 && !value.dimsFrom.empty()) {
    const ValueInfo &source = manifest.values[value.viewOf];
    if (value.dimsFrom.size() != value.shape.size())
      fail(manifest, where + ": dims_from needs one entry per dim");
    for (int64_t d : value.dimsFrom)
      if (d < -1 || d >= int64_t(source.shape.size()))
        fail(manifest, where + ": dims_from names dim " + std::to_string(d) +
                           " of a rank-" + std::to_string(source.shape.size()) +
                           " value");
  }
  if (value.shapeFrom >= 0) {
    const ValueInfo &shape = manifest.values[value.shapeFrom];
    if (value.viewOf < 0 || value.shapeFrom >= int64_t(index))
      fail(manifest, where + ": shape_from must name an earlier value, on a view");
    if (shape.shape.size() != 1 || shape.shape[0] < 0 || shape.dtype != KILN_DTYPE_INT64)
      fail(manifest, where + ": shape_from must name a 1-D int64 value of static length");
  }
  if (value.viewOf >= 0 && !manifest.dynamic) {
    const ValueInfo &source = manifest.values[value.viewOf];
    if (value.storage != source.storage || value.offset != source.offset ||
        value.bytes > source.bytes)
      fail(manifest, where + ": a view lies on the bytes of its view_of value");
  }
  bool root = value.viewOf < 0 && value.storage == Storage::Arena;
  if (manifest.dynamic && root &&
      (!value.hasLive || value.firstStep > value.lastStep || value.firstStep < 0))
    fail(manifest, where + ": an arena buffer of a dynamic plan needs \"live\": "
                           "[first step, last step]");
}

void checkValue(const Manifest &manifest, size_t index) {
  const ValueInfo &value = manifest.values[index];
  std::string where = describeValue(manifest, index);
  if (value.isDynamic())
    checkDynamicValue(manifest, index);
  checkPlanLinks(manifest, index);
  if (value.isDynamic())
    return;
  size_t elementSize = dtypeSize(value.dtype);
  auto expected = shapeBytes(value.shape, elementSize);
  if (!expected)
    fail(manifest, where + ": invalid shape " + formatShape(value.shape));
  if (*expected != value.bytes)
    fail(manifest, where + ": bytes is " + std::to_string(value.bytes) +
                       " but shape " + formatShape(value.shape) + " of " +
                       dtypeName(value.dtype) + " needs " +
                       std::to_string(*expected));
  bool inArena = value.storage == Storage::Arena;
  if (inArena && manifest.dynamic)
    return; // a dynamic plan places its arena buffers at run time
  uint64_t limit = inArena ? manifest.arenaBytes : manifest.weightsBytes;
  if (value.offset > limit || value.bytes > limit - value.offset)
    fail(manifest, where + ": bytes [" + std::to_string(value.offset) + ", " +
                       std::to_string(value.offset + value.bytes) +
                       ") lie outside " +
                       (inArena ? "the arena (arena_bytes "
                                : "weights.bin (weights_bytes ") +
                       std::to_string(limit) + ")");
}

void checkBindings(const Manifest &manifest, const std::vector<Binding> &list,
                   const char *key) {
  std::set<std::string> names;
  for (size_t i = 0; i < list.size(); ++i) {
    std::string where = std::string(key) + "[" + std::to_string(i) + "]";
    if (list[i].name.empty())
      fail(manifest, where + ": empty name");
    if (!names.insert(list[i].name).second)
      fail(manifest, where + ": duplicate name '" + list[i].name + "'");
  }
}

void checkInputsLiveInArena(const Manifest &manifest) {
  for (size_t i = 0; i < manifest.inputs.size(); ++i) {
    size_t value = manifest.inputs[i].value;
    if (manifest.values[value].storage != Storage::Arena)
      fail(manifest, "inputs[" + std::to_string(i) + "] ('" +
                         manifest.inputs[i].name +
                         "'): " + describeValue(manifest, value) +
                         " must have storage \"arena\"");
  }
}

/// `dims` lists exactly the dynamic dims of the args, in order; outputs come after inputs.
void checkStepDims(const Manifest &manifest, const Step &step,
                   const std::string &where) {
  std::vector<std::pair<size_t, size_t>> expected;
  size_t firstOutput = step.args.size() - step.numOutputs;
  size_t lastInput = 0, minOutput = SIZE_MAX;
  for (size_t p = 0; p < step.args.size(); ++p) {
    const std::vector<int64_t> &shape = manifest.values[step.args[p]].shape;
    for (size_t d = 0; d < shape.size(); ++d)
      if (shape[d] < 0)
        expected.push_back({p, d});
    if (p < firstOutput)
      lastInput = std::max(lastInput, step.args[p]);
    else
      minOutput = std::min(minOutput, step.args[p]);
  }
  if (step.dims != expected)
    fail(manifest, where + ": dims must list the dynamic dims of its args in order");
  if (step.dims.empty() != step.shapeFunction.empty())
    fail(manifest, where + ": a step has a shape_function exactly when it has dims");
  if (manifest.dynamic && firstOutput > 0 && minOutput != SIZE_MAX &&
      lastInput >= minOutput)
    fail(manifest, where + ": its outputs must be values after its inputs");
}

void checkStep(const Manifest &manifest, size_t index) {
  const Step &step = manifest.steps[index];
  std::string where = "steps[" + std::to_string(index) + "] (" + step.kernel +
                      (step.name.empty() ? "" : ", " + step.name) + ")";
  if (step.kernel.empty())
    fail(manifest, where + ": empty kernel name");
  if (step.numOutputs > step.args.size())
    fail(manifest, where + ": num_outputs " + std::to_string(step.numOutputs) +
                       " exceeds its " + std::to_string(step.args.size()) +
                       " args");
  for (size_t i = step.args.size() - step.numOutputs; i < step.args.size();
       ++i) {
    if (manifest.values[step.args[i]].storage != Storage::Arena)
      fail(manifest, where + ": output arg " + std::to_string(i) + " is " +
                         describeValue(manifest, step.args[i]) +
                         ", which lives in read-only weights");
  }
  checkStepDims(manifest, step, where);
  size_t firstOutput = step.args.size() - step.numOutputs;
  for (auto [p, element] : step.valueArgs) {
    if (p >= firstOutput || step.shapeFunction.empty())
      fail(manifest, where + ": value_args must name inputs of a step with a shape_function");
    const ValueInfo &value = manifest.values[step.args[p]];
    auto count = shapeBytes(value.shape, 1);
    if (value.isDynamic() || !count || element >= *count)
      fail(manifest, where + ": value_args element " + std::to_string(element) +
                         " is out of range for " + describeValue(manifest, step.args[p]));
  }
}

} // namespace

void validateManifest(const Manifest &manifest) {
  for (size_t i = 0; i < manifest.values.size(); ++i)
    checkValue(manifest, i);
  checkBindings(manifest, manifest.inputs, "inputs");
  checkBindings(manifest, manifest.outputs, "outputs");
  checkInputsLiveInArena(manifest);
  for (size_t i = 0; i < manifest.steps.size(); ++i)
    checkStep(manifest, i);
}

} // namespace kiln
