//===- TrainingSet.cpp - training sets from tuning records; pairwise ranking accuracy ---===//
#include "autotune/model/TrainingSet.h"
#include "autotune/TuningUtil.h"

#include <cmath>
#include <limits>
#include <map>

namespace kiln::tune {

void TrainingSet::addGroup(FeatureMatrix rows, std::vector<double> values) {
  if (rows.size() != values.size())
    throw TuneError("training set: " + std::to_string(rows.size()) + " feature rows but " +
                    std::to_string(values.size()) + " throughputs");
  if (rows.empty())
    return;
  groups.push_back(static_cast<unsigned>(rows.size()));
  for (size_t i = 0; i < rows.size(); ++i) {
    features.push_back(std::move(rows[i]));
    throughputs.push_back(values[i]);
  }
}

void TrainingSet::append(const TrainingSet &other) {
  features.insert(features.end(), other.features.begin(), other.features.end());
  throughputs.insert(throughputs.end(), other.throughputs.begin(), other.throughputs.end());
  groups.insert(groups.end(), other.groups.begin(), other.groups.end());
}

TrainingSet buildTrainingSet(const std::vector<TuningRecord> &records,
                             const TrainingSetOptions &options) {
  std::map<std::pair<std::string, std::string>, size_t> groupOf; // (workload, target) -> index
  std::vector<TrainingSet> groups;
  size_t width = 0;
  for (const TuningRecord &r : records) {
    if (r.features.empty() || r.featureVersion != options.featureVersion)
      continue;
    if (r.workload == options.excludeWorkload ||
        (!options.target.empty() && r.target != options.target))
      continue;
    if (!r.ok() && !options.includeFailures)
      continue;
    if (width == 0)
      width = r.features.size();
    if (r.features.size() != width)
      throw TuneError("training set: workload '" + r.workload + "' has " +
                      std::to_string(r.features.size()) + " features where earlier records of " +
                      "feature version " + std::to_string(r.featureVersion) + " have " +
                      std::to_string(width));
    auto key = std::make_pair(r.workload, r.target);
    auto [it, inserted] = groupOf.emplace(key, groups.size());
    if (inserted)
      groups.emplace_back();
    groups[it->second].features.push_back(r.features);
    groups[it->second].throughputs.push_back(r.throughput());
  }
  TrainingSet result;
  for (TrainingSet &g : groups)
    result.addGroup(std::move(g.features), std::move(g.throughputs));
  return result;
}

double pairwiseAccuracy(const std::vector<double> &predicted, const std::vector<double> &measured,
                        const std::vector<unsigned> &groups) {
  if (predicted.size() != measured.size())
    throw TuneError("pairwiseAccuracy: " + std::to_string(predicted.size()) + " predictions but " +
                    std::to_string(measured.size()) + " measurements");
  std::vector<unsigned> sizes = groups;
  if (sizes.empty())
    sizes.push_back(static_cast<unsigned>(measured.size()));
  double correct = 0;
  size_t pairs = 0, begin = 0;
  for (unsigned size : sizes) {
    size_t end = begin + size;
    if (end > measured.size())
      throw TuneError("pairwiseAccuracy: groups cover more rows than given");
    for (size_t i = begin; i < end; ++i) {
      for (size_t j = i + 1; j < end; ++j) {
        if (measured[i] == measured[j])
          continue;
        ++pairs;
        double dm = measured[i] - measured[j], dp = predicted[i] - predicted[j];
        if (dp == 0)
          correct += 0.5;
        else if ((dm > 0) == (dp > 0))
          correct += 1;
      }
    }
    begin = end;
  }
  if (pairs == 0)
    return std::numeric_limits<double>::quiet_NaN();
  return correct / static_cast<double>(pairs);
}

} // namespace kiln::tune
