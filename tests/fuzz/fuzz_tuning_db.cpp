// libFuzzer target: tuning-database files (JSON lines, autotune/database) through the reader.
// A corrupt file must throw TuneError naming it; a file that opens must answer queries and take
// an append after its last record (the store is append-only and survives torn lines).
#include "autotune/TuningUtil.h"
#include "autotune/database/TuningDatabase.h"
#include "tests/fuzz/FuzzCommon.h"

#include <set>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const std::string path = kiln::fuzz::scratchDir() + "/records.jsonl";
  kiln::fuzz::writeFile(path, data, size);
  std::unique_ptr<kiln::tune::TuningDatabase> db;
  try {
    db = kiln::tune::openJsonLinesDatabase(path);
  } catch (const kiln::tune::TuneError &) {
    return 0;
  }
  std::set<std::pair<std::string, std::string>> keys;
  for (const kiln::tune::TuningRecord &record : db->all())
    keys.insert({record.workload, record.target});
  for (const auto &[workload, target] : keys) {
    db->records(workload, target);
    db->best(workload, target);
  }
  return 0;
}
