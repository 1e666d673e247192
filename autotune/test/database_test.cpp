//===- database_test.cpp - TuningDatabase: round trip, torn last line, corrupt lines ---===//
#include "autotune/TuningUtil.h"
#include "autotune/database/TuningDatabase.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>

using namespace kiln::tune;

namespace {

class DatabaseTest : public ::testing::Test {
protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "kiln_db_XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = dir_ + "/records.jsonl";
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }

  static TuningRecord record(const std::string &workload, int64_t tile, double seconds,
                             const std::string &error = "") {
    TuningRecord r;
    r.workload = workload;
    r.spec = "matmul 64x64x64 f32";
    r.target = "cpu/x86-64-v4";
    r.knobs = {{"tile_m", tile}, {"vector", 8}};
    r.seconds = seconds;
    r.gflops = seconds > 0 ? 0.000524288 / seconds : 0;
    r.error = error;
    r.time = "2024-05-01T12:00:00Z";
    return r;
  }
  std::string readFile() const {
    std::ifstream in(path_, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  void writeFile(const std::string &text) const {
    std::ofstream(path_, std::ios::binary | std::ios::trunc) << text;
  }
  /// Writes three records through the database and returns the file's text.
  std::string writeThree() {
    auto db = createTuningDatabase("jsonl");
    EXPECT_TRUE(db->open(path_).empty());
    db->append(record("w1", 4, 2e-3));
    db->append(record("w1", 8, 1e-3));
    db->append(record("w2", 16, 5e-3));
    return readFile();
  }

  std::string dir_, path_;
};

TEST_F(DatabaseTest, RoundTripKeepsEveryField) {
  auto db = createTuningDatabase("jsonl");
  EXPECT_TRUE(db->open(path_).empty()); // a missing file is a new database
  TuningRecord withFeatures = record("w1", 4, 2e-3);
  withFeatures.features = {0.5f, 1.25f, -3.0f, 0.1f};
  withFeatures.noise = 0.0625;
  db->append(withFeatures);
  db->append(record("w1", 8, 0, "llvm: cannot select"));
  db->append(record("w1", 16, 1e-3));
  db->append(record("w2", 32, 0.5e-3));

  auto again = createTuningDatabase("jsonl");
  EXPECT_TRUE(again->open(path_).empty());
  ASSERT_EQ(again->all().size(), 4u);
  const TuningRecord &r = again->all()[0];
  EXPECT_EQ(r.format, kRecordFormatVersion);
  EXPECT_EQ(r.workload, "w1");
  EXPECT_EQ(r.spec, "matmul 64x64x64 f32");
  EXPECT_EQ(r.target, "cpu/x86-64-v4");
  EXPECT_EQ(r.featureVersion, kFeatureVersion);
  EXPECT_EQ(r.knobs, withFeatures.knobs);
  EXPECT_EQ(r.seconds, 2e-3);
  EXPECT_EQ(r.gflops, withFeatures.gflops);
  EXPECT_EQ(r.time, "2024-05-01T12:00:00Z");
  EXPECT_EQ(r.features, withFeatures.features);
  EXPECT_EQ(r.noise, 0.0625);
  EXPECT_EQ(again->all()[1].noise, 0); // optional: absent, as in records from before it
  EXPECT_EQ(again->all()[1].error, "llvm: cannot select");
  EXPECT_TRUE(again->all()[1].features.empty());
  EXPECT_EQ(readFile().rfind("{\"format\":1,\"workload\":\"w1\",", 0), 0u); // readable order

  EXPECT_EQ(again->records("w1", "cpu/x86-64-v4").size(), 3u);
  EXPECT_EQ(again->records("w1", "cuda/sm_90").size(), 0u);
  std::optional<TuningRecord> best = again->best("w1", "cpu/x86-64-v4");
  ASSERT_TRUE(best);
  EXPECT_EQ(best->knobs.at("tile_m"), 16);
  EXPECT_FALSE(again->best("w3", "cpu/x86-64-v4"));
}

TEST_F(DatabaseTest, DefaultScheduleAndMissingFeaturesRoundTrip) {
  auto db = createTuningDatabase("jsonl");
  db->open(path_);
  TuningRecord r = record("w1", 4, 1e-3);
  r.knobs.clear(); // the default schedule has no knobs
  r.features = {1.0f, std::numeric_limits<float>::quiet_NaN(), 2.0f};
  db->append(r);
  TuningRecord bad = record("w1", 4, std::numeric_limits<double>::infinity());
  EXPECT_THROW(db->append(bad), TuneError);
  auto again = createTuningDatabase("jsonl");
  EXPECT_TRUE(again->open(path_).empty());
  ASSERT_EQ(again->all().size(), 1u);
  EXPECT_TRUE(again->all()[0].knobs.empty());
  ASSERT_EQ(again->all()[0].features.size(), 3u);
  EXPECT_TRUE(std::isnan(again->all()[0].features[1]));
  EXPECT_EQ(again->all()[0].features[2], 2.0f);
}

TEST_F(DatabaseTest, AppendOnlyGrowsTheFile) {
  std::string before = writeThree();
  auto db = createTuningDatabase("jsonl");
  db->open(path_);
  db->append(record("w3", 2, 1e-4));
  std::string after = readFile();
  ASSERT_GT(after.size(), before.size());
  EXPECT_EQ(after.substr(0, before.size()), before);
  EXPECT_EQ(std::count(after.begin(), after.end(), '\n'), 4);
}

TEST_F(DatabaseTest, TornLastLineIsSkippedWithAWarning) {
  std::string complete = writeThree();
  std::string torn = R"({"format":1,"workload":"w1","spec":"matmul 64x6)";
  writeFile(complete + torn);
  auto db = createTuningDatabase("jsonl");
  std::vector<std::string> warnings = db->open(path_);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find(path_ + ":4:"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[0].find("torn"), std::string::npos) << warnings[0];
  EXPECT_EQ(db->all().size(), 3u);

  // The next append drops the fragment, so the file reads cleanly afterwards.
  db->append(record("w2", 64, 4e-3));
  EXPECT_EQ(readFile().substr(0, complete.size()), complete);
  auto again = createTuningDatabase("jsonl");
  EXPECT_TRUE(again->open(path_).empty());
  ASSERT_EQ(again->all().size(), 4u);
  EXPECT_EQ(again->all()[3].knobs.at("tile_m"), 64);
}

TEST_F(DatabaseTest, CompleteLastLineWithoutNewlineIsKept) {
  std::string text = writeThree();
  writeFile(text.substr(0, text.size() - 1)); // drop the final '\n'
  auto db = createTuningDatabase("jsonl");
  EXPECT_TRUE(db->open(path_).empty());
  EXPECT_EQ(db->all().size(), 3u);
  db->append(record("w2", 2, 1e-3));
  auto again = createTuningDatabase("jsonl");
  EXPECT_TRUE(again->open(path_).empty());
  EXPECT_EQ(again->all().size(), 4u);
}

TEST_F(DatabaseTest, CorruptMiddleLineIsAnErrorWithTheLineNumber) {
  std::string text = writeThree();
  size_t first = text.find('\n'), second = text.find('\n', first + 1);
  writeFile(text.substr(0, first + 1) + R"({"format": 1, "workload": oops})" + text.substr(second));
  auto db = createTuningDatabase("jsonl");
  try {
    db->open(path_);
    FAIL() << "a corrupt middle line must be an error";
  } catch (const TuneError &e) {
    EXPECT_NE(std::string(e.what()).find(path_ + ":2:"), std::string::npos) << e.what();
  }
}

TEST_F(DatabaseTest, UnknownFormatVersionIsAnError) {
  std::string text = writeThree();
  size_t at = text.rfind("\"format\":1");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 10, "\"format\":99");
  writeFile(text);
  auto db = createTuningDatabase("jsonl");
  try {
    db->open(path_);
    FAIL() << "an unknown format version must be an error";
  } catch (const TuneError &e) {
    std::string message = e.what();
    EXPECT_NE(message.find(path_ + ":3:"), std::string::npos) << message;
    EXPECT_NE(message.find("format version 99"), std::string::npos) << message;
  }
}

TEST_F(DatabaseTest, MissingFieldIsNamed) {
  writeFile(R"({"format":1,"workload":"w","spec":"s","target":"t","feature_version":1,)"
            R"("knobs":{},"seconds":1,"gflops":1,"error":""})"
            "\n");
  auto db = createTuningDatabase("jsonl");
  try {
    db->open(path_);
    FAIL() << "a record without 'time' must be an error";
  } catch (const TuneError &e) {
    EXPECT_NE(std::string(e.what()).find("'time'"), std::string::npos) << e.what();
  }
}

// Found by fuzz_tuning_db: 17.5e660 overflows double; nlohmann throws out_of_range, which
// escaped as std::terminate instead of a TuneError naming the line.
TEST(TuningRecord, NumberOutOfRangeIsACorruptRecord) {
  EXPECT_THROW(recordFromJsonLine("{\"format\":1,\"seconds\":17.5e660}"), TuneError);
}

// Found by fuzz_tuning_db in CI: "format":1.5e127 went through nlohmann's get<int>(), a float to
// int conversion outside int's range (undefined behaviour, UBSan). Every number is now checked
// against the type of its field.
TEST(TuningRecord, NumbersOutsideTheirFieldsTypeAreCorruptRecords) {
  const std::string rest = R"("workload":"w","spec":"s","target":"t","knobs":{},"seconds":1,)"
                           R"("gflops":1,"error":"","time":"x")";
  auto expectError = [&](const std::string &line, const std::string &fieldName) {
    try {
      recordFromJsonLine(line);
      ADD_FAILURE() << "accepted: " << line;
    } catch (const TuneError &e) {
      EXPECT_NE(std::string(e.what()).find("'" + fieldName + "'"), std::string::npos) << e.what();
    }
  };
  expectError("{\"format\":1.5e127," + rest + ",\"feature_version\":1}", "format");
  expectError("{\"format\":1," + rest + ",\"feature_version\":2.5}", "feature_version");
  expectError("{\"format\":1," + rest + ",\"feature_version\":4294967297}", "feature_version");
  expectError("{\"format\":1," + rest + ",\"feature_version\":18446744073709551615}",
              "feature_version");
  std::string knobs = rest;
  knobs.replace(knobs.find("\"knobs\":{}"), 10, "\"knobs\":{\"tile\":1e300}");
  expectError("{\"format\":1," + knobs + ",\"feature_version\":1}", "knobs");
  expectError("{\"format\":1," + rest + ",\"feature_version\":1,\"features\":[1,3e39]}",
              "features");
  // The same record with in-range numbers parses.
  TuningRecord ok = recordFromJsonLine("{\"format\":1," + rest + ",\"feature_version\":1," +
                                       "\"features\":[1,3e38]}");
  EXPECT_EQ(ok.featureVersion, 1);
  ASSERT_EQ(ok.features.size(), 2u);
}

TEST(TuningDatabase, MemoryDatabaseAndNames) {
  auto db = createTuningDatabase("memory");
  EXPECT_TRUE(db->open("ignored").empty());
  TuningRecord r;
  r.workload = "w";
  r.target = "t";
  r.seconds = 1;
  db->append(r);
  EXPECT_EQ(db->records("w", "t").size(), 1u);
  EXPECT_EQ(db->name(), "memory");
  EXPECT_THROW(createTuningDatabase("sqlite"), TuneError);
}

TEST(TuningRecord, ConfigsByValueSurviveSpaceChanges) {
  SearchSpace space{{{"tile_m", {1, 2, 4, 8}}, {"vector", {4, 8, 16}}}};
  Measurement m;
  m.config = {2, 1};
  m.seconds = 1e-3;
  TuningRecord r = makeRecord("w", "spec", "cpu", space, m, {1.0f});
  EXPECT_EQ(r.knobs.at("tile_m"), 4);
  EXPECT_EQ(r.knobs.at("vector"), 8);
  EXPECT_EQ(r.time.size(), 20u); // YYYY-MM-DDThh:mm:ssZ
  SearchSpace grown{{{"tile_m", {1, 4, 8, 16}}, {"vector", {8, 16}}}};
  EXPECT_EQ(*recordConfig(r, grown), (Config{1, 0}));
  SearchSpace other{{{"tile_m", {1, 2}}, {"vector", {4, 8}}}};
  EXPECT_FALSE(recordConfig(r, other));
  EXPECT_EQ(recordMeasurement(r, space)->config, m.config);
}

} // namespace
