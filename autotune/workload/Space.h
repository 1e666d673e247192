//===- Space.h - the schedule knobs of a workload and configs → schedules --===//
#ifndef KILN_AUTOTUNE_WORKLOAD_SPACE_H
#define KILN_AUTOTUNE_WORKLOAD_SPACE_H

#include "autotune/Tuning.h"
#include "autotune/workload/Workload.h"
#include "compiler/Codegen/CPU/Schedule.h"

#include <map>
#include <optional>

namespace kiln::tune {

/// The knobs of a workload's kind: cache tiles, register tiles and vector widths, with only
/// values that fit its shape (every config is a valid schedule).
SearchSpace spaceFor(const Workload &workload);

/// The schedule a config stands for. An empty config is the default heuristics.
Schedule scheduleFor(const Workload &workload, const SearchSpace &space, const Config &config);

/// The config of the space whose schedule is the default heuristics' one; nullopt when the
/// space has no such point (the default's tiles are not among the knob values).
std::optional<Config> defaultConfig(const Workload &workload, const SearchSpace &space);

/// The `kiln.schedule` attribute of a schedule (what TileAndVectorize reads).
mlir::DictionaryAttr scheduleAttr(mlir::MLIRContext *ctx, const Schedule &schedule);

/// knob name → value, the form stored in tuning records.
std::map<std::string, int64_t> knobValues(const SearchSpace &space, const Config &config);

/// The value a knob added to a space after version-1 records had (what those schedules did
/// without it): reg_k 1, par 0, block_oh the whole extent; nullopt for other knobs.
std::optional<int64_t> legacyKnobValue(const Knob &knob);

/// The config of recorded knob values; fails if a value is not in the space or a knob is
/// missing that has no legacy value.
mlir::FailureOr<Config> configFromValues(const SearchSpace &space,
                                         const std::map<std::string, int64_t> &values);

} // namespace kiln::tune

#endif
