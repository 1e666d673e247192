// Loads libkiln_runtime with dlopen(RTLD_LOCAL) and checks kernels.so still
// finds kiln_parallel_for.
#include "TestArtifact.h"
#include "kiln/runtime.h"

#include <gtest/gtest.h>

#include <dlfcn.h>

using namespace kiln::test;

namespace {

template <typename Fn> Fn lookup(void *library, const char *name) {
  void *symbol = dlsym(library, name);
  EXPECT_NE(symbol, nullptr) << name;
  return reinterpret_cast<Fn>(symbol);
}

} // namespace

TEST(DlopenLocal, KernelsResolveParallelForFromALocalRuntime) {
  // This binary does not link the runtime: it is invisible until promoted.
  ASSERT_EQ(dlsym(RTLD_DEFAULT, "kiln_parallel_for"), nullptr);
  void *runtime = dlopen(KILN_RUNTIME_LIBRARY, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(runtime, nullptr) << dlerror();
  EXPECT_EQ(dlsym(RTLD_DEFAULT, "kiln_parallel_for"), nullptr);

  auto load = lookup<decltype(&kiln_model_load)>(runtime, "kiln_model_load");
  auto setInput =
      lookup<decltype(&kiln_model_set_input)>(runtime, "kiln_model_set_input");
  auto run = lookup<decltype(&kiln_model_run)>(runtime, "kiln_model_run");
  auto getOutput = lookup<decltype(&kiln_model_get_output)>(
      runtime, "kiln_model_get_output");
  auto freeModel =
      lookup<decltype(&kiln_model_free)>(runtime, "kiln_model_free");
  auto lastError =
      lookup<decltype(&kiln_last_error)>(runtime, "kiln_last_error");
  auto setThreads =
      lookup<decltype(&kiln_set_num_threads)>(runtime, "kiln_set_num_threads");
  ASSERT_TRUE(load && setInput && run && getOutput && freeModel && lastError &&
              setThreads);

  TestArtifact artifact;
  kiln_model *model = nullptr;
  ASSERT_EQ(load(artifact.path().c_str(), nullptr, &model), KILN_OK)
      << lastError();
  EXPECT_NE(dlsym(RTLD_DEFAULT, "kiln_parallel_for"), nullptr);
  std::vector<float> x = testInput(0), y = testInput(1);
  ASSERT_EQ(setInput(model, 0, x.data(), kTensorBytes), KILN_OK);
  ASSERT_EQ(setInput(model, 1, y.data(), kTensorBytes), KILN_OK);
  ASSERT_EQ(run(model), KILN_OK) << lastError();
  const void *data = nullptr;
  size_t bytes = 0;
  ASSERT_EQ(getOutput(model, 0, &data, &bytes), KILN_OK);
  const float *out = static_cast<const float *>(data);
  EXPECT_EQ(std::vector<float>(out, out + kElements), expectedOutput(x, y));
  freeModel(model);
  setThreads(1); // stop the workers before the library could be unloaded
}
