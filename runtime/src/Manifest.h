// The parsed, validated manifest.json of a Kiln artifact (docs/artifact.md).
#ifndef KILN_RUNTIME_SRC_MANIFEST_H
#define KILN_RUNTIME_SRC_MANIFEST_H

#include "kiln/runtime.h"

#include <cstdint>
#include <string>
#include <vector>

namespace kiln {

/// Where a value's bytes live.
enum class Storage { Arena, Weights };

/// One tensor of the plan.
struct ValueInfo {
  int64_t id = 0;
  kiln_dtype dtype = KILN_DTYPE_FLOAT32;
  std::vector<int64_t> shape; ///< -1: a dim known at run time (format version 2)
  Storage storage = Storage::Arena;
  uint64_t offset = 0;
  uint64_t bytes = 0; ///< 0 when the shape has a dynamic dim
  // Format version 2 only:
  int64_t viewOf = -1;          ///< index of the value this one is a view of, or -1
  std::vector<int64_t> dimsFrom; ///< a dynamic view's dims: dim of `viewOf`, or -1
  /// A view whose dims follow the int64 values of value `shapeFrom` (read on the host) as
  /// `shapeMode` says: "reshape", "reshape_allowzero", "unsqueeze", "squeeze"; or -1.
  int64_t shapeFrom = -1;
  std::string shapeMode;
  std::string node; ///< the ONNX node of a view with `shapeFrom`, for errors
  bool hasLive = false;         ///< whether the manifest gave the lifetime below
  int64_t firstStep = 0;        ///< lifetime of an arena buffer that is no view
  int64_t lastStep = 0;
  bool isDynamic() const;
};

/// A named model input or output bound to a value.
struct Binding {
  std::string name;
  size_t value = 0; ///< index into Manifest::values
};

/// One kernel call: `kernel(args)`, the last `numOutputs` args written.
struct Step {
  std::string kernel;
  std::vector<size_t> args; ///< indices into Manifest::values
  size_t numOutputs = 0;
  std::string op;
  std::string name;
  /// Format version 2: (position in `args`, dim) of each dynamic dim of the args, passed
  /// after the pointers; the inputs' ones go to `shapeFunction`, which returns the outputs'
  /// ones and a consistency flag.
  std::vector<std::pair<size_t, size_t>> dims;
  std::string shapeFunction;
  /// Shape values: (position in `args`, element) of input elements whose bits, zero-extended
  /// to int64, follow the input dims in the shape function's `in` (host data: inputs, weights).
  std::vector<std::pair<size_t, size_t>> valueArgs;
};

/// Everything the runtime reads from manifest.json.
struct Manifest {
  std::string path; ///< manifest.json path, used in error messages
  std::string targetKind;
  std::string targetCpu;              ///< the compiler's --cpu, for messages
  std::vector<std::string> targetIsa; ///< ISA extensions the kernels may use (may be empty)
  uint64_t arenaBytes = 0;
  uint64_t weightsBytes = 0;
  std::vector<ValueInfo> values;
  std::vector<Binding> inputs;
  std::vector<Binding> outputs;
  std::vector<Step> steps;
  int64_t formatVersion = 1;
  bool dynamic = false; ///< some value has a dynamic dim
  bool readsValues = false; ///< some dims follow the values of inputs (shape values)
  /// Every alias of a value is a view naming it (`views_recorded`, or format version 2):
  /// kernels may then read the inputs in place rather than from a copy in the arena.
  bool viewsRecorded = false;

  /// The value whose bytes value `index` shares: itself, or the root of its view chain.
  size_t viewRoot(size_t index) const {
    while (values[index].viewOf >= 0)
      index = size_t(values[index].viewOf);
    return index;
  }
};

/// The format name and the newest version this runtime reads (it reads 1 and 2; version
/// 2 adds dynamic dims).
constexpr const char *kFormatName = "kiln-artifact";
constexpr int64_t kFormatVersion = 2;

/// Parses and validates manifest text; `path` names it in errors. Throws
/// kiln::Error (KILN_ERROR_INVALID_ARTIFACT) naming the file and the problem.
Manifest parseManifest(const std::string &text, const std::string &path);

/// Reads and parses `<dir>/manifest.json`.
Manifest readManifest(const std::string &dir);

/// Checks the cross-references of a parsed manifest: sizes, ranges, ids,
/// step arguments. Called by parseManifest.
void validateManifest(const Manifest &manifest);

} // namespace kiln

#endif // KILN_RUNTIME_SRC_MANIFEST_H
