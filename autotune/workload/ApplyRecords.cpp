//===- ApplyRecords.cpp - the pass that turns records into schedules ------===//
#include "autotune/workload/ApplyRecords.h"
#include "autotune/workload/Space.h"
#include "autotune/workload/Workload.h"

#include "mlir/Pass/Pass.h"

using namespace mlir;

namespace kiln::tune {
namespace {
struct ApplyTuningRecordsPass : PassWrapper<ApplyTuningRecordsPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(ApplyTuningRecordsPass)

  ApplyTuningRecordsPass(std::shared_ptr<const BestRecords> records,
                         std::shared_ptr<std::vector<std::string>> used)
      : records(std::move(records)), used(std::move(used)) {}

  StringRef getArgument() const override { return "kiln-apply-tuning-records"; }
  StringRef getDescription() const override {
    return "Attach the best measured schedule of each kernel's workload";
  }

  void runOnOperation() override {
    for (auto fn : getOperation().getOps<func::FuncOp>()) {
      FailureOr<Workload> w = analyzeKernel(fn);
      if (failed(w))
        continue;
      auto it = records->find(w->key);
      if (it == records->end())
        continue;
      const BestRecord &best = it->second;
      // A tuned schedule replaces the default only where it measured clearly faster: a gain
      // within the timing noise is not worth a schedule measured at one thread count only.
      if (best.defaultSeconds > 0 &&
          best.tunedSeconds * (1 + kMinTunedGain) > best.defaultSeconds)
        continue;
      SearchSpace space = spaceFor(*w);
      FailureOr<Config> config = configFromValues(space, best.knobs);
      if (failed(config)) {
        fn.emitWarning("kiln: tuning record of ")
            << w->spec << " does not fit its search space any more; using the default schedule";
        continue;
      }
      w->anchor->setAttr(kScheduleAttr, scheduleAttr(&getContext(),
                                                     scheduleFor(*w, space, *config)));
      if (used)
        used->push_back(w->key + " " + w->spec);
    }
  }

  std::shared_ptr<const BestRecords> records;
  std::shared_ptr<std::vector<std::string>> used;
};
} // namespace

std::unique_ptr<Pass> createApplyTuningRecordsPass(std::shared_ptr<const BestRecords> records,
                                                   std::shared_ptr<std::vector<std::string>> used) {
  return std::make_unique<ApplyTuningRecordsPass>(std::move(records), std::move(used));
}
} // namespace kiln::tune
