// The GPU devices' load-time checks, through the C API: a corrupt kernels_<device> section
// (kernels_vulkan, kernels_cuda: one reader, gpu/GpuKernels) and a machine without the device's
// driver are clear errors, never a crash. (Running SPIR-V is tested end to end with compiled
// models on lavapipe: tests/CMakeLists.txt, e2e_vulkan_*; PTX runs only on a lent NVIDIA GPU,
// bench/gpu/device_check.sh.)
#include "TestArtifact.h"

#include "kiln/runtime.h"

#include <cstdlib>
#include <string>
#include <sys/stat.h>

#include <gtest/gtest.h>

namespace kiln::test {
namespace {
using nlohmann::json;

json dispatch(json bindings, std::string shader) {
  return {{"shader", shader},
          {"entry", "main"},
          {"workgroups", {4, 1, 1}},
          {"workgroup_size", {256, 1, 1}},
          {"bindings", bindings}};
}

/// testManifest() as a GPU artifact of `device`: each kernel one dispatch over its three
/// arguments.
json gpuManifest(const std::string &device) {
  json m = testManifest();
  m["target"] = {{"kind", device}};
  for (json &step : m["steps"])
    step["device"] = device;
  std::string shader = device == "cuda" ? "cuda/kernels.ptx" : "spirv/k.spv";
  json kernel = {{"scratch", json::array()},
                 {"scratch_bytes", 0},
                 {"dispatches", {dispatch({{{"arg", 0}}, {{"arg", 1}}, {{"arg", 2}}}, shader)}}};
  m["kernels_" + device] = {{"kiln_k0", kernel}, {"kiln_k1", kernel}};
  return m;
}

/// The status and message of loading `manifest`.
std::pair<kiln_status, std::string> load(const json &manifest) {
  TestArtifact artifact(manifest);
  kiln_model *model = nullptr;
  kiln_status status = kiln_model_load(artifact.path().c_str(), nullptr, &model);
  std::string message = status == KILN_OK ? "" : kiln_last_error();
  kiln_model_free(model);
  return {status, message};
}

void expectInvalid(const json &manifest, const std::string &needle) {
  auto [status, message] = load(manifest);
  EXPECT_EQ(status, KILN_ERROR_INVALID_ARTIFACT) << message;
  EXPECT_NE(message.find(needle), std::string::npos) << message;
}

/// The kernels_<device> section checks, for every GPU device this runtime has.
class GpuKernels : public ::testing::TestWithParam<std::string> {
protected:
  std::string device() const { return GetParam(); }
  std::string section() const { return "kernels_" + GetParam(); }
  json manifest() const { return gpuManifest(GetParam()); }
};

TEST_P(GpuKernels, MissingSection) {
  json m = manifest();
  m.erase(section());
  expectInvalid(m, "missing field '" + section() + "'");
}

TEST_P(GpuKernels, MissingKernel) {
  json m = manifest();
  m[section()].erase("kiln_k1");
  expectInvalid(m, "steps[1]: kernel 'kiln_k1' is not in " + section());
}

TEST_P(GpuKernels, ArgumentOutOfRange) {
  json m = manifest();
  m[section()]["kiln_k0"]["dispatches"][0]["bindings"][2] = {{"arg", 3}};
  expectInvalid(m, "binds argument 3 of 3");
}

TEST_P(GpuKernels, UnknownScratch) {
  json m = manifest();
  m[section()]["kiln_k0"]["dispatches"][0]["bindings"][2] = {{"scratch", 0}};
  expectInvalid(m, section() + ".kiln_k0.dispatches[0].bindings[2]: no such scratch buffer");
}

TEST_P(GpuKernels, ScratchPastItsArea) {
  json m = manifest();
  m[section()]["kiln_k0"]["scratch"] = {{{"offset", 256}, {"bytes", 16}}};
  m[section()]["kiln_k0"]["scratch_bytes"] = 256;
  expectInvalid(m, "a buffer ends past scratch_bytes");
}

TEST_P(GpuKernels, ShaderOutsideTheArtifact) {
  json m = manifest();
  m[section()]["kiln_k0"]["dispatches"][0]["shader"] = "../../etc/k.spv";
  expectInvalid(m, "must be a path inside the artifact folder");
}

TEST_P(GpuKernels, ZeroWorkgroups) {
  json m = manifest();
  m[section()]["kiln_k0"]["dispatches"][0]["workgroups"] = {0, 1, 1};
  expectInvalid(m, "workgroups: expected a positive 32-bit integer");
}

TEST_P(GpuKernels, WrongDevice) {
  json m = manifest();
  m["steps"][1]["device"] = "cpu";
  expectInvalid(m, "steps[1].device");
}

INSTANTIATE_TEST_SUITE_P(Devices, GpuKernels,
                         ::testing::Values(
#ifdef KILN_RUNTIME_VULKAN
                             std::string("vulkan"),
#endif
                             std::string("cuda")));

#ifdef KILN_RUNTIME_VULKAN
TEST(VulkanDevice, NoDriverIsAnErrorAtLoad) {
  // A valid section: loading goes on to the Vulkan loader, which finds no driver here.
  setenv("VK_ICD_FILENAMES", "/nonexistent/kiln_icd.json", 1);
  setenv("VK_DRIVER_FILES", "/nonexistent/kiln_icd.json", 1);
  auto [status, message] = load(gpuManifest("vulkan"));
  unsetenv("VK_ICD_FILENAMES");
  unsetenv("VK_DRIVER_FILES");
  EXPECT_EQ(status, KILN_ERROR_KERNEL_LOAD) << message;
  // Without a loader library the message names libvulkan.so.1 instead.
  EXPECT_TRUE(message.find("no Vulkan driver found") != std::string::npos ||
              message.find("libvulkan.so.1") != std::string::npos)
      << message;
}
#endif

/// Loads gpuManifest("cuda") with KILN_CUDA_LIBRARY set to `library`.
std::pair<kiln_status, std::string> loadCudaWith(const std::string &library) {
  setenv("KILN_CUDA_LIBRARY", library.c_str(), 1);
  auto result = load(gpuManifest("cuda"));
  unsetenv("KILN_CUDA_LIBRARY");
  return result;
}

TEST(CudaDevice, MissingDriverIsAnErrorAtLoad) {
  auto [status, message] = loadCudaWith("/nonexistent/libcuda.so.1");
  EXPECT_EQ(status, KILN_ERROR_KERNEL_LOAD) << message;
  EXPECT_NE(message.find("cannot load the CUDA driver /nonexistent/libcuda.so.1"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("--target cpu or --target vulkan"), std::string::npos) << message;
}

TEST(CudaDevice, ALibraryThatIsNoDriverIsAnErrorAtLoad) {
  auto [status, message] = loadCudaWith("libm.so.6");
  EXPECT_EQ(status, KILN_ERROR_KERNEL_LOAD) << message;
  EXPECT_NE(message.find("libm.so.6 is not a usable CUDA driver: it has no cuInit"),
            std::string::npos)
      << message;
}

TEST(CudaDevice, TheToolkitsStubDriverIsNoDevice) {
  // The CUDA toolkit's link-time stub answers every call with CUDA_ERROR_STUB_LIBRARY: what a
  // machine with the toolkit and no GPU driver sees.
  const std::string stub = "/usr/local/cuda/lib64/stubs/libcuda.so";
  struct stat st;
  if (stat(stub.c_str(), &st) != 0)
    GTEST_SKIP() << "no CUDA toolkit stub at " << stub;
  auto [status, message] = loadCudaWith(stub);
  EXPECT_EQ(status, KILN_ERROR_KERNEL_LOAD) << message;
  EXPECT_NE(message.find("no usable CUDA device: cuInit: CUDA_ERROR_STUB_LIBRARY"),
            std::string::npos)
      << message;
}
} // namespace
} // namespace kiln::test
