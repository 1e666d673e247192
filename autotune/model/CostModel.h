//===- CostModel.h - a learned score of configs (higher = faster), created by name ---===//
#ifndef KILN_AUTOTUNE_MODEL_COSTMODEL_H
#define KILN_AUTOTUNE_MODEL_COSTMODEL_H

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace kiln::tune {

/// One feature vector per row; every row of one matrix has the same length.
using FeatureMatrix = std::vector<std::vector<float>>;

/// How a cost model is built.
struct CostModelOptions {
  uint64_t seed = 0; ///< every random choice (pair sampling, "random" scores) follows it
  int rounds = 60;   ///< boosting rounds per fit ("xgb", "xgb-reg")
  int maxDepth = 6;  ///< tree depth ("xgb", "xgb-reg")
  int threads = 1;   ///< XGBoost threads; results depend on it, so keep it fixed per study
  std::string treeMethod = "hist"; ///< XGBoost tree_method: "hist" scales to large priors, "exact"
};

/// Scores configs from their features; trained online on all measurements so far.
/// Implementations: "xgb" (XGBoost rank:pairwise, the default), "xgb-reg" (XGBoost
/// reg:squarederror on throughput normalized per group), "random" (uniform seeded scores).
class CostModel {
public:
  virtual ~CostModel() = default;

  /// Trains from scratch on `features` (n rows) and measured `throughputs` (n, higher =
  /// faster, 0 for failures). `groups` are the sizes of consecutive runs of rows that may be
  /// compared with each other (one per workload); empty = one group. Fitting on no rows leaves
  /// the model untrained. Throws TuneError on inconsistent sizes.
  virtual void fit(const FeatureMatrix &features, const std::vector<double> &throughputs,
                   const std::vector<unsigned> &groups) = 0;

  /// One score per row, higher = predicted faster. Scores only order configs: their scale is
  /// not a throughput. Throws TuneError when untrained or on a wrong feature count.
  virtual std::vector<double> predict(const FeatureMatrix &features) = 0;

  /// Writes the trained model to `path` (JSON). Throws TuneError on failure.
  virtual void save(const std::string &path) const = 0;

  /// Reads a model written by save() of the same implementation. Throws TuneError otherwise.
  virtual void load(const std::string &path) = 0;

  /// True once fit() saw data or load() succeeded.
  virtual bool trained() const = 0;

  /// The name this implementation is created by.
  virtual std::string name() const = 0;
};

/// Creates a cost model by name ("xgb", "xgb-reg", "random"); throws TuneError on others.
std::unique_ptr<CostModel> createCostModel(const std::string &name,
                                           const CostModelOptions &options = {});

/// The names createCostModel accepts.
std::vector<std::string> costModelNames();

namespace detail {
/// The "xgb" (ranking) / "xgb-reg" models (XGBoostModel.cpp); use createCostModel.
std::unique_ptr<CostModel> createXGBoostModel(bool ranking, const CostModelOptions &options);
} // namespace detail

} // namespace kiln::tune

#endif
