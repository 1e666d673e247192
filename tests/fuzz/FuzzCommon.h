// Helpers shared by the libFuzzer targets: a per-process scratch folder and file writes.
#ifndef KILN_TESTS_FUZZ_FUZZCOMMON_H
#define KILN_TESTS_FUZZ_FUZZCOMMON_H

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace kiln::fuzz {

/// A folder of this process under $TMPDIR (or /tmp), created on first use; targets write the
/// files their readers take (artifacts, databases) there. KILN_FUZZ_SCRATCH names a fixed folder
/// instead: paths reach error messages and libFuzzer's comparison tracing, so a repeatable run
/// (scripts/fuzz.sh with KILN_FUZZ_REPLAYABLE=1) needs the same path every time.
inline const std::string &scratchDir() {
  static const std::string dir = [] {
    if (const char *fixed = std::getenv("KILN_FUZZ_SCRATCH"); fixed && *fixed) {
      if (mkdir(fixed, 0700) != 0 && errno != EEXIST) {
        std::perror("kiln fuzz: mkdir KILN_FUZZ_SCRATCH");
        std::abort();
      }
      return std::string(fixed);
    }
    const char *tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/kiln-fuzz-XXXXXX";
    if (!mkdtemp(pattern.data())) {
      std::perror("kiln fuzz: mkdtemp");
      std::abort();
    }
    return pattern;
  }();
  return dir;
}

/// Writes `size` bytes to `path`, replacing it; aborts on an I/O error (a harness bug).
inline void writeFile(const std::string &path, const void *data, size_t size) {
  FILE *file = std::fopen(path.c_str(), "wb");
  if (!file || (size && std::fwrite(data, 1, size, file) != size) || std::fclose(file)) {
    std::perror(("kiln fuzz: writing " + path).c_str());
    std::abort();
  }
}

} // namespace kiln::fuzz

#endif
