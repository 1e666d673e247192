//===- GraphImporter.cpp - walks an ONNX graph and calls one converter per node -===//
#include "compiler/Import/ONNX/GraphImporter.h"

#include "compiler/Import/ONNX/ConverterRegistry.h"
#include "compiler/Import/ONNX/NodeContext.h"
#include "compiler/Import/ONNX/NodeOrder.h"
#include "compiler/Import/ONNX/TensorImport.h"

#include "kiln/Dialect/Graph/TensorBytes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/ScopeExit.h"

#include <cmath>
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Path.h"

using namespace mlir;
using namespace kiln::importer;

namespace {
/// Imports one model: lives for one importModel() call. `values` maps ONNX value names to the
/// SSA values built so far; initializers become constants on first use.
class GraphImporter {
public:
  GraphImporter(MLIRContext &ctx, const onnx::ModelProto &model, llvm::StringRef displayName,
                llvm::StringRef modelDir, const ::kiln::ImportOptions &options)
      : ctx(ctx), model(model), graph(model.graph()), displayName(displayName.str()),
        options(options), builder(&ctx), env{builder, modelDir.str(), {}},
        fileLoc(FileLineColLoc::get(&ctx, llvm::sys::path::filename(displayName), 0, 0)) {
    env.importSubgraph = [this](const onnx::GraphProto &g, ArrayRef<Value> inputs) {
      return importSubgraph(g, inputs);
    };
  }

  FailureOr<OwningOpRef<ModuleOp>> run();

private:
  LogicalResult error(const llvm::Twine &what);
  LogicalResult readOpset();
  LogicalResult collectInitializers();
  FailureOr<RankedTensorType> inputType(const onnx::ValueInfoProto &info);
  FailureOr<RankedTensorType> declaredInputType(const onnx::ValueInfoProto &info);
  FailureOr<DenseElementsAttr> fixedInputValue(const std::string &name, RankedTensorType type,
                                               ArrayRef<double> given);
  FailureOr<func::FuncOp> buildSignature(ModuleOp module);
  FailureOr<Value> lookup(llvm::StringRef name);
  LogicalResult resolveInputs(const onnx::NodeProto &node, SmallVectorImpl<Value> &inputs,
                              std::string &missing);
  LogicalResult importNode(const onnx::NodeProto &node, size_t index);
  LogicalResult convertNode(const onnx::NodeProto &node, Location loc, SmallVector<Value> inputs);
  LogicalResult bindOutputs(NodeContext &node);
  LogicalResult buildReturn(func::FuncOp func);
  /// "2^47 bytes (128 TiB), more than a process can address" or the --max-tensor-bytes limit.
  std::string tensorLimitText() const {
    if (options.maxTensorBytes >= kiln::kMaxTensorBytes)
      return "2^47 bytes (128 TiB), more than a process can address";
    return kiln::formatBytes(options.maxTensorBytes) + ", the limit of --max-tensor-bytes";
  }
  FailureOr<SmallVector<Value>> importSubgraph(const onnx::GraphProto &subgraph,
                                               ArrayRef<Value> inputs);

  MLIRContext &ctx;
  const onnx::ModelProto &model;
  const onnx::GraphProto &graph;
  std::string displayName;
  const ::kiln::ImportOptions &options;
  OpBuilder builder;
  ImportEnv env;
  Location fileLoc;
  int64_t opset = 0;
  llvm::StringMap<Value> values;
  llvm::StringMap<const onnx::TensorProto *> initializers;
};
} // namespace

LogicalResult GraphImporter::error(const llvm::Twine &what) {
  emitError(fileLoc) << displayName << ": " << what;
  return failure();
}

LogicalResult GraphImporter::readOpset() {
  for (const onnx::OperatorSetIdProto &id : model.opset_import())
    if (id.domain().empty() || id.domain() == "ai.onnx")
      opset = id.version();
  if (opset == 0)
    return error("the model imports no default-domain (ai.onnx) opset");
  if (opset < ::kiln::kMinSupportedOpset || opset > ::kiln::kMaxSupportedOpset)
    return error("opset " + llvm::Twine(opset) + " is not supported (Kiln supports opsets " +
                 llvm::Twine(::kiln::kMinSupportedOpset) + " to " +
                 llvm::Twine(::kiln::kMaxSupportedOpset) + ")");
  return success();
}

LogicalResult GraphImporter::collectInitializers() {
  for (const onnx::TensorProto &t : graph.initializer())
    if (!initializers.try_emplace(t.name(), &t).second)
      return error("initializer '" + t.name() + "' is defined twice");
  if (graph.sparse_initializer_size())
    return error("sparse initializers are not supported");
  return success();
}

FailureOr<RankedTensorType> GraphImporter::inputType(const onnx::ValueInfoProto &info) {
  FailureOr<RankedTensorType> type = declaredInputType(info);
  if (succeeded(type) && !kiln::addressableBytes(*type, options.maxTensorBytes)) {
    std::string shape;
    llvm::raw_string_ostream os(shape);
    os << *type;
    return error("input '" + info.name() + "' (" + shape + ") needs more than " +
                 tensorLimitText());
  }
  return type;
}

FailureOr<RankedTensorType>
GraphImporter::declaredInputType(const onnx::ValueInfoProto &info) {
  const std::string &name = info.name();
  if (!info.type().has_tensor_type())
    return error("input '" + name + "' is not a tensor");
  const onnx::TypeProto::Tensor &tensor = info.type().tensor_type();
  Type elementType = convertElementType(&ctx, tensor.elem_type());
  if (!elementType)
    return error("input '" + name + "' has unsupported element type " +
                 dataTypeName(tensor.elem_type()));
  SmallVector<int64_t> shape;
  for (const onnx::TensorShapeProto::Dimension &d : tensor.shape().dim()) {
    if (d.has_dim_value() && d.dim_value() < 0)
      return error("input '" + name + "' has a negative dim");
    shape.push_back(d.has_dim_value() ? d.dim_value() : ShapedType::kDynamic);
  }
  auto override = options.inputShapes.find(name);
  if (override == options.inputShapes.end()) {
    if (!tensor.has_shape())
      return error("input '" + name + "' has no shape (unknown rank); give one in the options");
    return RankedTensorType::get(shape, elementType);
  }
  ArrayRef<int64_t> given = override->second;
  if (tensor.has_shape() && given.size() != shape.size())
    return error("the shape override of input '" + name + "' has rank " +
                 llvm::Twine(given.size()) + "; the model declares rank " +
                 llvm::Twine(shape.size()));
  for (size_t d = 0; d < given.size(); ++d) {
    if (given[d] < 0)
      return error("the shape override of input '" + name + "' has a negative dim");
    if (tensor.has_shape() && !ShapedType::isDynamic(shape[d]) && shape[d] != given[d])
      return error("the shape override of input '" + name + "' sets dim " + llvm::Twine(d) +
                   " to " + llvm::Twine(given[d]) + "; the model declares " +
                   llvm::Twine(shape[d]));
  }
  return RankedTensorType::get(given, elementType);
}

FailureOr<func::FuncOp> GraphImporter::buildSignature(ModuleOp module) {
  SmallVector<Type> argTypes;
  SmallVector<std::string> argNames, inputNames;
  SmallVector<std::pair<std::string, DenseElementsAttr>> fixed;
  for (const onnx::ValueInfoProto &info : graph.input()) {
    if (initializers.count(info.name()))
      continue; // an initializer listed as an input (IR < 4): a constant, not an argument
    FailureOr<RankedTensorType> type = inputType(info);
    if (failed(type))
      return failure();
    inputNames.push_back(info.name());
    if (auto value = options.inputValues.find(info.name()); value != options.inputValues.end()) {
      FailureOr<DenseElementsAttr> attr = fixedInputValue(info.name(), *type, value->second);
      if (failed(attr))
        return failure();
      fixed.emplace_back(info.name(), *attr);
      continue;
    }
    argTypes.push_back(*type);
    argNames.push_back(info.name());
  }
  for (const auto &entry : options.inputShapes)
    if (!llvm::is_contained(inputNames, entry.getKey().str()))
      return error("a shape override names '" + entry.getKey() +
                   "', which is not an input of the model");
  for (const auto &entry : options.inputValues)
    if (!llvm::is_contained(inputNames, entry.getKey().str()))
      return error("--input-value names '" + entry.getKey() +
                   "', which is not an input of the model");
  builder.setInsertionPointToEnd(module.getBody());
  auto func = builder.create<func::FuncOp>(fileLoc, "main", builder.getFunctionType(argTypes, {}));
  Block *entry = func.addEntryBlock();
  for (auto [i, name] : llvm::enumerate(argNames)) {
    if (!values.try_emplace(name, entry->getArgument(i)).second)
      return error("input '" + name + "' is listed twice");
    func.setArgAttr(i, "kiln.name", builder.getStringAttr(name));
    entry->getArgument(i).setLoc(NameLoc::get(builder.getStringAttr(name), fileLoc));
  }
  builder.setInsertionPointToEnd(entry);
  for (auto &[name, attr] : fixed)
    if (!values
             .try_emplace(name, builder.create<kiln::ConstantOp>(
                                    NameLoc::get(builder.getStringAttr(name), fileLoc), attr))
             .second)
      return error("input '" + name + "' is listed twice");
  return func;
}

FailureOr<DenseElementsAttr> GraphImporter::fixedInputValue(const std::string &name,
                                                            RankedTensorType type,
                                                            ArrayRef<double> given) {
  if (!type.hasStaticShape() || type.getNumElements() != int64_t(given.size())) {
    std::string text;
    llvm::raw_string_ostream os(text);
    os << type;
    return error("--input-value gives " + llvm::Twine(given.size()) + " value(s) for input '" +
                 name + "' of type " + text +
                 (type.hasStaticShape() ? "" : " (fix its shape with --input-shape)"));
  }
  Type element = type.getElementType();
  if (auto floatType = dyn_cast<FloatType>(element)) {
    SmallVector<APFloat> values;
    for (double v : given) {
      APFloat f(v);
      bool lost;
      f.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
      values.push_back(f);
    }
    return DenseElementsAttr::get(type, values);
  }
  if (!element.isIntOrIndex())
    return error("--input-value: input '" + name + "' is neither integer nor float");
  unsigned width = element.getIntOrFloatBitWidth();
  SmallVector<APInt> values;
  for (double v : given) {
    if (v != std::floor(v))
      return error("--input-value: input '" + name + "' is an integer, got " + std::to_string(v));
    values.push_back(element.isUnsignedInteger() ? APInt(width, uint64_t(v))
                                                 : APInt(width, int64_t(v), /*isSigned=*/true));
  }
  return DenseElementsAttr::get(type, values);
}

FailureOr<Value> GraphImporter::lookup(llvm::StringRef name) {
  if (Value v = values.lookup(name))
    return v;
  auto init = initializers.find(name);
  if (init == initializers.end())
    return Value();
  std::string why;
  FailureOr<DenseElementsAttr> value = convertTensor(*init->second, &ctx, env.modelDir, why);
  if (failed(value))
    return error("initializer " + why);
  Location loc = NameLoc::get(builder.getStringAttr(name), fileLoc);
  Value constant = builder.create<kiln::ConstantOp>(loc, *value);
  values[name] = constant;
  return constant;
}

LogicalResult GraphImporter::resolveInputs(const onnx::NodeProto &node,
                                           SmallVectorImpl<Value> &inputs, std::string &missing) {
  for (const std::string &inputName : node.input()) {
    FailureOr<Value> v = inputName.empty() ? FailureOr<Value>(Value()) : lookup(inputName);
    if (failed(v))
      return failure();
    if (!*v && !inputName.empty() && missing.empty())
      missing = inputName;
    inputs.push_back(*v);
  }
  return success();
}

LogicalResult GraphImporter::importNode(const onnx::NodeProto &node, size_t index) {
  std::string name =
      node.name().empty() ? node.op_type() + "_" + std::to_string(index) : node.name();
  Location loc = NameLoc::get(builder.getStringAttr(name), fileLoc);
  SmallVector<Value> inputs;
  std::string missing;
  if (failed(resolveInputs(node, inputs, missing)))
    return failure();
  SmallVector<std::string> messages;
  LogicalResult result = success();
  {
    // Errors of converters, shape inference and verifiers are gathered, then prefixed.
    ScopedDiagnosticHandler capture(&ctx, [&](Diagnostic &diag) {
      if (diag.getSeverity() != DiagnosticSeverity::Error)
        return failure();
      messages.push_back(diag.str());
      return success();
    });
    if (!missing.empty())
      result = emitError(loc) << "input '" << missing
                              << "' is not a graph input, an initializer or an output of an "
                                 "earlier node";
    else
      result = convertNode(node, loc, std::move(inputs));
  }
  if (succeeded(result))
    return success();
  emitError(loc) << displayName << ": node '" << name << "' (" << node.op_type() << ", opset "
                 << opset << "): "
                 << (messages.empty() ? std::string("the conversion failed")
                                      : llvm::join(messages, "; "));
  return failure();
}

/// Why `inputs` do not fit `arity`, or "" when they do.
static std::string arityError(const Arity &arity, ArrayRef<Value> inputs) {
  size_t used = inputs.size(); // trailing empty names are absent optional inputs
  while (used > 0 && !inputs[used - 1])
    --used;
  if (used > arity.max)
    return ("has " + llvm::Twine(used) + " inputs; the converter for this opset takes at most " +
            llvm::Twine(arity.max))
        .str();
  for (unsigned i = 0; i < arity.min; ++i)
    if (i >= inputs.size() || !inputs[i])
      return ("input #" + llvm::Twine(i) + " is required").str();
  return "";
}

LogicalResult GraphImporter::convertNode(const onnx::NodeProto &node, Location loc,
                                         SmallVector<Value> inputs) {
  if (!node.domain().empty() && node.domain() != "ai.onnx")
    return emitError(loc) << "the op domain '" << node.domain() << "' is not supported";
  ConverterRegistry::Match match = ConverterRegistry::get().lookup(node.op_type(), opset);
  if (!match.fn && match.firstSupportedOpset == 0)
    return emitError(loc) << "the op is not supported";
  if (!match.fn)
    return emitError(loc) << "the op is only supported from opset " << match.firstSupportedOpset
                          << " on";
  std::string arity = arityError(match.arity, inputs);
  if (!arity.empty())
    return emitError(loc) << arity;
  NodeContext context(env, node, loc, opset, std::move(inputs));
  if (failed(match.fn(context)) || context.hasAttributeError())
    return failure();
  return bindOutputs(context);
}

LogicalResult GraphImporter::bindOutputs(NodeContext &node) {
  ArrayRef<Value> results = node.results();
  for (auto [i, name] : llvm::enumerate(node.node().output())) {
    if (name.empty())
      continue; // an optional output nobody reads
    if (i >= results.size() || !results[i])
      return node.fail("output #" + llvm::Twine(i) + " ('" + name + "') is not supported");
    if (values.count(name) || initializers.count(name))
      return node.fail("output '" + name + "' is already defined");
    // Checked here, before any later node or pass sizes, folds or allocates it.
    auto type = dyn_cast<RankedTensorType>(results[i].getType());
    if (type && !kiln::addressableBytes(type, options.maxTensorBytes)) {
      std::string text;
      llvm::raw_string_ostream os(text);
      os << type;
      return node.fail("output '" + name + "' (" + text + ") needs more than " +
                       tensorLimitText());
    }
    values[name] = results[i];
  }
  return success();
}

LogicalResult GraphImporter::buildReturn(func::FuncOp func) {
  SmallVector<Value> results;
  for (const onnx::ValueInfoProto &output : graph.output()) {
    FailureOr<Value> v = lookup(output.name());
    if (failed(v))
      return failure();
    if (!*v)
      return error("graph output '" + output.name() + "' is not produced by any node");
    results.push_back(*v);
  }
  builder.create<func::ReturnOp>(fileLoc, results);
  func.setType(builder.getFunctionType(func.getArgumentTypes(), ValueRange(results).getTypes()));
  for (auto [i, output] : llvm::enumerate(graph.output()))
    func.setResultAttr(i, "kiln.name", builder.getStringAttr(output.name()));
  return success();
}

FailureOr<SmallVector<Value>> GraphImporter::importSubgraph(const onnx::GraphProto &subgraph,
                                                            ArrayRef<Value> inputs) {
  if ((int64_t)inputs.size() != subgraph.input_size()) {
    emitError(fileLoc) << "subgraph '" << subgraph.name() << "' takes " << subgraph.input_size()
                       << " inputs, given " << inputs.size();
    return failure();
  }
  if (subgraph.sparse_initializer_size()) {
    emitError(fileLoc) << "subgraph '" << subgraph.name() << "': sparse initializers";
    return failure();
  }
  // The subgraph's names shadow the enclosing ones until it is imported.
  llvm::StringMap<Value> outerValues = values;
  llvm::StringMap<const onnx::TensorProto *> outerInitializers = initializers;
  auto restore = llvm::make_scope_exit([&] {
    values = std::move(outerValues);
    initializers = std::move(outerInitializers);
  });
  for (const onnx::TensorProto &t : subgraph.initializer()) {
    values.erase(t.name());
    initializers[t.name()] = &t;
  }
  for (auto [info, v] : llvm::zip(subgraph.input(), inputs))
    values[info.name()] = v;
  for (int index : topologicalNodeOrder(subgraph))
    if (failed(importNode(subgraph.node(index), index)))
      return failure();
  SmallVector<Value> results;
  for (const onnx::ValueInfoProto &output : subgraph.output()) {
    FailureOr<Value> v = lookup(output.name());
    if (failed(v))
      return failure();
    if (!*v) {
      emitError(fileLoc) << "subgraph output '" << output.name() << "' is not produced";
      return failure();
    }
    results.push_back(*v);
  }
  return results;
}

/// Erases ops that folding at import left unused (e.g. a weight whose only use, a transpose,
/// folded into a new constant), so @main holds each weight once.
static void eraseDeadOps(func::FuncOp func) {
  for (Operation &op : llvm::make_early_inc_range(llvm::reverse(func.getBody().front())))
    if (isOpTriviallyDead(&op))
      op.erase();
}

FailureOr<OwningOpRef<ModuleOp>> GraphImporter::run() {
  ctx.loadDialect<func::FuncDialect, kiln::KilnDialect>();
  if (failed(readOpset()) || failed(collectInitializers()))
    return failure();
  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  (*module)->setAttr("kiln.source", builder.getStringAttr(llvm::sys::path::filename(displayName)));
  (*module)->setAttr("kiln.opset", builder.getI64IntegerAttr(opset));
  (*module)->setAttr("kiln.producer", builder.getStringAttr(model.producer_name()));
  FailureOr<func::FuncOp> func = buildSignature(*module);
  if (failed(func))
    return failure();
  for (int index : topologicalNodeOrder(graph))
    if (failed(importNode(graph.node(index), index)))
      return failure();
  if (failed(buildReturn(*func)))
    return failure();
  eraseDeadOps(*func);
  if (failed(verify(*module)))
    return failure();
  return module;
}

FailureOr<OwningOpRef<ModuleOp>> kiln::importer::importModel(MLIRContext &ctx,
                                                             const onnx::ModelProto &model,
                                                             llvm::StringRef displayName,
                                                             llvm::StringRef modelDir,
                                                             const ::kiln::ImportOptions &options) {
  return GraphImporter(ctx, model, displayName, modelDir, options).run();
}
