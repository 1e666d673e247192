//===- pack_plan_weights_test.cpp - weights permuted as kernels read them -===//
#include "compiler/Codegen/CPU/WeightPanels.h"
#include "compiler/Pipeline/PackPlanWeights.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

#include <gtest/gtest.h>

#include <cstring>

using kiln::ExecutionPlan;
using kiln::PlanStep;
using kiln::PlanValue;

namespace {
/// A float weight [k, n] holding 0, 1, 2, ... at a 64-byte aligned offset of the plan.
int64_t addWeight(ExecutionPlan &plan, std::vector<int64_t> shape) {
  PlanValue v;
  v.id = plan.values.size();
  v.dtype = "float32";
  v.shape = shape;
  v.storage = PlanValue::Storage::Weights;
  v.offset = (plan.weights.size() + 63) / 64 * 64;
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  v.bytes = n * 4;
  plan.weights.resize(v.offset + v.bytes);
  for (int64_t i = 0; i < n; ++i) {
    float x = float(i);
    std::memcpy(plan.weights.data() + v.offset + 4 * i, &x, 4);
  }
  plan.values.push_back(v);
  return v.id;
}

int64_t addArena(ExecutionPlan &plan) {
  PlanValue v;
  v.id = plan.values.size();
  v.dtype = "float32";
  v.shape = {2, 4};
  v.bytes = 32;
  plan.values.push_back(v);
  return v.id;
}

void addStep(ExecutionPlan &plan, const std::string &kernel, std::vector<int64_t> args) {
  PlanStep s;
  s.kernel = kernel;
  s.args = args;
  plan.steps.push_back(s);
}

float at(const ExecutionPlan &plan, int64_t id, int64_t i) {
  float x;
  std::memcpy(&x, plan.weights.data() + plan.values[id].offset + 4 * i, 4);
  return x;
}
} // namespace

TEST(WeightPanels, PacksColumnsIntoPanels) {
  // [2 batches, 3 rows, 4 columns] in panels of 2 columns: [2, 2, 3, 2].
  std::vector<float> src(24), dst(24);
  for (int i = 0; i < 24; ++i)
    src[i] = float(i);
  EXPECT_EQ(kiln::panelShape({2, 3, 4}, 2, 4), (llvm::SmallVector<int64_t>{2, 2, 3, 2}));
  kiln::packPanels(reinterpret_cast<const char *>(src.data()), reinterpret_cast<char *>(dst.data()),
                   {2, 3, 4}, 2, 4, 4);
  // dst[b, p, k, j] = src[b, k, 2p + j]
  for (int b = 0; b < 2; ++b)
    for (int p = 0; p < 2; ++p)
      for (int k = 0; k < 3; ++k)
        for (int j = 0; j < 2; ++j)
          EXPECT_EQ(dst[((b * 2 + p) * 3 + k) * 2 + j], src[(b * 3 + k) * 4 + 2 * p + j]);
}

TEST(WeightPanels, GroupsOfColumnsStartOnAPanel) {
  // [2 rows, 6 columns] in groups of 3 columns, panels of 2: each group is a full panel and a
  // half one padded with zeros: [4, 2, 2].
  std::vector<float> src(12), dst(16, -1.0f);
  for (int i = 0; i < 12; ++i)
    src[i] = float(i + 1);
  EXPECT_EQ(kiln::panelsPerGroup(2, 3), 2);
  EXPECT_EQ(kiln::panelShape({2, 6}, 2, 3), (llvm::SmallVector<int64_t>{4, 2, 2}));
  kiln::packPanels(reinterpret_cast<const char *>(src.data()), reinterpret_cast<char *>(dst.data()),
                   {2, 6}, 2, 3, 4);
  // [[1 2 3 4 5 6] [7 8 9 10 11 12]] → [[1 2] [7 8]], [[3 0] [9 0]], [[4 5] [10 11]],
  // [[6 0] [12 0]]
  const float expected[] = {1, 2, 7, 8, 3, 0, 9, 0, 4, 5, 10, 11, 6, 0, 12, 0};
  for (int i = 0; i < 16; ++i)
    EXPECT_EQ(dst[i], expected[i]) << i;
}

TEST(PackPlanWeights, InPlaceWhenEveryUseReadsPanels) {
  ExecutionPlan plan;
  int64_t w = addWeight(plan, {2, 4}), x = addArena(plan), y = addArena(plan);
  addStep(plan, "k0", {x, w, y});
  addStep(plan, "k0", {y, w, x});
  size_t bytes = plan.weights.size();
  kiln::packPlanWeights(plan, {{"k0", {1, 2, 4}}});
  EXPECT_EQ(plan.weights.size(), bytes);
  EXPECT_EQ(plan.values.size(), 3u);
  EXPECT_EQ(plan.values[w].shape, (std::vector<int64_t>{2, 2, 2}));
  EXPECT_EQ(plan.steps[0].args[1], w);
  // [[0 1 2 3] [4 5 6 7]] → panels [[0 1] [4 5]], [[2 3] [6 7]]
  const float expected[] = {0, 1, 4, 5, 2, 3, 6, 7};
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(at(plan, w, i), expected[i]) << i;
}

TEST(PackPlanWeights, CopyWhenAnotherUseReadsTheLayout) {
  for (bool asOutput : {false, true}) {
    ExecutionPlan plan;
    int64_t w = addWeight(plan, {2, 4}), x = addArena(plan), y = addArena(plan);
    addStep(plan, "packs", {x, w, y});
    if (asOutput)
      plan.outputs.push_back({"w", w});
    else
      addStep(plan, "reads", {w, x}); // e.g. a gather of an embedding tied to the matmul
    kiln::packPlanWeights(plan, {{"packs", {1, 2, 4}}});
    ASSERT_EQ(plan.values.size(), 4u);
    int64_t copy = plan.steps[0].args[1];
    EXPECT_EQ(copy, 3);
    EXPECT_EQ(plan.values[copy].storage, PlanValue::Storage::Weights);
    EXPECT_EQ(plan.values[copy].offset % 64, 0);
    EXPECT_EQ(plan.values[copy].shape, (std::vector<int64_t>{2, 2, 2}));
    EXPECT_EQ(plan.values[w].shape, (std::vector<int64_t>{2, 4}));
    for (int i = 0; i < 8; ++i)
      EXPECT_EQ(at(plan, w, i), float(i)); // the original stays row-major
    EXPECT_EQ(at(plan, copy, 2), 4.0f);
    if (!asOutput)
      EXPECT_EQ(plan.steps[1].args[0], w);
  }
}

TEST(PackPlanWeights, OneCopyPerWidth) {
  ExecutionPlan plan;
  int64_t w = addWeight(plan, {2, 8}), x = addArena(plan);
  addStep(plan, "a", {x, w});
  addStep(plan, "b", {x, w});
  kiln::packPlanWeights(plan, {{"a", {1, 2, 8}}, {"b", {1, 4, 8}}});
  ASSERT_EQ(plan.values.size(), 4u);
  EXPECT_EQ(plan.values[plan.steps[0].args[1]].shape, (std::vector<int64_t>{4, 2, 2}));
  EXPECT_EQ(plan.values[plan.steps[1].args[1]].shape, (std::vector<int64_t>{2, 2, 4}));
  // Width 4: [[0..7] [8..15]] → [[0 1 2 3] [8 9 10 11]], [[4 5 6 7] [12 ..]]
  EXPECT_EQ(at(plan, plan.steps[1].args[1], 4), 8.0f);
}

TEST(PackPlanWeights, PaddedLayoutMovesAndDropsTheOldBytes) {
  // Two weights; the first [2, 6] read in groups of 3 columns, panels of 2 (16 floats where it
  // held 12): moved to the end, its old bytes dropped, the second weight moved down to them.
  ExecutionPlan plan;
  int64_t w = addWeight(plan, {2, 6}), v = addWeight(plan, {2, 8}), x = addArena(plan);
  addStep(plan, "k", {x, w, v});
  kiln::packPlanWeights(plan, {{"k", {1, 2, 3}}});
  ASSERT_EQ(plan.values.size(), 3u);
  EXPECT_EQ(plan.steps[0].args[1], w);
  EXPECT_EQ(plan.values[w].shape, (std::vector<int64_t>{4, 2, 2}));
  EXPECT_EQ(plan.values[w].bytes, 64);
  EXPECT_EQ(plan.values[v].offset, 0);
  EXPECT_EQ(plan.values[w].offset, 64);
  EXPECT_EQ(plan.weights.size(), 128u);
  for (int i = 0; i < 16; ++i)
    EXPECT_EQ(at(plan, v, i), float(i)) << i;
  const float expected[] = {0, 1, 6, 7, 2, 0, 8, 0, 3, 4, 9, 10, 5, 0, 11, 0};
  for (int i = 0; i < 16; ++i)
    EXPECT_EQ(at(plan, w, i), expected[i]) << i;
}

TEST(PackPlanWeights, ViewsFollowTheirWeightWhenTheBytesMove) {
  // A view of the second weight (a reshape) keeps pointing at that weight's bytes after the
  // first, padded, moves to the end and the second moves down.
  ExecutionPlan plan;
  int64_t w = addWeight(plan, {2, 6}), v = addWeight(plan, {2, 8}), x = addArena(plan);
  PlanValue view = plan.values[v];
  view.id = plan.values.size();
  view.viewOf = v;
  view.shape = {16};
  plan.values.push_back(view);
  addStep(plan, "k", {x, w});
  addStep(plan, "r", {x, view.id});
  kiln::packPlanWeights(plan, {{"k", {1, 2, 3}}});
  EXPECT_EQ(plan.values[v].offset, 0);
  EXPECT_EQ(plan.values[view.id].offset, plan.values[v].offset);
  EXPECT_EQ(plan.values[w].offset, 64);
  EXPECT_EQ(at(plan, view.id, 5), 5.0f);
}

TEST(PackPlanWeights, ArenaValuesAndViewsStay) {
  ExecutionPlan plan;
  int64_t x = addArena(plan), w = addWeight(plan, {2, 4}), y = addArena(plan);
  PlanValue view = plan.values[w];
  view.id = plan.values.size();
  view.viewOf = w;
  plan.values.push_back(view);
  addStep(plan, "k", {x, y, view.id});
  std::vector<char> before = plan.weights;
  kiln::packPlanWeights(plan, {{"k", {0, 2, 4, 1, 2, 4, 2, 2, 4}}});
  EXPECT_EQ(plan.values.size(), 4u);
  EXPECT_EQ(plan.weights, before);
  EXPECT_EQ(plan.steps[0].args, (std::vector<int64_t>{x, y, view.id}));
}

namespace {
TEST(MarkWeightArgs, LargestMagnitudeOverEveryStep) {
  mlir::MLIRContext ctx;
  ctx.loadDialect<mlir::func::FuncDialect>();
  mlir::OpBuilder b(&ctx);
  auto module = mlir::ModuleOp::create(b.getUnknownLoc());
  b.setInsertionPointToEnd(module.getBody());
  auto f32 = b.getF32Type();
  auto memref = [&](std::vector<int64_t> shape) { return mlir::MemRefType::get(shape, f32); };
  b.create<mlir::func::FuncOp>(
      b.getUnknownLoc(), "k", b.getFunctionType({memref({2, 3}), memref({4}), memref({2, 4})}, {}));

  ExecutionPlan plan;
  int64_t small = addWeight(plan, {2, 3}), big = addWeight(plan, {3, 3});
  int64_t vec = addWeight(plan, {4}), act = addArena(plan), out = addArena(plan);
  addStep(plan, "k", {small, vec, out});
  addStep(plan, "k", {big, act, out});
  kiln::markWeightArgs(module, plan);

  auto fn = module.lookupSymbol<mlir::func::FuncOp>("k");
  auto most = fn.getArgAttrOfType<mlir::FloatAttr>(0, kiln::kMaxAbsArgAttr);
  ASSERT_TRUE(most);
  EXPECT_EQ(most.getValueAsDouble(), 8.0); // 0..8 in the larger weight
  // The second input is an activation in one of the steps: no bound.
  EXPECT_FALSE(fn.getArgAttr(1, kiln::kMaxAbsArgAttr));
  module->erase();
}
} // namespace
