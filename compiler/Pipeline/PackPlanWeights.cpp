//===- PackPlanWeights.cpp - weights laid out as the CPU kernels read them -===//
#include "compiler/Pipeline/PackPlanWeights.h"
#include "compiler/Codegen/CPU/WeightPanels.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/STLExtras.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <set>

using namespace mlir;

namespace {
bool isPackableWeight(const kiln::PlanValue &v) {
  return v.storage == kiln::PlanValue::Storage::Weights && v.viewOf < 0 && v.bytes > 0 &&
         v.shape.size() >= 2 && llvm::all_of(v.shape, [](int64_t d) { return d > 0; });
}

/// The largest |x| of float32 weight `v` (through views, which share its bytes), or -1 if
/// it is no float32 weight.
double largestMagnitude(const kiln::ExecutionPlan &plan, int64_t id) {
  const kiln::PlanValue *v = &plan.values[id];
  while (v->viewOf >= 0)
    v = &plan.values[v->viewOf];
  if (v->storage != kiln::PlanValue::Storage::Weights || v->dtype != "float32" || v->bytes <= 0 ||
      size_t(v->offset + v->bytes) > plan.weights.size())
    return -1;
  double most = 0;
  for (int64_t b = 0; b + 4 <= v->bytes; b += 4) {
    float x;
    std::memcpy(&x, plan.weights.data() + v->offset + b, 4);
    if (!std::isfinite(x))
      return -1;
    most = std::max(most, double(std::abs(x)));
  }
  return most;
}

/// One use of a value by a step's argument: the panel layout it is read in (width 0: as is).
struct Use {
  size_t step = 0, arg = 0;
  int64_t width = 0, group = 0;
};

/// Drops the bytes of weights.bin that no value refers to any more (a weight moved to a padded
/// layout): the byte ranges of the values that own weights (views share their root's) are
/// copied in order, each at a 64-byte aligned offset, and every weight's offset follows.
void compactWeights(kiln::ExecutionPlan &plan) {
  std::vector<std::pair<int64_t, int64_t>> spans; // [begin, end) of the owners, merged
  for (const kiln::PlanValue &v : plan.values)
    if (v.storage == kiln::PlanValue::Storage::Weights && v.viewOf < 0 && v.bytes > 0)
      spans.push_back({v.offset, v.offset + v.bytes});
  std::sort(spans.begin(), spans.end());
  std::vector<std::pair<int64_t, int64_t>> merged;
  for (auto span : spans)
    if (!merged.empty() && span.first < merged.back().second)
      merged.back().second = std::max(merged.back().second, span.second);
    else
      merged.push_back(span);
  std::vector<char> weights;
  std::vector<int64_t> moved(merged.size());
  for (size_t i = 0; i < merged.size(); ++i) {
    moved[i] = int64_t(kiln::alignedWeightsOffset(weights.size()));
    weights.resize(moved[i]);
    weights.insert(weights.end(), plan.weights.begin() + merged[i].first,
                   plan.weights.begin() + merged[i].second);
  }
  for (kiln::PlanValue &v : plan.values) {
    if (v.storage != kiln::PlanValue::Storage::Weights)
      continue;
    auto it = std::upper_bound(merged.begin(), merged.end(),
                               std::make_pair(v.offset, std::numeric_limits<int64_t>::max()));
    if (it != merged.begin() && v.offset < std::prev(it)->second) {
      size_t i = size_t(std::prev(it) - merged.begin());
      v.offset = moved[i] + (v.offset - merged[i].first);
    } else {
      v.offset = 0; // no bytes (an empty tensor)
    }
  }
  plan.weights = std::move(weights);
}
} // namespace

void kiln::markWeightArgs(ModuleOp module, const ExecutionPlan &plan) {
  // Per kernel and input, over every step that runs the kernel: whether each passes a
  // packable weight, and the largest |x| of the float32 weights passed (-1: some step passes
  // something else).
  struct Input {
    bool packable;
    double most;
  };
  std::map<std::string, std::vector<Input>> kernels;
  std::map<int64_t, double> magnitudes; // a weight several steps pass is scanned once
  for (const PlanStep &s : plan.steps) {
    size_t inputs = s.args.size() - s.numOutputs;
    std::vector<Input> here(inputs);
    for (size_t i = 0; i < inputs; ++i) {
      int64_t id = s.args[i];
      auto [m, fresh] = magnitudes.emplace(id, 0.0);
      if (fresh)
        m->second = largestMagnitude(plan, id);
      here[i] = {isPackableWeight(plan.values[id]), m->second};
    }
    auto [it, fresh] = kernels.emplace(s.kernel, here);
    if (!fresh)
      for (size_t i = 0; i < inputs && i < it->second.size(); ++i) {
        Input &all = it->second[i];
        all.packable = all.packable && here[i].packable;
        all.most = all.most < 0 || here[i].most < 0 ? -1 : std::max(all.most, here[i].most);
      }
  }
  module.walk([&](func::FuncOp fn) {
    auto it = kernels.find(fn.getName().str());
    if (it == kernels.end())
      return;
    for (size_t i = 0; i < it->second.size() && i < fn.getNumArguments(); ++i) {
      if (it->second[i].packable)
        fn.setArgAttr(i, kWeightArgAttr, UnitAttr::get(fn.getContext()));
      if (it->second[i].most >= 0)
        fn.setArgAttr(i, kMaxAbsArgAttr,
                      FloatAttr::get(Float64Type::get(fn.getContext()), it->second[i].most));
    }
  });
}

void kiln::packPlanWeights(ExecutionPlan &plan,
                           const std::map<std::string, std::vector<int64_t>> &packed) {
  if (packed.empty())
    return;
  std::map<int64_t, std::vector<Use>> uses;
  for (size_t s = 0; s < plan.steps.size(); ++s) {
    const PlanStep &step = plan.steps[s];
    auto it = packed.find(step.kernel);
    for (size_t a = 0; a < step.args.size(); ++a) {
      Use use{s, a, 0, 0};
      if (it != packed.end())
        for (size_t i = 0; i + kPackedArgFields <= it->second.size(); i += kPackedArgFields)
          if (it->second[i] == int64_t(a)) {
            use.width = it->second[i + 1];
            use.group = it->second[i + 2];
          }
      uses[step.args[a]].push_back(use);
    }
  }
  // Reads of a value's bytes other than kernel arguments keep its layout.
  std::set<int64_t> pinned;
  for (const PlanValue &v : plan.values) {
    if (v.viewOf >= 0)
      pinned.insert(v.viewOf);
    if (v.shapeFrom >= 0)
      pinned.insert(v.shapeFrom);
  }
  for (const auto &[name, id] : plan.outputs)
    pinned.insert(id);

  bool moved = false;
  for (auto &[id, list] : uses) {
    std::set<std::pair<int64_t, int64_t>> layouts;
    bool asIs = pinned.count(id) > 0;
    for (const Use &u : list)
      u.width ? (void)layouts.insert({u.width, u.group}) : (void)(asIs = true);
    if (layouts.empty() || !isPackableWeight(plan.values[id]))
      continue;
    for (auto [width, group] : layouts) {
      PlanValue value = plan.values[id];
      int64_t elementBytes = value.bytes;
      for (int64_t d : value.shape)
        elementBytes /= d;
      std::vector<char> source(plan.weights.begin() + value.offset,
                               plan.weights.begin() + value.offset + value.bytes);
      SmallVector<int64_t> shape = panelShape(value.shape, width, group);
      int64_t bytes = elementBytes;
      for (int64_t d : shape)
        bytes *= d;
      int64_t target = id;
      bool copy = asIs || layouts.size() > 1; // a packed copy for these steps alone
      if (copy || bytes != value.bytes) {     // or a padded layout: moved to the end
        if (copy)
          value.id = target = plan.values.size();
        moved = moved || !copy;
        value.offset = alignedWeightsOffset(plan.weights.size());
        value.bytes = bytes;
        plan.weights.resize(value.offset + value.bytes);
        if (copy)
          for (const Use &u : list)
            if (u.width == width && u.group == group)
              plan.steps[u.step].args[u.arg] = target;
      }
      packPanels(source.data(), plan.weights.data() + value.offset, value.shape, width, group,
                 elementBytes);
      value.shape.assign(shape.begin(), shape.end());
      if (target == id)
        plan.values[id] = value;
      else
        plan.values.push_back(value);
    }
  }
  if (moved)
    compactWeights(plan);
}
