//===- TuningRecord.h - one measurement as stored in a tuning database --------===//
#ifndef KILN_AUTOTUNE_DATABASE_TUNINGRECORD_H
#define KILN_AUTOTUNE_DATABASE_TUNINGRECORD_H

#include "autotune/Tuning.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kiln::tune {

/// One measured config of one workload on one target. Knobs are stored by name and value
/// (not index) so records stay meaningful when a space gains or loses values.
struct TuningRecord {
  int format = kRecordFormatVersion;    ///< record format version
  std::string workload;                 ///< workload key (hash string)
  std::string spec;                     ///< human-readable workload spec
  std::string target;                   ///< e.g. "cpu/x86-64-v4"
  int featureVersion = kFeatureVersion; ///< layout version of `features`
  std::map<std::string, int64_t> knobs; ///< knob name -> chosen value
  double seconds = 0;                   ///< time of one run as the runner reports it (ok())
  double gflops = 0;                    ///< throughput (valid when ok())
  std::string error;                    ///< why it failed; empty on success
  double noise = 0;                     ///< optional: relative spread of the timed runs
  std::string time;                     ///< ISO-8601 UTC timestamp of the measurement
  std::vector<float> features;          ///< optional (empty = not stored); NaN = missing

  bool ok() const { return error.empty(); }
  /// Throughput used for ranking: gflops when known, else 1/seconds; 0 for failures.
  double throughput() const;
};

/// The record of `measurement` of `config` in `space`, stamped with the current time.
TuningRecord makeRecord(const std::string &workload, const std::string &spec,
                        const std::string &target, const SearchSpace &space,
                        const Measurement &measurement, std::vector<float> features = {});

/// The config of `record` in `space`; nullopt when its knob values are not all in the space.
std::optional<Config> recordConfig(const TuningRecord &record, const SearchSpace &space);

/// The measurement of `record` in `space`; nullopt as for recordConfig.
std::optional<Measurement> recordMeasurement(const TuningRecord &record, const SearchSpace &space);

/// One JSON line (no newline) for `record`; non-finite features become null (read back as
/// NaN, which XGBoost treats as missing). Throws TuneError on non-finite seconds or gflops.
std::string recordToJsonLine(const TuningRecord &record);

/// Parses one JSON line. Throws TuneError naming what is wrong: not JSON, a missing or
/// mistyped field, or a format version other than kRecordFormatVersion.
TuningRecord recordFromJsonLine(const std::string &line);

/// The current UTC time as "YYYY-MM-DDThh:mm:ssZ".
std::string isoTimestampNow();

} // namespace kiln::tune

#endif
