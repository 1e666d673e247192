//===- RecordStore.h - (internal) records kept in memory, with the shared queries ---===//
#ifndef KILN_AUTOTUNE_DATABASE_RECORDSTORE_H
#define KILN_AUTOTUNE_DATABASE_RECORDSTORE_H

#include "autotune/database/TuningDatabase.h"

namespace kiln::tune::detail {

/// A TuningDatabase whose records live in a vector; subclasses decide where they persist.
class RecordStore : public TuningDatabase {
public:
  const std::vector<TuningRecord> &all() const override { return records_; }
  std::vector<TuningRecord> records(const std::string &workload,
                                    const std::string &target) const override;
  std::optional<TuningRecord> best(const std::string &workload,
                                   const std::string &target) const override;

protected:
  std::vector<TuningRecord> records_;
};

/// The "jsonl" database (JsonLinesDatabase.cpp).
std::unique_ptr<TuningDatabase> createJsonLinesDatabase();

} // namespace kiln::tune::detail

#endif
