//===- BestRecords.cpp - best tuned record and default time per workload --===//
#include "autotune/driver/BestRecords.h"

#include "autotune/database/TuningDatabase.h"

namespace kiln::tune {
BestRecords loadBestRecords(const std::string &path, const std::string &target,
                            std::vector<std::string> &warnings) {
  std::unique_ptr<TuningDatabase> db = openJsonLinesDatabase(path, &warnings);
  BestRecords out;
  for (const TuningRecord &r : db->all()) {
    if (r.target != target || !r.ok())
      continue;
    BestRecord &best = out[r.workload];
    if (r.knobs.empty()) {
      best.defaultSeconds = r.seconds;
    } else if (best.knobs.empty() || r.seconds < best.tunedSeconds) {
      best.knobs = r.knobs;
      best.tunedSeconds = r.seconds;
      best.spec = r.spec;
    }
  }
  for (auto it = out.begin(); it != out.end();) // workloads with only a default record
    it = it->second.knobs.empty() ? out.erase(it) : std::next(it);
  return out;
}
} // namespace kiln::tune
