//===- Autotune.h - (internal) what the _kiln.tune binding files share -----===//
#ifndef KILN_PYTHON_AUTOTUNE_H
#define KILN_PYTHON_AUTOTUNE_H

#include "autotune/database/TuningDatabase.h"

#include <pybind11/pybind11.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace kiln::python {

/// A database and the lock its users take with the GIL released.
struct DatabaseRef {
  std::unique_ptr<tune::TuningDatabase> db;
  std::string path; ///< "" for "memory"
  std::vector<std::string> warnings;
  std::mutex mutex;
};

/// Binds Record, Database, CostModel, training_set and pairwise_accuracy (AutotuneData.cpp).
void bindTuneData(pybind11::module_ &m);

} // namespace kiln::python

#endif
