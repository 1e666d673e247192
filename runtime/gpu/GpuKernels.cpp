// Reads and checks the `kernels_<device>` section of a GPU artifact's manifest.
#include "gpu/GpuKernels.h"

#include "src/Error.h"

#include <nlohmann/json.hpp>

#include <fstream>

namespace kiln::gpu {
namespace {
using json = nlohmann::json;

[[noreturn]] void fail(const std::string &path, const std::string &where,
                       const std::string &what) {
  throw Error(KILN_ERROR_INVALID_ARTIFACT, path + ": " + where + ": " + what);
}

uint32_t positive(const std::string &path, const json &v, const std::string &where) {
  if (!v.is_number_integer() || v.get<int64_t>() < 1 || v.get<int64_t>() > UINT32_MAX)
    fail(path, where, "expected a positive 32-bit integer");
  return uint32_t(v.get<int64_t>());
}

uint64_t count(const std::string &path, const json &v, const std::string &where) {
  if (!v.is_number_integer() || v.get<int64_t>() < 0)
    fail(path, where, "expected a non-negative integer");
  return uint64_t(v.get<int64_t>());
}

const json &field(const std::string &path, const json &object, const char *name,
                  const std::string &where) {
  if (!object.is_object() || !object.contains(name))
    fail(path, where, std::string("missing field '") + name + "'");
  return object[name];
}
} // namespace

std::map<std::string, Kernel> readGpuKernels(const Manifest &manifest, const std::string &dir,
                                             const std::string &device) {
  const std::string sectionName = "kernels_" + device;
  std::string path = dir + "/manifest.json";
  std::ifstream in(path);
  json root = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded())
    fail(path, "manifest", "not valid JSON");
  const json &section = field(path, root, sectionName.c_str(), "manifest");
  if (!section.is_object())
    fail(path, sectionName, "expected an object");
  std::map<std::string, Kernel> kernels;
  for (auto &[name, k] : section.items()) {
    std::string where = sectionName + "." + name;
    Kernel kernel;
    const json &scratch = field(path, k, "scratch", where);
    if (!scratch.is_array())
      fail(path, where + ".scratch", "expected an array");
    for (size_t i = 0; i < scratch.size(); ++i) {
      std::string at = where + ".scratch[" + std::to_string(i) + "]";
      kernel.scratch.push_back({count(path, field(path, scratch[i], "offset", at), at + ".offset"),
                                count(path, field(path, scratch[i], "bytes", at), at + ".bytes")});
    }
    kernel.scratchBytes =
        count(path, field(path, k, "scratch_bytes", where), where + ".scratch_bytes");
    for (const Scratch &s : kernel.scratch)
      if (s.offset + s.bytes > kernel.scratchBytes)
        fail(path, where + ".scratch", "a buffer ends past scratch_bytes");
    const json &dispatches = field(path, k, "dispatches", where);
    if (!dispatches.is_array())
      fail(path, where + ".dispatches", "expected an array");
    for (size_t i = 0; i < dispatches.size(); ++i) {
      std::string at = where + ".dispatches[" + std::to_string(i) + "]";
      const json &d = dispatches[i];
      Dispatch dispatch;
      const json &shader = field(path, d, "shader", at), &entry = field(path, d, "entry", at);
      if (!shader.is_string() || !entry.is_string())
        fail(path, at, "shader and entry must be strings");
      dispatch.shader = shader.get<std::string>();
      dispatch.entry = entry.get<std::string>();
      if (dispatch.shader.find("..") != std::string::npos || dispatch.shader.empty() ||
          dispatch.shader[0] == '/')
        fail(path, at + ".shader", "must be a path inside the artifact folder");
      const json &groups = field(path, d, "workgroups", at), &size = field(path, d, "workgroup_size", at);
      if (!groups.is_array() || groups.size() != 3 || !size.is_array() || size.size() != 3)
        fail(path, at, "workgroups and workgroup_size must be 3 integers");
      for (size_t j = 0; j < 3; ++j) {
        dispatch.workgroups[j] = positive(path, groups[j], at + ".workgroups");
        dispatch.workgroupSize[j] = positive(path, size[j], at + ".workgroup_size");
      }
      const json &bindings = field(path, d, "bindings", at);
      if (!bindings.is_array())
        fail(path, at + ".bindings", "expected an array");
      for (size_t j = 0; j < bindings.size(); ++j) {
        std::string b = at + ".bindings[" + std::to_string(j) + "]";
        BindingRef ref;
        if (bindings[j].contains("scratch")) {
          ref.scratch = true;
          ref.index = count(path, bindings[j]["scratch"], b + ".scratch");
          if (ref.index >= kernel.scratch.size())
            fail(path, b, "no such scratch buffer");
        } else {
          ref.index = count(path, field(path, bindings[j], "arg", b), b + ".arg");
        }
        dispatch.bindings.push_back(ref);
      }
      kernel.dispatches.push_back(std::move(dispatch));
    }
    kernels[name] = std::move(kernel);
  }
  const json &steps = field(path, root, "steps", "manifest");
  for (size_t i = 0; i < manifest.steps.size(); ++i) {
    const Step &step = manifest.steps[i];
    std::string at = "steps[" + std::to_string(i) + "]";
    if (i < steps.size() && steps[i].contains("device") && steps[i]["device"] != device)
      fail(path, at + ".device", "a " + device + " artifact's steps run on device " + device);
    auto it = kernels.find(step.kernel);
    if (it == kernels.end())
      fail(path, at, "kernel '" + step.kernel + "' is not in " + sectionName);
    for (const Dispatch &d : it->second.dispatches)
      for (const BindingRef &ref : d.bindings)
        if (!ref.scratch && ref.index >= step.args.size())
          fail(path, at, "kernel '" + step.kernel + "' binds argument " +
                             std::to_string(ref.index) + " of " +
                             std::to_string(step.args.size()));
  }
  return kernels;
}

} // namespace kiln::gpu
