//===- BestRecords.h - a tuning database reduced to what the compiler applies ===//
#ifndef KILN_AUTOTUNE_DRIVER_BESTRECORDS_H
#define KILN_AUTOTUNE_DRIVER_BESTRECORDS_H

#include "autotune/workload/ApplyRecords.h"

#include <string>
#include <vector>

namespace kiln::tune {

/// For each workload of `target` ("cpu/<cpu>") in the database at `path`: its fastest tuned
/// record and its default schedule's time. Throws TuneError (naming file and line) when the
/// database cannot be read; `warnings` receives the skipped torn line, if any.
BestRecords loadBestRecords(const std::string &path, const std::string &target,
                            std::vector<std::string> &warnings);

} // namespace kiln::tune

#endif
