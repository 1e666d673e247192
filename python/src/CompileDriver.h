//===- CompileDriver.h - one compile of an ONNX model, errors collected as text -===//
#ifndef KILN_PYTHON_COMPILEDRIVER_H
#define KILN_PYTHON_COMPILEDRIVER_H

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace kiln::python {

/// What to compile and how. Exactly one of `modelPath` / `modelBytes` is used (`fromBytes`).
struct CompileRequest {
  std::string modelPath;  ///< an .onnx file (external data resolved beside it)
  std::string modelBytes; ///< a serialized ModelProto (no external data)
  bool fromBytes = false;
  std::string displayName;  ///< names the model in errors (bytes only; a path names itself)
  std::string artifactPath; ///< the artifact folder to write (unused with `compileTo`)
  std::string target = "cpu";
  std::string cpu = "host";
  std::map<std::string, std::vector<int64_t>> inputShapes;
  std::map<std::string, std::vector<double>> inputValues; ///< ImportOptions::inputValues
  std::string compileTo; ///< a phase: stop there and return its IR; "" = write the artifact
  bool progress = false; ///< the compiler's per-phase timing lines on stderr
  std::string tuningDb;  ///< a tuning database whose best schedules are applied ("" = none)
  bool fuse = true;      ///< CompileOptions::fuse
  int winograd = 0;      ///< -1: no Winograd convolutions; 0: the heuristic's; 2 or 4: forced
};

/// The outcome: `ok`, the IR text (with `compileTo`), and every diagnostic as text.
struct CompileResult {
  bool ok = false;
  std::string ir;
  std::vector<std::string> errors;
  std::vector<std::string> warnings;
};

/// Runs the compiler in a fresh MLIRContext. Never throws and never touches Python (the caller
/// may release the GIL); failures come back as `ok == false` with the collected error messages.
CompileResult compile(const CompileRequest &request);

/// Fills the global pass registry once per process (the codegen pipeline names upstream passes
/// textually, as in kiln-compile).
void registerPassesOnce();

/// The pipeline's phase names, in order.
std::vector<std::string> phases(const std::string &target = "cpu");

} // namespace kiln::python

#endif
