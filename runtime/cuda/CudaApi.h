// The CUDA driver functions the executor uses, loaded from libcuda.so.1 with dlopen: the
// runtime has no build-time or link-time CUDA dependency. The few types and constants below
// are the driver API's stable ABI (cuda.h), declared here so that no CUDA toolkit is needed to
// build the runtime.
#ifndef KILN_RUNTIME_CUDA_CUDAAPI_H
#define KILN_RUNTIME_CUDA_CUDAAPI_H

#include <cstddef>
#include <cstdint>
#include <string>

namespace kiln::cuda {

using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using CUcontext = struct CUctx_st *;
using CUmodule = struct CUmod_st *;
using CUfunction = struct CUfunc_st *;
using CUstream = struct CUstream_st *;
using CUevent = struct CUevent_st *;

constexpr CUresult CUDA_SUCCESS = 0;
constexpr CUresult CUDA_ERROR_OUT_OF_MEMORY = 2;
constexpr CUresult CUDA_ERROR_STUB_LIBRARY = 34;
constexpr CUresult CUDA_ERROR_INSUFFICIENT_DRIVER = 35;
constexpr CUresult CUDA_ERROR_NO_DEVICE = 100;
constexpr CUresult CUDA_ERROR_UNSUPPORTED_PTX_VERSION = 222;

constexpr int CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK = 1;
constexpr int CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X = 2; // Y = 3, Z = 4
constexpr int CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X = 5;  // Y = 6, Z = 7
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
constexpr int CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK = 0;
constexpr int CU_JIT_ERROR_LOG_BUFFER = 5;
constexpr int CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6;

// name, symbol in libcuda.so.1 (cuda.h maps several names to their _v2 versions), signature.
#define KILN_CUDA_FUNCTIONS(X)                                                              \
  X(cuInit, "cuInit", CUresult (*)(unsigned))                                               \
  X(cuGetErrorName, "cuGetErrorName", CUresult (*)(CUresult, const char **))                \
  X(cuGetErrorString, "cuGetErrorString", CUresult (*)(CUresult, const char **))            \
  X(cuDeviceGetCount, "cuDeviceGetCount", CUresult (*)(int *))                              \
  X(cuDeviceGet, "cuDeviceGet", CUresult (*)(CUdevice *, int))                              \
  X(cuDeviceGetName, "cuDeviceGetName", CUresult (*)(char *, int, CUdevice))                \
  X(cuDeviceGetAttribute, "cuDeviceGetAttribute", CUresult (*)(int *, int, CUdevice))       \
  X(cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain", CUresult (*)(CUcontext *, CUdevice)) \
  X(cuDevicePrimaryCtxRelease, "cuDevicePrimaryCtxRelease_v2", CUresult (*)(CUdevice))      \
  X(cuCtxSetCurrent, "cuCtxSetCurrent", CUresult (*)(CUcontext))                            \
  X(cuModuleLoadDataEx, "cuModuleLoadDataEx",                                               \
    CUresult (*)(CUmodule *, const void *, unsigned, int *, void **))                       \
  X(cuModuleUnload, "cuModuleUnload", CUresult (*)(CUmodule))                               \
  X(cuModuleGetFunction, "cuModuleGetFunction",                                             \
    CUresult (*)(CUfunction *, CUmodule, const char *))                                     \
  X(cuFuncGetAttribute, "cuFuncGetAttribute", CUresult (*)(int *, int, CUfunction))         \
  X(cuMemAlloc, "cuMemAlloc_v2", CUresult (*)(CUdeviceptr *, size_t))                       \
  X(cuMemFree, "cuMemFree_v2", CUresult (*)(CUdeviceptr))                                   \
  X(cuMemsetD8Async, "cuMemsetD8Async",                                                     \
    CUresult (*)(CUdeviceptr, unsigned char, size_t, CUstream))                             \
  X(cuMemcpyHtoDAsync, "cuMemcpyHtoDAsync_v2",                                              \
    CUresult (*)(CUdeviceptr, const void *, size_t, CUstream))                              \
  X(cuMemcpyDtoHAsync, "cuMemcpyDtoHAsync_v2",                                              \
    CUresult (*)(void *, CUdeviceptr, size_t, CUstream))                                    \
  X(cuStreamCreate, "cuStreamCreate", CUresult (*)(CUstream *, unsigned))                   \
  X(cuStreamDestroy, "cuStreamDestroy_v2", CUresult (*)(CUstream))                          \
  X(cuStreamSynchronize, "cuStreamSynchronize", CUresult (*)(CUstream))                     \
  X(cuLaunchKernel, "cuLaunchKernel",                                                       \
    CUresult (*)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned,    \
                 unsigned, CUstream, void **, void **))                                     \
  X(cuEventCreate, "cuEventCreate", CUresult (*)(CUevent *, unsigned))                      \
  X(cuEventDestroy, "cuEventDestroy_v2", CUresult (*)(CUevent))                             \
  X(cuEventRecord, "cuEventRecord", CUresult (*)(CUevent, CUstream))                        \
  X(cuEventElapsedTime, "cuEventElapsedTime", CUresult (*)(float *, CUevent, CUevent))

#define KILN_CUDA_DECLARE(name, symbol, type)                                                \
  using name##Fn = type;                                                                    \
  name##Fn name = nullptr;

/// The driver library and the functions resolved from it.
struct Api {
  void *library = nullptr;
  KILN_CUDA_FUNCTIONS(KILN_CUDA_DECLARE)

  Api() = default;
  Api(const Api &) = delete;
  Api &operator=(const Api &) = delete;
  ~Api();

  /// dlopens libcuda.so.1 (or $KILN_CUDA_LIBRARY) and resolves every function; throws
  /// kiln::Error (KILN_ERROR_KERNEL_LOAD) saying what to install when the driver is missing.
  void load();

  /// "CUDA_ERROR_...: text" for a result code.
  std::string describe(CUresult result) const;

  /// Throws kiln::Error naming `what` and the result when `result` is not CUDA_SUCCESS
  /// (KILN_ERROR_OUT_OF_MEMORY for an out-of-memory, else `status`).
  void check(CUresult result, const std::string &what, int status) const;
};

} // namespace kiln::cuda

#endif // KILN_RUNTIME_CUDA_CUDAAPI_H
