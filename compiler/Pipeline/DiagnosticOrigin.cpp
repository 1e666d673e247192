//===- DiagnosticOrigin.cpp - the model file and ONNX node of a diagnostic -===//
#include "compiler/Pipeline/DiagnosticOrigin.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Location.h"
#include "llvm/ADT/StringRef.h"

#include <functional>

namespace kiln {
std::string diagnosticOrigin(const mlir::Diagnostic &diag) {
  std::string file, node;
  std::function<void(mlir::Location)> walk = [&](mlir::Location loc) {
    if (auto name = mlir::dyn_cast<mlir::NameLoc>(loc)) {
      if (node.empty())
        node = name.getName().str();
      walk(name.getChildLoc());
    } else if (auto fileLoc = mlir::dyn_cast<mlir::FileLineColLoc>(loc)) {
      if (file.empty())
        file = fileLoc.getFilename().str();
    } else if (auto fused = mlir::dyn_cast<mlir::FusedLoc>(loc)) {
      for (mlir::Location inner : fused.getLocations())
        walk(inner);
    }
  };
  walk(diag.getLocation());
  std::string text = diag.str();
  if (node.empty() || llvm::StringRef(text).contains("node '"))
    return "";
  return (file.empty() ? "" : file + ": ") + "node '" + node + "': ";
}
} // namespace kiln
