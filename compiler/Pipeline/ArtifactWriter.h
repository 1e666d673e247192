//===- ArtifactWriter.h - writes manifest.json and weights.bin ------------===//
#ifndef KILN_PIPELINE_ARTIFACTWRITER_H
#define KILN_PIPELINE_ARTIFACTWRITER_H

#include "compiler/Pipeline/ExecutionPlan.h"

#include "llvm/Support/JSON.h"

namespace kiln {
/// Metadata recorded next to the plan (docs/artifact.md).
struct ArtifactInfo {
  std::string target = "cpu";
  std::string cpu;                   ///< as requested (--cpu)
  std::string cpuName;               ///< resolved ("host" → this machine's CPU)
  std::vector<std::string> isa;      ///< ISA extensions the kernels may use
  std::string triple;
  std::string sourceModel;
  std::string producer;
  int64_t opset = 0;
  std::vector<std::string> tuningRecordsUsed; ///< "<workload key> <spec>" per applied record
  /// The target's own description of its kernels (e.g. GPU dispatches), written as
  /// "kernels_<target>" when not empty.
  llvm::json::Object deviceKernels;
};

/// The manifest as JSON (format version 1).
llvm::json::Value manifestJSON(const ExecutionPlan &plan, const ArtifactInfo &info);

/// Writes `dir/manifest.json` and `dir/weights.bin`; `error` says what failed.
bool writeArtifactFiles(llvm::StringRef dir, const ExecutionPlan &plan, const ArtifactInfo &info,
                        std::string &error);
} // namespace kiln

#endif
