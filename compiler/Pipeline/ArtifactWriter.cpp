//===- ArtifactWriter.cpp - the artifact's manifest and weights -----------===//
#include "compiler/Pipeline/ArtifactWriter.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace kiln {
namespace {
json::Array ints(const std::vector<int64_t> &v) { return json::Array(v); }

json::Array namedValues(const std::vector<std::pair<std::string, int64_t>> &list) {
  json::Array out;
  for (auto &[name, id] : list)
    out.push_back(json::Object{{"name", name}, {"value", id}});
  return out;
}

bool writeFile(StringRef path, StringRef bytes, std::string &error) {
  std::error_code ec;
  raw_fd_ostream os(path, ec, sys::fs::OF_None);
  if (ec) {
    error = ("cannot write " + path + ": " + ec.message()).str();
    return false;
  }
  os << bytes;
  os.close();
  if (os.has_error()) {
    error = ("error while writing " + path).str();
    return false;
  }
  return true;
}

/// The fields of format version 2 (dynamic shapes) of a value: its lifetime when it owns
/// arena bytes, its source when it is a view.
void addDynamicFields(const PlanValue &v, json::Object &out) {
  if (v.viewOf >= 0) {
    out["view_of"] = v.viewOf;
    if (!v.dimsFrom.empty())
      out["dims_from"] = ints(v.dimsFrom);
    if (v.shapeFrom >= 0) {
      out["shape_from"] = v.shapeFrom;
      out["shape_mode"] = v.shapeMode;
      out["node"] = v.node;
    }
  } else if (v.storage == PlanValue::Storage::Arena) {
    out["live"] = json::Array{v.firstStep, v.lastStep};
  }
}

json::Value stepJSON(const PlanStep &s, bool dynamic, StringRef device) {
  json::Object out{{"kernel", s.kernel},
                   {"device", device},
                   {"args", ints(s.args)},
                   {"num_outputs", s.numOutputs},
                   {"op", s.op},
                   {"name", s.name}};
  if (s.codegen.known) {
    // Read by people and tools (kiln.Module.report()); the runtime ignores it.
    json::Object codegen{{"schedule", s.codegen.schedule},    {"vector", !s.codegen.scalar},
                         {"parallel", !s.codegen.sequential}, {"flops", s.codegen.flops},
                         {"int8_ops", s.codegen.int8Ops},     {"bytes", s.codegen.bytes}};
    if (!s.codegen.note.empty())
      codegen["note"] = s.codegen.note;
    out["codegen"] = std::move(codegen);
  }
  if (!dynamic)
    return out;
  json::Array dims;
  for (auto [position, d] : s.dims)
    dims.push_back(json::Array{position, d});
  out["dims"] = std::move(dims);
  if (!s.shapeFunction.empty())
    out["shape_function"] = s.shapeFunction;
  if (!s.valueArgs.empty()) {
    json::Array values;
    for (auto [position, element] : s.valueArgs)
      values.push_back(json::Array{position, element});
    out["value_args"] = std::move(values);
  }
  return out;
}
} // namespace

json::Value manifestJSON(const ExecutionPlan &plan, const ArtifactInfo &info) {
  json::Array values, steps;
  for (const PlanValue &v : plan.values) {
    json::Object value{{"id", v.id},
                       {"dtype", v.dtype},
                       {"shape", ints(v.shape)},
                       {"storage", v.storage == PlanValue::Storage::Arena ? "arena" : "weights"},
                       {"offset", v.offset},
                       {"bytes", v.bytes}};
    if (plan.dynamic)
      addDynamicFields(v, value);
    else if (v.viewOf >= 0)
      value["view_of"] = v.viewOf; // static views share their source's offset
    values.push_back(std::move(value));
  }
  for (const PlanStep &s : plan.steps)
    steps.push_back(stepJSON(s, plan.dynamic, info.target));
  // A static plan stays format version 1 (what older runtimes read); version 2 adds
  // dynamic dims (docs/artifact.md).
  json::Object manifest{
      {"format", "kiln-artifact"},
      {"format_version", plan.dynamic ? 2 : 1},
      {"kiln_version", "0.1.0"},
      {"target", info.target != "cpu"
                     ? json::Object{{"kind", info.target}}
                     : json::Object{{"kind", info.target},
                                    {"cpu", info.cpu},
                                    {"cpu_name", info.cpuName},
                                    {"isa", json::Array(info.isa)},
                                    {"triple", info.triple}}},
      {"source", json::Object{{"model", info.sourceModel},
                              {"producer", info.producer},
                              {"opset", info.opset}}},
      // Every value that shares another's bytes names it with view_of: the runtime may read
      // inputs in place (artifacts without this flag get their inputs copied every run).
      {"views_recorded", true},
      {"arena_bytes", plan.arenaBytes},
      {"weights_bytes", (int64_t)plan.weights.size()},
      {"values", std::move(values)},
      {"inputs", namedValues(plan.inputs)},
      {"outputs", namedValues(plan.outputs)},
      {"steps", std::move(steps)},
      {"tuning", json::Object{{"records_used", json::Array(info.tuningRecordsUsed)}}}};
  if (!info.deviceKernels.empty())
    manifest["kernels_" + info.target] = json::Object(info.deviceKernels);
  return manifest;
}

bool writeArtifactFiles(StringRef dir, const ExecutionPlan &plan, const ArtifactInfo &info,
                        std::string &error) {
  if (std::error_code ec = sys::fs::create_directories(dir)) {
    error = ("cannot create " + dir + ": " + ec.message()).str();
    return false;
  }
  SmallString<256> manifest(dir), weights(dir);
  sys::path::append(manifest, "manifest.json");
  sys::path::append(weights, "weights.bin");
  std::string text;
  raw_string_ostream os(text);
  os << formatv("{0:2}", manifestJSON(plan, info)) << "\n";
  return writeFile(manifest, text, error) &&
         writeFile(weights, StringRef(plan.weights.data(), plan.weights.size()), error);
}
} // namespace kiln
