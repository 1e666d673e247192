// Resolves a plan with dynamic dims: shapes from the inputs and the shape
// functions, then arena offsets from the lifetimes (the compiler's planner).
#include "src/DynamicShapes.h"

#include "src/DType.h"
#include "src/Error.h"
#include "src/ShapeValues.h"

#include "compiler/Pipeline/MemoryPlanner.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace kiln {
namespace {

[[noreturn]] void invalid(const std::string &message) {
  throw Error(KILN_ERROR_INVALID_ARGUMENT, message);
}

std::string stepLabel(const Step &step, size_t index) {
  return "steps[" + std::to_string(index) + "] (" +
         (step.op.empty() ? step.kernel : step.op) +
         (step.name.empty() ? "" : ", node '" + step.name + "'") + ")";
}

class Resolver {
public:
  Resolver(const Manifest &manifest, ResolvedPlan &plan, const HostData &hostData)
      : manifest_(manifest), plan_(plan), hostData_(hostData),
        known_(manifest.values.size(), false) {
    plan_.shapes.resize(manifest.values.size());
    for (size_t i = 0; i < manifest.values.size(); ++i) {
      plan_.shapes[i] = manifest.values[i].shape;
      known_[i] = !manifest.values[i].isDynamic();
    }
  }

  void setInput(size_t input, const std::vector<int64_t> &shape) {
    const Binding &binding = manifest_.inputs[input];
    const std::vector<int64_t> &declared = manifest_.values[binding.value].shape;
    bool ok = shape.size() == declared.size();
    for (size_t d = 0; ok && d < shape.size(); ++d)
      ok = shape[d] >= 0 && (declared[d] < 0 || declared[d] == shape[d]);
    if (!ok)
      invalid("input " + std::to_string(input) + " ('" + binding.name +
              "'): expected shape " + formatShape(declared) +
              " (-1: any size), got " + formatShape(shape));
    plan_.shapes[binding.value] = shape;
    known_[binding.value] = true;
  }

  /// The host bytes of value `index` (an input, a weight or a view of one) before any kernel
  /// runs; `user` names who needs them in the error.
  const uint8_t *hostBytes(size_t index, const std::string &user) const {
    size_t root = manifest_.viewRoot(index);
    const void *data = hostData_ ? hostData_(root) : nullptr;
    if (!data)
      invalid(user + " reads the values of values[" + std::to_string(index) +
              "] to size its result, but they are not available before the kernels run");
    return static_cast<const uint8_t *>(data);
  }

  /// Element `element` of value `index` as its raw bits, zero-extended to int64.
  int64_t elementBits(size_t index, size_t element, const std::string &user) const {
    size_t width = dtypeSize(manifest_.values[index].dtype);
    uint64_t bits = 0;
    std::memcpy(&bits, hostBytes(index, user) + element * width, std::min<size_t>(width, 8));
    return int64_t(bits);
  }

  /// A view whose dims follow the int64 values of `shapeFrom`.
  void resolveValueShapedView(size_t index) {
    const ValueInfo &value = manifest_.values[index];
    size_t source = size_t(value.viewOf), shape = size_t(value.shapeFrom);
    ensureKnown(source);
    std::string op = value.shapeMode == "unsqueeze" ? "Unsqueeze"
                     : value.shapeMode == "squeeze" ? "Squeeze"
                                                    : "Reshape";
    std::string label = op + " node '" + value.node + "' (values[" + std::to_string(index) + "])";
    std::vector<int64_t> values(size_t(manifest_.values[shape].shape[0]));
    for (size_t i = 0; i < values.size(); ++i)
      values[i] = elementBits(shape, i, label);
    plan_.shapes[index] =
        valueShapedDims(value.shapeMode, plan_.shapes[source], values, label);
    known_[index] = true;
  }

  /// A view's shape: dims copied from its source, then the one inferred dim.
  void resolveView(size_t index) {
    const ValueInfo &value = manifest_.values[index];
    if (value.shapeFrom >= 0)
      return resolveValueShapedView(index);
    size_t source = size_t(value.viewOf);
    ensureKnown(source);
    std::vector<int64_t> &shape = plan_.shapes[index];
    const std::vector<int64_t> &from = plan_.shapes[source];
    int64_t known = 1, inferred = -1;
    for (size_t d = 0; d < shape.size(); ++d) {
      if (shape[d] < 0 && d < value.dimsFrom.size() && value.dimsFrom[d] >= 0)
        shape[d] = from[value.dimsFrom[d]];
      if (shape[d] < 0)
        inferred = int64_t(d);
      else
        known *= shape[d];
    }
    int64_t total = 1;
    for (int64_t d : from)
      total *= d;
    if (inferred >= 0) {
      if (known == 0 || total % known != 0)
        invalid("cannot reshape " + formatShape(from) + " into " +
                formatShape(value.shape) + " (values[" + std::to_string(index) +
                "])");
      shape[inferred] = total / known;
    } else if (known != total) {
      invalid("cannot reshape " + formatShape(from) + " into " +
              formatShape(shape) + " (values[" + std::to_string(index) + "])");
    }
    known_[index] = true;
  }

  void ensureKnown(size_t index) {
    if (known_[index])
      return;
    if (manifest_.values[index].viewOf >= 0)
      return resolveView(index);
    throw Error(KILN_ERROR_INVALID_ARTIFACT,
                manifest_.path + ": values[" + std::to_string(index) +
                    "] has dynamic dims but nothing computes them");
  }

  void runStep(size_t index, ShapeFunction fn) {
    const Step &step = manifest_.steps[index];
    size_t firstOutput = step.args.size() - step.numOutputs;
    for (size_t p = 0; p < firstOutput; ++p)
      ensureKnown(step.args[p]);
    std::vector<int64_t> &dims = plan_.stepDims[index];
    if (step.dims.empty())
      return;
    if (!fn)
      throw Error(KILN_ERROR_KERNEL_LOAD, "no shape function for " + stepLabel(step, index));
    std::vector<int64_t> in, out;
    for (auto [p, d] : step.dims)
      if (p < firstOutput)
        in.push_back(plan_.shapes[step.args[p]][d]);
    size_t outputDims = step.dims.size() - in.size();
    for (auto [p, element] : step.valueArgs)
      in.push_back(elementBits(step.args[p], element, stepLabel(step, index)));
    out.assign(outputDims + 1, -1);
    fn(in.data(), out.data());
    if (out.back() != 1)
      invalid("inconsistent input shapes: dims that must agree differ at " +
              stepLabel(step, index) + " (its inputs: " + describeInputs(step) +
              "; the model's inputs: " + describeModelInputs() + ")");
    size_t next = 0;
    for (auto [p, d] : step.dims)
      if (p >= firstOutput) {
        if (out[next] < 0)
          invalid("negative size " + std::to_string(out[next]) + " computed at " +
                  stepLabel(step, index) + ": the inputs are too small for it (" +
                  describeModelInputs() + ")");
        plan_.shapes[step.args[p]][d] = out[next++];
      }
    for (size_t p = firstOutput; p < step.args.size(); ++p)
      known_[step.args[p]] = true;
    for (auto [p, d] : step.dims)
      dims.push_back(plan_.shapes[step.args[p]][d]);
  }

  /// Views with a static shape of a value sized at run time (a model exported
  /// for batch 1 reshapes its [?, T, D] activations to [T, H, D / H]): their
  /// element counts must agree, else the input sizes break a constraint the
  /// model baked in (the kernels would read past or short of the source).
  void checkStaticViews() const {
    for (size_t i = 0; i < manifest_.values.size(); ++i) {
      const ValueInfo &value = manifest_.values[i];
      if (value.viewOf < 0 || value.isDynamic())
        continue;
      const std::vector<int64_t> &from = plan_.shapes[size_t(value.viewOf)];
      int64_t total = 1, count = 1;
      for (int64_t d : from)
        total *= d;
      for (int64_t d : value.shape)
        count *= d;
      if (total != count)
        invalid("cannot reshape " + formatShape(from) + " into " +
                formatShape(value.shape) + " (values[" + std::to_string(i) +
                "], a shape fixed when the model was " +
                "exported): the input sizes break it (" +
                describeModelInputs() + ")");
    }
  }

private:
  /// "'x' [1,3,2,2] (declared [1,3,-1,-1]), ..." for the model's inputs.
  std::string describeModelInputs() const {
    std::string out;
    for (size_t i = 0; i < manifest_.inputs.size(); ++i) {
      size_t value = manifest_.inputs[i].value;
      out += (i ? ", '" : "'") + manifest_.inputs[i].name + "' " +
             formatShape(plan_.shapes[value]) + " (declared " +
             formatShape(manifest_.values[value].shape) + ")";
    }
    return out;
  }

  std::string describeInputs(const Step &step) const {
    std::string out;
    for (size_t p = 0; p + step.numOutputs < step.args.size(); ++p)
      out += (p ? ", " : "") + formatShape(plan_.shapes[step.args[p]]);
    return out;
  }

  const Manifest &manifest_;
  ResolvedPlan &plan_;
  const HostData &hostData_;
  std::vector<bool> known_;
};

/// Sizes every value and places the arena buffers that are no views.
void placeValues(const Manifest &manifest, ResolvedPlan &plan) {
  size_t count = manifest.values.size();
  plan.bytes.assign(count, 0);
  plan.offsets.assign(count, 0);
  std::vector<BufferLifetime> buffers;
  std::vector<size_t> roots;
  for (size_t i = 0; i < count; ++i) {
    const ValueInfo &value = manifest.values[i];
    auto bytes = shapeBytes(plan.shapes[i], dtypeSize(value.dtype));
    if (!bytes)
      invalid("values[" + std::to_string(i) + "]" +
              (value.firstStep >= 0 && size_t(value.firstStep) < manifest.steps.size()
                   ? " (the result of " +
                         stepLabel(manifest.steps[value.firstStep], value.firstStep) + ")"
                   : std::string()) +
              ": shape " + formatShape(plan.shapes[i]) + " of " + dtypeName(value.dtype) +
              " needs more than 2^62 bytes (check the input sizes)");
    plan.bytes[i] = *bytes;
    if (value.storage == Storage::Weights)
      plan.offsets[i] = value.offset;
    else if (value.viewOf < 0) {
      roots.push_back(i);
      buffers.push_back({int64_t(*bytes), value.firstStep, value.lastStep});
    }
  }
  int64_t arenaBytes = 0;
  std::vector<int64_t> offsets = planArena(buffers, arenaBytes);
  plan.arenaBytes = uint64_t(arenaBytes);
  for (size_t r = 0; r < roots.size(); ++r)
    plan.offsets[roots[r]] = uint64_t(offsets[r]);
  for (size_t i = 0; i < count; ++i)
    if (manifest.values[i].viewOf >= 0)
      plan.offsets[i] = plan.offsets[manifest.viewRoot(i)];
}

} // namespace

ResolvedPlan resolvePlan(const Manifest &manifest,
                         const std::vector<std::vector<int64_t>> &inputShapes,
                         const std::vector<ShapeFunction> &shapeFunctions,
                         const HostData &hostData) {
  ResolvedPlan plan;
  plan.stepDims.resize(manifest.steps.size());
  Resolver resolver(manifest, plan, hostData);
  for (size_t i = 0; i < manifest.inputs.size(); ++i)
    resolver.setInput(i, inputShapes.at(i));
  for (size_t i = 0; i < manifest.steps.size(); ++i)
    resolver.runStep(i, shapeFunctions.at(i));
  for (size_t i = 0; i < manifest.values.size(); ++i)
    resolver.ensureKnown(i);
  resolver.checkStaticViews();
  placeValues(manifest, plan);
  return plan;
}

ResolvedPlan staticPlan(const Manifest &manifest) {
  ResolvedPlan plan;
  plan.arenaBytes = manifest.arenaBytes;
  plan.stepDims.resize(manifest.steps.size());
  for (const ValueInfo &value : manifest.values) {
    plan.shapes.push_back(value.shape);
    plan.bytes.push_back(value.bytes);
    plan.offsets.push_back(value.offset);
  }
  return plan;
}

} // namespace kiln
