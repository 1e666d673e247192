//===- TuningRecord.cpp - TuningRecord <-> JSON line, and record/config helpers ---===//
#include "autotune/database/TuningRecord.h"
#include "autotune/TuningUtil.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <ctime>
#include <limits>
#include <map>
#include <type_traits>

namespace kiln::tune {

using nlohmann::json;

double TuningRecord::throughput() const {
  if (!ok())
    return 0;
  if (gflops > 0)
    return gflops;
  return seconds > 0 ? 1.0 / seconds : 0;
}

std::string isoTimestampNow() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

TuningRecord makeRecord(const std::string &workload, const std::string &spec,
                        const std::string &target, const SearchSpace &space,
                        const Measurement &measurement, std::vector<float> features) {
  TuningRecord record;
  record.workload = workload;
  record.spec = spec;
  record.target = target;
  record.knobs = configToValues(space, measurement.config);
  record.seconds = measurement.seconds;
  record.gflops = measurement.gflops;
  record.error = measurement.error;
  record.noise = measurement.noise;
  record.time = isoTimestampNow();
  record.features = std::move(features);
  return record;
}

std::optional<Config> recordConfig(const TuningRecord &record, const SearchSpace &space) {
  return valuesToConfig(space, record.knobs);
}

std::optional<Measurement> recordMeasurement(const TuningRecord &record, const SearchSpace &space) {
  std::optional<Config> config = recordConfig(record, space);
  if (!config)
    return std::nullopt;
  Measurement m;
  m.config = std::move(*config);
  m.seconds = record.seconds;
  m.gflops = record.gflops;
  m.error = record.error;
  m.noise = record.noise;
  return m;
}

static void requireFinite(double value, const char *field) {
  if (!std::isfinite(value))
    throw TuneError(std::string("tuning record: field '") + field + "' is not finite");
}

std::string recordToJsonLine(const TuningRecord &record) {
  requireFinite(record.seconds, "seconds");
  requireFinite(record.gflops, "gflops");
  // Insertion order keeps lines readable: format and keys first, features last.
  nlohmann::ordered_json j;
  j["format"] = record.format;
  j["workload"] = record.workload;
  j["spec"] = record.spec;
  j["target"] = record.target;
  j["feature_version"] = record.featureVersion;
  j["knobs"] = nlohmann::ordered_json::object();
  for (const auto &[name, value] : record.knobs)
    j["knobs"][name] = value;
  j["seconds"] = record.seconds;
  j["gflops"] = record.gflops;
  j["error"] = record.error;
  if (record.noise > 0 && std::isfinite(record.noise))
    j["noise"] = record.noise;
  j["time"] = record.time;
  if (!record.features.empty()) {
    auto &features = j["features"] = nlohmann::ordered_json::array();
    for (float f : record.features) // a non-finite feature is stored as null (missing)
      features.push_back(std::isfinite(f) ? nlohmann::ordered_json(f) : nullptr);
  }
  // Replace invalid UTF-8 (e.g. in a compiler's error text) rather than throwing.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

/// The "features" array: numbers, or null for a missing (non-finite) value.
/// A JSON number as a float; a value past float's range is an error, not undefined behaviour.
static float toFloat(const json &v, const char *name) {
  double d = v.get<double>();
  if (!(std::fabs(d) <= double(std::numeric_limits<float>::max())))
    throw TuneError(std::string("field '") + name + "' holds " + v.dump() +
                    ", outside float's range");
  return float(d);
}

/// A JSON integer as `T`. nlohmann's get<int>() casts a float (1.5e127) or a wide integer to int
/// without a check, which is undefined behaviour or a wrong value; here both are errors.
template <typename T> static T toInteger(const json &v, const char *name) {
  auto bad = [&](const std::string &why) {
    return TuneError(std::string("field '") + name + "' " + why);
  };
  if (!v.is_number_integer())
    throw bad(std::string("must be an integer, not ") +
              (v.is_number() ? v.dump() : std::string(v.type_name())));
  if (v.is_number_unsigned()) {
    uint64_t u = v.get<uint64_t>();
    if (u > uint64_t(std::numeric_limits<T>::max()))
      throw bad("holds " + v.dump() + ", outside the range of its type");
    return T(u);
  }
  int64_t i = v.get<int64_t>();
  if (i < int64_t(std::numeric_limits<T>::min()) || i > int64_t(std::numeric_limits<T>::max()))
    throw bad("holds " + v.dump() + ", outside the range of its type");
  return T(i);
}

static std::vector<float> parseFeatures(const json &j) {
  if (!j.is_array())
    throw TuneError(std::string("field 'features' has the wrong type (") + j.type_name() + ")");
  std::vector<float> features;
  for (const json &v : j) {
    if (v.is_null())
      features.push_back(std::numeric_limits<float>::quiet_NaN());
    else if (v.is_number())
      features.push_back(toFloat(v, "features"));
    else
      throw TuneError("field 'features' holds a " + std::string(v.type_name()));
  }
  return features;
}

/// The field `name` of `j`, checked to be of the JSON type `T` maps to.
template <typename T> static T field(const json &j, const char *name) {
  auto it = j.find(name);
  if (it == j.end())
    throw TuneError(std::string("missing field '") + name + "'");
  if constexpr (std::is_integral_v<T>) {
    return toInteger<T>(*it, name);
  } else if constexpr (std::is_same_v<T, double>) {
    if (!it->is_number())
      throw TuneError(std::string("field '") + name + "' has the wrong type (" +
                      it->type_name() + ")");
    return it->template get<double>();
  } else if constexpr (std::is_same_v<T, std::map<std::string, int64_t>>) {
    if (!it->is_object())
      throw TuneError(std::string("field '") + name + "' has the wrong type (" +
                      it->type_name() + ")");
    T values;
    for (auto kv = it->begin(); kv != it->end(); ++kv)
      values[kv.key()] = toInteger<int64_t>(kv.value(), name);
    return values;
  }
  try {
    return it->template get<T>();
  } catch (const json::exception &) {
    throw TuneError(std::string("field '") + name + "' has the wrong type (" + it->type_name() +
                    ")");
  }
}

TuningRecord recordFromJsonLine(const std::string &line) {
  json j;
  try {
    j = json::parse(line);
  } catch (const json::exception &e) { // parse_error, or out_of_range for a number like 1e999
    throw TuneError(std::string("not valid JSON: ") + e.what());
  }
  if (!j.is_object())
    throw TuneError(std::string("a record must be a JSON object, not ") + j.type_name());
  TuningRecord r;
  r.format = field<int>(j, "format");
  if (r.format != kRecordFormatVersion)
    throw TuneError("record format version " + std::to_string(r.format) +
                    " is not the supported version " + std::to_string(kRecordFormatVersion));
  r.workload = field<std::string>(j, "workload");
  r.spec = field<std::string>(j, "spec");
  r.target = field<std::string>(j, "target");
  r.featureVersion = field<int>(j, "feature_version");
  r.knobs = field<std::map<std::string, int64_t>>(j, "knobs");
  r.seconds = field<double>(j, "seconds");
  r.gflops = field<double>(j, "gflops");
  r.error = field<std::string>(j, "error");
  r.time = field<std::string>(j, "time");
  if (j.contains("noise")) // optional: absent in records from before noise estimates
    r.noise = field<double>(j, "noise");
  if (j.contains("features"))
    r.features = parseFeatures(j["features"]);
  return r;
}

} // namespace kiln::tune
