//===- TuningDatabase.h - the store of tuning records, created by name --------===//
#ifndef KILN_AUTOTUNE_DATABASE_TUNINGDATABASE_H
#define KILN_AUTOTUNE_DATABASE_TUNINGDATABASE_H

#include "autotune/database/TuningRecord.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kiln::tune {

/// An append-only store of tuning records. Implementations:
///  - "jsonl":  a JSON-lines file, one record per line, each append flushed and fsync'ed;
///  - "memory": records kept in memory only (dry runs, tests).
class TuningDatabase {
public:
  virtual ~TuningDatabase() = default;

  /// Opens the store at `path` (a missing file is created empty on the first append) and loads
  /// every record. A torn last line (a run killed mid-write) is skipped and reported in the
  /// returned warnings. A corrupt line elsewhere, or a record of another format version,
  /// throws TuneError naming the file and the line number.
  virtual std::vector<std::string> open(const std::string &path) = 0;

  /// Appends one record and makes it durable before returning. Throws TuneError on I/O errors.
  virtual void append(const TuningRecord &record) = 0;

  /// Every record, in the order they were written.
  virtual const std::vector<TuningRecord> &all() const = 0;

  /// The records of (workload, target), in the order they were written.
  virtual std::vector<TuningRecord> records(const std::string &workload,
                                            const std::string &target) const = 0;

  /// The fastest successful record of (workload, target); nullopt when there is none.
  virtual std::optional<TuningRecord> best(const std::string &workload,
                                           const std::string &target) const = 0;

  /// The name this implementation is created by.
  virtual std::string name() const = 0;
};

/// Creates a database by name ("jsonl" or "memory"); throws TuneError on an unknown name.
std::unique_ptr<TuningDatabase> createTuningDatabase(const std::string &name);

/// The names createTuningDatabase accepts.
std::vector<std::string> tuningDatabaseNames();

/// Shorthand: a "jsonl" database opened at `path`; warnings are appended to `warnings` if given.
std::unique_ptr<TuningDatabase> openJsonLinesDatabase(const std::string &path,
                                                      std::vector<std::string> *warnings = nullptr);

} // namespace kiln::tune

#endif
