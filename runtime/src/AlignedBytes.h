// Host byte buffers aligned to a cache line, as the arena is: kernels may read inputs in place.
#ifndef KILN_RUNTIME_SRC_ALIGNEDBYTES_H
#define KILN_RUNTIME_SRC_ALIGNEDBYTES_H

#include <cstddef>
#include <cstdint>
#include <new>
#include <vector>

namespace kiln {

/// std::allocator with 64-byte alignment.
template <class T> struct CacheLineAllocator {
  using value_type = T;
  static constexpr std::align_val_t kAlignment{64};

  CacheLineAllocator() = default;
  template <class U> CacheLineAllocator(const CacheLineAllocator<U> &) {}

  T *allocate(size_t n) { return static_cast<T *>(::operator new(n * sizeof(T), kAlignment)); }
  void deallocate(T *p, size_t) { ::operator delete(p, kAlignment); }

  template <class U> bool operator==(const CacheLineAllocator<U> &) const { return true; }
  template <class U> bool operator!=(const CacheLineAllocator<U> &) const { return false; }
};

using AlignedBytes = std::vector<uint8_t, CacheLineAllocator<uint8_t>>;

} // namespace kiln

#endif
