//===- ShapeTrace.cpp - shape tensors traced back to input dims at import --===//
#include "compiler/Import/ONNX/ShapeTrace.h"

#include "kiln/Dialect/Graph/KilnDialect.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;

namespace kiln::importer {
namespace {
using Elements = SmallVector<ShapeElement>;

FailureOr<SmallVector<int64_t>> constantInts(Value v) {
  DenseElementsAttr attr;
  if (!matchPattern(v, m_Constant(&attr)) || !isa<IntegerType>(attr.getElementType()))
    return failure();
  SmallVector<int64_t> ints;
  for (const APInt &i : attr.getValues<APInt>())
    ints.push_back(i.getSExtValue());
  return ints;
}

FailureOr<Elements> traceGather(kiln::GatherOp gather) {
  FailureOr<Elements> data = traceShape(gather.getData());
  FailureOr<SmallVector<int64_t>> indices = constantInts(gather.getIndices());
  if (failed(data) || failed(indices) || gather.getAxis() != 0)
    return failure();
  Elements out;
  for (int64_t i : *indices) {
    int64_t n = data->size();
    if (i < -n || i >= n)
      return failure();
    out.push_back((*data)[i < 0 ? i + n : i]);
  }
  return out;
}

FailureOr<Elements> traceSlice(kiln::SliceOp slice) {
  FailureOr<Elements> data = traceShape(slice.getInput());
  if (failed(data) || slice.getStarts().size() != 1)
    return failure();
  int64_t start = slice.getStarts()[0], end = slice.getEnds()[0], step = slice.getSteps()[0];
  Elements out;
  for (int64_t i = start; step > 0 ? i < end : i > end; i += step) {
    if (i < 0 || i >= (int64_t)data->size())
      return failure();
    out.push_back((*data)[i]);
  }
  return out;
}
/// Integer arithmetic on two traced shape tensors whose elements are all constants (one side
/// may be a single element, broadcast).
template <typename OpTy>
FailureOr<Elements> traceArithmetic(OpTy op, int64_t (*apply)(int64_t, int64_t)) {
  FailureOr<Elements> lhs = traceShape(op.getLhs()), rhs = traceShape(op.getRhs());
  if (failed(lhs) || failed(rhs) ||
      (lhs->size() != rhs->size() && lhs->size() != 1 && rhs->size() != 1))
    return failure();
  Elements out;
  for (size_t i = 0, n = std::max(lhs->size(), rhs->size()); i < n; ++i) {
    const ShapeElement &a = (*lhs)[lhs->size() == 1 ? 0 : i];
    const ShapeElement &b = (*rhs)[rhs->size() == 1 ? 0 : i];
    if (!a.isConstant() || !b.isConstant())
      return failure();
    out.push_back({apply(a.value, b.value), Value(), -1});
  }
  return out;
}

int64_t mul(int64_t a, int64_t b) { return a * b; }
int64_t add(int64_t a, int64_t b) { return a + b; }
int64_t sub(int64_t a, int64_t b) { return a - b; }
int64_t floorDiv(int64_t a, int64_t b) {
  // ONNX integer Div truncates; b == 0 is left to fail (no constant).
  return b == 0 ? 0 : a / b;
}
} // namespace

std::pair<Value, int64_t> rootDim(Value v, int64_t dim) {
  while (Operation *def = v.getDefiningOp()) {
    if (auto t = dyn_cast<kiln::TransposeOp>(def)) {
      std::tie(v, dim) = std::make_pair(t.getInput(), t.getPerm()[dim]);
      continue;
    }
    if (auto r = dyn_cast<kiln::ReshapeOp>(def)) {
      std::optional<ArrayRef<int64_t>> from = r.getDimsFrom();
      if (!from || (*from)[dim] < 0)
        break;
      std::tie(v, dim) = std::make_pair(r.getInput(), (*from)[dim]);
      continue;
    }
    // An elementwise op's dim is its first operand's when that has the result's shape and no
    // other operand can broadcast over it: each has the dim as a static 1 or lacks it (a `?`
    // there could be the larger one at run time).
    auto shapeOf = [](Value x) { return cast<ShapedType>(x.getType()).getShape(); };
    auto keepsDim = [&](Value other) {
      auto type = dyn_cast<ShapedType>(other.getType());
      if (!type)
        return false;
      int64_t at = dim - (shapeOf(v).size() - type.getRank());
      return at < 0 || type.getDimSize(at) == 1;
    };
    if (kiln::isElementwise(def) && def->getNumOperands() > 0 &&
        isa<ShapedType>(def->getOperand(0).getType()) &&
        shapeOf(def->getOperand(0)) == shapeOf(v) &&
        llvm::all_of(def->getOperands().drop_front(), keepsDim)) {
      v = def->getOperand(0);
      continue;
    }
    break;
  }
  return {v, dim};
}

FailureOr<Elements> traceShape(Value shape) {
  auto type = dyn_cast<RankedTensorType>(shape.getType());
  if (!type || type.getRank() > 1 || !type.hasStaticShape())
    return failure();
  if (FailureOr<SmallVector<int64_t>> ints = constantInts(shape); succeeded(ints)) {
    Elements out;
    for (int64_t i : *ints)
      out.push_back({i, Value(), -1});
    return out;
  }
  Operation *def = shape.getDefiningOp();
  if (auto op = dyn_cast_or_null<kiln::ShapeOp>(def)) {
    auto input = cast<RankedTensorType>(op.getInput().getType());
    Elements out;
    for (int64_t d = 0; d < input.getRank(); ++d) {
      if (!input.isDynamicDim(d)) {
        out.push_back({input.getDimSize(d), Value(), -1});
        continue;
      }
      auto [source, dim] = rootDim(op.getInput(), d);
      out.push_back({0, source, dim});
    }
    return out;
  }
  if (auto op = dyn_cast_or_null<kiln::GatherOp>(def))
    return traceGather(op);
  if (auto op = dyn_cast_or_null<kiln::SliceOp>(def))
    return traceSlice(op);
  if (auto op = dyn_cast_or_null<kiln::ReshapeOp>(def))
    return traceShape(op.getInput());
  if (auto op = dyn_cast_or_null<kiln::CastOp>(def))
    return isa<IntegerType>(getElementTypeOrSelf(op.getInput().getType()))
               ? traceShape(op.getInput())
               : FailureOr<Elements>(failure());
  if (auto op = dyn_cast_or_null<kiln::MulOp>(def))
    return traceArithmetic(op, mul);
  if (auto op = dyn_cast_or_null<kiln::AddOp>(def))
    return traceArithmetic(op, add);
  if (auto op = dyn_cast_or_null<kiln::SubOp>(def))
    return traceArithmetic(op, sub);
  if (auto op = dyn_cast_or_null<kiln::DivOp>(def)) {
    FailureOr<Elements> rhs = traceShape(op.getRhs());
    if (failed(rhs) || llvm::any_of(*rhs, [](auto &e) { return e.isConstant() && !e.value; }))
      return failure();
    return traceArithmetic(op, floorDiv);
  }
  if (auto op = dyn_cast_or_null<kiln::ConcatOp>(def)) {
    Elements out;
    for (Value input : op.getInputs()) {
      FailureOr<Elements> part = traceShape(input);
      if (failed(part))
        return failure();
      out.append(part->begin(), part->end());
    }
    return out;
  }
  return failure();
}
} // namespace kiln::importer
