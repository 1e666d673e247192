// A dependency-free reader/writer for ONNX TensorProto files (protobuf wire
// format by hand).
#include "tools/TensorProto.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "TensorProto data is little-endian; so must the host be");

namespace kiln::onnx {
namespace {

enum WireType { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

enum Field {
  kDimsField = 1,
  kDataTypeField = 2,
  kFloatDataField = 4,
  kInt32DataField = 5,
  kInt64DataField = 7,
  kNameField = 8,
  kRawDataField = 9,
  kDoubleDataField = 10,
  kUint64DataField = 11,
  kDataLocationField = 14,
};

/// A bounds-checked cursor over protobuf wire-format bytes.
class WireReader {
public:
  WireReader(const uint8_t *begin, const uint8_t *end, const uint8_t *origin,
             const std::string &label)
      : pos_(begin), end_(end), origin_(origin), label_(label) {}

  bool done() const { return pos_ == end_; }

  [[noreturn]] void fail(const std::string &what) const {
    throw TensorProtoError(label_ + ": malformed TensorProto: " + what +
                           " at byte " + std::to_string(pos_ - origin_));
  }

  uint64_t varint() {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ == end_)
        fail("truncated varint");
      uint8_t byte = *pos_++;
      value |= uint64_t(byte & 0x7f) << shift;
      if (!(byte & 0x80))
        return value;
    }
    fail("varint longer than 10 bytes");
  }

  template <typename T> T fixed() {
    if (size_t(end_ - pos_) < sizeof(T))
      fail("truncated fixed-size value");
    T value;
    std::memcpy(&value, pos_, sizeof(T));
    pos_ += sizeof(T);
    return value;
  }

  /// The payload of a length-delimited field, as a reader of its own.
  WireReader bytes() {
    uint64_t length = varint();
    if (length > uint64_t(end_ - pos_))
      fail("length " + std::to_string(length) + " runs past the end");
    WireReader inner(pos_, pos_ + length, origin_, label_);
    pos_ += length;
    return inner;
  }

  std::string str() const { return std::string(pos_, end_); }
  const uint8_t *begin() const { return pos_; }
  const uint8_t *end() const { return end_; }

  void skip(uint32_t wireType) {
    switch (wireType) {
    case kVarint:
      (void)varint();
      return;
    case kFixed64:
      (void)fixed<uint64_t>();
      return;
    case kLengthDelimited:
      (void)bytes();
      return;
    case kFixed32:
      (void)fixed<uint32_t>();
      return;
    default:
      fail("unsupported wire type " + std::to_string(wireType));
    }
  }

private:
  const uint8_t *pos_;
  const uint8_t *end_;
  const uint8_t *origin_;
  const std::string &label_;
};

/// Reads one element of a repeated scalar field, packed or not.
template <typename Fn>
void readRepeated(WireReader &reader, uint32_t wireType, uint32_t scalarType,
                  uint32_t field, Fn &&readOne) {
  if (wireType == kLengthDelimited) {
    WireReader packed = reader.bytes();
    while (!packed.done())
      readOne(packed);
  } else if (wireType == scalarType) {
    readOne(reader);
  } else {
    reader.fail("field " + std::to_string(field) + " has wire type " +
                std::to_string(wireType));
  }
}

/// The typed fallback arrays of a TensorProto (used when raw_data is absent).
struct TypedData {
  std::vector<uint32_t> floats; ///< float_data, as bits
  std::vector<int64_t> int32s;  ///< int32_data (also 8/16-bit types, float16)
  std::vector<int64_t> int64s;
  std::vector<uint64_t> doubles; ///< double_data, as bits
  std::vector<int64_t> uint64s;  ///< uint64_data (uint32, uint64)
  bool hasRaw = false;
};

void readField(WireReader &reader, uint32_t field, uint32_t wireType,
               Tensor &tensor, TypedData &typed) {
  auto varintTo = [](std::vector<int64_t> &out) {
    return
        [list = &out](WireReader &r) { list->push_back(int64_t(r.varint())); };
  };
  switch (field) {
  case kDimsField:
    return readRepeated(reader, wireType, kVarint, field,
                        varintTo(tensor.dims));
  case kDataTypeField:
    if (wireType != kVarint)
      reader.fail("data_type is not a varint");
    tensor.dataType = int32_t(reader.varint());
    return;
  case kNameField:
    if (wireType != kLengthDelimited)
      reader.fail("name is not length-delimited");
    tensor.name = reader.bytes().str();
    return;
  case kRawDataField: {
    if (wireType != kLengthDelimited)
      reader.fail("raw_data is not length-delimited");
    WireReader raw = reader.bytes();
    tensor.data.assign(raw.begin(), raw.end());
    typed.hasRaw = true;
    return;
  }
  case kFloatDataField:
    return readRepeated(reader, wireType, kFixed32, field, [&](WireReader &r) {
      typed.floats.push_back(r.fixed<uint32_t>());
    });
  case kInt32DataField:
    return readRepeated(reader, wireType, kVarint, field,
                        varintTo(typed.int32s));
  case kInt64DataField:
    return readRepeated(reader, wireType, kVarint, field,
                        varintTo(typed.int64s));
  case kUint64DataField:
    return readRepeated(reader, wireType, kVarint, field,
                        varintTo(typed.uint64s));
  case kDoubleDataField:
    return readRepeated(reader, wireType, kFixed64, field, [&](WireReader &r) {
      typed.doubles.push_back(r.fixed<uint64_t>());
    });
  case kDataLocationField:
    if (wireType != kVarint)
      return reader.skip(wireType);
    if (reader.varint() != 0)
      reader.fail("external data is not supported");
    return;
  default:
    reader.skip(wireType);
  }
}

/// Stores the low `size` bytes of each value, little-endian.
template <typename T>
void narrowInto(const std::vector<T> &values, size_t size,
                std::vector<uint8_t> &out) {
  out.resize(values.size() * size);
  for (size_t i = 0; i < values.size(); ++i)
    std::memcpy(out.data() + i * size, &values[i], size);
}

void fillFromTypedData(Tensor &tensor, const TypedData &typed) {
  size_t size = dataTypeSize(tensor.dataType);
  switch (tensor.dataType) {
  case kFloat:
    return narrowInto(typed.floats, size, tensor.data);
  case kDouble:
    return narrowInto(typed.doubles, size, tensor.data);
  case kInt64:
    return narrowInto(typed.int64s, size, tensor.data);
  case kUint32:
  case kUint64:
    return narrowInto(typed.uint64s, size, tensor.data);
  default:
    return narrowInto(typed.int32s, size, tensor.data);
  }
}

/// product(dims) * elementSize, or a failure for negative or huge dims.
uint64_t expectedBytes(const Tensor &tensor, const std::string &label) {
  uint64_t total = dataTypeSize(tensor.dataType);
  for (int64_t dim : tensor.dims) {
    if (dim < 0 || (dim != 0 && total > (uint64_t(1) << 62) / uint64_t(dim)))
      throw TensorProtoError(label + ": invalid dimension " +
                             std::to_string(dim));
    total *= uint64_t(dim);
  }
  return total;
}

void checkTensor(const Tensor &tensor, const std::string &label) {
  if (dataTypeSize(tensor.dataType) == 0)
    throw TensorProtoError(label + ": unsupported data_type " +
                           std::to_string(tensor.dataType));
  uint64_t expected = expectedBytes(tensor, label);
  if (tensor.data.size() != expected)
    throw TensorProtoError(
        label + ": tensor data has " + std::to_string(tensor.data.size()) +
        " bytes but its dims and data_type need " + std::to_string(expected));
}

void putVarint(std::string &out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(char(value | 0x80));
    value >>= 7;
  }
  out.push_back(char(value));
}

void putTag(std::string &out, uint32_t field, uint32_t wireType) {
  putVarint(out, (uint64_t(field) << 3) | wireType);
}

} // namespace

size_t dataTypeSize(int32_t dataType) {
  switch (dataType) {
  case kUint8:
  case kInt8:
  case kBool:
    return 1;
  case kInt16:
  case kUint16:
  case kFloat16:
    return 2;
  case kFloat:
  case kInt32:
  case kUint32:
    return 4;
  case kInt64:
  case kUint64:
  case kDouble:
    return 8;
  default:
    return 0;
  }
}

Tensor parseTensor(const uint8_t *bytes, size_t size,
                   const std::string &label) {
  Tensor tensor;
  tensor.dataType = 0;
  TypedData typed;
  WireReader reader(bytes, bytes + size, bytes, label);
  while (!reader.done()) {
    uint64_t tag = reader.varint();
    uint32_t field = uint32_t(tag >> 3);
    if (field == 0 || (tag >> 3) > 0x1fffffff)
      reader.fail("invalid field number");
    readField(reader, field, uint32_t(tag & 7), tensor, typed);
  }
  if (tensor.dataType == 0)
    throw TensorProtoError(label + ": TensorProto has no data_type");
  if (!typed.hasRaw && dataTypeSize(tensor.dataType) != 0)
    fillFromTypedData(tensor, typed);
  checkTensor(tensor, label);
  return tensor;
}

Tensor readTensorFile(const std::string &path) {
  std::ifstream file(path, std::ios::binary);
  if (!file)
    throw TensorProtoError(path + ": cannot open: " + std::strerror(errno));
  std::ostringstream buffer;
  buffer << file.rdbuf();
  if (file.bad())
    throw TensorProtoError(path + ": read failed");
  std::string text = buffer.str();
  return parseTensor(reinterpret_cast<const uint8_t *>(text.data()),
                     text.size(), path);
}

std::string serializeTensor(const Tensor &tensor) {
  checkTensor(tensor, "tensor '" + tensor.name + "'");
  std::string out;
  for (int64_t dim : tensor.dims) {
    putTag(out, kDimsField, kVarint);
    putVarint(out, uint64_t(dim));
  }
  putTag(out, kDataTypeField, kVarint);
  putVarint(out, uint64_t(tensor.dataType));
  if (!tensor.name.empty()) {
    putTag(out, kNameField, kLengthDelimited);
    putVarint(out, tensor.name.size());
    out += tensor.name;
  }
  putTag(out, kRawDataField, kLengthDelimited);
  putVarint(out, tensor.data.size());
  out.append(tensor.data.begin(), tensor.data.end());
  return out;
}

void writeTensorFile(const std::string &path, const Tensor &tensor) {
  std::string bytes = serializeTensor(tensor);
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file)
    throw TensorProtoError(path + ": cannot create: " + std::strerror(errno));
  file.write(bytes.data(), std::streamsize(bytes.size()));
  file.close();
  if (!file)
    throw TensorProtoError(path + ": write failed");
}

} // namespace kiln::onnx
