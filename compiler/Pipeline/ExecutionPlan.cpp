//===- ExecutionPlan.cpp - @main → values, steps, weights, arena offsets ---===//
#include "compiler/Pipeline/ExecutionPlan.h"
#include "compiler/Pipeline/MemoryPlanner.h"

#include "kiln/Dialect/Graph/KilnDialect.h"
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

/// The bytes of a constant as the runtime reads them (bools one byte each, splats expanded).
FailureOr<std::vector<char>> constantBytes(kiln::ConstantOp cst) {
  auto dense = dyn_cast<DenseElementsAttr>(cst.getValue());
  if (!dense)
    return cst.emitError("kiln: constant is not a dense elements attribute");
  int64_t n = dense.getNumElements(), width = elementBytes(dense.getElementType());
  std::vector<char> out(n * width);
  if (dense.getElementType().isInteger(1)) {
    int64_t i = 0;
    for (bool b : dense.getValues<bool>())
      out[i++] = b;
    return out;
  }
  ArrayRef<char> raw = dense.getRawData();
  if (dense.isSplat()) {
    for (int64_t i = 0; i < n; ++i)
      memcpy(&out[i * width], raw.data(), width);
    return out;
  }
  memcpy(out.data(), raw.data(), out.size());
  return out;
}

class PlanBuilder {
public:
  FailureOr<int64_t> addValue(Value v, PlanValue::Storage storage, int64_t time, int64_t root) {
    auto type = dyn_cast<RankedTensorType>(v.getType());
    if (!type || !type.hasStaticShape())
      return emitError(v.getLoc(), "kiln: dynamic shapes are not supported yet: ") << v.getType();
    std::string dtype = dtypeName(type.getElementType());
    if (dtype.empty())
      return emitError(v.getLoc(), "kiln: unsupported element type ") << type.getElementType();
    PlanValue pv;
    pv.id = plan.values.size();
    pv.dtype = dtype;
    pv.shape.assign(type.getShape().begin(), type.getShape().end());
    pv.storage = storage;
    pv.bytes = type.getNumElements() * elementBytes(type.getElementType());
    plan.values.push_back(pv);
    roots.push_back(root < 0 ? pv.id : root);
    if (root < 0)
      lifetimes.push_back({pv.bytes, time, time});
    else
      lifetimes.push_back({0, time, time}); // views hold no bytes of their own
    ids[v] = pv.id;
    return pv.id;
  }

  void use(Value v, int64_t time) {
    int64_t r = roots[ids.lookup(v)];
    lifetimes[r].last = std::max(lifetimes[r].last, time);
  }

  LogicalResult addConstant(kiln::ConstantOp cst) {
    auto bytes = constantBytes(cst);
    if (failed(bytes))
      return failure();
    auto id = addValue(cst.getResult(), PlanValue::Storage::Weights, 0, -1);
    if (failed(id))
      return failure();
    size_t offset = (plan.weights.size() + 63) / 64 * 64;
    plan.weights.resize(offset + bytes->size());
    memcpy(plan.weights.data() + offset, bytes->data(), bytes->size());
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
    plan.steps.push_back(std::move(step));
    return success();
  }

  LogicalResult build(func::FuncOp main) {
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
        ok = failed(id) ? failure() : success();
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

  void placeArenaValues() {
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
  std::vector<int64_t> roots;
  std::vector<BufferLifetime> lifetimes;
};
} // namespace

FailureOr<ExecutionPlan> buildExecutionPlan(func::FuncOp main) {
  PlanBuilder builder;
  if (failed(builder.build(main)))
    return failure();
  return std::move(builder.plan);
}
} // namespace kiln
