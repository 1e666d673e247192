//===- VnniEpilogue.cpp - an int8 GEMM's requantization, applied to its accumulators ---===//
#include "compiler/Codegen/CPU/VnniEpilogue.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;

namespace kiln {
namespace {
constexpr int64_t kLanes = 16;

enum class Read { Acc, Element, Column, Row, Once };

/// How input `operand` of the epilogue is read, if it is one of the supported forms.
std::optional<Read> readOf(linalg::GenericOp op, OpOperand &operand, Value gemm) {
  AffineMap map = op.getMatchingIndexingMap(&operand);
  auto type = dyn_cast<RankedTensorType>(operand.get().getType());
  if (!type)
    return std::nullopt;
  auto gemmShape = cast<RankedTensorType>(gemm.getType()).getShape();
  if (map.isIdentity() && type.getShape() == gemmShape)
    return operand.get() == gemm ? Read::Acc : Read::Element;
  if (operand.get() == gemm)
    return std::nullopt;
  if (map.getNumResults() == 0 && type.getRank() == 0)
    return Read::Once;
  if (map.getNumResults() == 1 && map.getResult(0) == getAffineDimExpr(1, op.getContext()) &&
      type.getRank() == 1 && type.getDimSize(0) == gemmShape[1])
    return Read::Column;
  // One value per row: [M] or [M, 1] (a broadcast of the activations' row sums).
  AffineExpr d0 = getAffineDimExpr(0, op.getContext());
  bool rowMap = (map.getNumResults() == 1 && map.getResult(0) == d0 && type.getRank() == 1) ||
                (map.getNumResults() == 2 && map.getResult(0) == d0 &&
                 map.getResult(1) == getAffineConstantExpr(0, op.getContext()) &&
                 type.getRank() == 2 && type.getDimSize(1) == 1);
  if (rowMap && type.getDimSize(0) == gemmShape[0])
    return Read::Row;
  return std::nullopt;
}

VectorType lanesOf(Type scalar) { return VectorType::get({kLanes}, scalar); }
} // namespace

std::optional<GemmEpilogue> matchGemmEpilogue(Value gemm) {
  if (!gemm.hasOneUse())
    return std::nullopt;
  auto op = dyn_cast<linalg::GenericOp>(*gemm.getUsers().begin());
  if (!op || op.getNumDpsInits() != 1 || op.getNumLoops() != 2 ||
      op.getNumParallelLoops() != 2 || !op.getIndexingMapsArray().back().isIdentity() ||
      cast<RankedTensorType>(op.getResult(0).getType()).getShape() !=
          cast<RankedTensorType>(gemm.getType()).getShape() ||
      !op.getRegionOutputArgs()[0].use_empty())
    return std::nullopt;
  int accs = 0;
  for (OpOperand *operand : op.getDpsInputOperands()) {
    std::optional<Read> read = readOf(op, *operand, gemm);
    if (!read)
      return std::nullopt;
    accs += *read == Read::Acc;
  }
  if (accs != 1)
    return std::nullopt;
  // Scalar arith / math ops only: each maps to the same op on vectors.
  for (Operation &inner : op.getRegion().front().without_terminator()) {
    if (inner.getNumRegions() || !isa<arith::ArithDialect, math::MathDialect>(inner.getDialect()))
      return std::nullopt;
    auto scalar = [](Type t) { return t.isIntOrFloat(); };
    if (!llvm::all_of(inner.getOperandTypes(), scalar) ||
        !llvm::all_of(inner.getResultTypes(), scalar))
      return std::nullopt;
  }
  return GemmEpilogue{op, gemm};
}

Value GemmEpilogue::apply(OpBuilder &b, Location loc, Value acc, Value row, Value col,
                          bool inBounds) const {
  Block &body = op.getRegion().front();
  IRMapping map;
  for (OpOperand *operand : op.getDpsInputOperands()) {
    BlockArgument arg = body.getArgument(operand->getOperandNumber());
    Value source = operand->get();
    Type elem = arg.getType();
    Value pad = b.create<arith::ConstantOp>(loc, b.getZeroAttr(elem));
    switch (*readOf(op, *operand, gemm)) {
    case Read::Acc:
      map.map(arg, acc);
      break;
    case Read::Element:
      map.map(arg, b.create<vector::TransferReadOp>(loc, lanesOf(elem), source,
                                                    ValueRange{row, col}, pad,
                                                    ArrayRef<bool>{inBounds}));
      break;
    case Read::Column:
      map.map(arg, b.create<vector::TransferReadOp>(loc, lanesOf(elem), source, ValueRange{col},
                                                    pad, ArrayRef<bool>{inBounds}));
      break;
    case Read::Row: {
      SmallVector<Value> at{row};
      if (cast<RankedTensorType>(source.getType()).getRank() == 2)
        at.push_back(b.create<arith::ConstantIndexOp>(loc, 0));
      map.map(arg, b.create<vector::BroadcastOp>(loc, lanesOf(elem),
                                                 b.create<tensor::ExtractOp>(loc, source, at)));
      break;
    }
    case Read::Once:
      map.map(arg, b.create<vector::BroadcastOp>(
                       loc, lanesOf(elem), b.create<tensor::ExtractOp>(loc, source, ValueRange{})));
      break;
    }
  }
  for (Operation &inner : body.without_terminator()) {
    if (auto constant = dyn_cast<arith::ConstantOp>(inner)) {
      auto value = cast<TypedAttr>(constant.getValue());
      map.map(constant.getResult(),
              b.create<arith::ConstantOp>(
                  loc, DenseElementsAttr::get(lanesOf(value.getType()), value)));
      continue;
    }
    // Scalars from above the body: broadcast to every lane.
    for (Value operand : inner.getOperands())
      if (!map.contains(operand))
        map.map(operand, b.create<vector::BroadcastOp>(loc, lanesOf(operand.getType()), operand));
    Operation *clone = b.clone(inner, map);
    for (Value result : clone->getResults())
      result.setType(lanesOf(result.getType()));
  }
  return map.lookup(body.getTerminator()->getOperand(0));
}
} // namespace kiln
