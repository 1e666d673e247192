// RAII holders for the CPU device's host resources: mapped weights, the aligned
// arena, kernels.so.
#include "cpu/HostResources.h"

#include "kiln/parallel.h"
#include "src/Error.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <mutex>
#include <sys/mman.h>
#include <sys/stat.h>
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
    void *mapped = ::mmap(nullptr, expectedBytes, PROT_READ,
                          MAP_PRIVATE | MAP_POPULATE, fd, 0);
    if (mapped == MAP_FAILED) {
      std::string message = systemError(path, "cannot mmap");
      ::close(fd);
      throw Error(KILN_ERROR_IO, message);
    }
    data_ = static_cast<uint8_t *>(mapped);
    size_ = expectedBytes;
  }
  ::close(fd);
}

MappedFile::~MappedFile() {
  if (data_)
    ::munmap(data_, size_);
}

AlignedBuffer::AlignedBuffer(uint64_t bytes) {
  // aligned_alloc wants a non-zero multiple of the alignment.
  uint64_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
  if (rounded == 0)
    rounded = kAlignment;
  if (rounded < bytes || rounded > SIZE_MAX)
    throw Error(KILN_ERROR_OUT_OF_MEMORY,
                "arena of " + std::to_string(bytes) + " bytes is too large");
  data_ = static_cast<uint8_t *>(std::aligned_alloc(kAlignment, rounded));
  if (!data_)
    throw Error(KILN_ERROR_OUT_OF_MEMORY, "cannot allocate an arena of " +
                                              std::to_string(bytes) + " bytes");
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
