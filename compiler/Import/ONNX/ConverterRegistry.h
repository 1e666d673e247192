//===- ConverterRegistry.h - ONNX op converters by (op type, since-opset) -===//
#ifndef KILN_COMPILER_IMPORT_ONNX_CONVERTERREGISTRY_H
#define KILN_COMPILER_IMPORT_ONNX_CONVERTERREGISTRY_H

#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"

namespace kiln::importer {
// The importer is written in MLIR's vocabulary (Value, Type, ArrayRef, ...).
using namespace mlir;

class NodeContext;

/// Converts one ONNX node: reads its inputs and attributes from the context, builds kiln ops and
/// binds the node's outputs. Returns failure after emitting an error through the context.
using ConverterFn = LogicalResult (*)(NodeContext &);

/// How many inputs a converter accepts: the first `min` must be present (non-empty names), and
/// a node with more than `max` input slots is rejected.
struct Arity {
  unsigned min = 1;
  unsigned max = 1;
  static constexpr unsigned kUnbounded = ~0u;
};

/// Every converter, keyed by default-domain op type and the opset version it is valid from.
class ConverterRegistry {
public:
  /// The result of a lookup: the converter to use, or null with the smallest opset any converter
  /// of that op type starts at (0 when the op type is unknown).
  struct Match {
    ConverterFn fn = nullptr;
    Arity arity;
    int64_t firstSupportedOpset = 0;
  };

  /// Registers `fn` for `opType` at opsets >= `sinceVersion` (until a later registration).
  void add(llvm::StringRef opType, int64_t sinceVersion, ConverterFn fn, Arity arity = {});
  /// The converter with the greatest since-version <= `opset`.
  Match lookup(llvm::StringRef opType, int64_t opset) const;
  /// Every registered op type, sorted (for docs and tests).
  llvm::SmallVector<llvm::StringRef> opTypes() const;

  /// The registry holding every converter of the importer (built on first use).
  static const ConverterRegistry &get();

private:
  struct Entry {
    int64_t sinceVersion;
    ConverterFn fn;
    Arity arity;
  };
  llvm::StringMap<llvm::SmallVector<Entry, 2>> converters;
};

// One registration function per category file.
void registerMathConverters(ConverterRegistry &registry);
void registerLogicConverters(ConverterRegistry &registry);
void registerIndexConverters(ConverterRegistry &registry);
void registerNormalizationConverters(ConverterRegistry &registry);
void registerLossConverters(ConverterRegistry &registry);
void registerRecurrentConverters(ConverterRegistry &registry);
void registerEinsumConverters(ConverterRegistry &registry);
void registerActivationConverters(ConverterRegistry &registry);
void registerNNConverters(ConverterRegistry &registry);
void registerPoolingConverters(ConverterRegistry &registry);
void registerReductionConverters(ConverterRegistry &registry);
void registerTensorConverters(ConverterRegistry &registry);
void registerShapeConverters(ConverterRegistry &registry);
void registerQuantizationConverters(ConverterRegistry &registry);
void registerPermuteConverters(ConverterRegistry &registry);
void registerGridSampleConverter(ConverterRegistry &registry);
void registerCumSumConverter(ConverterRegistry &registry);
void registerResizeConverters(ConverterRegistry &registry);
void registerSelectionConverters(ConverterRegistry &registry);
void registerRandomConverters(ConverterRegistry &registry);
void registerSignalConverters(ConverterRegistry &registry);
void registerTextConverters(ConverterRegistry &registry);
void registerControlFlowConverters(ConverterRegistry &registry);

} // namespace kiln::importer

#endif // KILN_COMPILER_IMPORT_ONNX_CONVERTERREGISTRY_H
