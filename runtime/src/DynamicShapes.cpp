// Resolves a plan with dynamic dims: shapes from the inputs and the shape
// functions, then arena offsets from the lifetimes (the compiler's planner).
#include "src/DynamicShapes.h"

#include "src/DType.h"
#include "src/Error.h"

#include "compiler/Pipeline/MemoryPlanner.h"

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
  Resolver(const Manifest &manifest, ResolvedPlan &plan)
      : manifest_(manifest), plan_(plan),
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

  /// A view's shape: dims copied from its source, then the one inferred dim.
  void resolveView(size_t index) {
    const ValueInfo &value = manifest_.values[index];
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
    out.assign(step.dims.size() - in.size() + 1, -1);
    fn(in.data(), out.data());
    if (out.back() != 1)
      invalid("inconsistent input shapes: dims that must agree differ at " +
              stepLabel(step, index) + " (its inputs: " + describeInputs(step) + ")");
    size_t next = 0;
    for (auto [p, d] : step.dims)
      if (p >= firstOutput) {
        if (out[next] < 0)
          invalid("negative size " + std::to_string(out[next]) + " computed at " +
                  stepLabel(step, index));
        plan_.shapes[step.args[p]][d] = out[next++];
      }
    for (size_t p = firstOutput; p < step.args.size(); ++p)
      known_[step.args[p]] = true;
    for (auto [p, d] : step.dims)
      dims.push_back(plan_.shapes[step.args[p]][d]);
  }

private:
  std::string describeInputs(const Step &step) const {
    std::string out;
    for (size_t p = 0; p + step.numOutputs < step.args.size(); ++p)
      out += (p ? ", " : "") + formatShape(plan_.shapes[step.args[p]]);
    return out;
  }

  const Manifest &manifest_;
  ResolvedPlan &plan_;
  std::vector<bool> known_;
};

size_t rootOf(const Manifest &manifest, size_t index) {
  while (manifest.values[index].viewOf >= 0)
    index = size_t(manifest.values[index].viewOf);
  return index;
}

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
      invalid("values[" + std::to_string(i) + "]: invalid shape " +
              formatShape(plan.shapes[i]));
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
      plan.offsets[i] = plan.offsets[rootOf(manifest, i)];
}

} // namespace

ResolvedPlan resolvePlan(const Manifest &manifest,
                         const std::vector<std::vector<int64_t>> &inputShapes,
                         const std::vector<ShapeFunction> &shapeFunctions) {
  ResolvedPlan plan;
  plan.stepDims.resize(manifest.steps.size());
  Resolver resolver(manifest, plan);
  for (size_t i = 0; i < manifest.inputs.size(); ++i)
    resolver.setInput(i, inputShapes.at(i));
  for (size_t i = 0; i < manifest.steps.size(); ++i)
    resolver.runStep(i, shapeFunctions.at(i));
  for (size_t i = 0; i < manifest.values.size(); ++i)
    resolver.ensureKnown(i);
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
