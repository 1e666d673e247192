// RAII holders for the CPU device's host resources: mapped weights, the aligned
// arena, kernels.so.
#include "cpu/HostResources.h"

#include "kiln/parallel.h"
#include "src/Error.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <iterator>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <mutex>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <unistd.h>

namespace kiln {
namespace {

std::string systemError(const std::string &path, const char *what) {
  return path + ": " + what + ": " + std::strerror(errno);
}

/// Re-opens libkiln_runtime with RTLD_GLOBAL (once). A no-op when the
/// executable links the runtime, whose symbols are then global already.
void makeRuntimeSymbolsGlobal() {
  static std::once_flag once;
  std::call_once(once, [] {
    Dl_info info;
    if (dladdr(reinterpret_cast<void *>(&kiln_parallel_for), &info) &&
        info.dli_fname)
      (void)dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_GLOBAL);
  });
}

/// Offset of the weights from the page their mapping starts at (one cache line).
constexpr uint64_t kWeightsSkew = 64;

/// Reads all of `fd` into `out` (`bytes` long); false on a read error or a short file.
bool readAll(int fd, uint8_t *out, uint64_t bytes) {
  for (uint64_t done = 0; done < bytes;) {
    ssize_t n = ::read(fd, out + done, std::min<uint64_t>(bytes - done, 1u << 30));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    done += uint64_t(n);
  }
  return true;
}

} // namespace

MappedFile::MappedFile(const std::string &path, uint64_t expectedBytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    throw Error(KILN_ERROR_IO, systemError(path, "cannot open"));
  struct stat info;
  if (::fstat(fd, &info) != 0) {
    std::string message = systemError(path, "cannot stat");
    ::close(fd);
    throw Error(KILN_ERROR_IO, message);
  }
  if (uint64_t(info.st_size) != expectedBytes) {
    ::close(fd);
    throw Error(KILN_ERROR_INVALID_ARTIFACT,
                path + ": size is " + std::to_string(info.st_size) +
                    " bytes but the manifest's weights_bytes is " +
                    std::to_string(expectedBytes));
  }
  if (expectedBytes > 0) {
    // Read into anonymous memory, starting one cache line past a page boundary: with weight
    // rows a multiple of 4 KiB long, page-aligned weights made a 64x1024x1024 GEMM 35%
    // slower (Zen 3 VM: 3.60 vs 2.55-2.73 ms for the same kernel and data; loads of B and the
    // arena's page-aligned tiles alias in the low 12 address bits). Read-only once loaded.
    void *mapped = ::mmap(nullptr, expectedBytes + kWeightsSkew, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapped == MAP_FAILED) {
      std::string message = systemError(path, "cannot allocate memory for");
      ::close(fd);
      throw Error(KILN_ERROR_OUT_OF_MEMORY, message);
    }
    if (!readAll(fd, static_cast<uint8_t *>(mapped) + kWeightsSkew, expectedBytes)) {
      std::string message = systemError(path, "cannot read");
      ::munmap(mapped, expectedBytes + kWeightsSkew);
      ::close(fd);
      throw Error(KILN_ERROR_IO, message);
    }
    (void)::mprotect(mapped, expectedBytes + kWeightsSkew, PROT_READ);
    data_ = static_cast<uint8_t *>(mapped) + kWeightsSkew;
    size_ = expectedBytes;
  }
  ::close(fd);
}

MappedFile::~MappedFile() {
  if (data_)
    ::munmap(data_ - kWeightsSkew, size_ + kWeightsSkew);
}

namespace {
/// `bytes` for people: "512 B", "3.2 GiB", "8.0 TiB".
std::string formatBytes(uint64_t bytes) {
  static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double value = double(bytes);
  size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(units)) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof(text), unit ? "%.1f %s" : "%.0f %s", value, units[unit]);
  return text;
}

/// The memory this process can still touch: the kernel's estimate of available memory
/// (MemAvailable: free plus reclaimable caches) plus free swap, from /proc/meminfo; else all of
/// physical memory plus swap. Beyond it the run would swap for minutes or be killed
/// (overcommit lets the allocation itself succeed), so larger arenas are refused at once.
uint64_t memoryLimit() {
  uint64_t available = 0, swapFree = 0;
  bool haveAvailable = false, haveSwap = false;
  if (FILE *meminfo = std::fopen("/proc/meminfo", "r")) {
    char line[256];
    while (std::fgets(line, sizeof(line), meminfo)) {
      unsigned long long kib = 0;
      if (std::sscanf(line, "MemAvailable: %llu kB", &kib) == 1)
        available = kib * 1024, haveAvailable = true;
      else if (std::sscanf(line, "SwapFree: %llu kB", &kib) == 1)
        swapFree = kib * 1024, haveSwap = true;
    }
    std::fclose(meminfo);
  }
  if (haveAvailable && haveSwap)
    return available + swapFree;
  struct sysinfo info;
  if (::sysinfo(&info) != 0)
    return UINT64_MAX;
  return (uint64_t(info.totalram) + uint64_t(info.totalswap)) * info.mem_unit;
}
} // namespace

AlignedBuffer::AlignedBuffer(uint64_t bytes) {
  // aligned_alloc wants a non-zero multiple of the alignment.
  uint64_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
  if (rounded == 0)
    rounded = kAlignment;
  uint64_t limit = memoryLimit();
  if (rounded < bytes || rounded > SIZE_MAX || rounded > limit)
    throw Error(KILN_ERROR_OUT_OF_MEMORY,
                "the intermediate values need " + formatBytes(bytes) + " (" +
                    std::to_string(bytes) + " bytes); this machine has " +
                    formatBytes(limit) + " of memory and swap available");
  data_ = static_cast<uint8_t *>(std::aligned_alloc(kAlignment, rounded));
  size_ = bytes;
  if (!data_)
    throw Error(KILN_ERROR_OUT_OF_MEMORY, "cannot allocate " + formatBytes(bytes) + " (" +
                                              std::to_string(bytes) +
                                              " bytes) for the intermediate values");
  std::memset(data_, 0, rounded);
}

AlignedBuffer::~AlignedBuffer() { std::free(data_); }

SharedLibrary::SharedLibrary(const std::string &path) {
  struct stat info;
  if (::stat(path.c_str(), &info) != 0)
    throw Error(KILN_ERROR_IO, systemError(path, "cannot find the kernel "
                                                 "library"));
  makeRuntimeSymbolsGlobal();
  handle_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle_) {
    const char *reason = dlerror();
    throw Error(KILN_ERROR_KERNEL_LOAD,
                path + ": cannot load: " + (reason ? reason : "unknown error"));
  }
}

SharedLibrary::~SharedLibrary() {
  if (handle_)
    dlclose(handle_);
}

void *SharedLibrary::symbol(const std::string &name) const {
  (void)dlerror();
  return dlsym(handle_, name.c_str());
}

} // namespace kiln
