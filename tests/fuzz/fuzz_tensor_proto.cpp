// libFuzzer target: ONNX TensorProto bytes through kiln-run's reader (runtime/tools/TensorProto).
// A malformed file must throw std::runtime_error naming it; a parsed tensor must be
// self-consistent and survive a write/read round trip.
#include "tools/TensorProto.h"

#include <cstdio>
#include <cstdlib>
#include <stdexcept>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  kiln::onnx::Tensor tensor;
  try {
    tensor = kiln::onnx::parseTensor(data, size, "fuzz.pb");
  } catch (const kiln::onnx::TensorProtoError &) {
    return 0;
  }
  std::string bytes = kiln::onnx::serializeTensor(tensor);
  kiln::onnx::Tensor again = kiln::onnx::parseTensor(
      reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size(), "round trip");
  if (again.dims != tensor.dims || again.dataType != tensor.dataType ||
      again.data != tensor.data) {
    std::fprintf(stderr, "kiln fuzz: TensorProto round trip changed the tensor\n");
    std::abort();
  }
  return 0;
}
