// Command-line options of kiln-run and their parser.
#include "tools/RunOptions.h"

#include <stdexcept>

namespace kiln {
namespace {

int64_t parseInteger(const std::string &flag, const std::string &text,
                     int64_t min, int64_t max) {
  size_t used = 0;
  int64_t value = 0;
  try {
    value = std::stoll(text, &used);
  } catch (const std::exception &) {
    used = 0;
  }
  if (used == 0 || used != text.size() || value < min || value > max)
    throw std::runtime_error(flag + " expects an integer in [" +
                             std::to_string(min) + ", " + std::to_string(max) +
                             "], got '" + text + "'");
  return value;
}

/// Walks argv, splitting "--flag=value" and fetching "--flag value".
class ArgCursor {
public:
  ArgCursor(int argc, char **argv) : args_(argv + 1, argv + argc) {}

  bool next(std::string &arg) {
    if (index_ >= args_.size())
      return false;
    arg = args_[index_++];
    inlineValue_.clear();
    hasInlineValue_ = false;
    size_t eq = arg.find('=');
    if (arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      inlineValue_ = arg.substr(eq + 1);
      hasInlineValue_ = true;
      arg = arg.substr(0, eq);
    }
    return true;
  }

  std::string value(const std::string &flag) {
    if (hasInlineValue_)
      return inlineValue_;
    if (index_ >= args_.size())
      throw std::runtime_error(flag + " needs a value");
    return args_[index_++];
  }

private:
  std::vector<std::string> args_;
  size_t index_ = 0;
  std::string inlineValue_;
  bool hasInlineValue_ = false;
};

} // namespace

const char *runUsage() {
  return "usage: kiln-run ARTIFACT [options]\n"
         "Runs a compiled Kiln artifact folder and prints its outputs.\n"
         "  --input [NAME=]FILE.pb  an ONNX TensorProto input, by name or by\n"
         "                          position (repeatable; missing inputs are\n"
         "                          random: floats in [-1,1], ints in [0,10))\n"
         "  --output-dir DIR        write each output as DIR/<name>.pb\n"
         "  --repeat N              time N runs; prints median_ms, min_ms, peak_rss_mb, "
         "mean_ms\n"
         "  --warmup W              untimed runs first (default 1 with "
         "--repeat)\n"
         "  --threads T             thread pool size (default: all CPUs)\n"
         "  --device N              GPU artifacts: run on device N (default 0)\n"
         "  --seed S                seed of random inputs (default 0)\n"
         "  --profile               time every kernel over the runs; prints the\n"
         "                          slowest steps and the time per kind of op\n"
         "  --profile-steps N       list the N slowest steps (default 20; implies "
         "--profile)\n"
         "  --help                  this text\n";
}

RunOptions parseRunOptions(int argc, char **argv) {
  RunOptions options;
  ArgCursor cursor(argc, argv);
  std::string arg;
  while (cursor.next(arg)) {
    if (arg == "--help" || arg == "-h")
      options.help = true;
    else if (arg == "--input")
      options.inputs.push_back(cursor.value(arg));
    else if (arg == "--output-dir")
      options.outputDir = cursor.value(arg);
    else if (arg == "--repeat")
      options.repeat = parseInteger(arg, cursor.value(arg), 1, 1000000000);
    else if (arg == "--warmup")
      options.warmup = parseInteger(arg, cursor.value(arg), 0, 1000000000);
    else if (arg == "--threads")
      options.threads = int(parseInteger(arg, cursor.value(arg), 1, 4096));
    else if (arg == "--device")
      options.device = int(parseInteger(arg, cursor.value(arg), 0, 1024));
    else if (arg == "--profile")
      options.profile = true;
    else if (arg == "--profile-steps") {
      options.profileSteps = parseInteger(arg, cursor.value(arg), 1, 1000000000);
      options.profile = true;
    }
    else if (arg == "--seed")
      options.seed =
          uint64_t(parseInteger(arg, cursor.value(arg), 0, INT64_MAX));
    else if (arg.rfind("-", 0) == 0 && arg.size() > 1)
      throw std::runtime_error("unknown option '" + arg + "' (see --help)");
    else if (options.artifact.empty())
      options.artifact = arg;
    else
      throw std::runtime_error("unexpected argument '" + arg +
                               "' (the artifact is already '" +
                               options.artifact + "')");
  }
  if (options.artifact.empty() && !options.help)
    throw std::runtime_error("missing ARTIFACT folder (see --help)");
  return options;
}

} // namespace kiln
