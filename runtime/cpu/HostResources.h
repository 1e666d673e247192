// RAII holders for the CPU device's host resources: mapped weights, the aligned
// arena, kernels.so.
#ifndef KILN_RUNTIME_CPU_HOSTRESOURCES_H
#define KILN_RUNTIME_CPU_HOSTRESOURCES_H

#include <cstddef>
#include <cstdint>
#include <string>

namespace kiln {

/// A read-only memory mapping of a whole file (page aligned, so 64-byte
/// aligned).
class MappedFile {
public:
  /// Maps `path`, whose size must be exactly `expectedBytes`.
  MappedFile(const std::string &path, uint64_t expectedBytes);
  ~MappedFile();
  MappedFile(const MappedFile &) = delete;
  MappedFile &operator=(const MappedFile &) = delete;

  /// The mapped bytes; nullptr for an empty file.
  const uint8_t *data() const { return data_; }

private:
  uint8_t *data_ = nullptr;
  size_t size_ = 0;
};

/// Zero-initialized heap memory aligned to 64 bytes.
class AlignedBuffer {
public:
  static constexpr size_t kAlignment = 64;

  explicit AlignedBuffer(uint64_t bytes);
  ~AlignedBuffer();
  AlignedBuffer(const AlignedBuffer &) = delete;
  AlignedBuffer &operator=(const AlignedBuffer &) = delete;

  uint8_t *data() const { return data_; }
  uint64_t size() const { return size_; }

private:
  uint8_t *data_ = nullptr;
  uint64_t size_ = 0;
};

/// A shared library opened with RTLD_NOW | RTLD_LOCAL.
class SharedLibrary {
public:
  /// Opens `path`. First makes libkiln_runtime's own symbols global, so that
  /// the library can import kiln_parallel_for even when the runtime itself
  /// was dlopen'ed with RTLD_LOCAL.
  explicit SharedLibrary(const std::string &path);
  ~SharedLibrary();
  SharedLibrary(const SharedLibrary &) = delete;
  SharedLibrary &operator=(const SharedLibrary &) = delete;

  /// The address of `name`, or nullptr if the library does not define it.
  void *symbol(const std::string &name) const;

private:
  void *handle_ = nullptr;
};

} // namespace kiln

#endif // KILN_RUNTIME_CPU_HOSTRESOURCES_H
