// End-to-end: load a hand-built artifact whose kernels.so imports
// kiln_parallel_for, run, check.
#include "TestArtifact.h"
#include "kiln/runtime.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <thread>

using namespace kiln::test;

namespace {

/// A loaded test model; fails the test on any load error.
class Loaded {
public:
  explicit Loaded(const TestArtifact &artifact, int threads = 0) {
    kiln_options options = {};
    options.num_threads = threads;
    status_ = kiln_model_load(artifact.path().c_str(), &options, &model_);
  }
  ~Loaded() { kiln_model_free(model_); }
  kiln_model *get() const { return model_; }
  kiln_status status() const { return status_; }

private:
  kiln_model *model_ = nullptr;
  kiln_status status_;
};

std::vector<float> runOnce(kiln_model *model, const std::vector<float> &x,
                           const std::vector<float> &y) {
  EXPECT_EQ(kiln_model_set_input(model, 0, x.data(), kTensorBytes), KILN_OK)
      << kiln_last_error();
  EXPECT_EQ(kiln_model_set_input(model, 1, y.data(), kTensorBytes), KILN_OK)
      << kiln_last_error();
  EXPECT_EQ(kiln_model_run(model), KILN_OK) << kiln_last_error();
  const void *data = nullptr;
  size_t bytes = 0;
  EXPECT_EQ(kiln_model_get_output(model, 0, &data, &bytes), KILN_OK);
  EXPECT_EQ(bytes, kTensorBytes);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(data) % 64, 0u); // arena offset 0
  std::vector<float> out(kElements);
  if (data)
    std::memcpy(out.data(), data, kTensorBytes);
  return out;
}

} // namespace

TEST(EndToEnd, RunsTheTwoStepPlanWithEveryThreadCount) {
  TestArtifact artifact;
  std::vector<float> x = testInput(0), y = testInput(1);
  for (int threads : {1, 2, 4}) {
    Loaded model(artifact, threads);
    ASSERT_EQ(model.status(), KILN_OK) << kiln_last_error();
    EXPECT_EQ(kiln_get_num_threads(), threads);
    EXPECT_EQ(runOnce(model.get(), x, y), expectedOutput(x, y));
  }
  kiln_set_num_threads(0);
}

#if defined(__GLIBC__)
// Kernels malloc their temporaries on every call: once a CPU model is loaded, a
// block of 64 MiB (over glibc's largest default mmap threshold, 32 MiB) comes
// from the heap and is reused, not mapped afresh (and page-faulted again) on
// each run.
TEST(EndToEnd, LargeKernelTemporariesAreReusedFromTheHeap) {
  TestArtifact artifact;
  Loaded model(artifact);
  ASSERT_EQ(model.status(), KILN_OK) << kiln_last_error();
  size_t mappedBefore = mallinfo2().hblks;
  void *block = std::malloc(size_t(64) << 20);
  ASSERT_NE(block, nullptr);
  EXPECT_EQ(mallinfo2().hblks, mappedBefore);
  std::free(block);
}
#endif

TEST(EndToEnd, RepeatedRunsRestageInputsTheArenaReused) {
  // The output overwrites x's arena bytes: a second run must still see x.
  TestArtifact artifact;
  Loaded model(artifact, 2);
  ASSERT_EQ(model.status(), KILN_OK) << kiln_last_error();
  std::vector<float> x = testInput(0), y = testInput(1);
  EXPECT_EQ(runOnce(model.get(), x, y), expectedOutput(x, y));
  ASSERT_EQ(kiln_model_run(model.get()), KILN_OK);
  const void *data = nullptr;
  size_t bytes = 0;
  ASSERT_EQ(kiln_model_get_output(model.get(), 0, &data, &bytes), KILN_OK);
  std::vector<float> again(static_cast<const float *>(data),
                           static_cast<const float *>(data) + kElements);
  EXPECT_EQ(again, expectedOutput(x, y));
  x[5] = 100.f;
  EXPECT_EQ(runOnce(model.get(), x, y), expectedOutput(x, y));
}

TEST(EndToEnd, InputsAreReadInPlaceWhenViewsAreRecorded) {
  // The first step reads x through a view (as a reshape would): with views_recorded the
  // kernels read x from the model's copy of it, through the view too, run after run.
  nlohmann::json manifest = testManifest();
  manifest["views_recorded"] = true;
  nlohmann::json view = manifest["values"][0];
  view["id"] = 5;
  view["view_of"] = 0;
  manifest["values"].push_back(view);
  manifest["steps"][0]["args"] = {5, 1, 2};
  TestArtifact artifact(manifest);
  Loaded model(artifact, 2);
  ASSERT_EQ(model.status(), KILN_OK) << kiln_last_error();
  std::vector<float> x = testInput(0), y = testInput(1);
  EXPECT_EQ(runOnce(model.get(), x, y), expectedOutput(x, y));
  EXPECT_EQ(runOnce(model.get(), x, y), expectedOutput(x, y));
  x[5] = 100.f;
  EXPECT_EQ(runOnce(model.get(), x, y), expectedOutput(x, y));
}

TEST(EndToEnd, TwoModelsRunConcurrently) {
  TestArtifact artifact;
  Loaded first(artifact, 2), second(artifact, 2);
  ASSERT_EQ(first.status(), KILN_OK) << kiln_last_error();
  ASSERT_EQ(second.status(), KILN_OK) << kiln_last_error();
  std::vector<float> x = testInput(0), y = testInput(1);
  std::vector<float> expected = expectedOutput(x, y);
  auto loop = [&](kiln_model *model, bool *ok) {
    for (int i = 0; i < 200 && *ok; ++i)
      *ok = runOnce(model, x, y) == expected;
  };
  bool ok1 = true, ok2 = true;
  std::thread t1(loop, first.get(), &ok1), t2(loop, second.get(), &ok2);
  t1.join();
  t2.join();
  EXPECT_TRUE(ok1);
  EXPECT_TRUE(ok2);
  kiln_set_num_threads(0);
}

/// One context per thread, each with its own inputs, all running one loaded model at once: every
/// output must be that of its own thread's inputs (a shared arena or input would mix them).
TEST(EndToEnd, ContextsRunOneModelOnManyThreadsAtOnce) {
  TestArtifact artifact;
  Loaded model(artifact, 2);
  ASSERT_EQ(model.status(), KILN_OK) << kiln_last_error();
  constexpr int kThreads = 6;
  std::vector<int> failures(kThreads, 0);
  auto loop = [&](int t) {
    kiln_context *context = nullptr;
    if (kiln_context_create(model.get(), &context) != KILN_OK) {
      failures[t] = -1;
      return;
    }
    std::vector<float> x = testInput(0), y = testInput(1);
    for (float &v : x)
      v += float(t); // this thread's own inputs
    std::vector<float> expected = expectedOutput(x, y), out(kElements);
    for (int i = 0; i < 300; ++i) {
      const void *data = nullptr;
      size_t bytes = 0;
      bool ok = kiln_context_set_input(context, 0, x.data(), kTensorBytes) == KILN_OK &&
                kiln_context_set_input(context, 1, y.data(), kTensorBytes) == KILN_OK &&
                kiln_context_run(context) == KILN_OK &&
                kiln_context_get_output(context, 0, &data, &bytes) == KILN_OK &&
                bytes == kTensorBytes;
      if (ok)
        std::memcpy(out.data(), data, kTensorBytes);
      failures[t] += !ok || out != expected;
    }
    kiln_context_free(context);
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back(loop, t);
  // The model's default context runs at the same time.
  std::vector<float> x = testInput(0), y = testInput(1);
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(runOnce(model.get(), x, y), expectedOutput(x, y));
  for (std::thread &thread : threads)
    thread.join();
  for (int t = 0; t < kThreads; ++t)
    EXPECT_EQ(failures[t], 0) << "thread " << t;
  kiln_set_num_threads(0);
}

TEST(EndToEnd, ContextMisuseIsReportedNotCrashed) {
  TestArtifact artifact;
  Loaded model(artifact);
  ASSERT_EQ(model.status(), KILN_OK) << kiln_last_error();
  kiln_context *context = nullptr;
  EXPECT_EQ(kiln_context_create(nullptr, &context), KILN_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(kiln_context_create(model.get(), nullptr), KILN_ERROR_INVALID_ARGUMENT);
  ASSERT_EQ(kiln_context_create(model.get(), &context), KILN_OK) << kiln_last_error();
  EXPECT_EQ(kiln_context_run(context), KILN_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(kiln_last_error()).find("kiln_context_run: input 0 ('x') was not set"),
            std::string::npos)
      << kiln_last_error();
  const void *data = nullptr;
  size_t bytes = 0;
  EXPECT_EQ(kiln_context_get_output(context, 0, &data, &bytes), KILN_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(kiln_context_set_input(context, 0, &bytes, 3), KILN_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(kiln_context_run(nullptr), KILN_ERROR_INVALID_ARGUMENT);
  kiln_context_free(context);
  kiln_context_free(nullptr);
}

TEST(EndToEnd, MisuseIsReportedNotCrashed) {
  TestArtifact artifact;
  Loaded model(artifact);
  ASSERT_EQ(model.status(), KILN_OK) << kiln_last_error();
  std::vector<float> x = testInput(0);
  const void *data = nullptr;
  size_t bytes = 0;
  EXPECT_EQ(kiln_model_get_output(model.get(), 0, &data, &bytes),
            KILN_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(kiln_last_error(),
               "kiln_model_get_output: the model has not run yet");
  EXPECT_EQ(kiln_model_set_input(model.get(), 0, x.data(), 12),
            KILN_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(kiln_last_error(),
               "kiln_model_set_input: input 0 ('x') expects 4096 bytes "
               "(float32 [4,256]), got 12");
  EXPECT_EQ(kiln_model_set_input(model.get(), 2, x.data(), kTensorBytes),
            KILN_ERROR_INVALID_ARGUMENT);
  ASSERT_EQ(kiln_model_set_input(model.get(), 0, x.data(), kTensorBytes),
            KILN_OK);
  EXPECT_EQ(kiln_model_run(model.get()), KILN_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(kiln_last_error(), "kiln_model_run: input 1 ('y') was not set");
  EXPECT_EQ(kiln_model_run(nullptr), KILN_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(kiln_last_error(), "kiln_model_run: model is NULL");
  kiln_model_free(nullptr);
}

TEST(EndToEnd, StatusAndDTypeNames) {
  EXPECT_STREQ(kiln_status_string(KILN_ERROR_KERNEL_LOAD),
               "KILN_ERROR_KERNEL_LOAD");
  EXPECT_STREQ(kiln_dtype_name(KILN_DTYPE_INT64), "int64");
  EXPECT_EQ(kiln_dtype_size(KILN_DTYPE_BOOL), 1u);
  EXPECT_EQ(kiln_dtype_size(KILN_DTYPE_FLOAT16), 2u);
  EXPECT_EQ(kiln_dtype_size(KILN_DTYPE_UINT16), 2u);
  EXPECT_EQ(kiln_dtype_size(KILN_DTYPE_UINT64), 8u);
  EXPECT_STREQ(kiln_dtype_name(KILN_DTYPE_UINT32), "uint32");
  EXPECT_EQ(kiln_dtype_size(kiln_dtype(8)), 0u); // ONNX's STRING: not an artifact dtype

}

TEST(EndToEnd, ProfilingCountsEveryStepOfEveryRun) {
  TestArtifact artifact;
  Loaded model(artifact, 1);
  ASSERT_EQ(model.status(), KILN_OK) << kiln_last_error();
  size_t steps = 0;
  ASSERT_EQ(kiln_model_num_steps(model.get(), &steps), KILN_OK);
  ASSERT_EQ(steps, 2u);
  std::vector<float> x = testInput(0), y = testInput(1);
  runOnce(model.get(), x, y); // before profiling: not counted
  ASSERT_EQ(kiln_model_set_profiling(model.get(), 1), KILN_OK);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(runOnce(model.get(), x, y), expectedOutput(x, y));
  ASSERT_EQ(kiln_model_set_profiling(model.get(), 0), KILN_OK);
  runOnce(model.get(), x, y); // after: not counted either
  for (size_t i = 0; i < steps; ++i) {
    kiln_step_info info = {};
    ASSERT_EQ(kiln_model_step_info(model.get(), i, &info), KILN_OK);
    EXPECT_EQ(info.runs, 3u);
    EXPECT_GT(info.total_ms, 0.0);
    EXPECT_NE(std::strlen(info.kernel), 0u);
  }
  kiln_step_info info = {};
  EXPECT_EQ(kiln_model_step_info(model.get(), steps, &info), KILN_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::strstr(kiln_last_error(), "kiln_model_step_info"), nullptr);
}

TEST(EndToEnd, KernelsForAnotherCpuAreRefusedNamingTheExtension) {
  nlohmann::json manifest = testManifest();
  manifest["target"]["isa"] = {"avx", "kiln-test-extension"};
  TestArtifact artifact(manifest);
  Loaded model(artifact);
  EXPECT_EQ(model.status(), KILN_ERROR_KERNEL_LOAD);
  std::string error = kiln_last_error();
  EXPECT_NE(error.find("compiled for CPU 'x86-64' and use kiln-test-extension"),
            std::string::npos) << error;
  EXPECT_NE(error.find("--cpu=host"), std::string::npos) << error;
}
