// Tests of the hand-written ONNX TensorProto reader/writer on real,
// hand-encoded and broken files.
#include "TestArtifact.h"
#include "tools/Half.h"
#include "tools/TensorProto.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

using namespace kiln::onnx;

namespace {

const std::string kTestdata = KILN_SHARED_TESTDATA;

std::string readBytes(const std::string &path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

Tensor parse(const std::string &bytes) {
  return parseTensor(reinterpret_cast<const uint8_t *>(bytes.data()),
                     bytes.size(), "buffer");
}

/// Minimal protobuf encoding helpers for hand-made TensorProtos.
std::string varint(uint64_t value) {
  std::string out;
  for (; value >= 0x80; value >>= 7)
    out.push_back(char(value | 0x80));
  out.push_back(char(value));
  return out;
}
std::string tag(int field, int wireType) {
  return varint(uint64_t(field) << 3 | uint64_t(wireType));
}
std::string lengthDelimited(int field, const std::string &payload) {
  return tag(field, 2) + varint(payload.size()) + payload;
}
template <typename T> std::string fixed(T value) {
  return std::string(reinterpret_cast<const char *>(&value), sizeof(T));
}

void requireTestdata() {
  if (!std::filesystem::exists(kTestdata))
    GTEST_SKIP() << "no shared testdata at " << kTestdata;
}

} // namespace

TEST(TensorProto, ReadsResnetInput) {
  requireTestdata();
  Tensor tensor = readTensorFile(kTestdata + "/resnet18/input_0.pb");
  EXPECT_EQ(tensor.name, "input");
  EXPECT_EQ(tensor.dataType, kFloat);
  EXPECT_EQ(tensor.dims, (std::vector<int64_t>{1, 3, 224, 224}));
  EXPECT_EQ(tensor.data.size(), 1u * 3 * 224 * 224 * 4);
}

TEST(TensorProto, ReadsBertInt64InputAndTwoOutputs) {
  requireTestdata();
  Tensor ids = readTensorFile(kTestdata + "/bert_like/input_0.pb");
  EXPECT_EQ(ids.dataType, kInt64);
  EXPECT_EQ(ids.dims, (std::vector<int64_t>{1, 128}));
  ASSERT_EQ(ids.data.size(), 128u * 8);
  int64_t first;
  std::memcpy(&first, ids.data.data(), 8);
  EXPECT_GE(first, 0);
  Tensor pooled = readTensorFile(kTestdata + "/bert_like/output_1.pb");
  EXPECT_EQ(pooled.name, "pooled");
  EXPECT_EQ(pooled.dims, (std::vector<int64_t>{1, 256}));
}

TEST(TensorProto, EverySharedFileParsesAndReserializesIdentically) {
  requireTestdata();
  int files = 0;
  for (const auto &entry :
       std::filesystem::recursive_directory_iterator(kTestdata)) {
    if (entry.path().extension() != ".pb")
      continue;
    SCOPED_TRACE(entry.path().string());
    std::string bytes = readBytes(entry.path().string());
    Tensor tensor = readTensorFile(entry.path().string());
    EXPECT_EQ(serializeTensor(tensor), bytes);
    ++files;
  }
  EXPECT_GE(files, 10);
}

TEST(TensorProto, EveryTruncationIsAnErrorNotACrash) {
  requireTestdata();
  std::string bytes = readBytes(kTestdata + "/bert_like/input_0.pb");
  for (size_t size = 0; size < bytes.size(); ++size)
    EXPECT_THROW(parse(bytes.substr(0, size)), TensorProtoError) << size;
}

TEST(TensorProto, TruncatedFileErrorNamesTheFile) {
  requireTestdata();
  std::string bytes = readBytes(kTestdata + "/resnet18/input_0.pb");
  kiln::test::TempDir dir;
  std::string path = dir.file("cut.pb");
  kiln::test::writeText(path, bytes.substr(0, 5000));
  try {
    readTensorFile(path);
    FAIL() << "expected an error";
  } catch (const TensorProtoError &e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("runs past the end"),
              std::string::npos)
        << e.what();
  }
}

TEST(TensorProto, RandomGarbageNeverCrashes) {
  std::mt19937 rng(1234);
  int errors = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    std::string bytes(rng() % 64, '\0');
    for (char &c : bytes)
      c = char(rng());
    try {
      parse(bytes);
    } catch (const TensorProtoError &) {
      ++errors;
    }
  }
  EXPECT_GT(errors, 1900);
}

TEST(TensorProto, CorruptedHeadersNeverCrash) {
  requireTestdata();
  std::string original = readBytes(kTestdata + "/bert_like/input_0.pb");
  std::mt19937 rng(99);
  for (int trial = 0; trial < 3000; ++trial) {
    std::string bytes = original;
    for (int flips = 1 + int(rng() % 3); flips > 0; --flips)
      bytes[rng() % 32] = char(rng());
    try {
      Tensor tensor = parse(bytes);
      EXPECT_EQ(tensor.data.size(), tensor.data.size() /
                                        dataTypeSize(tensor.dataType) *
                                        dataTypeSize(tensor.dataType));
    } catch (const TensorProtoError &) {
    }
  }
}

TEST(TensorProto, RejectsMalformedWireData) {
  std::string dataType = tag(2, 0) + varint(kFloat);
  EXPECT_THROW(parse(std::string(11, '\xff')), TensorProtoError); // varint
  EXPECT_THROW(parse(dataType + tag(3, 3)), TensorProtoError);    // group
  EXPECT_THROW(parse(dataType + tag(9, 2) + varint(100) + "abc"),
               TensorProtoError); // length
  EXPECT_THROW(parse(dataType + tag(1, 0) + varint(2) +
                     lengthDelimited(9, std::string(4, 'x'))),
               TensorProtoError);                               // size
  EXPECT_THROW(parse(tag(2, 0) + varint(8)), TensorProtoError); // string
  EXPECT_THROW(parse(dataType + tag(14, 0) + varint(1)),
               TensorProtoError); // external
  EXPECT_THROW(readTensorFile("/nonexistent/kiln.pb"), TensorProtoError);
}

TEST(TensorProto, ReadsTypedFallbackFields) {
  // float_data, unpacked (wire type 5), dims unpacked.
  std::string floats = tag(1, 0) + varint(2) + tag(2, 0) + varint(kFloat) +
                       tag(4, 5) + fixed(1.5f) + tag(4, 5) + fixed(-2.f);
  Tensor f = parse(floats);
  ASSERT_EQ(f.data.size(), 8u);
  float values[2];
  std::memcpy(values, f.data.data(), 8);
  EXPECT_EQ(values[0], 1.5f);
  EXPECT_EQ(values[1], -2.f);

  // int32_data for int8, packed, with a negative value; dims packed.
  std::string int8s =
      lengthDelimited(1, varint(3)) + tag(2, 0) + varint(kInt8) +
      lengthDelimited(5, varint(7) + varint(uint64_t(-3)) + varint(0));
  Tensor i8 = parse(int8s);
  EXPECT_EQ(i8.dims, (std::vector<int64_t>{3}));
  EXPECT_EQ(i8.data, (std::vector<uint8_t>{7, 0xfd, 0}));

  // int64_data and double_data, packed.
  Tensor i64 = parse(tag(1, 0) + varint(1) + tag(2, 0) + varint(kInt64) +
                     lengthDelimited(7, varint(uint64_t(-5))));
  int64_t big;
  std::memcpy(&big, i64.data.data(), 8);
  EXPECT_EQ(big, -5);
  Tensor f64 = parse(tag(1, 0) + varint(1) + tag(2, 0) + varint(kDouble) +
                     lengthDelimited(10, fixed(0.25)));
  double d;
  std::memcpy(&d, f64.data.data(), 8);
  EXPECT_EQ(d, 0.25);
}

TEST(TensorProto, WriterReaderRoundTrip) {
  kiln::test::TempDir dir;
  for (int32_t type : {kFloat, kUint8, kInt8, kInt16, kInt32, kInt64, kBool,
                       kFloat16, kDouble}) {
    Tensor tensor;
    tensor.name = "t/" + std::to_string(type);
    tensor.dataType = type;
    tensor.dims = {2, 3};
    tensor.data.resize(6 * dataTypeSize(type));
    for (size_t i = 0; i < tensor.data.size(); ++i)
      tensor.data[i] = uint8_t(i * 37 + type);
    std::string path = dir.file(std::to_string(type) + ".pb");
    writeTensorFile(path, tensor);
    Tensor back = readTensorFile(path);
    EXPECT_EQ(back.name, tensor.name);
    EXPECT_EQ(back.dataType, type);
    EXPECT_EQ(back.dims, tensor.dims);
    EXPECT_EQ(back.data, tensor.data);
  }
  Tensor scalar;
  scalar.dataType = kFloat;
  scalar.data.resize(4);
  EXPECT_TRUE(parse(serializeTensor(scalar)).dims.empty());
  Tensor inconsistent;
  inconsistent.dims = {5};
  EXPECT_THROW(serializeTensor(inconsistent), TensorProtoError);
}

// Every half value widens exactly (checked against a double computed from the
// fields) and narrows back to the same bits; bfloat16 is a float's upper half.
TEST(Half, EveryValueRoundTrips) {
  for (uint32_t bits = 0; bits < 0x10000; ++bits) {
    uint16_t h = uint16_t(bits);
    float f = kiln::halfToFloat(h);
    int exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
    double sign = (h & 0x8000) ? -1.0 : 1.0;
    if (exponent == 31) {
      EXPECT_TRUE(mantissa ? std::isnan(f)
                           : std::isinf(f) && (f < 0) == bool(h & 0x8000))
          << std::hex << bits;
      continue;
    }
    double expected =
        exponent == 0
            ? sign * std::ldexp(double(mantissa), -24)
            : sign * std::ldexp(double(mantissa | 0x400), exponent - 25);
    ASSERT_EQ(double(f), expected) << std::hex << bits;
    ASSERT_EQ(std::signbit(f), bool(h & 0x8000)) << std::hex << bits;
    ASSERT_EQ(kiln::floatToHalf(f), h) << std::hex << bits;
  }
  EXPECT_EQ(kiln::bfloat16ToFloat(0x3fc0), 1.5f);
  EXPECT_EQ(kiln::bfloat16ToFloat(0xc049), -3.140625f);
}
