// Loads libcuda.so.1 (the NVIDIA driver) at run time and resolves the functions the executor
// uses.
#include "cuda/CudaApi.h"

#include "src/Error.h"

#include <cstdlib>
#include <dlfcn.h>

namespace kiln::cuda {

Api::~Api() {
  if (library)
    dlclose(library);
}

void Api::load() {
  const char *override = std::getenv("KILN_CUDA_LIBRARY");
  std::string name = override && *override ? override : "libcuda.so.1";
  library = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    const char *why = dlerror();
    throw Error(KILN_ERROR_KERNEL_LOAD,
                "cannot load the CUDA driver " + name + " (" + (why ? why : "not found") +
                    "): a cuda artifact needs an NVIDIA GPU and its driver (libcuda.so.1 "
                    "comes with the driver, not with the CUDA toolkit); compile with "
                    "--target cpu or --target vulkan to run elsewhere");
  }
#define KILN_CUDA_RESOLVE(fn, symbol, type)                                                  \
  fn = reinterpret_cast<type>(dlsym(library, symbol));                                      \
  if (!fn)                                                                                  \
    throw Error(KILN_ERROR_KERNEL_LOAD, name + " is not a usable CUDA driver: it has no " symbol);
  KILN_CUDA_FUNCTIONS(KILN_CUDA_RESOLVE)
#undef KILN_CUDA_RESOLVE
}

std::string Api::describe(CUresult result) const {
  const char *symbol = nullptr, *text = nullptr;
  if (cuGetErrorName && cuGetErrorName(result, &symbol) != CUDA_SUCCESS)
    symbol = nullptr;
  if (cuGetErrorString && cuGetErrorString(result, &text) != CUDA_SUCCESS)
    text = nullptr;
  if (!symbol) // the toolkit's stub driver answers cuGetErrorName with an error too
    switch (result) {
    case CUDA_ERROR_OUT_OF_MEMORY:
      symbol = "CUDA_ERROR_OUT_OF_MEMORY";
      break;
    case CUDA_ERROR_STUB_LIBRARY:
      symbol = "CUDA_ERROR_STUB_LIBRARY";
      text = "the CUDA toolkit's stub libcuda, not a driver";
      break;
    case CUDA_ERROR_INSUFFICIENT_DRIVER:
      symbol = "CUDA_ERROR_INSUFFICIENT_DRIVER";
      break;
    case CUDA_ERROR_NO_DEVICE:
      symbol = "CUDA_ERROR_NO_DEVICE";
      break;
    case CUDA_ERROR_UNSUPPORTED_PTX_VERSION:
      symbol = "CUDA_ERROR_UNSUPPORTED_PTX_VERSION";
      break;
    default:
      break;
    }
  std::string out = symbol ? symbol : "CUresult " + std::to_string(result);
  if (text)
    out += std::string(" (") + text + ")";
  return out;
}

void Api::check(CUresult result, const std::string &what, int status) const {
  if (result == CUDA_SUCCESS)
    return;
  kiln_status code =
      result == CUDA_ERROR_OUT_OF_MEMORY ? KILN_ERROR_OUT_OF_MEMORY : kiln_status(status);
  throw Error(code, "CUDA: " + what + " failed: " + describe(result));
}

} // namespace kiln::cuda
