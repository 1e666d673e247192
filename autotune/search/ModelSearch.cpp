//===- ModelSearch.cpp - the "xgb" strategy: simulated annealing over cost-model scores ---===//
//
// Each batch: chains start from the best measured configs and random ones; every step moves
// each chain to a random neighbour (one knob, one value index), all proposals scored in one
// predict call, accepted when better or with probability exp(Δ/T) as T cools to zero. The
// unvisited configs seen, and every neighbour of the best few measured configs, are ranked by
// score; each pick takes the next one, or with chance ε a uniform random config. Before there
// is a model (a cold start knows only the default schedule's time), a share of the batch is
// neighbours of the best measured configs and the rest uniform random. After every update the
// model is refit on all data so far (plus the prior records of other workloads, if any).
//
//===----------------------------------------------------------------------===//
#include "autotune/search/StrategyBase.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_map>

namespace kiln::tune::detail {
namespace {

class ModelSearch final : public StrategyBase {
public:
  ModelSearch(const SearchSpace &space, const SearchOptions &options);

  std::vector<Config> nextBatch(size_t n) override;
  void update(const std::vector<Measurement> &measurements) override;
  std::vector<double> score(const std::vector<Config> &configs) override {
    return modelReady_ ? predictConfigs(configs) : std::vector<double>{};
  }
  std::string name() const override { return "xgb"; }

private:
  const std::vector<float> &featuresOf(const Config &config);
  std::vector<double> predictConfigs(const std::vector<Config> &configs);
  std::vector<Config> elites(size_t count) const;
  std::vector<Config> unvisitedNeighbours() const;
  std::vector<Config> startPoints();
  std::vector<Config> anneal();
  void takeNeighbours(size_t count, std::vector<Config> &batch);
  void retrain();

  SearchOptions options_;
  std::unique_ptr<CostModel> model_;
  bool modelReady_ = false;
  std::unordered_map<Config, std::vector<float>, ConfigHash> cache_;
  FeatureMatrix measuredFeatures_;
  std::vector<double> throughputs_;
  std::vector<std::pair<double, Config>> succeeded_; ///< (throughput, config) of successes
};

ModelSearch::ModelSearch(const SearchSpace &space, const SearchOptions &options)
    : StrategyBase(space, options.seed), options_(options) {
  if (!options_.features)
    throw TuneError("search strategy 'xgb' needs a feature function (SearchOptions::features)");
  if (!(options_.epsilon >= 0 && options_.epsilon <= 1))
    throw TuneError("search strategy 'xgb': epsilon must be in [0, 1]");
  if (options_.population == 0)
    throw TuneError("search strategy 'xgb': population must be at least 1");
  CostModelOptions modelOptions = options_.model;
  modelOptions.seed = options_.seed;
  model_ = createCostModel(options_.costModel, modelOptions);
  if (options_.prior.size() > 0)
    retrain();
}

const std::vector<float> &ModelSearch::featuresOf(const Config &config) {
  auto it = cache_.find(config);
  if (it == cache_.end())
    it = cache_.emplace(config, options_.features(config)).first;
  return it->second;
}

std::vector<double> ModelSearch::predictConfigs(const std::vector<Config> &configs) {
  FeatureMatrix rows;
  rows.reserve(configs.size());
  for (const Config &config : configs)
    rows.push_back(featuresOf(config));
  return model_->predict(rows);
}

/// Up to `count` measured configs, the fastest first.
std::vector<Config> ModelSearch::elites(size_t count) const {
  std::vector<std::pair<double, Config>> best = succeeded_;
  std::sort(best.begin(), best.end(), [](const auto &a, const auto &b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  std::vector<Config> points;
  for (size_t i = 0; i < best.size() && points.size() < count; ++i)
    points.push_back(best[i].second);
  return points;
}

/// The unvisited neighbours of the best measured configs (options' neighbourhoods and reach).
std::vector<Config> ModelSearch::unvisitedNeighbours() const {
  std::vector<Config> near;
  for (const Config &elite : elites(options_.neighbourhoods))
    for (Config &c : neighbours(space_, elite, options_.neighbourReach))
      if (!isVisited(c))
        near.push_back(std::move(c));
  return near;
}

std::vector<Config> ModelSearch::startPoints() {
  std::vector<Config> points = elites(std::max<size_t>(1, options_.population / 2));
  while (points.size() < options_.population)
    points.push_back(randomConfig(space_, rng_));
  return points;
}

/// The standard deviation of `values` (0 for fewer than two).
double spread(const std::vector<double> &values) {
  if (values.size() < 2)
    return 0;
  double mean = 0, var = 0;
  for (double v : values)
    mean += v / values.size();
  for (double v : values)
    var += (v - mean) * (v - mean) / values.size();
  return std::sqrt(var);
}

std::vector<Config> ModelSearch::anneal() {
  if (cache_.size() > options_.featureCacheLimit)
    cache_.clear();
  std::vector<Config> points = startPoints();
  std::vector<double> scores = predictConfigs(points);
  std::map<Config, double> found; // unvisited configs seen, with their scores
  for (size_t i = 0; i < points.size(); ++i)
    if (!isVisited(points[i]))
      found.emplace(points[i], scores[i]);
  // Every neighbour of the best measured configs competes too: the model picks among them.
  std::vector<Config> near = unvisitedNeighbours();
  std::vector<double> nearScores = predictConfigs(near);
  for (size_t i = 0; i < near.size(); ++i)
    found.emplace(near[i], nearScores[i]);
  const double scale = options_.temperature * spread(scores);
  for (size_t step = 0; step < options_.annealSteps; ++step) {
    double t = scale * (1.0 - static_cast<double>(step) / options_.annealSteps);
    std::vector<Config> proposals;
    for (const Config &p : points)
      proposals.push_back(randomNeighbour(space_, p, rng_));
    std::vector<double> proposed = predictConfigs(proposals);
    for (size_t i = 0; i < points.size(); ++i) {
      double delta = proposed[i] - scores[i];
      bool accept = delta >= 0 || (t > 0 && uniformReal(rng_) < std::exp(delta / t));
      if (!isVisited(proposals[i]))
        found.emplace(proposals[i], proposed[i]);
      if (accept) {
        points[i] = std::move(proposals[i]);
        scores[i] = proposed[i];
      }
    }
  }
  std::vector<std::pair<double, Config>> ranked;
  for (auto &[config, s] : found)
    ranked.emplace_back(s, config);
  std::sort(ranked.begin(), ranked.end(), [](const auto &a, const auto &b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  std::vector<Config> result;
  for (auto &entry : ranked)
    result.push_back(std::move(entry.second));
  return result;
}

void ModelSearch::takeNeighbours(size_t count, std::vector<Config> &batch) {
  std::vector<Config> near = unvisitedNeighbours();
  for (size_t i = near.size(); i > 1; --i) // seeded shuffle
    std::swap(near[i - 1], near[uniformIndex(rng_, i)]);
  for (size_t i = 0; i < near.size() && batch.size() < count; ++i)
    if (markVisited(near[i]))
      batch.push_back(near[i]);
}

std::vector<Config> ModelSearch::nextBatch(size_t n) {
  std::vector<Config> ranked, batch;
  if (modelReady_ && n > 0)
    ranked = anneal();
  else
    takeNeighbours(static_cast<size_t>(std::lround(options_.localShare * n)), batch);
  size_t next = 0;
  while (batch.size() < n) {
    std::optional<Config> pick;
    bool explore = uniformReal(rng_) < options_.epsilon;
    while (!explore && !pick && next < ranked.size()) {
      if (markVisited(ranked[next]))
        pick = ranked[next];
      ++next;
    }
    if (!pick)
      pick = takeUnvisited();
    if (!pick)
      break;
    batch.push_back(std::move(*pick));
  }
  return batch;
}

void ModelSearch::update(const std::vector<Measurement> &measurements) {
  for (const Measurement &m : measurements) {
    checkMeasured(m);
    markVisited(m.config);
    measuredFeatures_.push_back(featuresOf(m.config));
    throughputs_.push_back(throughputOf(m));
    if (m.ok())
      succeeded_.emplace_back(throughputs_.back(), m.config);
  }
  if (!measurements.empty())
    retrain();
}

void ModelSearch::retrain() {
  // Without prior data the model needs two different measured throughputs to rank anything.
  bool informative = options_.prior.size() > 0;
  for (double t : throughputs_)
    informative = informative || t != throughputs_.front();
  if (!informative)
    return;
  TrainingSet data = options_.prior;
  data.addGroup(measuredFeatures_, throughputs_);
  model_->fit(data.features, data.throughputs, data.groups);
  modelReady_ = model_->trained();
}

} // namespace

std::unique_ptr<SearchStrategy> createModelSearch(const SearchSpace &space,
                                                  const SearchOptions &options) {
  return std::make_unique<ModelSearch>(space, options);
}

} // namespace kiln::tune::detail
