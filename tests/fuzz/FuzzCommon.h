// Helpers shared by the libFuzzer targets: a per-process scratch folder and file writes.
#ifndef KILN_TESTS_FUZZ_FUZZCOMMON_H
#define KILN_TESTS_FUZZ_FUZZCOMMON_H

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

namespace kiln::fuzz {

/// A folder of this process under $TMPDIR (or /tmp), created on first use; targets write the
/// files their readers take (artifacts, databases) there.
inline const std::string &scratchDir() {
  static const std::string dir = [] {
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
