// Tests that kiln_model_load validates an artifact and names the file and the
// problem on error.
#include "TestArtifact.h"
#include "kiln/runtime.h"

#include <gtest/gtest.h>

#include <filesystem>

using kiln::test::TestArtifact;
using kiln::test::testManifest;
using nlohmann::json;

namespace {

/// Loads `artifact`, expects `status`, and returns the error message.
std::string loadError(const TestArtifact &artifact, kiln_status status) {
  kiln_model *model = nullptr;
  kiln_status got = kiln_model_load(artifact.path().c_str(), nullptr, &model);
  EXPECT_EQ(got, status) << kiln_status_string(got) << ": "
                         << kiln_last_error();
  EXPECT_EQ(model, nullptr);
  kiln_model_free(model);
  return kiln_last_error();
}

std::string manifestError(const json &manifest) {
  return loadError(TestArtifact(manifest), KILN_ERROR_INVALID_ARTIFACT);
}

#define EXPECT_CONTAINS(text, part)                                            \
  EXPECT_NE(std::string(text).find(part), std::string::npos)                   \
      << "'" << (text) << "' lacks '" << (part) << "'"

} // namespace

TEST(Manifest, ValidArtifactLoadsAndDescribesItself) {
  TestArtifact artifact;
  kiln_model *model = nullptr;
  ASSERT_EQ(kiln_model_load(artifact.path().c_str(), nullptr, &model), KILN_OK)
      << kiln_last_error();
  size_t inputs = 0, outputs = 0;
  ASSERT_EQ(kiln_model_num_inputs(model, &inputs), KILN_OK);
  ASSERT_EQ(kiln_model_num_outputs(model, &outputs), KILN_OK);
  EXPECT_EQ(inputs, 2u);
  EXPECT_EQ(outputs, 1u);
  kiln_tensor_info info;
  ASSERT_EQ(kiln_model_input_info(model, 1, &info), KILN_OK);
  EXPECT_STREQ(info.name, "y");
  EXPECT_EQ(info.dtype, KILN_DTYPE_FLOAT32);
  ASSERT_EQ(info.rank, 2u);
  EXPECT_EQ(info.shape[0], 4);
  EXPECT_EQ(info.shape[1], 256);
  EXPECT_EQ(info.bytes, kiln::test::kTensorBytes);
  ASSERT_EQ(kiln_model_output_info(model, 0, &info), KILN_OK);
  EXPECT_STREQ(info.name, "out");
  size_t index = 9;
  ASSERT_EQ(kiln_model_find_input(model, "y", &index), KILN_OK);
  EXPECT_EQ(index, 1u);
  EXPECT_EQ(kiln_model_find_input(model, "z", &index),
            KILN_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(kiln_model_output_info(model, 1, &info),
            KILN_ERROR_INVALID_ARGUMENT);
  EXPECT_CONTAINS(kiln_last_error(), "output index 1 out of range");
  kiln_model_free(model);
}

TEST(Manifest, BadJson) {
  TestArtifact artifact;
  kiln::test::writeText(artifact.file("manifest.json"), "{\"format\": ");
  std::string error = loadError(artifact, KILN_ERROR_INVALID_ARTIFACT);
  EXPECT_CONTAINS(error, artifact.file("manifest.json"));
  EXPECT_CONTAINS(error, "invalid JSON");
}

// Found by fuzz_tuning_db (the same parser): a number past double's range is out_of_range,
// not a parse error, and escaped the loader.
TEST(Manifest, NumberOutOfRangeIsInvalidJson) {
  TestArtifact artifact;
  kiln::test::writeText(artifact.file("manifest.json"), "{\"format\": 17.5e660}");
  std::string error = loadError(artifact, KILN_ERROR_INVALID_ARTIFACT);
  EXPECT_CONTAINS(error, "invalid JSON");
}

TEST(Manifest, WrongFormatAndVersion) {
  json manifest = testManifest();
  manifest["format_version"] = 3;
  std::string error = manifestError(manifest);
  EXPECT_CONTAINS(error,
                  "manifest.json: format_version: unsupported version 3");
  manifest = testManifest();
  manifest["format"] = "onnx";
  EXPECT_CONTAINS(manifestError(manifest),
                  "format: expected \"kiln-artifact\"");
}

TEST(Manifest, MissingOrMistypedFields) {
  json manifest = testManifest();
  manifest.erase("arena_bytes");
  EXPECT_CONTAINS(manifestError(manifest), "missing field 'arena_bytes'");
  manifest = testManifest();
  manifest["values"][2]["shape"] = {4, "x"};
  EXPECT_CONTAINS(manifestError(manifest),
                  "values[2].shape: expected an integer");
  manifest = testManifest();
  manifest["values"][0]["dtype"] = "complex64";
  EXPECT_CONTAINS(manifestError(manifest), "unknown dtype 'complex64'");
  manifest = testManifest();
  manifest["target"]["kind"] = "tpu";
  EXPECT_CONTAINS(manifestError(manifest),
                  "target.kind 'tpu' is not supported");
}

TEST(Manifest, BytesMustMatchShape) {
  json manifest = testManifest();
  manifest["values"][1]["bytes"] = 100;
  EXPECT_CONTAINS(manifestError(manifest),
                  "values[1] (id 1): bytes is 100 but shape [4,256] of "
                  "float32 needs 4096");
}

TEST(Manifest, OffsetsMustLieInsideArenaAndWeights) {
  json manifest = testManifest();
  manifest["values"][2]["offset"] = 2 * kiln::test::kTensorBytes + 64;
  EXPECT_CONTAINS(manifestError(manifest), "lie outside the arena");
  manifest = testManifest();
  manifest["values"][3]["offset"] = 64;
  EXPECT_CONTAINS(manifestError(manifest), "lie outside weights.bin");
  manifest = testManifest();
  manifest["values"][0]["offset"] = uint64_t(1) << 62; // no overflow either
  EXPECT_CONTAINS(manifestError(manifest), "lie outside the arena");
}

TEST(Manifest, StaticViewsLieOnTheirSource) {
  json manifest = testManifest();
  json view = manifest["values"][0];
  view["id"] = 5;
  view["view_of"] = 0;
  view["offset"] = kiln::test::kTensorBytes;
  manifest["values"].push_back(view);
  EXPECT_CONTAINS(manifestError(manifest),
                  "values[5] (id 5): a view lies on the bytes of its view_of value");
}

TEST(Manifest, StepsAndBindingsMustReferToValidValues) {
  json manifest = testManifest();
  manifest["steps"][1]["args"][1] = 42;
  EXPECT_CONTAINS(manifestError(manifest),
                  "steps[1].args[1]: refers to unknown value id 42");
  manifest = testManifest();
  manifest["steps"][0]["num_outputs"] = 4;
  EXPECT_CONTAINS(manifestError(manifest), "num_outputs 4 exceeds its 3 args");
  manifest = testManifest();
  manifest["steps"][0]["args"] = {0, 1, 3};
  EXPECT_CONTAINS(manifestError(manifest), "lives in read-only weights");
  manifest = testManifest();
  manifest["outputs"][0]["value"] = 7;
  EXPECT_CONTAINS(manifestError(manifest),
                  "outputs[0].value: refers to unknown value id 7");
  manifest = testManifest();
  manifest["inputs"][1]["name"] = "x";
  EXPECT_CONTAINS(manifestError(manifest), "duplicate name 'x'");
  manifest = testManifest();
  manifest["values"][4]["id"] = 3;
  EXPECT_CONTAINS(manifestError(manifest), "duplicate value id 3");
}

TEST(Manifest, MissingFiles) {
  TestArtifact noKernels;
  std::filesystem::remove(noKernels.file("kernels.so"));
  std::string error = loadError(noKernels, KILN_ERROR_IO);
  EXPECT_CONTAINS(error, noKernels.file("kernels.so"));

  TestArtifact noManifest;
  std::filesystem::remove(noManifest.file("manifest.json"));
  EXPECT_CONTAINS(loadError(noManifest, KILN_ERROR_IO), "manifest.json");

  TestArtifact noWeights;
  std::filesystem::remove(noWeights.file("weights.bin"));
  EXPECT_CONTAINS(loadError(noWeights, KILN_ERROR_IO), "weights.bin");
}

TEST(Manifest, WeightsSizeMustMatch) {
  TestArtifact artifact;
  kiln::test::writeText(artifact.file("weights.bin"), "short");
  EXPECT_CONTAINS(loadError(artifact, KILN_ERROR_INVALID_ARTIFACT),
                  "weights.bin: size is 5 bytes but the manifest's "
                  "weights_bytes is 4096");
}

TEST(Manifest, MissingKernelSymbolIsNamed) {
  json manifest = testManifest();
  manifest["steps"][1]["kernel"] = "kiln_k_missing";
  std::string error = loadError(TestArtifact(manifest), KILN_ERROR_KERNEL_LOAD);
  EXPECT_CONTAINS(error, "missing kernel symbol 'kiln_k_missing'");
  EXPECT_CONTAINS(error, "steps[1] (/Mul)");
}

TEST(Manifest, UnloadableKernelLibraryIsReported) {
  TestArtifact artifact(testManifest(), KILN_TEST_UNRESOLVED_KERNELS);
  std::string error = loadError(artifact, KILN_ERROR_KERNEL_LOAD);
  EXPECT_CONTAINS(error, "kernels.so: cannot load");
  EXPECT_CONTAINS(error, "kiln_symbol_nobody_defines");
}

TEST(Manifest, BadArguments) {
  kiln_model *model = nullptr;
  EXPECT_EQ(kiln_model_load(nullptr, nullptr, &model),
            KILN_ERROR_INVALID_ARGUMENT);
  EXPECT_CONTAINS(kiln_last_error(), "path is NULL");
  EXPECT_EQ(kiln_model_load("/nonexistent/model.kiln", nullptr, &model),
            KILN_ERROR_IO);
  EXPECT_CONTAINS(kiln_last_error(), "/nonexistent/model.kiln/manifest.json");
  kiln_options options = {};
  options.num_threads = -2;
  TestArtifact artifact;
  EXPECT_EQ(kiln_model_load(artifact.path().c_str(), &options, &model),
            KILN_ERROR_INVALID_ARGUMENT);
}

TEST(Manifest, DynamicDimsNeedVersionTwo) {
  json manifest = testManifest();
  manifest["values"][0]["shape"] = {-1, 256};
  manifest["values"][0]["bytes"] = 0;
  EXPECT_CONTAINS(manifestError(manifest), "dynamic dims need format version 2");
}

TEST(Manifest, DynamicStepsListTheirDims) {
  json manifest = testManifest();
  manifest["format_version"] = 2;
  manifest["values"][0]["shape"] = {-1, 256};
  manifest["values"][0]["bytes"] = 0;
  for (auto &value : manifest["values"])
    if (value["storage"] == "arena")
      value["live"] = {0, 3};
  // steps[0] reads the dynamic value 0 but lists no dims.
  EXPECT_CONTAINS(manifestError(manifest),
                  "steps[0] (kiln_k0, /Add): dims must list the dynamic dims");
  manifest["steps"][0]["dims"] = {{0, 0}};
  EXPECT_CONTAINS(manifestError(manifest), "a step has a shape_function exactly when");
  manifest["values"][1].erase("live");
  manifest["steps"][0]["shape_function"] = "kiln_k0_shape";
  EXPECT_CONTAINS(manifestError(manifest), "needs \"live\"");
}
