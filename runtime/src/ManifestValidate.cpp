// Cross-checks a parsed manifest: value sizes, storage ranges, bindings and
// step arguments.
#include "src/DType.h"
#include "src/Error.h"
#include "src/Manifest.h"

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

void checkValue(const Manifest &manifest, size_t index) {
  const ValueInfo &value = manifest.values[index];
  std::string where = describeValue(manifest, index);
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
