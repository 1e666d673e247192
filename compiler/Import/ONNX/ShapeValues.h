//===- ShapeValues.h - ONNX shape operands known only at run time → kiln --===//
//
// A "shape value" (a Reshape shape, Unsqueeze/Squeeze axes, an Expand or ConstantOfShape
// shape, Range's start/limit/delta) that is neither a constant nor traceable to dims stays a
// tensor operand of a kiln op whose result rank is static (the static length of the operand)
// and whose value-dependent dims are `?`. The runtime computes those dims from the operand's
// host data (docs/design.md, "Dynamic shapes").
//
//===----------------------------------------------------------------------===//
#ifndef KILN_IMPORT_ONNX_SHAPEVALUES_H
#define KILN_IMPORT_ONNX_SHAPEVALUES_H

#include "compiler/Import/ONNX/NodeContext.h"

namespace kiln::importer {
/// Reshape (`mode` "reshape" or "reshape_allowzero"), Unsqueeze ("unsqueeze") or Squeeze
/// ("squeeze") of input 0 by the run-time values of input 1: a kiln.reshape_to view.
LogicalResult convertRunTimeReshape(NodeContext &n, llvm::StringRef mode);
/// Expand of input 0 to the run-time shape in input 1.
LogicalResult convertRunTimeExpand(NodeContext &n);
/// ConstantOfShape of the run-time shape in input 0, filled with `fill`.
LogicalResult convertRunTimeConstantOfShape(NodeContext &n, TypedAttr fill);
/// Range whose start, limit or delta is known only at run time.
LogicalResult convertRunTimeRange(NodeContext &n);
/// Slice (opset 10+) whose starts, ends, axes or steps are known only at run time; absent
/// axes/steps become constants.
LogicalResult convertRunTimeSlice(NodeContext &n);
/// Tile whose repeats are known only at run time.
LogicalResult convertRunTimeTile(NodeContext &n);
/// Pad (opset 11+) whose pads or constant_value are known only at run time.
LogicalResult convertRunTimePad(NodeContext &n);
} // namespace kiln::importer

#endif
