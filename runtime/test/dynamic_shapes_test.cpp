// Tests the run-time resolution of plans with dynamic dims: shapes from the
// inputs and shape functions, views, consistency errors, arena placement.
#include "src/DynamicShapes.h"
#include "src/Error.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using nlohmann::json;

namespace {

/// x[N,4] → k0 (shape fn: out = in) → v1[N,4] → view v2[N*4] → k1 → out[2]
/// (k1 reduces to a static shape). Values 0..4.
json dynamicManifest() {
  auto value = [](int id, json shape, json extra) {
    json v = {{"id", id},       {"dtype", "float32"}, {"shape", shape},
              {"storage", "arena"}, {"offset", 0},     {"bytes", 0}};
    v.update(extra);
    return v;
  };
  return {{"format", "kiln-artifact"},
          {"format_version", 2},
          {"target", {{"kind", "cpu"}}},
          {"arena_bytes", 0},
          {"weights_bytes", 0},
          {"values",
           {value(0, {-1, 4}, {{"live", {0, 1}}}),
            value(1, {-1, 4}, {{"live", {1, 2}}}),
            value(2, {-1}, {{"view_of", 1}, {"dims_from", {-1}}}),
            value(3, {2}, {{"live", {2, 3}}, {"bytes", 8}})}},
          {"inputs", {{{"name", "x"}, {"value", 0}}}},
          {"outputs", {{{"name", "out"}, {"value", 3}}}},
          {"steps",
           {{{"kernel", "k0"}, {"args", {0, 1}}, {"num_outputs", 1},
             {"dims", {{0, 0}, {1, 0}}}, {"shape_function", "k0_shape"}},
            {{"kernel", "k1"}, {"args", {2, 3}}, {"num_outputs", 1},
             {"dims", {{0, 0}}}, {"shape_function", "k1_shape"}}}}};
}

void sameBatch(const int64_t *in, int64_t *out) {
  out[0] = in[0];
  out[1] = 1;
}
void even(const int64_t *in, int64_t *out) { out[0] = in[0] % 2 == 0; }

kiln::Manifest parse(const json &manifest) {
  return kiln::parseManifest(manifest.dump(), "manifest.json");
}

} // namespace

TEST(DynamicShapes, ShapesFollowTheInputs) {
  kiln::Manifest manifest = parse(dynamicManifest());
  ASSERT_TRUE(manifest.dynamic);
  kiln::ResolvedPlan plan = kiln::resolvePlan(manifest, {{6, 4}}, {sameBatch, even});
  EXPECT_EQ(plan.shapes[1], (std::vector<int64_t>{6, 4}));
  EXPECT_EQ(plan.shapes[2], (std::vector<int64_t>{24})); // the view's inferred dim
  EXPECT_EQ(plan.bytes[1], 96u);
  EXPECT_EQ(plan.stepDims[0], (std::vector<int64_t>{6, 6}));
  EXPECT_EQ(plan.stepDims[1], (std::vector<int64_t>{24}));
  // The view shares its source's bytes; buffers alive together do not overlap.
  EXPECT_EQ(plan.offsets[2], plan.offsets[1]);
  EXPECT_TRUE(plan.offsets[0] + plan.bytes[0] <= plan.offsets[1] ||
              plan.offsets[1] + plan.bytes[1] <= plan.offsets[0]);
  EXPECT_GE(plan.arenaBytes, plan.bytes[0] + plan.bytes[1]);
  kiln::ResolvedPlan bigger = kiln::resolvePlan(manifest, {{100, 4}}, {sameBatch, even});
  EXPECT_GT(bigger.arenaBytes, plan.arenaBytes);
}

TEST(DynamicShapes, BadInputShapesAreRejected) {
  kiln::Manifest manifest = parse(dynamicManifest());
  try {
    kiln::resolvePlan(manifest, {{6, 5}}, {sameBatch, even});
    FAIL() << "a wrong static dim was accepted";
  } catch (const kiln::Error &e) {
    EXPECT_EQ(e.status(), KILN_ERROR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(e.what()).find("input 0 ('x'): expected shape [-1,4]"),
              std::string::npos)
        << e.what();
  }
  // The shape function of step 1 flags an odd element count as inconsistent.
  try {
    kiln::resolvePlan(manifest, {{3, 4}}, {sameBatch, [](const int64_t *, int64_t *out) {
                                             out[0] = 0;
                                           }});
    FAIL() << "an inconsistent shape was accepted";
  } catch (const kiln::Error &e) {
    EXPECT_NE(std::string(e.what()).find("inconsistent input shapes: dims that must agree "
                                         "differ at steps[1] (k1)"),
              std::string::npos)
        << e.what();
  }
}

TEST(DynamicShapes, StaticPlanKeepsTheManifestOffsets) {
  json manifest = dynamicManifest();
  manifest["format_version"] = 1;
  manifest["values"] = {{{"id", 0}, {"dtype", "float32"}, {"shape", {2}},
                         {"storage", "arena"}, {"offset", 64}, {"bytes", 8}}};
  manifest["arena_bytes"] = 128;
  manifest["outputs"] = {{{"name", "out"}, {"value", 0}}};
  manifest["steps"] = json::array();
  kiln::ResolvedPlan plan = kiln::staticPlan(parse(manifest));
  EXPECT_EQ(plan.offsets[0], 64u);
  EXPECT_EQ(plan.arenaBytes, 128u);
}
