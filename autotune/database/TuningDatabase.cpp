//===- TuningDatabase.cpp - shared queries, the "memory" database, the name registry ---===//
#include "autotune/TuningUtil.h"
#include "autotune/database/RecordStore.h"

#include <functional>
#include <map>

namespace kiln::tune {
namespace detail {

std::vector<TuningRecord> RecordStore::records(const std::string &workload,
                                               const std::string &target) const {
  std::vector<TuningRecord> result;
  for (const TuningRecord &r : records_)
    if (r.workload == workload && r.target == target)
      result.push_back(r);
  return result;
}

std::optional<TuningRecord> RecordStore::best(const std::string &workload,
                                              const std::string &target) const {
  const TuningRecord *best = nullptr;
  for (const TuningRecord &r : records_) {
    if (!r.ok() || r.seconds <= 0 || r.workload != workload || r.target != target)
      continue;
    if (!best || r.seconds < best->seconds)
      best = &r;
  }
  if (!best)
    return std::nullopt;
  return *best;
}

namespace {
/// Records in memory only: `open` starts empty, whatever the path.
class MemoryDatabase final : public RecordStore {
public:
  std::vector<std::string> open(const std::string &) override {
    records_.clear();
    return {};
  }
  void append(const TuningRecord &record) override {
    recordToJsonLine(record); // the same validation as a persistent store
    records_.push_back(record);
  }
  std::string name() const override { return "memory"; }
};
} // namespace
} // namespace detail

using Factory = std::function<std::unique_ptr<TuningDatabase>()>;

static const std::map<std::string, Factory> &registry() {
  static const std::map<std::string, Factory> factories = {
      {"jsonl", detail::createJsonLinesDatabase},
      {"memory", [] { return std::make_unique<detail::MemoryDatabase>(); }},
  };
  return factories;
}

std::vector<std::string> tuningDatabaseNames() {
  std::vector<std::string> names;
  for (const auto &entry : registry())
    names.push_back(entry.first);
  return names;
}

std::unique_ptr<TuningDatabase> createTuningDatabase(const std::string &name) {
  auto it = registry().find(name);
  if (it != registry().end())
    return it->second();
  std::string known;
  for (const std::string &n : tuningDatabaseNames())
    known += (known.empty() ? "" : ", ") + n;
  throw TuneError("unknown tuning database '" + name + "' (known: " + known + ")");
}

std::unique_ptr<TuningDatabase> openJsonLinesDatabase(const std::string &path,
                                                      std::vector<std::string> *warnings) {
  std::unique_ptr<TuningDatabase> db = createTuningDatabase("jsonl");
  std::vector<std::string> w = db->open(path);
  if (warnings)
    warnings->insert(warnings->end(), w.begin(), w.end());
  return db;
}

} // namespace kiln::tune
