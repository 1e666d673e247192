// Runs the kiln-run binary on a hand-built artifact: inputs, outputs, timing,
// and its errors.
#include <algorithm>
#include "TestArtifact.h"
#include "tools/TensorProto.h"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <sys/wait.h>

using namespace kiln::test;
using kiln::onnx::Tensor;

namespace {

struct Result {
  int exitCode = -1;
  std::string out;
  std::string err;
};

std::string slurp(const std::string &path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

/// Runs kiln-run with `args` (already shell-quoted where needed).
Result runKilnRun(const std::string &args) {
  TempDir dir;
  std::string command = std::string("'") + KILN_RUN + "' " + args + " >'" +
                        dir.file("out") + "' 2>'" + dir.file("err") + "'";
  int status = std::system(command.c_str());
  Result result;
  result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = slurp(dir.file("out"));
  result.err = slurp(dir.file("err"));
  return result;
}

std::string writeFloatTensor(const TempDir &dir, const std::string &name,
                             const std::vector<float> &values,
                             std::vector<int64_t> dims) {
  Tensor tensor;
  tensor.name = name;
  tensor.dataType = kiln::onnx::kFloat;
  tensor.dims = std::move(dims);
  tensor.data.resize(values.size() * sizeof(float));
  std::memcpy(tensor.data.data(), values.data(), tensor.data.size());
  std::string path = dir.file(name + ".pb");
  kiln::onnx::writeTensorFile(path, tensor);
  return path;
}

std::vector<float> floats(const Tensor &tensor) {
  std::vector<float> values(tensor.data.size() / sizeof(float));
  std::memcpy(values.data(), tensor.data.data(), tensor.data.size());
  return values;
}

} // namespace

TEST(KilnRun, NamedAndPositionalInputsWriteOutputs) {
  TestArtifact artifact;
  TempDir dir;
  std::vector<float> x = testInput(0), y = testInput(1);
  std::string xFile = writeFloatTensor(dir, "x", x, {4, 256});
  std::string yFile = writeFloatTensor(dir, "y", y, {4, 256});
  Result result = runKilnRun("'" + artifact.path() + "' --input y=" + yFile +
                             " --input " + xFile + " --output-dir '" +
                             dir.file("outs") + "' --threads 2");
  ASSERT_EQ(result.exitCode, 0) << result.err;
  EXPECT_NE(result.out.find("output 0 'out': float32 [4,256]"),
            std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("top-5 (row 0): 251="), std::string::npos)
      << result.out;
  Tensor out = kiln::onnx::readTensorFile(dir.file("outs/out.pb"));
  EXPECT_EQ(out.name, "out");
  EXPECT_EQ(out.dims, (std::vector<int64_t>{4, 256}));
  EXPECT_EQ(floats(out), expectedOutput(x, y));
}

TEST(KilnRun, RejectsWrongShapeAndDtype) {
  TestArtifact artifact;
  TempDir dir;
  std::string small = writeFloatTensor(dir, "small", {1, 2, 3, 4}, {2, 2});
  Result result = runKilnRun("'" + artifact.path() + "' --input x=" + small);
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_EQ(result.err, "kiln-run: error: input 'x': expected float32 "
                        "[4,256], got float32 [2,2] from " +
                            small + "\n");
  Tensor ints;
  ints.dataType = kiln::onnx::kInt64;
  ints.dims = {4, 256};
  ints.data.resize(kElements * 8);
  kiln::onnx::writeTensorFile(dir.file("ints.pb"), ints);
  result =
      runKilnRun("'" + artifact.path() + "' --input y=" + dir.file("ints.pb"));
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_NE(result.err.find("input 'y': expected float32 [4,256], got int64 "
                            "[4,256]"),
            std::string::npos)
      << result.err;
}

TEST(KilnRun, RandomInputsAreSeededAndTimingIsPrinted) {
  TestArtifact artifact;
  Result first = runKilnRun("'" + artifact.path() + "' --repeat 5");
  ASSERT_EQ(first.exitCode, 0) << first.err;
  EXPECT_TRUE(std::regex_search(first.out,
                                std::regex("\nmedian_ms: [0-9]+\\.[0-9]{3}\n")))
      << first.out;
  EXPECT_NE(first.out.find("min_ms: "), std::string::npos);
  EXPECT_NE(first.out.find("mean_ms: "), std::string::npos);
  Result second = runKilnRun("'" + artifact.path() + "' --warmup 0");
  ASSERT_EQ(second.exitCode, 0) << second.err;
  auto values = [](const std::string &out) {
    return out.substr(out.find("output 0"));
  };
  EXPECT_EQ(values(first.out), values(second.out));
  Result other = runKilnRun("'" + artifact.path() + "' --seed 7");
  EXPECT_NE(values(first.out), values(other.out));
}

TEST(KilnRun, ProfilePrintsEveryStepAndTheTimePerOp) {
  TestArtifact artifact;
  Result result = runKilnRun("'" + artifact.path() + "' --repeat 4 --profile");
  ASSERT_EQ(result.exitCode, 0) << result.err;
  EXPECT_TRUE(std::regex_search(
      result.out, std::regex("profile: 2 steps, [0-9.]+ ms per run in kernels \\(mean of 4 runs\\)")))
      << result.out;
  EXPECT_NE(result.out.find("  by op:\n"), std::string::npos) << result.out;
}

TEST(KilnRun, ProfileStepsLimitsTheListedSteps) {
  TestArtifact artifact;
  Result result = runKilnRun("'" + artifact.path() + "' --repeat 2 --profile-steps 1");
  ASSERT_EQ(result.exitCode, 0) << result.err;
  // One step line (kernel names start with "kiln_k" in the test artifact) between the header
  // and the per-op summary.
  std::string list = result.out.substr(result.out.find("node\n"));
  list = list.substr(0, list.find("  by op:"));
  size_t lines = std::count(list.begin(), list.end(), '\n');
  EXPECT_EQ(lines, 2u) << result.out; // the header's end + one step
}

TEST(KilnRun, OutputNamesAreSanitized) {
  nlohmann::json manifest = testManifest();
  manifest["outputs"][0]["name"] = "out/sum:0";
  TestArtifact artifact(manifest);
  TempDir dir;
  Result result =
      runKilnRun("'" + artifact.path() + "' --output-dir '" + dir.path() + "'");
  ASSERT_EQ(result.exitCode, 0) << result.err;
  Tensor out = kiln::onnx::readTensorFile(dir.file("out_sum_0.pb"));
  EXPECT_EQ(out.name, "out/sum:0");
}

TEST(KilnRun, ErrorsAreOneLineAndExitOne) {
  TestArtifact artifact;
  const std::string a = "'" + artifact.path() + "'";
  for (const std::string &args :
       {std::string("/nonexistent/model.kiln"), a + " --input z=/tmp/none.pb",
        a + " --input /nonexistent.pb", a + " --repeat 0", a + " --bogus",
        a + " --input x=/nonexistent.pb", std::string(""),
        a + " --input a.pb --input b.pb --input c.pb"}) {
    Result result = runKilnRun(args);
    EXPECT_EQ(result.exitCode, 1) << args;
    EXPECT_EQ(result.err.rfind("kiln-run: error: ", 0), 0u) << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1)
        << result.err;
  }
  Result help = runKilnRun("--help");
  EXPECT_EQ(help.exitCode, 0);
  EXPECT_NE(help.out.find("usage: kiln-run ARTIFACT"), std::string::npos);
}
