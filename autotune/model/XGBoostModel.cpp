//===- XGBoostModel.cpp - the "xgb" (rank:pairwise) and "xgb-reg" cost models ---===//
#include "autotune/TuningUtil.h"
#include "autotune/model/CostModel.h"

#include <nlohmann/json.hpp>
#include <xgboost/c_api.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

namespace kiln::tune::detail {
namespace {

/// Throws TuneError with XGBoost's last error when a C API call fails.
void check(int status, const char *call) {
  if (status != 0)
    throw TuneError(std::string("xgboost: ") + call + " failed: " + XGBGetLastError());
}
#define KILN_XGB(call) check((call), #call)

/// Owns a DMatrixHandle.
struct DMatrix {
  DMatrixHandle handle = nullptr;
  ~DMatrix() {
    if (handle)
      XGDMatrixFree(handle);
  }
};

/// The rows of `features` flattened row-major; throws when widths differ.
std::vector<float> flatten(const FeatureMatrix &features, size_t &width) {
  width = features.empty() ? 0 : features.front().size();
  std::vector<float> data;
  data.reserve(features.size() * width);
  for (size_t i = 0; i < features.size(); ++i) {
    if (features[i].size() != width)
      throw TuneError("cost model: feature row " + std::to_string(i) + " has " +
                      std::to_string(features[i].size()) + " values, row 0 has " +
                      std::to_string(width));
    data.insert(data.end(), features[i].begin(), features[i].end());
  }
  return data;
}

/// The group sizes to use: `groups` checked against `rows`, or one group of every row.
std::vector<unsigned> checkedGroups(const std::vector<unsigned> &groups, size_t rows) {
  if (groups.empty())
    return {static_cast<unsigned>(rows)};
  size_t total = 0;
  for (unsigned g : groups)
    total += g;
  if (total != rows)
    throw TuneError("cost model: groups cover " + std::to_string(total) + " rows, not " +
                    std::to_string(rows));
  return groups;
}

class XGBoostModel final : public CostModel {
public:
  XGBoostModel(bool ranking, const CostModelOptions &options)
      : ranking_(ranking), options_(options) {}
  ~XGBoostModel() override { reset(); }

  void fit(const FeatureMatrix &features, const std::vector<double> &throughputs,
           const std::vector<unsigned> &groups) override;
  std::vector<double> predict(const FeatureMatrix &features) override;
  void save(const std::string &path) const override;
  void load(const std::string &path) override;
  bool trained() const override { return booster_ != nullptr; }
  std::string name() const override { return ranking_ ? "xgb" : "xgb-reg"; }

private:
  const char *objective() const { return ranking_ ? "rank:pairwise" : "reg:squarederror"; }
  void reset() {
    if (booster_)
      XGBoosterFree(booster_);
    booster_ = nullptr;
    numFeatures_ = 0;
  }
  void setRuntimeParams(BoosterHandle booster) const;
  std::vector<float> labels(const std::vector<double> &throughputs,
                            const std::vector<unsigned> &groups) const;

  bool ranking_;
  CostModelOptions options_;
  BoosterHandle booster_ = nullptr;
  size_t numFeatures_ = 0;
};

void XGBoostModel::setRuntimeParams(BoosterHandle booster) const {
  KILN_XGB(XGBoosterSetParam(booster, "nthread", std::to_string(options_.threads).c_str()));
  KILN_XGB(XGBoosterSetParam(booster, "seed", std::to_string(options_.seed).c_str()));
  KILN_XGB(XGBoosterSetParam(booster, "verbosity", "1"));
}

std::vector<float> XGBoostModel::labels(const std::vector<double> &throughputs,
                                        const std::vector<unsigned> &groups) const {
  std::vector<float> out(throughputs.size());
  size_t begin = 0;
  for (unsigned size : groups) {
    // Ranking compares within a group only; regression learns throughput relative to the
    // group's best, which is comparable across workloads of different sizes.
    double best = 0;
    for (size_t i = begin; i < begin + size; ++i)
      best = std::max(best, throughputs[i]);
    for (size_t i = begin; i < begin + size; ++i)
      out[i] =
          static_cast<float>(ranking_ ? throughputs[i] : (best > 0 ? throughputs[i] / best : 0.0));
    begin += size;
  }
  return out;
}

void XGBoostModel::fit(const FeatureMatrix &features, const std::vector<double> &throughputs,
                       const std::vector<unsigned> &groups) {
  if (features.size() != throughputs.size())
    throw TuneError("cost model: " + std::to_string(features.size()) + " feature rows but " +
                    std::to_string(throughputs.size()) + " throughputs");
  for (double t : throughputs)
    if (!std::isfinite(t))
      throw TuneError("cost model: a throughput is not finite");
  reset();
  if (features.empty())
    return;
  size_t width = 0;
  std::vector<float> data = flatten(features, width);
  std::vector<unsigned> sizes = checkedGroups(groups, features.size());
  std::vector<float> label = labels(throughputs, sizes);

  DMatrix train;
  KILN_XGB(XGDMatrixCreateFromMat(data.data(), features.size(), width, NAN, &train.handle));
  KILN_XGB(XGDMatrixSetFloatInfo(train.handle, "label", label.data(), label.size()));
  if (ranking_)
    KILN_XGB(XGDMatrixSetUIntInfo(train.handle, "group", sizes.data(), sizes.size()));
  BoosterHandle booster = nullptr;
  KILN_XGB(XGBoosterCreate(&train.handle, 1, &booster));
  try {
    KILN_XGB(XGBoosterSetParam(booster, "objective", objective()));
    KILN_XGB(XGBoosterSetParam(booster, "tree_method", options_.treeMethod.c_str()));
    KILN_XGB(XGBoosterSetParam(booster, "eta", "0.3"));
    KILN_XGB(XGBoosterSetParam(booster, "max_depth", std::to_string(options_.maxDepth).c_str()));
    KILN_XGB(XGBoosterSetParam(booster, "min_child_weight", "0"));
    KILN_XGB(XGBoosterSetParam(booster, "gamma", "0.0001"));
    setRuntimeParams(booster);
    for (int round = 0; round < options_.rounds; ++round)
      KILN_XGB(XGBoosterUpdateOneIter(booster, round, train.handle));
  } catch (...) {
    XGBoosterFree(booster);
    throw;
  }
  booster_ = booster;
  numFeatures_ = width;
}

std::vector<double> XGBoostModel::predict(const FeatureMatrix &features) {
  if (!booster_)
    throw TuneError("cost model '" + name() + "': predict before fit or load");
  if (features.empty())
    return {};
  size_t width = 0;
  std::vector<float> data = flatten(features, width);
  if (width != numFeatures_)
    throw TuneError("cost model '" + name() + "': rows have " + std::to_string(width) +
                    " features, the model was trained on " + std::to_string(numFeatures_));
  DMatrix matrix;
  KILN_XGB(XGDMatrixCreateFromMat(data.data(), features.size(), width, NAN, &matrix.handle));
  bst_ulong length = 0;
  const float *scores = nullptr;
  KILN_XGB(XGBoosterPredict(booster_, matrix.handle, 0, 0, 0, &length, &scores));
  if (length != features.size())
    throw TuneError("cost model: xgboost returned " + std::to_string(length) + " scores for " +
                    std::to_string(features.size()) + " rows");
  return std::vector<double>(scores, scores + length);
}

void XGBoostModel::save(const std::string &path) const {
  if (!booster_)
    throw TuneError("cost model '" + name() + "': nothing to save before fit or load");
  bst_ulong length = 0;
  const char *bytes = nullptr;
  KILN_XGB(XGBoosterSaveModelToBuffer(booster_, "{\"format\": \"json\"}", &length, &bytes));
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes, static_cast<std::streamsize>(length));
  out.close();
  if (!out)
    throw TuneError(path + ": cannot write the cost model");
}

void XGBoostModel::load(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw TuneError(path + ": cannot read the cost model");
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string bytes = buffer.str();
  BoosterHandle booster = nullptr;
  KILN_XGB(XGBoosterCreate(nullptr, 0, &booster));
  try {
    KILN_XGB(XGBoosterLoadModelFromBuffer(booster, bytes.data(), bytes.size()));
    bst_ulong length = 0;
    const char *config = nullptr;
    KILN_XGB(XGBoosterSaveJsonConfig(booster, &length, &config));
    nlohmann::json j = nlohmann::json::parse(std::string(config, length));
    std::string objective = j["learner"]["objective"]["name"].get<std::string>();
    if (objective != this->objective())
      throw TuneError(path + ": the model was trained with objective '" + objective + "', a '" +
                      name() + "' model uses '" + this->objective() + "'");
    setRuntimeParams(booster);
    bst_ulong width = 0;
    KILN_XGB(XGBoosterGetNumFeature(booster, &width));
    reset();
    booster_ = booster;
    numFeatures_ = width;
  } catch (const nlohmann::json::exception &e) {
    XGBoosterFree(booster);
    throw TuneError(path + ": unexpected xgboost model configuration: " + e.what());
  } catch (...) {
    XGBoosterFree(booster);
    throw;
  }
}

} // namespace

std::unique_ptr<CostModel> createXGBoostModel(bool ranking, const CostModelOptions &options) {
  return std::make_unique<XGBoostModel>(ranking, options);
}

} // namespace kiln::tune::detail
