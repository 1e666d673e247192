//===- TensorImport.cpp - ONNX TensorProto (inline or external) → DenseElementsAttr -===//
#include "compiler/Import/ONNX/TensorImport.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cstring>

using namespace mlir;
using namespace kiln::importer;
using onnx::TensorProto;

Type kiln::importer::convertElementType(MLIRContext *ctx, int32_t dataType) {
  Builder b(ctx);
  switch (dataType) {
  case TensorProto::FLOAT:
    return b.getF32Type();
  case TensorProto::DOUBLE:
    return b.getF64Type();
  case TensorProto::FLOAT16:
    return b.getF16Type();
  case TensorProto::INT64:
    return b.getI64Type();
  case TensorProto::INT32:
    return b.getI32Type();
  case TensorProto::INT16:
    return b.getIntegerType(16);
  case TensorProto::INT8:
    return b.getI8Type();
  case TensorProto::BOOL:
    return b.getI1Type();
  case TensorProto::UINT8:
    return b.getIntegerType(8, /*isSigned=*/false);
  case TensorProto::UINT16:
    return b.getIntegerType(16, /*isSigned=*/false);
  case TensorProto::UINT32:
    return b.getIntegerType(32, /*isSigned=*/false);
  case TensorProto::UINT64:
    return b.getIntegerType(64, /*isSigned=*/false);
  default:
    return {};
  }
}

std::string kiln::importer::dataTypeName(int32_t dataType) {
  if (!TensorProto::DataType_IsValid(dataType))
    return "data type " + std::to_string(dataType);
  return llvm::StringRef(TensorProto::DataType_Name(dataType)).lower();
}

namespace {
/// Bytes per element in ONNX's little-endian raw layout (bool: one byte).
int64_t rawWidth(Type elementType) {
  return elementType.isInteger(1) ? 1 : elementType.getIntOrFloatBitWidth() / 8;
}

/// Appends the little-endian bytes of each value, truncated to `width` bytes.
template <typename T>
void appendValues(const google::protobuf::RepeatedField<T> &values, int64_t width,
                  std::string &bytes) {
  for (T v : values) {
    char buf[sizeof(T)];
    std::memcpy(buf, &v, sizeof(T));
    bytes.append(buf, width);
  }
}

/// Serializes the typed field of `t` (float_data, int32_data, ...) into raw layout.
LogicalResult typedFieldBytes(const TensorProto &t, int64_t width, std::string &bytes,
                              int64_t &count) {
  switch (t.data_type()) {
  case TensorProto::FLOAT:
    appendValues(t.float_data(), width, bytes);
    count = t.float_data_size();
    break;
  case TensorProto::DOUBLE:
    appendValues(t.double_data(), width, bytes);
    count = t.double_data_size();
    break;
  case TensorProto::INT64:
    appendValues(t.int64_data(), width, bytes);
    count = t.int64_data_size();
    break;
  case TensorProto::INT32:
  case TensorProto::INT16:
  case TensorProto::INT8:
  case TensorProto::UINT16:
  case TensorProto::UINT8:
  case TensorProto::FLOAT16: // int32_data holds the 16-bit patterns
    appendValues(t.int32_data(), width, bytes);
    count = t.int32_data_size();
    break;
  case TensorProto::UINT32:
  case TensorProto::UINT64:
    appendValues(t.uint64_data(), width, bytes);
    count = t.uint64_data_size();
    break;
  case TensorProto::BOOL:
    for (int32_t v : t.int32_data())
      bytes.push_back(v != 0);
    count = t.int32_data_size();
    break;
  default:
    return failure();
  }
  return success();
}

/// Reads `location` (relative to `modelDir`) from `offset` for `length` bytes into `bytes`.
LogicalResult readExternalData(const TensorProto &t, llvm::StringRef modelDir, std::string &bytes,
                               std::string &why) {
  std::string location;
  uint64_t offset = 0;
  std::optional<uint64_t> length;
  for (const auto &entry : t.external_data()) {
    llvm::StringRef key = entry.key(), value = entry.value();
    uint64_t n = 0;
    if (key == "location")
      location = value.str();
    else if ((key == "offset" || key == "length") && value.getAsInteger(10, n))
      return why = ("external data " + key + " '" + value + "' is not a number").str(), failure();
    else if (key == "offset")
      offset = n;
    else if (key == "length")
      length = n;
  }
  if (modelDir.empty())
    return why = "uses external data, which needs the model's folder (none given)", failure();
  if (location.empty())
    return why = "external data has no 'location'", failure();
  if (llvm::sys::path::is_absolute(location) || llvm::sys::path::has_root_name(location))
    return why = "external data location '" + location + "' is an absolute path", failure();
  int depth = 0; // folders below the model's folder, walking the path lexically
  for (llvm::StringRef part :
       llvm::make_range(llvm::sys::path::begin(location), llvm::sys::path::end(location))) {
    depth += part == ".." ? -1 : part == "." ? 0 : 1;
    if (depth < 0)
      return why = "external data location '" + location + "' leaves the model's folder", failure();
  }
  llvm::SmallString<256> path(modelDir);
  llvm::sys::path::append(path, location);
  uint64_t size = 0;
  if (std::error_code ec = llvm::sys::fs::file_size(path, size))
    return why = ("cannot open external data file '" + path + "': " + ec.message()).str(),
           failure();
  uint64_t want = length.value_or(offset <= size ? size - offset : 0);
  if (offset > size || want > size - offset)
    return why = ("external data file '" + path + "' has " + llvm::Twine(size) +
                  " bytes; the tensor needs bytes [" + llvm::Twine(offset) + ", " +
                  llvm::Twine(offset + want) + ")")
                     .str(),
           failure();
  auto buffer = llvm::MemoryBuffer::getFileSlice(path, want, offset, /*IsVolatile=*/false);
  if (!buffer)
    return why = ("cannot read external data file '" + path + "': " + buffer.getError().message())
                     .str(),
           failure();
  bytes.assign((*buffer)->getBufferStart(), (*buffer)->getBufferSize());
  return success();
}

/// Builds the attribute from bytes in ONNX raw layout (already checked to be complete).
DenseElementsAttr fromRawBytes(RankedTensorType type, llvm::StringRef data) {
  if (type.getNumElements() == 0)
    return DenseElementsAttr::get(type, llvm::ArrayRef<Attribute>{});
  if (type.getElementType().isInteger(1)) {
    SmallVector<bool> values;
    for (char c : data)
      values.push_back(c != 0);
    return DenseElementsAttr::get(type, llvm::ArrayRef<bool>(values));
  }
  return DenseElementsAttr::getFromRawBuffer(type, llvm::ArrayRef<char>(data.data(), data.size()));
}
} // namespace

FailureOr<DenseElementsAttr> kiln::importer::convertTensor(const TensorProto &tensor,
                                                           MLIRContext *ctx,
                                                           llvm::StringRef modelDir,
                                                           std::string &error) {
  auto fail = [&](const llvm::Twine &why) -> FailureOr<DenseElementsAttr> {
    error = ("tensor '" + tensor.name() + "': " + why).str();
    return failure();
  };
  Type elementType = convertElementType(ctx, tensor.data_type());
  if (!elementType)
    return fail("unsupported element type " + dataTypeName(tensor.data_type()));
  if (tensor.has_segment())
    return fail("segmented tensors are not supported");
  SmallVector<int64_t> shape;
  for (int64_t d : tensor.dims()) {
    if (d < 0)
      return fail("negative dim " + llvm::Twine(d));
    shape.push_back(d);
  }
  auto type = RankedTensorType::get(shape, elementType);
  int64_t width = rawWidth(elementType), numElements = type.getNumElements();

  std::string storage, why;
  llvm::StringRef data;
  if (tensor.data_location() == TensorProto::EXTERNAL) {
    if (failed(readExternalData(tensor, modelDir, storage, why)))
      return fail(why);
    data = storage;
  } else if (tensor.has_raw_data()) {
    data = tensor.raw_data();
  } else {
    int64_t count = 0;
    if (failed(typedFieldBytes(tensor, width, storage, count)))
      return fail("no data for element type " + dataTypeName(tensor.data_type()));
    if (count != numElements)
      return fail("has " + llvm::Twine(count) + " values for " + llvm::Twine(numElements) +
                  " elements");
    data = storage;
  }
  if ((int64_t)data.size() != numElements * width)
    return fail("has " + llvm::Twine(data.size()) + " bytes of data; its type " +
                dataTypeName(tensor.data_type()) + " × " + llvm::Twine(numElements) +
                " elements needs " + llvm::Twine(numElements * width));
  return fromRawBytes(type, data);
}
