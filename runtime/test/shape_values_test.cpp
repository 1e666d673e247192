// Tests dims that follow the values of tensors known at run time ("shape values"):
// the view semantics (Reshape, Unsqueeze, Squeeze) and shape functions that read
// elements of inputs, both resolved on the host before any kernel runs.
#include "src/DynamicShapes.h"
#include "src/Error.h"
#include "src/ShapeValues.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using nlohmann::json;
using Dims = std::vector<int64_t>;

namespace {

std::string errorOf(const std::function<void()> &f) {
  try {
    f();
  } catch (const kiln::Error &e) {
    EXPECT_EQ(e.status(), KILN_ERROR_INVALID_ARGUMENT);
    return e.what();
  }
  return "";
}

json value(int id, const char *dtype, json shape, json extra) {
  json v = {{"id", id},           {"dtype", dtype}, {"shape", shape},
            {"storage", "arena"}, {"offset", 0},    {"bytes", 0}};
  v.update(extra);
  return v;
}

/// x[6] and shape[2] (inputs) → view r = reshape(x, shape) [?, ?];
/// n[] (input, int32) → k0 (its shape function reads n) → out[?].
json shapeValueManifest() {
  return {{"format", "kiln-artifact"},
          {"format_version", 2},
          {"target", {{"kind", "cpu"}}},
          {"arena_bytes", 0},
          {"weights_bytes", 0},
          {"values",
           {value(0, "float32", {6}, {{"live", {0, 1}}, {"bytes", 24}}),
            value(1, "int64", {2}, {{"live", {0, 1}}, {"bytes", 16}}),
            value(2, "float32", {-1, -1},
                  {{"view_of", 0}, {"shape_from", 1}, {"shape_mode", "reshape"},
                   {"node", "r"}}),
            value(3, "int32", json::array(), {{"live", {0, 1}}, {"bytes", 4}}),
            value(4, "float32", {-1}, {{"live", {1, 2}}})}},
          {"inputs",
           {{{"name", "x"}, {"value", 0}},
            {{"name", "shape"}, {"value", 1}},
            {{"name", "n"}, {"value", 3}}}},
          {"outputs", {{{"name", "r"}, {"value", 2}}, {{"name", "out"}, {"value", 4}}}},
          {"steps",
           {{{"kernel", "k0"}, {"args", {3, 4}}, {"num_outputs", 1},
             {"dims", {{1, 0}}}, {"shape_function", "k0_shape"},
             {"value_args", {{0, 0}}}}}}};
}

/// out = 2 * n (n: the bits of an int32 element).
void twiceN(const int64_t *in, int64_t *out) {
  out[0] = 2 * int64_t(int32_t(in[0]));
  out[1] = 1;
}

} // namespace

TEST(ShapeValues, ReshapeCopiesZerosAndInfersMinusOne) {
  EXPECT_EQ(kiln::valueShapedDims("reshape", {2, 3, 4}, {0, -1}, "n"), (Dims{2, 12}));
  EXPECT_EQ(kiln::valueShapedDims("reshape", {2, 3, 4}, {4, 0, 2}, "n"), (Dims{4, 3, 2}));
  EXPECT_EQ(kiln::valueShapedDims("reshape_allowzero", {0, 3}, {3, 0}, "n"), (Dims{3, 0}));
  EXPECT_NE(errorOf([] { kiln::valueShapedDims("reshape", {2, 3}, {5, -1}, "Reshape node 'a'"); })
                .find("Reshape node 'a': cannot reshape [2,3] into [5,-1]"),
            std::string::npos);
  EXPECT_NE(errorOf([] { kiln::valueShapedDims("reshape", {6}, {-1, -1}, "n"); })
                .find("more than one -1"),
            std::string::npos);
  EXPECT_NE(errorOf([] { kiln::valueShapedDims("reshape", {6}, {6, 0}, "n"); })
                .find("copies a dim the input [6] lacks"),
            std::string::npos);
}

// Found by fuzz_artifact: shape values are user data, their product must not overflow.
TEST(ShapeValues, ReshapeValuesWhoseProductOverflowsAreAnError) {
  const int64_t big = 72340172838076673; // 0x0101010101010101
  EXPECT_NE(errorOf([&] { kiln::valueShapedDims("reshape", {6}, {big, big}, "n"); })
                .find("n: the elements of shape [72340172838076673,72340172838076673] overflow"),
            std::string::npos);
  EXPECT_NE(errorOf([&] { kiln::valueShapedDims("reshape", {6}, {big, big, -1}, "n"); })
                .find("overflow int64"),
            std::string::npos);
}

TEST(ShapeValues, UnsqueezeAndSqueezeAxes) {
  EXPECT_EQ(kiln::valueShapedDims("unsqueeze", {3, 4}, {0, -1}, "n"), (Dims{1, 3, 4, 1}));
  EXPECT_EQ(kiln::valueShapedDims("unsqueeze", {3, 4}, {2, 1}, "n"), (Dims{3, 1, 1, 4}));
  EXPECT_EQ(kiln::valueShapedDims("squeeze", {1, 3, 1}, {-1, 0}, "n"), (Dims{3}));
  EXPECT_NE(errorOf([] { kiln::valueShapedDims("squeeze", {1, 3}, {1}, "n"); })
                .find("cannot squeeze dim 1 of extent 3"),
            std::string::npos);
  EXPECT_NE(errorOf([] { kiln::valueShapedDims("unsqueeze", {3}, {2}, "n"); })
                .find("axis 2 is out of range for rank 2"),
            std::string::npos);
  EXPECT_NE(errorOf([] { kiln::valueShapedDims("unsqueeze", {3}, {0, -3}, "n"); })
                .find("repeated"),
            std::string::npos);
}

TEST(ShapeValues, PlanReadsTheValuesOfInputs) {
  kiln::Manifest manifest = kiln::parseManifest(shapeValueManifest().dump(), "manifest.json");
  ASSERT_TRUE(manifest.readsValues);
  float x[6] = {};
  int64_t shape[2] = {3, -1};
  int32_t n = 5;
  const void *inputs[3] = {x, shape, &n};
  kiln::HostData host = [&](size_t v) -> const void * { return v < 4 ? inputs[v == 3 ? 2 : v] : nullptr; };
  kiln::ResolvedPlan plan = kiln::resolvePlan(manifest, {{6}, {2}, {}}, {twiceN}, host);
  EXPECT_EQ(plan.shapes[2], (Dims{3, 2}));
  EXPECT_EQ(plan.shapes[4], (Dims{10}));
  EXPECT_EQ(plan.offsets[2], plan.offsets[0]); // a view: no bytes of its own
  // Other values, same shapes: a new plan.
  shape[0] = 6;
  n = 1;
  plan = kiln::resolvePlan(manifest, {{6}, {2}, {}}, {twiceN}, host);
  EXPECT_EQ(plan.shapes[2], (Dims{6, 1}));
  EXPECT_EQ(plan.shapes[4], (Dims{2}));
  shape[0] = 4;
  EXPECT_NE(errorOf([&] { kiln::resolvePlan(manifest, {{6}, {2}, {}}, {twiceN}, host); })
                .find("Reshape node 'r' (values[2]): cannot reshape [6] into [4,-1]"),
            std::string::npos);
  EXPECT_NE(errorOf([&] {
              kiln::resolvePlan(manifest, {{6}, {2}, {}}, {twiceN});
            }).find("not available to the host"),
            std::string::npos);
}

TEST(ShapeValues, ManifestChecksValueArgs) {
  json manifest = shapeValueManifest();
  manifest["steps"][0]["value_args"] = {{0, 1}}; // n has one element
  EXPECT_THROW(kiln::parseManifest(manifest.dump(), "manifest.json"), kiln::Error);
  manifest = shapeValueManifest();
  manifest["values"][2]["shape_mode"] = "stretch";
  EXPECT_THROW(kiln::parseManifest(manifest.dump(), "manifest.json"), kiln::Error);
}

namespace {
/// x[4] (input) → k0 → c[1] (int32, a kernel's result) → k1, whose shape
/// function reads c → out[?]; and a view v of x reshaped by kernel result s[1]
/// (int64, from k0 too).
json stagedManifest() {
  json manifest = shapeValueManifest();
  manifest["values"] = {
      value(0, "float32", {4}, {{"live", {0, 1}}, {"bytes", 16}}),
      value(1, "int32", {1}, {{"live", {1, 2}}, {"bytes", 4}}),
      value(2, "float32", {-1}, {{"live", {2, 3}}}),
      value(3, "int64", {2}, {{"live", {1, 3}}, {"bytes", 16}}),
      value(4, "float32", {-1, -1},
            {{"view_of", 0},
             {"shape_from", 3},
             {"shape_mode", "reshape"},
             {"node", "late"}})};
  manifest["inputs"] = {{{"name", "x"}, {"value", 0}}};
  manifest["outputs"] = {{{"name", "out"}, {"value", 2}},
                         {{"name", "v"}, {"value", 4}}};
  manifest["steps"] = {
      {{"kernel", "k0"}, {"args", {0, 1, 3}}, {"num_outputs", 2}},
      {{"kernel", "k1"},
       {"args", {1, 2}},
       {"num_outputs", 1},
       {"dims", {{1, 0}}},
       {"shape_function", "k1_shape"},
       {"value_args", {{0, 0}}}}};
  return manifest;
}
} // namespace

// Shape values computed by kernels: the plan resolves in stages, each stage's
// buffers in an arena of its own; the next stage reads the values once the
// caller has run the one before.
TEST(ShapeValues, KernelResultsAreReadAfterTheirStageRuns) {
  kiln::Manifest manifest =
      kiln::parseManifest(stagedManifest().dump(), "manifest.json");
  float x[4] = {};
  int32_t c = 0;
  int64_t s[2] = {0, 0};
  bool ran = false; // whether the "kernels" of the first stage have run
  kiln::HostData host = [&](size_t v) -> const void * {
    if (v == 0)
      return x;
    if (!ran)
      return nullptr;
    return v == 1 ? static_cast<const void *>(&c) : v == 3 ? s : nullptr;
  };
  // One pass cannot size k1: its value is not known before k0 runs.
  EXPECT_NE(
      errorOf([&] {
        kiln::resolvePlan(manifest, {{4}}, {nullptr, twiceN}, host);
      }).find("steps[1] (k1) sizes its result by values computed by kernels"),
      std::string::npos);
  kiln::ResolvedPlan plan;
  kiln::StagedResolver resolver(manifest, plan, {{4}}, {nullptr, twiceN}, host);
  EXPECT_EQ(resolver.next(), 0u);
  EXPECT_FALSE(resolver.done());
  EXPECT_EQ(plan.stageEnds, (std::vector<size_t>{1}));
  EXPECT_EQ(plan.arenaOf[1], 0u);
  c = 3, s[0] = 2, s[1] = -1, ran = true; // k0 "ran"
  EXPECT_EQ(resolver.next(), 1u);
  EXPECT_TRUE(resolver.done());
  EXPECT_EQ(plan.stageEnds, (std::vector<size_t>{1, 2}));
  EXPECT_EQ(plan.shapes[2], (Dims{6}));
  EXPECT_EQ(plan.arenaOf[2], 1u);
  EXPECT_EQ(plan.bytes[2], 24u);
  EXPECT_EQ(plan.shapes[4], (Dims{2, 2}));
  EXPECT_EQ(plan.stageArenaBytes.size(), 2u);
  EXPECT_EQ(plan.arenaBytes, plan.stageArenaBytes[0] + plan.stageArenaBytes[1]);
  // A bad computed shape names the node.
  kiln::StagedResolver again(manifest, plan, {{4}}, {nullptr, twiceN}, host);
  s[0] = 3;
  ran = false;
  again.next();
  ran = true;
  EXPECT_NE(errorOf([&] { again.next(); }).find("Reshape node 'late'"),
            std::string::npos);
}
