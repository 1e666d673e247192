//===- ONNXImporter.cpp - the public entry points: read an .onnx file or bytes -===//
#include "compiler/Import/ONNX/ONNXImporter.h"

#include "compiler/Import/ONNX/GraphImporter.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <limits>

namespace kiln {

mlir::FailureOr<mlir::OwningOpRef<mlir::ModuleOp>>
importONNXBytes(mlir::MLIRContext &ctx, llvm::StringRef bytes, llvm::StringRef modelDir,
                llvm::StringRef displayName, const ImportOptions &options) {
  mlir::Location loc =
      mlir::FileLineColLoc::get(&ctx, llvm::sys::path::filename(displayName), 0, 0);
  if (bytes.size() > (size_t)std::numeric_limits<int>::max()) {
    mlir::emitError(loc) << displayName
                         << ": the model is larger than 2 GiB; keep its weights in external data";
    return mlir::failure();
  }
  onnx::ModelProto model;
  if (!model.ParseFromArray(bytes.data(), (int)bytes.size())) {
    mlir::emitError(loc) << displayName
                         << ": not a valid ONNX model (the protobuf does not parse: a truncated "
                            "or non-ONNX file?)";
    return mlir::failure();
  }
  if (!model.has_graph()) {
    mlir::emitError(loc) << displayName << ": not an ONNX model (the ModelProto has no graph)";
    return mlir::failure();
  }
  return kiln::importer::importModel(ctx, model, displayName, modelDir, options);
}

mlir::FailureOr<mlir::OwningOpRef<mlir::ModuleOp>>
importONNXFile(mlir::MLIRContext &ctx, llvm::StringRef path, const ImportOptions &options) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer) {
    mlir::emitError(mlir::FileLineColLoc::get(&ctx, llvm::sys::path::filename(path), 0, 0))
        << path << ": cannot read the model: " << buffer.getError().message();
    return mlir::failure();
  }
  llvm::StringRef dir = llvm::sys::path::parent_path(path);
  return importONNXBytes(ctx, (*buffer)->getBuffer(), dir.empty() ? "." : dir, path, options);
}

} // namespace kiln
