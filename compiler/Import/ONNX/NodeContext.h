//===- NodeContext.h - what an ONNX op converter sees of the node it converts -===//
#ifndef KILN_COMPILER_IMPORT_ONNX_NODECONTEXT_H
#define KILN_COMPILER_IMPORT_ONNX_NODECONTEXT_H

#include "kiln/Dialect/Graph/KilnDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "onnx/onnx_pb.h"

#include <functional>
#include <string>

namespace kiln::importer {
// The importer is written in MLIR's vocabulary (Value, Type, ArrayRef, ...).
using namespace mlir;

/// What the converters of one model share: the builder (inserting at the end of @main) and the
/// model's folder for external data ("" = none allowed).
struct ImportEnv {
  OpBuilder &builder;
  std::string modelDir;
  /// Imports a subgraph (an If branch, a Scan body) at the builder's position with its inputs
  /// bound to `inputs`; names it does not define resolve in the enclosing graphs. Returns its
  /// outputs, or fails with the error of the node that failed.
  std::function<FailureOr<SmallVector<Value>>(const onnx::GraphProto &, ArrayRef<Value>)>
      importSubgraph;
};

/// One ONNX node being converted: its resolved inputs, typed attribute access, op creation with
/// shape inference + verification + folding, result binding, and error reporting. Errors are
/// emitted at the node's location; the importer prefixes them with file, node, op and opset.
class NodeContext {
public:
  NodeContext(const ImportEnv &env, const onnx::NodeProto &node, Location loc, int64_t opset,
              SmallVector<Value> inputs);

  const onnx::NodeProto &node() const { return node_; }
  llvm::StringRef opType() const { return node_.op_type(); }
  /// The model's default-domain opset.
  int64_t opset() const { return opset_; }
  Location loc() const { return loc_; }
  OpBuilder &builder() const { return env_.builder; }
  MLIRContext *context() const { return env_.builder.getContext(); }

  // Inputs. Optional inputs may be absent (fewer inputs or an empty name): input() is then null.
  unsigned numInputs() const { return inputs_.size(); }
  bool hasInput(unsigned i) const { return i < inputs_.size() && inputs_[i]; }
  Value input(unsigned i) const { return hasInput(i) ? inputs_[i] : Value(); }
  RankedTensorType inputType(unsigned i) const;
  /// The integer values of input `i`, which must fold to a constant; `what` names it in errors.
  FailureOr<SmallVector<int64_t>> constantInts(unsigned i, llvm::StringRef what);
  /// constantInts() of a shape input: every value must also be non-negative.
  FailureOr<SmallVector<int64_t>> constantShape(unsigned i, llvm::StringRef what);
  /// Whether input `i` is present and known only at run time: it neither folds to a constant
  /// nor traces back to constants (ShapeTrace.h).
  bool isRunTimeValue(unsigned i) const;
  /// The values of input `i` (float or integer), which must fold to a constant, as doubles.
  FailureOr<SmallVector<double>> constantFloats(unsigned i, llvm::StringRef what);
  /// The value of input `i`, a constant with one element, as a double.
  FailureOr<double> constantScalar(unsigned i, llvm::StringRef what);

  // Attributes. A present attribute of the wrong kind is reported and the default returned;
  // the importer then fails the node (see hasAttributeError()).
  bool hasAttr(llvm::StringRef name) const { return findAttr(name) != nullptr; }
  int64_t attrInt(llvm::StringRef name, int64_t dflt);
  double attrFloat(llvm::StringRef name, double dflt);
  std::string attrString(llvm::StringRef name, llvm::StringRef dflt);
  SmallVector<int64_t> attrInts(llvm::StringRef name, ArrayRef<int64_t> dflt = {});
  SmallVector<double> attrFloats(llvm::StringRef name);
  /// The tensor attribute `name`, or null when absent (or of another kind, reported).
  const onnx::TensorProto *attrTensor(llvm::StringRef name);
  bool hasAttributeError() const { return attributeError_; }

  /// The graph attribute `name`, or null when absent (or of another kind, reported).
  const onnx::GraphProto *attrGraph(llvm::StringRef name);
  /// Imports `graph` inline (ImportEnv::importSubgraph).
  FailureOr<SmallVector<Value>> importSubgraph(const onnx::GraphProto &graph,
                                               ArrayRef<Value> inputs) {
    return env_.importSubgraph(graph, inputs);
  }

  /// The constant of a TensorProto (inline or external data).
  FailureOr<DenseElementsAttr> tensorValue(const onnx::TensorProto &tensor);

  /// Builds an op whose result type is inferred (InferTypeOpInterface), verifies and folds it.
  template <typename OpTy, typename... Args> FailureOr<Value> create(Args &&...args);
  /// Builds an op with an explicit result type, verifies and folds it.
  template <typename OpTy, typename... Args>
  FailureOr<Value> createTyped(Type resultType, Args &&...args);
  /// Builds an op with several explicit result types and verifies it (no folding).
  template <typename OpTy, typename... Args>
  FailureOr<Operation *> createMultiResult(TypeRange resultTypes, Args &&...args);
  /// A kiln.constant.
  Value constant(DenseElementsAttr value);
  /// A rank-0 constant of `elementType` holding `value` (integers must be integral).
  FailureOr<Value> scalar(Type elementType, double value);
  /// A kiln.reshape of `input` to `shape` (dims may be dynamic); `dimsFrom` (per result dim,
  /// the input dim it equals or -1) is recorded on it when it names any.
  FailureOr<Value> reshape(Value input, ArrayRef<int64_t> shape, ArrayRef<int64_t> dimsFrom = {});

  /// Binds output 0 (after a failure, just propagates it).
  LogicalResult setResult(FailureOr<Value> value);
  /// Binds outputs 0..n-1. Outputs the node names but the converter leaves unbound are errors.
  LogicalResult setResults(ArrayRef<Value> values);
  ArrayRef<Value> results() const { return results_; }

  /// Emits `what` at the node and returns failure.
  LogicalResult fail(const llvm::Twine &what);
  /// `axis` in [-rank, rank) made non-negative; out of range is an error naming `what`.
  FailureOr<int64_t> normalizeAxis(int64_t axis, int64_t rank, llvm::StringRef what = "axis");

private:
  const onnx::AttributeProto *findAttr(llvm::StringRef name) const;
  const onnx::AttributeProto *typedAttr(llvm::StringRef name, int kind, llvm::StringRef kindName);
  FailureOr<DenseElementsAttr> constantInput(unsigned i, llvm::StringRef what);
  FailureOr<Value> insertAndFold(OperationState &state);
  FailureOr<Operation *> insertAndVerify(OperationState &state);

  const ImportEnv &env_;
  const onnx::NodeProto &node_;
  Location loc_;
  int64_t opset_;
  SmallVector<Value> inputs_;
  SmallVector<Value> results_;
  bool attributeError_ = false;
};

template <typename OpTy, typename... Args> FailureOr<Value> NodeContext::create(Args &&...args) {
  static_assert(OpTy::template hasTrait<InferTypeOpInterface::Trait>(),
                "ops without type inference are built with createTyped");
  OperationState state(loc_, OperationName(OpTy::getOperationName(), context()));
  OpTy::build(builder(), state, Type(), std::forward<Args>(args)...);
  SmallVector<Type, 1> types;
  // Inference emits why it fails at loc_ (the generated builders would abort instead).
  if (failed(OpTy::inferReturnTypes(context(), loc_, state.operands,
                                    state.attributes.getDictionary(context()),
                                    state.getRawProperties(), state.regions, types)))
    return failure();
  state.types.assign(types.begin(), types.end());
  return insertAndFold(state);
}

template <typename OpTy, typename... Args>
FailureOr<Value> NodeContext::createTyped(Type resultType, Args &&...args) {
  OperationState state(loc_, OperationName(OpTy::getOperationName(), context()));
  OpTy::build(builder(), state, resultType, std::forward<Args>(args)...);
  return insertAndFold(state);
}

template <typename OpTy, typename... Args>
FailureOr<Operation *> NodeContext::createMultiResult(TypeRange resultTypes, Args &&...args) {
  OperationState state(loc_, OperationName(OpTy::getOperationName(), context()));
  OpTy::build(builder(), state, resultTypes, std::forward<Args>(args)...);
  return insertAndVerify(state);
}

} // namespace kiln::importer

#endif // KILN_COMPILER_IMPORT_ONNX_NODECONTEXT_H
