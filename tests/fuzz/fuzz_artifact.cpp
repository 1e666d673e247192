// libFuzzer target: artifact manifests (docs/artifact.md) through the runtime's loader.
//
// Each input is a manifest.json. It is loaded twice:
//  1. by the C API (kiln_model_load) from a scratch artifact folder holding it, a weights.bin of
//     the size it declares (up to 4 MiB) and the runtime tests' kernels.so: parsing, validation,
//     the weights map and kernel symbol lookup must end in KILN_OK or a clean error status;
//  2. by the parser alone, then — for a valid manifest — through the run-time plan of its
//     dynamic dims (shape functions emulated, inputs of small sizes), as kiln_model_run would.
// Kernels never run: a kernel's code trusts the manifest it was compiled with.
#include "kiln/runtime.h"
#include "src/DynamicShapes.h"
#include "src/Error.h"
#include "src/Manifest.h"
#include "tests/fuzz/FuzzCommon.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <dlfcn.h>
#include <cstring>
#include <filesystem>
#include <vector>

namespace {
constexpr uint64_t kMaxWeightsBytes = 4u << 20;
constexpr uint64_t kMaxInputBytes = 16u << 20;

/// The scratch artifact folder; kernels.so links to the runtime tests' kernel library.
const std::string &artifactDir() {
  static const std::string dir = [] {
    std::string d = kiln::fuzz::scratchDir() + "/artifact";
    std::filesystem::create_directories(d);
    std::filesystem::create_symlink(KILN_TEST_KERNELS, d + "/kernels.so");
    // Kept loaded for the whole run: libFuzzer reads the coverage counters of every module it
    // saw, and the runtime's dlclose after each input would unmap them.
    if (!dlopen(KILN_TEST_KERNELS, RTLD_NOW | RTLD_NODELETE)) {
      std::fprintf(stderr, "kiln fuzz: %s\n", dlerror());
      std::abort();
    }
    return d;
  }();
  return dir;
}

/// weights.bin as the manifest declares it (when it is a JSON object with a small weights_bytes).
void writeWeights(const std::string &text) {
  uint64_t bytes = 0;
  nlohmann::json root = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (root.is_object() && root.contains("weights_bytes") &&
      root["weights_bytes"].is_number_unsigned())
    bytes = std::min<uint64_t>(root["weights_bytes"].get<uint64_t>(), kMaxWeightsBytes);
  std::vector<uint8_t> zeros(bytes, 0);
  kiln::fuzz::writeFile(artifactDir() + "/weights.bin", zeros.data(), zeros.size());
}

void loadWithCApi(const std::string &text) {
  kiln::fuzz::writeFile(artifactDir() + "/manifest.json", text.data(), text.size());
  writeWeights(text);
  kiln_model *model = nullptr;
  kiln_options options{};
  options.num_threads = 1;
  if (kiln_model_load(artifactDir().c_str(), &options, &model) != KILN_OK)
    return;
  size_t inputs = 0;
  kiln_model_num_inputs(model, &inputs);
  for (size_t i = 0; i < inputs; ++i) {
    kiln_tensor_info info;
    kiln_model_input_info(model, i, &info);
  }
  kiln_model_free(model);
}

/// Emulated shape functions: step `i`'s writes `outputs[i]` dims (each the first input dim,
/// or 1) and the consistency flag, as compiled ones do.
std::vector<size_t> gOutputDims;
size_t gStep = 0;
void emulatedShapeFunction(const int64_t *in, int64_t *out) {
  size_t n = gOutputDims.at(gStep++);
  for (size_t k = 0; k < n; ++k)
    out[k] = in ? std::max<int64_t>(1, std::min<int64_t>(in[0], 8)) : 1;
  out[n] = 1;
}

void resolveDynamicPlan(const kiln::Manifest &manifest, const uint8_t *data, size_t size) {
  if (!manifest.dynamic)
    return (void)kiln::staticPlan(manifest);
  // Input dims: declared static ones, dynamic ones 1..4 from the input's first bytes.
  std::vector<std::vector<int64_t>> shapes;
  std::vector<std::vector<uint8_t>> inputData;
  size_t next = 0;
  for (const kiln::Binding &input : manifest.inputs) {
    const kiln::ValueInfo &value = manifest.values[input.value];
    std::vector<int64_t> shape = value.shape;
    uint64_t elements = 1;
    for (int64_t &dim : shape) {
      if (dim < 0)
        dim = 1 + (size ? data[next++ % size] % 4 : 0);
      if (dim > 0 && elements > kMaxInputBytes / uint64_t(dim))
        return; // too large to materialize here; the plan itself is sized elsewhere
      elements *= uint64_t(dim);
    }
    uint64_t bytes = elements * kiln_dtype_size(value.dtype);
    if (bytes > kMaxInputBytes)
      return;
    shapes.push_back(shape);
    inputData.emplace_back(bytes, 1);
  }
  std::vector<uint8_t> weights(std::min<uint64_t>(manifest.weightsBytes, kMaxWeightsBytes), 1);
  if (manifest.weightsBytes > kMaxWeightsBytes)
    return;
  gOutputDims.clear();
  gStep = 0;
  std::vector<kiln::ShapeFunction> functions;
  for (const kiln::Step &step : manifest.steps) {
    size_t firstOutput = step.args.size() - step.numOutputs, inputs = 0;
    for (auto [p, d] : step.dims)
      inputs += p < firstOutput;
    gOutputDims.push_back(step.dims.size() - inputs);
    functions.push_back(step.shapeFunction.empty() ? nullptr : emulatedShapeFunction);
  }
  kiln::HostData hostData = [&](size_t value) -> const void * {
    const kiln::ValueInfo &info = manifest.values[value];
    if (info.storage == kiln::Storage::Weights)
      return weights.data() + info.offset;
    for (size_t i = 0; i < manifest.inputs.size(); ++i)
      if (manifest.inputs[i].value == value)
        return inputData[i].data();
    return nullptr;
  };
  try {
    kiln::resolvePlan(manifest, shapes, functions, hostData);
  } catch (const kiln::Error &) {
  }
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string text(reinterpret_cast<const char *>(data), size);
  loadWithCApi(text);
  kiln::Manifest manifest;
  try {
    manifest = kiln::parseManifest(text, "fuzz/manifest.json");
  } catch (const kiln::Error &) {
    return 0;
  }
  resolveDynamicPlan(manifest, data, size);
  return 0;
}
