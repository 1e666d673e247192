//===- PackPlanWeights.h - weights laid out as the CPU kernels read them --===//
//
// kiln-cpu-pack-weight-panels may read a kernel's weight argument as panels [.., N / W, K, W]
// (compiler/Codegen/CPU/WeightPanels.h). It only does so for arguments that every step of
// the kernel fills with a weight (markWeightArgs, before codegen); after codegen the weights'
// bytes are permuted to match (packPlanWeights).
//
//===----------------------------------------------------------------------===//
#ifndef KILN_PIPELINE_PACKPLANWEIGHTS_H
#define KILN_PIPELINE_PACKPLANWEIGHTS_H

#include "compiler/Pipeline/ExecutionPlan.h"

#include <map>
#include <string>
#include <vector>

namespace kiln {
/// Marks (kWeightArgAttr) each kernel input that every step running the kernel fills with a
/// static weight that is not a view, and gives each input that every step fills with a
/// float32 weight the largest |x| over those weights (kMaxAbsArgAttr).
void markWeightArgs(mlir::ModuleOp module, const ExecutionPlan &plan);

/// Lays out the weights that kernels read packed (`packed`: kernel → [argument, W, G, ...],
/// panelShape's width and group). A weight every use of which reads it in the same layout is
/// permuted in place (its shape becomes the panels'; moved where the layout pads it, the bytes
/// it left dropped); otherwise the packing steps get a packed copy of their own.
void packPlanWeights(ExecutionPlan &plan,
                     const std::map<std::string, std::vector<int64_t>> &packed);
} // namespace kiln

#endif
