// libFuzzer target: ONNX model bytes through the importer, the verifier and the compiler's
// front end (graph passes, kernel outlining, the execution plan, kiln → linalg).
//
// Every input must end in a clean diagnostic or a valid module: a crash, a sanitizer report,
// a verifier failure after a successful import, or a run past libFuzzer's -timeout is a bug.
#include "compiler/Import/ONNX/ONNXImporter.h"
#include "compiler/Pipeline/Compiler.h"
#include "compiler/Pipeline/Registration.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const mlir::DialectRegistry *registry = [] {
    auto *r = new mlir::DialectRegistry();
    kiln::registerKilnDialects(*r);
    kiln::registerKilnPasses();
    return r;
  }();
  mlir::MLIRContext ctx(*registry, mlir::MLIRContext::Threading::DISABLED);
  ctx.loadAllAvailableDialects();
  // Diagnostics are the expected outcome of most inputs: count them, print none.
  mlir::ScopedDiagnosticHandler quiet(&ctx, [](mlir::Diagnostic &) { return mlir::success(); });
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  // No model folder: external data must fail cleanly, never read outside it.
  auto module = kiln::importONNXBytes(ctx, bytes, "/nonexistent-kiln-fuzz", "fuzz.onnx");
  if (mlir::failed(module))
    return 0;
  if (mlir::failed(mlir::verify(**module))) {
    llvm::errs() << "kiln fuzz: the importer returned a module that does not verify\n";
    std::abort();
  }
  (void)kiln::lowerToLinalgKernels(**module, "x86-64-v4");
  return 0;
}
