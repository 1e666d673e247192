//===- KilnOps.td - every op of the kiln graph dialect --------------------===//
#ifndef KILN_OPS_TD
#define KILN_OPS_TD

include "kiln/Dialect/Graph/KilnBase.td"
include "kiln/Dialect/Graph/KilnElementwiseOps.td"
include "kiln/Dialect/Graph/KilnNNOps.td"
include "kiln/Dialect/Graph/KilnTensorOps.td"
include "kiln/Dialect/Graph/KilnStructureOps.td"
include "kiln/Dialect/Graph/KilnWinogradOps.td"
include "kiln/Dialect/Graph/KilnDepthwiseOps.td"
include "kiln/Dialect/Graph/KilnDynamicOps.td"
include "kiln/Dialect/Graph/KilnRecurrentOps.td"
include "kiln/Dialect/Graph/KilnQuantizedOps.td"

#endif // KILN_OPS_TD
