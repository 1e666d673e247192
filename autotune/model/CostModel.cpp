//===- CostModel.cpp - the "random" cost model and the cost-model name registry ---===//
#include "autotune/model/CostModel.h"
#include "autotune/TuningUtil.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <functional>
#include <map>

namespace kiln::tune {
namespace {

/// Uniform random scores from a seeded engine: the baseline that knows nothing.
class RandomModel final : public CostModel {
public:
  explicit RandomModel(uint64_t seed) : seed_(seed), rng_(seed) {}

  void fit(const FeatureMatrix &features, const std::vector<double> &throughputs,
           const std::vector<unsigned> &) override {
    if (features.size() != throughputs.size())
      throw TuneError("cost model: " + std::to_string(features.size()) + " feature rows but " +
                      std::to_string(throughputs.size()) + " throughputs");
  }
  std::vector<double> predict(const FeatureMatrix &features) override {
    std::vector<double> scores(features.size());
    for (double &s : scores)
      s = uniformReal(rng_);
    return scores;
  }
  void save(const std::string &path) const override {
    std::ofstream out(path, std::ios::trunc);
    out << nlohmann::json{{"model", "random"}, {"seed", seed_}}.dump() << "\n";
    out.close();
    if (!out)
      throw TuneError(path + ": cannot write the cost model");
  }
  void load(const std::string &path) override {
    std::ifstream in(path);
    if (!in)
      throw TuneError(path + ": cannot read the cost model");
    nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_discarded() || !j.is_object() || j.value("model", "") != "random" ||
        !j.contains("seed") || !j["seed"].is_number_unsigned())
      throw TuneError(path + ": not a 'random' cost model file");
    seed_ = j["seed"].get<uint64_t>();
    rng_.seed(seed_);
  }
  bool trained() const override { return true; }
  std::string name() const override { return "random"; }

private:
  uint64_t seed_;
  Rng rng_;
};

using Factory = std::function<std::unique_ptr<CostModel>(const CostModelOptions &)>;

const std::map<std::string, Factory> &registry() {
  static const std::map<std::string, Factory> factories = {
      {"xgb", [](const CostModelOptions &o) { return detail::createXGBoostModel(true, o); }},
      {"xgb-reg", [](const CostModelOptions &o) { return detail::createXGBoostModel(false, o); }},
      {"random", [](const CostModelOptions &o) { return std::make_unique<RandomModel>(o.seed); }},
  };
  return factories;
}

} // namespace

std::vector<std::string> costModelNames() {
  std::vector<std::string> names;
  for (const auto &entry : registry())
    names.push_back(entry.first);
  return names;
}

std::unique_ptr<CostModel> createCostModel(const std::string &name,
                                           const CostModelOptions &options) {
  auto it = registry().find(name);
  if (it != registry().end())
    return it->second(options);
  std::string known;
  for (const std::string &n : costModelNames())
    known += (known.empty() ? "" : ", ") + n;
  throw TuneError("unknown cost model '" + name + "' (known: " + known + ")");
}

} // namespace kiln::tune
