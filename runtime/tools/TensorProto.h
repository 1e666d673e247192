// A dependency-free reader/writer for ONNX TensorProto files (protobuf wire
// format by hand).
#ifndef KILN_RUNTIME_TOOLS_TENSORPROTO_H
#define KILN_RUNTIME_TOOLS_TENSORPROTO_H

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace kiln::onnx {

/// ONNX TensorProto.DataType codes this reader understands.
enum DataType : int32_t {
  kFloat = 1,
  kUint8 = 2,
  kInt8 = 3,
  kUint16 = 4,
  kInt16 = 5,
  kInt32 = 6,
  kInt64 = 7,
  kBool = 9,
  kFloat16 = 10,
  kDouble = 11,
  kUint32 = 12,
  kUint64 = 13,
};

/// Bytes per element of an ONNX data type, or 0 if unsupported here.
size_t dataTypeSize(int32_t dataType);

/// A dense tensor: name, type, shape, and little-endian element bytes.
struct Tensor {
  std::string name;
  int32_t dataType = kFloat;
  std::vector<int64_t> dims;
  std::vector<uint8_t> data; ///< product(dims) * dataTypeSize(dataType) bytes
};

/// Thrown for malformed, truncated or unsupported input; the message names
/// the file (or buffer label) and the problem.
class TensorProtoError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// Decodes a serialized TensorProto. Reads dims, data_type, name and
/// raw_data, falling back to float_data, int32_data, int64_data and
/// double_data. `label` names the source in errors.
Tensor parseTensor(const uint8_t *bytes, size_t size, const std::string &label);

/// Reads and decodes the TensorProto file at `path`.
Tensor readTensorFile(const std::string &path);

/// Encodes dims, data_type, name and raw_data as a TensorProto.
std::string serializeTensor(const Tensor &tensor);

/// Writes `tensor` to `path` as a TensorProto file.
void writeTensorFile(const std::string &path, const Tensor &tensor);

} // namespace kiln::onnx

#endif // KILN_RUNTIME_TOOLS_TENSORPROTO_H
