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

/// Thrown while sizing a step that reads a value a step of the current stage
/// computes: the stage ends before that step.
struct NotYetComputed {};

constexpr size_t kNoStep = ~size_t(0);

} // namespace

class StagedResolver::Impl {
public:
  Impl(const Manifest &manifest, ResolvedPlan &plan,
       const std::vector<ShapeFunction> &shapeFunctions, HostData hostData)
      : manifest_(manifest), plan_(plan), shapeFunctions_(shapeFunctions),
        hostData_(std::move(hostData)), known_(manifest.values.size(), false),
        producer_(manifest.values.size(), kNoStep) {
    plan_ = ResolvedPlan();
    plan_.stepDims.resize(manifest.steps.size());
    plan_.shapes.resize(manifest.values.size());
    plan_.bytes.assign(manifest.values.size(), 0);
    plan_.offsets.assign(manifest.values.size(), 0);
    plan_.arenaOf.assign(manifest.values.size(), 0);
    for (size_t i = 0; i < manifest.values.size(); ++i) {
      plan_.shapes[i] = manifest.values[i].shape;
      known_[i] = !manifest.values[i].isDynamic();
    }
    for (size_t s = 0; s < manifest.steps.size(); ++s) {
      const Step &step = manifest.steps[s];
      for (size_t p = step.args.size() - step.numOutputs; p < step.args.size();
           ++p) {
        size_t &producer = producer_[manifest.viewRoot(step.args[p])];
        producer = std::min(producer, s);
      }
    }
    // Each stage places the values its steps compute: grouped once here, not
    // searched for in every stage.
    computedBy_.resize(manifest.steps.size() + 1);
    for (size_t i = 0; i < manifest.values.size(); ++i) {
      if (manifest.values[i].viewOf >= 0)
        views_.push_back(i);
      else
        computedBy_[std::min(producer_[i], manifest.steps.size())].push_back(i);
    }
  }

  bool done() const { return finished_; }

  size_t next() {
    if (finished_)
      throw Error(KILN_ERROR_INTERNAL,
                  "StagedResolver::next after the last stage");
    size_t begin = stageBegin_, end = begin;
    for (; end < manifest_.steps.size(); ++end) {
      try {
        runStep(end, shapeFunctions_.at(end));
      } catch (const NotYetComputed &) {
        break;
      }
    }
    if (end == begin && end < manifest_.steps.size())
      throw Error(KILN_ERROR_INVALID_ARTIFACT,
                  manifest_.path + ": " + stepLabel(manifest_.steps[end], end) +
                      " reads values computed by itself or a later step to "
                      "size its result");
    placeStage(begin, end);
    plan_.stageEnds.push_back(end);
    stageBegin_ = end;
    if (end == manifest_.steps.size()) {
      for (size_t i = 0; i < manifest_.values.size(); ++i)
        ensureKnown(i);
      checkStaticViews();
      sizeValues(0, manifest_.values.size());
      finished_ = true;
    }
    return begin;
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
    if (producer_[root] != kNoStep && producer_[root] >= stageBegin_)
      throw NotYetComputed();
    const void *data = hostData_ ? hostData_(root) : nullptr;
    if (!data)
      invalid(user + " reads the values of values[" + std::to_string(index) +
              "] to size its result, but they are not available to the host");
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

private:
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

  /// Sizes values [begin, end) (their shapes known), naming the step of one too
  /// big.
  void sizeValues(size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i)
      sizeValue(i);
  }

  void sizeValue(size_t i) {
    const ValueInfo &value = manifest_.values[i];
    auto bytes = shapeBytes(plan_.shapes[i], dtypeSize(value.dtype));
    if (!bytes)
      invalid("values[" + std::to_string(i) + "]" +
              (value.firstStep >= 0 &&
                       size_t(value.firstStep) < manifest_.steps.size()
                   ? " (the result of " +
                         stepLabel(manifest_.steps[value.firstStep],
                                   value.firstStep) +
                         ")"
                   : std::string()) +
              ": shape " + formatShape(plan_.shapes[i]) + " of " +
              dtypeName(value.dtype) +
              " needs more than 2^62 bytes (check the input sizes)");
    plan_.bytes[i] = *bytes;
  }

  /// Places the arena buffers that steps [begin, end) compute (the first stage:
  /// also those no step computes, the inputs) in the stage's own arena; views
  /// follow their root.
  void placeStage(size_t begin, size_t end) {
    uint32_t stage = uint32_t(plan_.stageEnds.size());
    std::vector<BufferLifetime> buffers;
    std::vector<size_t> roots, placed;
    if (stage == 0) // no step computes them: the inputs, the weights
      placed = computedBy_.back();
    for (size_t s = begin; s < end; ++s)
      placed.insert(placed.end(), computedBy_[s].begin(), computedBy_[s].end());
    for (size_t i : placed) {
      const ValueInfo &value = manifest_.values[i];
      ensureKnown(i);
      sizeValue(i);
      if (value.storage == Storage::Weights) {
        plan_.offsets[i] = value.offset;
        continue;
      }
      roots.push_back(i);
      buffers.push_back(
          {int64_t(plan_.bytes[i]), value.firstStep, value.lastStep});
    }
    int64_t arenaBytes = 0;
    std::vector<int64_t> offsets = planArena(buffers, arenaBytes);
    for (size_t r = 0; r < roots.size(); ++r) {
      plan_.offsets[roots[r]] = uint64_t(offsets[r]);
      plan_.arenaOf[roots[r]] = stage;
    }
    plan_.stageArenaBytes.push_back(uint64_t(arenaBytes));
    plan_.arenaBytes += uint64_t(arenaBytes);
    for (size_t i : views_) {
      size_t root = manifest_.viewRoot(i);
      plan_.offsets[i] = plan_.offsets[root];
      plan_.arenaOf[i] = plan_.arenaOf[root];
    }
  }

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
  std::vector<ShapeFunction> shapeFunctions_;
  HostData hostData_;
  std::vector<bool> known_;
  std::vector<size_t>
      producer_; ///< per value that is no view: the first step writing it
  /// Per step, the values that are no views it computes first; last: those no
  /// step computes.
  std::vector<std::vector<size_t>> computedBy_;
  std::vector<size_t> views_;
  size_t stageBegin_ = 0; ///< the first step not run yet
  bool finished_ = false;
};

StagedResolver::StagedResolver(
    const Manifest &manifest, ResolvedPlan &plan,
    const std::vector<std::vector<int64_t>> &inputShapes,
    const std::vector<ShapeFunction> &shapeFunctions, HostData hostData)
    : impl_(std::make_unique<Impl>(manifest, plan, shapeFunctions,
                                   std::move(hostData))) {
  for (size_t i = 0; i < manifest.inputs.size(); ++i)
    impl_->setInput(i, inputShapes.at(i));
}

StagedResolver::~StagedResolver() = default;

size_t StagedResolver::next() { return impl_->next(); }

bool StagedResolver::done() const { return impl_->done(); }

ResolvedPlan resolvePlan(const Manifest &manifest,
                         const std::vector<std::vector<int64_t>> &inputShapes,
                         const std::vector<ShapeFunction> &shapeFunctions,
                         const HostData &hostData) {
  ResolvedPlan plan;
  StagedResolver resolver(manifest, plan, inputShapes, shapeFunctions,
                          hostData);
  resolver.next();
  if (!resolver.done()) {
    size_t step = plan.stageEnds.back();
    throw Error(
        KILN_ERROR_INVALID_ARGUMENT,
        manifest.path + ": " + stepLabel(manifest.steps[step], step) +
            " sizes its result by values computed by kernels: the plan runs in "
            "stages (resolve it with a StagedResolver)");
  }
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
  plan.arenaOf.assign(manifest.values.size(), 0);
  plan.stageArenaBytes = {manifest.arenaBytes};
  plan.stageEnds = {manifest.steps.size()};
  return plan;
}

} // namespace kiln
