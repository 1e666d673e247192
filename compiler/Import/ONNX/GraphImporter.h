//===- GraphImporter.h - a parsed ONNX ModelProto → module with func @main ---===//
#ifndef KILN_COMPILER_IMPORT_ONNX_GRAPHIMPORTER_H
#define KILN_COMPILER_IMPORT_ONNX_GRAPHIMPORTER_H

#include "compiler/Import/ONNX/ONNXImporter.h"

#include "onnx/onnx_pb.h"

namespace kiln::importer {
// The importer is written in MLIR's vocabulary (Value, Type, ArrayRef, ...).
using namespace mlir;

/// Builds the kiln module of `model`: signature from the graph inputs/outputs, initializers and
/// Constant nodes as kiln.constant, one converter call per node. `displayName` names the model
/// in errors; `modelDir` resolves external data ("" = none allowed).
FailureOr<OwningOpRef<ModuleOp>> importModel(MLIRContext &ctx, const onnx::ModelProto &model,
                                             llvm::StringRef displayName, llvm::StringRef modelDir,
                                             const ::kiln::ImportOptions &options);

} // namespace kiln::importer

#endif // KILN_COMPILER_IMPORT_ONNX_GRAPHIMPORTER_H
