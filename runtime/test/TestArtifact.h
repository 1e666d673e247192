// Test helper: builds a small Kiln artifact folder (manifest, weights, test
// kernels.so) in a temp dir.
#ifndef KILN_RUNTIME_TEST_TESTARTIFACT_H
#define KILN_RUNTIME_TEST_TESTARTIFACT_H

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace kiln::test {

/// Elements of every tensor in the test plan (kernels/test_kernels.c).
constexpr size_t kElements = 1024;
constexpr size_t kTensorBytes = kElements * sizeof(float);

/// A temporary folder, removed with everything in it on destruction.
class TempDir {
public:
  TempDir() {
    std::string pattern = ::testing::TempDir() + "kiln_runtime_XXXXXX";
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    if (!mkdtemp(buffer.data()))
      throw std::runtime_error("mkdtemp failed for " + pattern);
    path_ = buffer.data();
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string &path() const { return path_; }
  std::string file(const std::string &name) const { return path_ + "/" + name; }

private:
  std::string path_;
};

inline void writeFile(const std::string &path, const void *data, size_t size) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(static_cast<const char *>(data), std::streamsize(size));
  if (!out)
    throw std::runtime_error("cannot write " + path);
}

inline void writeText(const std::string &path, const std::string &text) {
  writeFile(path, text.data(), text.size());
}

/// The weights of the test plan: w[i] = 0.5 + i % 7.
inline std::vector<float> testWeights() {
  std::vector<float> weights(kElements);
  for (size_t i = 0; i < kElements; ++i)
    weights[i] = 0.5f + float(i % 7);
  return weights;
}

/// out = (x + y) * w in two steps: kiln_k0 (t = x + y), kiln_k1 (out = t * w).
/// `out` reuses x's arena bytes, as a planner does once x is dead.
inline nlohmann::json testManifest() {
  auto value = [](int id, const char *storage, size_t offset) {
    return nlohmann::json{{"id", id},          {"dtype", "float32"},
                          {"shape", {4, 256}}, {"storage", storage},
                          {"offset", offset},  {"bytes", kTensorBytes}};
  };
  return {
      {"format", "kiln-artifact"},
      {"format_version", 1},
      {"kiln_version", "0.1.0"},
      {"target", {{"kind", "cpu"}, {"cpu", "x86-64"}}},
      {"arena_bytes", 3 * kTensorBytes},
      {"weights_bytes", kTensorBytes},
      {"values",
       {value(0, "arena", 0), value(1, "arena", kTensorBytes),
        value(2, "arena", 2 * kTensorBytes), value(3, "weights", 0),
        value(4, "arena", 0)}},
      {"inputs",
       {{{"name", "x"}, {"value", 0}}, {{"name", "y"}, {"value", 1}}}},
      {"outputs", {{{"name", "out"}, {"value", 4}}}},
      {"steps",
       {{{"kernel", "kiln_k0"},
         {"args", {0, 1, 2}},
         {"num_outputs", 1},
         {"op", "kiln.add"},
         {"name", "/Add"}},
        {{"kernel", "kiln_k1"},
         {"args", {2, 3, 4}},
         {"num_outputs", 1},
         {"op", "kiln.mul"},
         {"name", "/Mul"}}}},
      {"tuning", {{"records_used", nlohmann::json::array()}}},
  };
}

/// A complete test artifact folder; tests may overwrite any of its files.
class TestArtifact {
public:
  explicit TestArtifact(const nlohmann::json &manifest = testManifest(),
                        const std::string &kernels = KILN_TEST_KERNELS) {
    std::filesystem::copy_file(kernels, dir_.file("kernels.so"));
    writeManifest(manifest);
    std::vector<float> weights = testWeights();
    writeFile(dir_.file("weights.bin"), weights.data(), kTensorBytes);
  }
  void writeManifest(const nlohmann::json &manifest) const {
    writeText(dir_.file("manifest.json"), manifest.dump(2));
  }
  const std::string &path() const { return dir_.path(); }
  std::string file(const std::string &name) const { return dir_.file(name); }

private:
  TempDir dir_;
};

/// Deterministic inputs: x[i] = i / 100, y[i] = 1 - i / 200.
inline std::vector<float> testInput(int which) {
  std::vector<float> data(kElements);
  for (size_t i = 0; i < kElements; ++i)
    data[i] = which == 0 ? float(i) / 100.f : 1.f - float(i) / 200.f;
  return data;
}

/// What the plan computes from testInput(0) and testInput(1).
inline std::vector<float> expectedOutput(const std::vector<float> &x,
                                         const std::vector<float> &y) {
  std::vector<float> weights = testWeights(), out(kElements);
  for (size_t i = 0; i < kElements; ++i)
    out[i] = (x[i] + y[i]) * weights[i];
  return out;
}

} // namespace kiln::test

#endif // KILN_RUNTIME_TEST_TESTARTIFACT_H
