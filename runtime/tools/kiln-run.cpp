// kiln-run: loads a Kiln artifact, feeds TensorProto (or random) inputs, runs,
// prints and times.
#include "kiln/runtime.h"
#include "tools/RunOptions.h"
#include "tools/TensorProto.h"
#include "tools/TensorValues.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <stdexcept>
#include <string>
#include <sys/resource.h>
#include <sys/stat.h>
#include <vector>

namespace kiln {
namespace {

void check(kiln_status status) {
  if (status != KILN_OK)
    throw std::runtime_error(kiln_last_error());
}

std::vector<int64_t> shapeOf(const kiln_tensor_info &info) {
  return std::vector<int64_t>(info.shape, info.shape + info.rank);
}

std::string describe(int32_t dtype, const std::vector<int64_t> &shape) {
  std::string text = kiln_dtype_name(kiln_dtype(dtype));
  text += " [";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? "," : "") + std::to_string(shape[i]);
  return text + "]";
}

/// Owns a kiln_model; every failing call throws with the runtime's message.
class Model {
public:
  Model(const std::string &path, int threads, int device) {
    kiln_options options = {};
    options.num_threads = threads;
    options.device = device;
    check(kiln_model_load(path.c_str(), &options, &model_));
  }
  ~Model() { kiln_model_free(model_); }
  Model(const Model &) = delete;
  Model &operator=(const Model &) = delete;

  std::vector<kiln_tensor_info> inputs() const {
    return infos(kiln_model_num_inputs, kiln_model_input_info);
  }
  std::vector<kiln_tensor_info> outputs() const {
    return infos(kiln_model_num_outputs, kiln_model_output_info);
  }
  void setInput(size_t index, const onnx::Tensor &tensor) {
    check(kiln_model_set_input_shaped(model_, index, tensor.data.data(),
                                      tensor.data.size(), tensor.dims.size(),
                                      tensor.dims.data()));
  }
  void run() { check(kiln_model_run(model_)); }
  void setProfiling(bool on) { check(kiln_model_set_profiling(model_, on)); }
  std::vector<kiln_step_info> steps() const {
    size_t count = 0;
    check(kiln_model_num_steps(model_, &count));
    std::vector<kiln_step_info> out(count);
    for (size_t i = 0; i < count; ++i)
      check(kiln_model_step_info(model_, i, &out[i]));
    return out;
  }
  const void *output(size_t index, size_t &bytes) const {
    const void *data = nullptr;
    check(kiln_model_get_output(model_, index, &data, &bytes));
    return data;
  }
  /// The shape of output `index` in the last run (dynamic dims resolved).
  std::vector<int64_t> outputShape(size_t index) const {
    size_t rank = 0;
    const int64_t *shape = nullptr;
    check(kiln_model_get_output_shape(model_, index, &rank, &shape));
    return std::vector<int64_t>(shape, shape + rank);
  }

private:
  template <typename CountFn, typename InfoFn>
  std::vector<kiln_tensor_info> infos(CountFn countFn, InfoFn infoFn) const {
    size_t count = 0;
    check(countFn(model_, &count));
    std::vector<kiln_tensor_info> result(count);
    for (size_t i = 0; i < count; ++i)
      check(infoFn(model_, i, &result[i]));
    return result;
  }

  kiln_model *model_ = nullptr;
};

/// Matches --input specs to model inputs: "NAME=FILE" by name, plain files
/// to the remaining inputs in order. An empty entry means "random".
std::vector<std::string>
assignInputFiles(const std::vector<std::string> &specs,
                 const std::vector<kiln_tensor_info> &inputs) {
  std::vector<std::string> files(inputs.size());
  std::vector<std::string> positional;
  auto index = [&](const std::string &name) -> size_t {
    for (size_t i = 0; i < inputs.size(); ++i)
      if (name == inputs[i].name)
        return i;
    return inputs.size();
  };
  for (const std::string &spec : specs) {
    size_t eq = spec.find('=');
    size_t named =
        eq == std::string::npos ? inputs.size() : index(spec.substr(0, eq));
    struct stat info;
    if (named == inputs.size()) {
      if (eq != std::string::npos && ::stat(spec.c_str(), &info) != 0)
        throw std::runtime_error("--input " + spec +
                                 ": the model has no "
                                 "input '" +
                                 spec.substr(0, eq) + "'");
      positional.push_back(spec);
      continue;
    }
    if (!files[named].empty())
      throw std::runtime_error("input '" + spec.substr(0, eq) +
                               "' is given twice");
    files[named] = spec.substr(eq + 1);
  }
  size_t next = 0;
  for (const std::string &file : positional) {
    while (next < files.size() && !files[next].empty())
      ++next;
    if (next == files.size())
      throw std::runtime_error("too many --input files: the model has " +
                               std::to_string(inputs.size()) + " input(s)");
    files[next] = file;
  }
  return files;
}

/// Whether `dims` fit `declared`, where -1 (a dynamic dim) takes any size.
bool fitsShape(const std::vector<int64_t> &dims,
               const std::vector<int64_t> &declared) {
  if (dims.size() != declared.size())
    return false;
  for (size_t d = 0; d < dims.size(); ++d)
    if (declared[d] >= 0 && declared[d] != dims[d])
      return false;
  return true;
}

bool hasDynamicDim(const std::vector<int64_t> &shape) {
  return std::find(shape.begin(), shape.end(), -1) != shape.end();
}

/// The input from `file`, or random values (dynamic dims of size 1).
onnx::Tensor loadInput(const std::string &file, const kiln_tensor_info &input,
                       size_t index, uint64_t seed) {
  if (file.empty()) {
    onnx::Tensor tensor;
    tensor.dataType = int32_t(input.dtype);
    size_t count = 1;
    for (int64_t d : shapeOf(input)) {
      tensor.dims.push_back(d < 0 ? 1 : d);
      count *= size_t(d < 0 ? 1 : d);
    }
    tensor.data.resize(count * kiln_dtype_size(input.dtype));
    fillRandom(input.dtype, tensor.data.data(), count, seed + index);
    return tensor;
  }
  onnx::Tensor tensor = onnx::readTensorFile(file);
  if (tensor.dataType != int32_t(input.dtype) ||
      !fitsShape(tensor.dims, shapeOf(input)))
    throw std::runtime_error(
        "input '" + std::string(input.name) + "': expected " +
        describe(input.dtype, shapeOf(input)) +
        (hasDynamicDim(shapeOf(input)) ? " (-1: any size)" : "") + ", got " +
        describe(tensor.dataType, tensor.dims) + " from " + file);
  return tensor;
}

/// Creates `dir` and its parents.
void makeDirectories(const std::string &dir) {
  for (size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos != dir.size() && dir[pos] != '/')
      continue;
    std::string prefix = dir.substr(0, pos);
    if (::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST)
      throw std::runtime_error(
          prefix + ": cannot create directory: " + std::strerror(errno));
  }
  struct stat info;
  if (::stat(dir.c_str(), &info) != 0 || !S_ISDIR(info.st_mode))
    throw std::runtime_error(dir + ": not a directory");
}

/// Replaces characters unsafe in file names with '_'.
std::string sanitizeFileName(const std::string &name) {
  std::string result = name;
  for (char &c : result)
    if (!(std::isalnum((unsigned char)c) || c == '.' || c == '-' || c == '_'))
      c = '_';
  if (result.find_first_not_of('.') == std::string::npos)
    result = "_" + result; // "", "." and ".." are not file names
  return result;
}

void printOutput(Model &model, size_t index, const kiln_tensor_info &info) {
  size_t bytes = 0;
  const void *data = model.output(index, bytes);
  std::vector<int64_t> shape = model.outputShape(index);
  size_t count = bytes / kiln_dtype_size(info.dtype);
  std::printf("output %zu '%s': %s\n", index, info.name,
              describe(info.dtype, shape).c_str());
  std::printf("  values: %s\n",
              formatValues(info.dtype, data, count, 10).c_str());
  int64_t last = shape.empty() ? 0 : shape.back();
  // Row 0 exists only when the output has elements (an empty output, e.g. [3, 0, 5], has none).
  if (!isFloating(info.dtype) || last <= 1 || count < size_t(last))
    return;
  std::printf("  top-5 (row 0):");
  for (const auto &[i, value] : topK(info.dtype, data, size_t(last), 5))
    std::printf(" %zu=%.6g", i, value);
  std::printf("\n");
}

void writeOutputs(Model &model, const std::string &dir) {
  makeDirectories(dir);
  std::vector<kiln_tensor_info> outputs = model.outputs();
  for (size_t i = 0; i < outputs.size(); ++i) {
    onnx::Tensor tensor;
    tensor.name = outputs[i].name;
    tensor.dataType = int32_t(outputs[i].dtype);
    tensor.dims = model.outputShape(i);
    size_t bytes = 0;
    const uint8_t *data = static_cast<const uint8_t *>(model.output(i, bytes));
    tensor.data.assign(data, data + bytes);
    onnx::writeTensorFile(dir + "/" + sanitizeFileName(tensor.name) + ".pb",
                          tensor);
  }
}

void timeRuns(Model &model, int64_t repeat) {
  std::vector<double> ms;
  for (int64_t i = 0; i < repeat; ++i) {
    auto start = std::chrono::steady_clock::now();
    model.run();
    std::chrono::duration<double, std::milli> elapsed =
        std::chrono::steady_clock::now() - start;
    ms.push_back(elapsed.count());
  }
  std::sort(ms.begin(), ms.end());
  size_t mid = ms.size() / 2;
  double median = ms.size() % 2 ? ms[mid] : (ms[mid - 1] + ms[mid]) / 2;
  double mean = 0;
  for (double value : ms)
    mean += value / double(ms.size());
  std::printf("runs: %lld\nmedian_ms: %.3f\nmin_ms: %.3f\nmean_ms: %.3f\n",
              (long long)repeat, median, ms.front(), mean);
  // Peak resident memory of the whole process (runtime, weights, arena, kernels.so).
  struct rusage usage;
  if (getrusage(RUSAGE_SELF, &usage) == 0)
    std::printf("peak_rss_mb: %.1f\n", double(usage.ru_maxrss) / 1024.0);
}

/// The slowest steps and the time per kind of op, per run.
void printProfile(const Model &model, int64_t listed) {
  std::vector<kiln_step_info> steps = model.steps();
  if (steps.empty() || steps[0].runs == 0)
    return;
  double runs = double(steps[0].runs), total = 0;
  std::map<std::string, std::pair<double, int>> byOp;
  for (const kiln_step_info &s : steps) {
    total += s.total_ms / runs;
    auto &entry = byOp[s.op];
    entry.first += s.total_ms / runs;
    ++entry.second;
  }
  std::vector<size_t> order(steps.size());
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return steps[a].total_ms > steps[b].total_ms;
  });
  std::printf("profile: %zu steps, %.3f ms per run in kernels (mean of %llu runs)\n",
              steps.size(), total, (unsigned long long)steps[0].runs);
  std::printf("  %-6s %9s %6s  %-10s %-34s %s\n", "step", "ms", "%", "kernel", "op",
              "node");
  for (size_t k = 0; k < order.size() && int64_t(k) < listed; ++k) {
    const kiln_step_info &s = steps[order[k]];
    double ms = s.total_ms / runs;
    std::printf("  %-6zu %9.4f %5.1f%%  %-10s %-34s %s\n", order[k], ms,
                100 * ms / total, s.kernel, s.op, s.name);
  }
  std::vector<std::pair<std::string, std::pair<double, int>>> ops(byOp.begin(),
                                                                  byOp.end());
  std::sort(ops.begin(), ops.end(), [](const auto &a, const auto &b) {
    return a.second.first > b.second.first;
  });
  std::printf("  by op:\n");
  for (const auto &[op, entry] : ops)
    std::printf("    %9.4f ms %5.1f%%  %3d x %s\n", entry.first,
                100 * entry.first / total, entry.second, op.c_str());
}

int runTool(int argc, char **argv) {
  RunOptions options = parseRunOptions(argc, argv);
  if (options.help) {
    std::fputs(runUsage(), stdout);
    return 0;
  }
  Model model(options.artifact, options.threads, options.device);
  std::vector<kiln_tensor_info> inputs = model.inputs();
  std::vector<std::string> files = assignInputFiles(options.inputs, inputs);
  for (size_t i = 0; i < inputs.size(); ++i)
    model.setInput(i, loadInput(files[i], inputs[i], i, options.seed));

  int64_t warmup = options.warmup >= 0 ? options.warmup : options.repeat > 0;
  for (int64_t i = 0; i < warmup; ++i)
    model.run();
  if (options.profile)
    model.setProfiling(true);
  if (options.repeat > 0)
    timeRuns(model, options.repeat);
  else
    model.run();
  if (options.profile) {
    model.setProfiling(false);
    printProfile(model, options.profileSteps);
  }

  std::vector<kiln_tensor_info> outputs = model.outputs();
  for (size_t i = 0; i < outputs.size(); ++i)
    printOutput(model, i, outputs[i]);
  if (!options.outputDir.empty())
    writeOutputs(model, options.outputDir);
  return 0;
}

} // namespace
} // namespace kiln

int main(int argc, char **argv) {
  try {
    return kiln::runTool(argc, argv);
  } catch (const std::exception &e) {
    std::fprintf(stderr, "kiln-run: error: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "kiln-run: error: unknown failure\n");
  }
  return 1;
}
