//===- ExecutionPlan.cpp - @main → values, steps, weights, arena offsets ---===//
#include "compiler/Pipeline/ExecutionPlan.h"
#include "compiler/Pipeline/MemoryPlanner.h"

#include "kiln/Dialect/Graph/KilnDialect.h"
#include "kiln/Dialect/Graph/TensorBytes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"

using namespace mlir;

namespace kiln {
std::string dtypeName(Type t) {
  if (t.isF32()) return "float32";
  if (t.isF16()) return "float16";
  if (t.isF64()) return "float64";
  if (t.isInteger(1)) return "bool";
  if (t.isUnsignedInteger(8)) return "uint8";
  if (t.isUnsignedInteger(16)) return "uint16";
  if (t.isUnsignedInteger(32)) return "uint32";
  if (t.isUnsignedInteger(64)) return "uint64";
  if (t.isSignlessInteger(8) || t.isSignedInteger(8)) return "int8";
  if (t.isSignlessInteger(16)) return "int16";
  if (t.isSignlessInteger(32)) return "int32";
  if (t.isSignlessInteger(64)) return "int64";
  return "";
}

namespace {
int64_t elementBytes(Type t) { return t.isInteger(1) ? 1 : t.getIntOrFloatBitWidth() / 8; }

/// The most bytes a constant that is one value repeated (a splat: a few bytes in the IR) may
/// expand to in weights.bin; other constants are already held in memory at their size.
constexpr uint64_t kMaxSplatWeightBytes = uint64_t(1) << 30;

/// The bytes a constant takes in weights.bin (bools one byte each, splats expanded).
FailureOr<uint64_t> constantSize(kiln::ConstantOp cst) {
  auto dense = dyn_cast<DenseElementsAttr>(cst.getValue());
  if (!dense)
    return cst.emitError("kiln: constant is not a dense elements attribute");
  uint64_t total = 0;
  if (__builtin_mul_overflow(uint64_t(dense.getNumElements()),
                             uint64_t(elementBytes(dense.getElementType())), &total) ||
      (dense.isSplat() && total > kMaxSplatWeightBytes))
    return cst.emitError("kiln: a constant of ")
           << dense.getNumElements() << " elements of one value (" << cst.getType()
           << ") would take more than 1 GiB of weights; a result this large is not supported";
  return total;
}

/// Writes a constant's bytes as the runtime reads them to `out` (constantSize bytes).
void writeConstant(kiln::ConstantOp cst, char *out) {
  auto dense = cast<DenseElementsAttr>(cst.getValue());
  int64_t n = dense.getNumElements(), width = elementBytes(dense.getElementType());
  if (dense.getElementType().isInteger(1)) {
    int64_t i = 0;
    for (bool b : dense.getValues<bool>())
      out[i++] = b;
    return;
  }
  ArrayRef<char> raw = dense.getRawData();
  if (dense.isSplat()) {
    for (int64_t i = 0; i < n; ++i)
      memcpy(out + i * width, raw.data(), width);
    return;
  }
  if (n) // an empty constant has no data pointer (memcpy's are non-null)
    memcpy(out, raw.data(), n * width);
}

/// Static product and number of dynamic dims of `shape` from `from` on.
std::pair<int64_t, int64_t> suffixOf(ArrayRef<int64_t> shape, int64_t from) {
  int64_t product = 1, dynamic = 0;
  for (int64_t size : shape.drop_front(std::min<int64_t>(from, shape.size()))) {
    if (ShapedType::isDynamic(size))
      ++dynamic;
    else
      product *= size;
  }
  return {product, dynamic};
}

/// For each dim of a reshape's `result`: the dim of `source` it equals when both are dynamic,
/// as the importer recorded it (`dims_from`: the shape traced back to the input's dims), else
/// when every dim before it is the same in both and the dims after it have the same static
/// product and as many dynamic dims (a dim that merges several dynamic ones, [N, T, 8] ->
/// [N * T, 8], is not source dim 0 but left to infer); else -1. Fails when more than one
/// dynamic dim is left to infer from the element count.
FailureOr<std::vector<int64_t>> viewDims(kiln::ReshapeOp op) {
  auto source = cast<RankedTensorType>(op.getInput().getType());
  auto result = cast<RankedTensorType>(op.getType());
  std::vector<int64_t> from(result.getRank(), -1);
  std::optional<ArrayRef<int64_t>> recorded = op.getDimsFrom();
  int64_t inferred = 0;
  bool samePrefix = true;
  for (int64_t d = 0; d < result.getRank(); ++d) {
    bool inSource = d < source.getRank();
    if (result.isDynamicDim(d)) {
      if (recorded && (*recorded)[d] >= 0)
        from[d] = (*recorded)[d];
      else if (samePrefix && inSource && source.isDynamicDim(d) &&
               suffixOf(result.getShape(), d + 1) == suffixOf(source.getShape(), d + 1))
        from[d] = d;
      else
        ++inferred;
    }
    samePrefix = samePrefix && inSource && source.getDimSize(d) == result.getDimSize(d);
  }
  if (inferred > 1)
    return op->emitError("kiln: the execution plan cannot work out the dynamic dims of ")
           << result << " from " << source << " at run time";
  return from;
}

/// The ONNX node name in `loc` (a NameLoc, possibly inside a FusedLoc), or "".
std::string nodeName(Location loc) {
  if (auto name = dyn_cast<NameLoc>(loc))
    return name.getName().str();
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location inner : fused.getLocations())
      if (std::string name = nodeName(inner); !name.empty())
        return name;
  return "";
}

class PlanBuilder {
public:
  FailureOr<int64_t> addValue(Value v, PlanValue::Storage storage, int64_t time, int64_t root) {
    auto type = dyn_cast<RankedTensorType>(v.getType());
    if (!type)
      return emitError(v.getLoc(), "kiln: the execution plan needs ranked tensors, not ")
             << v.getType();
    if (!type.hasStaticShape() && storage == PlanValue::Storage::Weights)
      return emitError(v.getLoc(), "kiln: a constant with a dynamic shape: ") << v.getType();
    std::string dtype = dtypeName(type.getElementType());
    if (dtype.empty())
      return emitError(v.getLoc(), "kiln: unsupported element type ") << type.getElementType();
    PlanValue pv;
    pv.id = plan.values.size();
    pv.dtype = dtype;
    for (int64_t d : type.getShape())
      pv.shape.push_back(ShapedType::isDynamic(d) ? -1 : d);
    pv.storage = storage;
    plan.dynamic |= !type.hasStaticShape();
    pv.bytes = 0;
    if (type.hasStaticShape()) {
      // Past any process's address space (an overflow would also make the offsets wrap).
      std::optional<uint64_t> bytes = addressableBytes(type);
      if (!bytes) {
        std::string node = nodeName(v.getLoc());
        return emitError(v.getLoc(), "kiln: ")
               << (node.empty() ? std::string("a value") : "the result of node '" + node + "'")
               << " (" << type << ") needs more than 2^47 bytes (128 TiB), more than a "
               << "process can address";
      }
      pv.bytes = int64_t(*bytes);
    }
    plan.values.push_back(pv);
    roots.push_back(root < 0 ? pv.id : root);
    if (root < 0)
      lifetimes.push_back({pv.bytes, time, time});
    else
      lifetimes.push_back({0, time, time}); // views hold no bytes of their own
    ids[v] = pv.id;
    return pv.id;
  }

  /// Keeps `v`'s bytes live through `time`, and those of the shape values its view chain
  /// reads: the runtime may read a kernel-computed one only when it sizes `v`'s user.
  void use(Value v, int64_t time) {
    for (int64_t id = ids.lookup(v); id >= 0; id = plan.values[id].viewOf) {
      int64_t r = roots[id];
      lifetimes[r].last = std::max(lifetimes[r].last, time);
      if (int64_t shape = plan.values[id].shapeFrom; shape >= 0)
        lifetimes[roots[shape]].last = std::max(lifetimes[roots[shape]].last, time);
    }
  }

  /// Sizes weights.bin once for all of `main`'s constants: growing it constant by constant
  /// copied and zero-filled hundreds of MB (seconds of kiln-compile for ISNet's 700 MB).
  LogicalResult reserveWeights(func::FuncOp main) {
    uint64_t total = 0;
    for (auto cst : main.getBody().front().getOps<kiln::ConstantOp>()) {
      FailureOr<uint64_t> bytes = constantSize(cst);
      if (failed(bytes))
        return failure();
      constantBytes[cst.getOperation()] = *bytes;
      total = kiln::alignedWeightsOffset(total) + *bytes;
    }
    plan.weights.reserve(total);
    return success();
  }

  LogicalResult addConstant(kiln::ConstantOp cst) {
    auto id = addValue(cst.getResult(), PlanValue::Storage::Weights, 0, -1);
    if (failed(id))
      return failure();
    size_t offset = kiln::alignedWeightsOffset(plan.weights.size());
    plan.weights.resize(offset + constantBytes.lookup(cst.getOperation()));
    writeConstant(cst, plan.weights.data() + offset);
    plan.values[*id].offset = offset;
    return success();
  }

  LogicalResult addCall(func::CallOp call, int64_t time) {
    PlanStep step;
    step.kernel = call.getCallee().str();
    step.numOutputs = call.getNumResults();
    if (auto fn = call->getParentOfType<ModuleOp>().lookupSymbol<func::FuncOp>(call.getCallee()))
      if (auto op = fn->getAttrOfType<StringAttr>("kiln.op"))
        step.op = op.str();
    if (auto name = dyn_cast<NameLoc>(call.getLoc()))
      step.name = name.getName().str();
    for (Value v : call.getOperands()) {
      use(v, time);
      step.args.push_back(ids.lookup(v));
    }
    for (Value r : call.getResults()) {
      auto id = addValue(r, PlanValue::Storage::Arena, time, -1);
      if (failed(id))
        return failure();
      step.args.push_back(*id);
    }
    for (auto [position, id] : llvm::enumerate(step.args))
      for (auto [d, size] : llvm::enumerate(plan.values[id].shape))
        if (size < 0)
          step.dims.push_back({(int64_t)position, (int64_t)d});
    if (!step.dims.empty())
      step.shapeFunction = step.kernel + "_shape";
    plan.steps.push_back(std::move(step));
    return success();
  }

  LogicalResult build(func::FuncOp main) {
    if (failed(reserveWeights(main)))
      return failure();
    for (auto [i, arg] : llvm::enumerate(main.getArguments())) {
      auto name = main.getArgAttrOfType<StringAttr>(i, "kiln.name");
      auto id = addValue(arg, PlanValue::Storage::Arena, 0, -1);
      if (failed(id))
        return failure();
      plan.inputs.push_back({name ? name.str() : "input_" + std::to_string(i), *id});
    }
    int64_t time = 1;
    for (Operation &op : main.getBody().front()) {
      LogicalResult ok = success();
      if (auto cst = dyn_cast<kiln::ConstantOp>(op))
        ok = addConstant(cst);
      else if (auto reshape = dyn_cast<kiln::ReshapeOp>(op)) {
        int64_t src = ids.lookup(reshape.getInput());
        use(reshape.getInput(), time);
        auto id = addValue(reshape.getResult(), plan.values[src].storage, time, roots[src]);
        ok = failed(id) ? failure() : addView(reshape, *id, src);
      } else if (auto reshape = dyn_cast<kiln::ReshapeToOp>(op)) {
        ok = addValueShapedView(reshape, time);
      } else if (auto call = dyn_cast<func::CallOp>(op))
        ok = addCall(call, time++);
      else if (auto ret = dyn_cast<func::ReturnOp>(op)) {
        for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
          use(v, INT64_MAX);
          auto name = main.getResultAttrOfType<StringAttr>(i, "kiln.name");
          plan.outputs.push_back({name ? name.str() : "output_" + std::to_string(i), ids.lookup(v)});
        }
      } else
        return op.emitError("kiln: the execution plan cannot hold op ") << op.getName();
      if (failed(ok))
        return failure();
    }
    placeArenaValues();
    return success();
  }

  LogicalResult addView(kiln::ReshapeOp reshape, int64_t id, int64_t src) {
    PlanValue &view = plan.values[id];
    view.viewOf = src;
    auto result = cast<RankedTensorType>(reshape.getType());
    if (result.hasStaticShape())
      return success();
    auto dims = viewDims(reshape);
    if (failed(dims))
      return failure();
    view.dimsFrom = std::move(*dims);
    return success();
  }

  /// A kiln.reshape_to: a view of its input whose dims the runtime reads from its shape value.
  LogicalResult addValueShapedView(kiln::ReshapeToOp reshape, int64_t time) {
    int64_t src = ids.lookup(reshape.getInput()), shape = ids.lookup(reshape.getShape());
    use(reshape.getInput(), time);
    auto id = addValue(reshape.getResult(), plan.values[src].storage, time, roots[src]);
    if (failed(id))
      return failure();
    plan.values[*id].viewOf = src;
    plan.values[*id].shapeFrom = shape;
    plan.values[*id].shapeMode = reshape.getMode().str();
    plan.values[*id].node = nodeName(reshape.getLoc());
    return success();
  }

  void placeArenaValues() {
    for (PlanValue &v : plan.values)
      if (roots[v.id] == v.id) {
        v.firstStep = lifetimes[v.id].first;
        v.lastStep = std::min<int64_t>(lifetimes[v.id].last, plan.steps.size() + 1);
      }
    if (plan.dynamic)
      return; // sizes are known at run time only: the runtime places every arena buffer
    std::vector<size_t> arenaRoots;
    std::vector<BufferLifetime> buffers;
    for (const PlanValue &v : plan.values)
      if (v.storage == PlanValue::Storage::Arena && roots[v.id] == v.id) {
        arenaRoots.push_back(v.id);
        buffers.push_back(lifetimes[v.id]);
      }
    std::vector<int64_t> offsets = planArena(buffers, plan.arenaBytes);
    for (size_t i = 0; i < arenaRoots.size(); ++i)
      plan.values[arenaRoots[i]].offset = offsets[i];
    for (PlanValue &v : plan.values)
      v.offset = plan.values[roots[v.id]].offset;
  }

  ExecutionPlan plan;

private:
  DenseMap<Value, int64_t> ids;
  /// Bytes of each constant in weights.bin (reserveWeights).
  DenseMap<Operation *, uint64_t> constantBytes;
  std::vector<int64_t> roots;
  std::vector<BufferLifetime> lifetimes;
};
} // namespace

LogicalResult addShapeValueArgs(ModuleOp module, ExecutionPlan &plan) {
  std::vector<int64_t> roots(plan.values.size());
  for (const PlanValue &v : plan.values)
    roots[v.id] = v.viewOf < 0 ? v.id : roots[v.viewOf];
  for (PlanStep &step : plan.steps) {
    auto fn = module.lookupSymbol<func::FuncOp>(step.shapeFunction);
    auto args = fn ? fn->getAttrOfType<DenseI64ArrayAttr>("kiln.value_args") : nullptr;
    if (!args)
      continue;
    for (size_t i = 0; i + 1 < args.size(); i += 2)
      step.valueArgs.push_back({args[i], args[i + 1]});
  }
  return success();
}

FailureOr<ExecutionPlan> buildExecutionPlan(func::FuncOp main) {
  PlanBuilder builder;
  if (failed(builder.build(main)))
    return failure();
  return std::move(builder.plan);
}
} // namespace kiln

uint64_t kiln::alignedWeightsOffset(uint64_t bytes) { return (bytes + 63) / 64 * 64; }
