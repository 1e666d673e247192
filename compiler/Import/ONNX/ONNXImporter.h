//===- ONNXImporter.h - ONNX model → kiln graph dialect (public API) ------===//
#ifndef KILN_COMPILER_IMPORT_ONNX_ONNXIMPORTER_H
#define KILN_COMPILER_IMPORT_ONNX_ONNXIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"

namespace kiln {

/// Options of an ONNX import.
struct ImportOptions {
  /// Overrides of input shapes by input name (e.g. a symbolic batch dim set to 1). The rank must
  /// match the declared one when the model declares a shape; naming an unknown input is an error.
  llvm::StringMap<llvm::SmallVector<int64_t>> inputShapes;
  /// Inputs fixed to values at compile time (e.g. a sample rate that selects an If branch):
  /// each becomes a constant of its declared (or overridden) static shape, one value per element
  /// in row-major order, and is no longer an input of the compiled model.
  llvm::StringMap<llvm::SmallVector<double>> inputValues;
  /// No input, initializer or node result may need more bytes than this (kiln-compile
  /// --max-tensor-bytes); the default is what an x86-64 process can address (2^47).
  uint64_t maxTensorBytes = uint64_t(1) << 47;
};

/// Reads an .onnx file and builds `module { func.func @main(...) }` in the kiln dialect.
/// Errors are emitted as MLIR diagnostics on `ctx` (the caller installs a handler) and name the
/// file, and where it applies the node name, op type and opset; the result is then failure().
/// External data is resolved relative to the file's folder.
mlir::FailureOr<mlir::OwningOpRef<mlir::ModuleOp>>
importONNXFile(mlir::MLIRContext &ctx, llvm::StringRef path, const ImportOptions &options = {});

/// Same from serialized ModelProto bytes; `modelDir` resolves external data ("" = none allowed);
/// `displayName` names the model in errors, locations and the `kiln.source` attribute.
mlir::FailureOr<mlir::OwningOpRef<mlir::ModuleOp>>
importONNXBytes(mlir::MLIRContext &ctx, llvm::StringRef bytes, llvm::StringRef modelDir,
                llvm::StringRef displayName, const ImportOptions &options = {});

/// The range of default-domain ("" / "ai.onnx") opsets the importer accepts.
constexpr int64_t kMinSupportedOpset = 1;
constexpr int64_t kMaxSupportedOpset = 17;

} // namespace kiln

#endif // KILN_COMPILER_IMPORT_ONNX_ONNXIMPORTER_H
