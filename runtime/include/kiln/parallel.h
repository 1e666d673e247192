/* Kiln thread pool entry points; compiled kernels.so files import
 * kiln_parallel_for. */
#ifndef KILN_PARALLEL_H
#define KILN_PARALLEL_H

#include <stdint.h>

#if defined(_WIN32)
#define KILN_EXPORT
#else
/// Marks a symbol exported from libkiln_runtime (everything else is hidden).
#define KILN_EXPORT __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/// Body of a parallel loop: handles the indices [begin, end).
typedef void (*kiln_parallel_fn)(void *ctx, int64_t begin, int64_t end);

/// Calls `fn(ctx, begin, end)` over contiguous chunks that cover [0, n)
/// exactly once, on the runtime's thread pool; the calling thread takes part
/// and the call returns when every chunk is done. Runs inline when n <= 1,
/// when the pool has one thread, when called from inside a parallel loop, or
/// when another thread is already using the pool. n <= 0 does nothing.
KILN_EXPORT void kiln_parallel_for(kiln_parallel_fn fn, void *ctx, int64_t n);

/// Sets the pool size, the calling thread included (1 = no worker threads,
/// everything runs inline; <= 0 = one per hardware thread). Process-wide.
KILN_EXPORT void kiln_set_num_threads(int num_threads);

/// The pool size set by kiln_set_num_threads (or the default).
KILN_EXPORT int kiln_get_num_threads(void);

#ifdef __cplusplus
} // extern "C"
#endif

#endif // KILN_PARALLEL_H
