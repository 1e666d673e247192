//===- ConverterRegistry.cpp - lookup of ONNX op converters by opset ------===//
#include "compiler/Import/ONNX/ConverterRegistry.h"

#include "llvm/ADT/STLExtras.h"

#include <algorithm>

using namespace mlir;
using namespace kiln::importer;

void ConverterRegistry::add(llvm::StringRef opType, int64_t sinceVersion, ConverterFn fn,
                            Arity arity) {
  auto &entries = converters[opType];
  assert(llvm::none_of(entries, [&](const Entry &e) { return e.sinceVersion == sinceVersion; }) &&
         "converter registered twice for the same (op, version)");
  entries.push_back({sinceVersion, fn, arity});
  llvm::sort(entries,
             [](const Entry &a, const Entry &b) { return a.sinceVersion < b.sinceVersion; });
}

ConverterRegistry::Match ConverterRegistry::lookup(llvm::StringRef opType, int64_t opset) const {
  auto it = converters.find(opType);
  if (it == converters.end())
    return {};
  Match match;
  match.firstSupportedOpset = it->second.front().sinceVersion;
  for (const Entry &e : it->second)
    if (e.sinceVersion <= opset) {
      match.fn = e.fn;
      match.arity = e.arity;
    }
  return match;
}

llvm::SmallVector<llvm::StringRef> ConverterRegistry::opTypes() const {
  llvm::SmallVector<llvm::StringRef> names;
  for (const auto &entry : converters)
    names.push_back(entry.getKey());
  llvm::sort(names);
  return names;
}

const ConverterRegistry &ConverterRegistry::get() {
  static const ConverterRegistry registry = [] {
    ConverterRegistry r;
    registerMathConverters(r);
    registerLogicConverters(r);
    registerIndexConverters(r);
    registerNormalizationConverters(r);
    registerLossConverters(r);
    registerRecurrentConverters(r);
    registerEinsumConverters(r);
    registerActivationConverters(r);
    registerNNConverters(r);
    registerPoolingConverters(r);
    registerReductionConverters(r);
    registerTensorConverters(r);
    registerShapeConverters(r);
    registerQuantizationConverters(r);
    registerPermuteConverters(r);
    registerGridSampleConverter(r);
    registerCumSumConverter(r);
    registerResizeConverters(r);
    registerSelectionConverters(r);
    registerRandomConverters(r);
    registerSignalConverters(r);
    registerTextConverters(r);
    registerControlFlowConverters(r);
    return r;
  }();
  return registry;
}
