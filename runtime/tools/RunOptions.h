// Command-line options of kiln-run and their parser.
#ifndef KILN_RUNTIME_TOOLS_RUNOPTIONS_H
#define KILN_RUNTIME_TOOLS_RUNOPTIONS_H

#include <cstdint>
#include <string>
#include <vector>

namespace kiln {

/// What kiln-run was asked to do.
struct RunOptions {
  std::string artifact;
  std::vector<std::string> inputs; ///< "NAME=FILE.pb" or "FILE.pb"
  std::string outputDir;           ///< empty: write no files
  int64_t repeat = 0;              ///< timed runs; 0: one untimed run
  int64_t warmup = -1;             ///< -1: 1 when timing, else 0
  int threads = 0;                 ///< 0: the runtime's default
  int device = 0;                  ///< GPU artifacts: the device index
  uint64_t seed = 0;               ///< seed of random inputs
  bool profile = false;            ///< per-step times of the (timed) runs
  int64_t profileSteps = 20;       ///< slowest steps listed by --profile
  bool help = false;
};

/// The --help text.
const char *runUsage();

/// Parses argv (flags as "--flag value" or "--flag=value"). Throws
/// std::runtime_error with a one-line message on bad usage.
RunOptions parseRunOptions(int argc, char **argv);

} // namespace kiln

#endif // KILN_RUNTIME_TOOLS_RUNOPTIONS_H
