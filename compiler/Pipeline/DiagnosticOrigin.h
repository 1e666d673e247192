//===- DiagnosticOrigin.h - the model file and ONNX node a diagnostic comes from ===//
//
// Shared by kiln-compile and the Python API, so that every compile error names its node.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_PIPELINE_DIAGNOSTICORIGIN_H
#define KILN_PIPELINE_DIAGNOSTICORIGIN_H

#include "mlir/IR/Diagnostics.h"

#include <string>

namespace kiln {
/// "model.onnx: node 'n': " read from a diagnostic's location (a later phase's diagnostics
/// carry the node's NameLoc); "" when the message already names a node (the importer's) or
/// the location has none.
std::string diagnosticOrigin(const mlir::Diagnostic &diag);
} // namespace kiln

#endif // KILN_PIPELINE_DIAGNOSTICORIGIN_H
