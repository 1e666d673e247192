// The vulkan device's load-time checks, through the C API: a corrupt kernels_vulkan section
// and a machine without a Vulkan driver are clear errors, never a crash. (Running SPIR-V is
// tested end to end with compiled models: tests/CMakeLists.txt, e2e_vulkan_*.)
#include "TestArtifact.h"

#include "kiln/runtime.h"

#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

namespace kiln::test {
namespace {
using nlohmann::json;

json dispatch(json bindings, std::string shader = "spirv/k.spv") {
  return {{"shader", shader},
          {"entry", "main"},
          {"workgroups", {4, 1, 1}},
          {"workgroup_size", {256, 1, 1}},
          {"bindings", bindings}};
}

/// testManifest() as a vulkan artifact: each kernel one dispatch over its three arguments.
json vulkanManifest() {
  json m = testManifest();
  m["target"] = {{"kind", "vulkan"}};
  for (json &step : m["steps"])
    step["device"] = "vulkan";
  json kernel = {{"scratch", json::array()},
                 {"scratch_bytes", 0},
                 {"dispatches", {dispatch({{{"arg", 0}}, {{"arg", 1}}, {{"arg", 2}}})}}};
  m["kernels_vulkan"] = {{"kiln_k0", kernel}, {"kiln_k1", kernel}};
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

TEST(VulkanKernels, MissingSection) {
  json m = vulkanManifest();
  m.erase("kernels_vulkan");
  expectInvalid(m, "missing field 'kernels_vulkan'");
}

TEST(VulkanKernels, MissingKernel) {
  json m = vulkanManifest();
  m["kernels_vulkan"].erase("kiln_k1");
  expectInvalid(m, "steps[1]: kernel 'kiln_k1' is not in kernels_vulkan");
}

TEST(VulkanKernels, ArgumentOutOfRange) {
  json m = vulkanManifest();
  m["kernels_vulkan"]["kiln_k0"]["dispatches"][0]["bindings"][2] = {{"arg", 3}};
  expectInvalid(m, "binds argument 3 of 3");
}

TEST(VulkanKernels, UnknownScratch) {
  json m = vulkanManifest();
  m["kernels_vulkan"]["kiln_k0"]["dispatches"][0]["bindings"][2] = {{"scratch", 0}};
  expectInvalid(m, "kernels_vulkan.kiln_k0.dispatches[0].bindings[2]: no such scratch buffer");
}

TEST(VulkanKernels, ScratchPastItsArea) {
  json m = vulkanManifest();
  m["kernels_vulkan"]["kiln_k0"]["scratch"] = {{{"offset", 256}, {"bytes", 16}}};
  m["kernels_vulkan"]["kiln_k0"]["scratch_bytes"] = 256;
  expectInvalid(m, "a buffer ends past scratch_bytes");
}

TEST(VulkanKernels, ShaderOutsideTheArtifact) {
  json m = vulkanManifest();
  m["kernels_vulkan"]["kiln_k0"]["dispatches"][0]["shader"] = "../../etc/k.spv";
  expectInvalid(m, "must be a path inside the artifact folder");
}

TEST(VulkanKernels, ZeroWorkgroups) {
  json m = vulkanManifest();
  m["kernels_vulkan"]["kiln_k0"]["dispatches"][0]["workgroups"] = {0, 1, 1};
  expectInvalid(m, "workgroups: expected a positive 32-bit integer");
}

TEST(VulkanKernels, WrongDevice) {
  json m = vulkanManifest();
  m["steps"][1]["device"] = "cpu";
  expectInvalid(m, "steps[1].device");
}

TEST(VulkanKernels, NoDriverIsAnErrorAtLoad) {
  // A valid section: loading goes on to the Vulkan loader, which finds no driver here.
  setenv("VK_ICD_FILENAMES", "/nonexistent/kiln_icd.json", 1);
  setenv("VK_DRIVER_FILES", "/nonexistent/kiln_icd.json", 1);
  auto [status, message] = load(vulkanManifest());
  unsetenv("VK_ICD_FILENAMES");
  unsetenv("VK_DRIVER_FILES");
  EXPECT_EQ(status, KILN_ERROR_KERNEL_LOAD) << message;
  // Without a loader library the message names libvulkan.so.1 instead.
  EXPECT_TRUE(message.find("no Vulkan driver found") != std::string::npos ||
              message.find("libvulkan.so.1") != std::string::npos)
      << message;
}
} // namespace
} // namespace kiln::test
