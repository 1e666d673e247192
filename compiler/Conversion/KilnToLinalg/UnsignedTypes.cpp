//===- UnsignedTypes.cpp - unsigned integer types in the kiln-to-linalg lowering -===//
//
// The kiln dialect carries ONNX's uint8..uint64 as builtin unsigned integer types. arith and
// linalg take signless integers only, so the lowering converts types (functions included) and
// each op's pattern picks unsigned arith ops from the kiln op's own types. Ops whose pattern
// has not been made unsigned-aware are refused up front, never lowered with signed semantics.
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/KilnToLinalg/LoweringUtils.h"

namespace kiln::lowering {

Type toSignless(Type type) {
  if (auto tensor = dyn_cast<RankedTensorType>(type))
    return tensor.clone(toSignless(tensor.getElementType()));
  if (auto intType = dyn_cast<IntegerType>(type); intType && intType.isUnsigned())
    return IntegerType::get(type.getContext(), intType.getWidth());
  return type;
}

bool isUnsigned(Value v) { return getElementTypeOrSelf(v.getType()).isUnsignedInteger(); }

SignlessTypeConverter::SignlessTypeConverter() {
  addConversion([](Type type) { return toSignless(type); });
  auto cast = [](OpBuilder &b, Type type, ValueRange inputs, Location loc) -> Value {
    return b.create<UnrealizedConversionCastOp>(loc, type, inputs).getResult(0);
  };
  addSourceMaterialization(cast);
  addTargetMaterialization(cast);
  addArgumentMaterialization(cast);
}

bool supportsUnsigned(Operation *op) {
  return isa<graph::ConstantOp, graph::ShapeOp, graph::ReshapeOp, graph::TransposeOp,
             graph::ConcatOp, graph::SliceOp, graph::ExpandOp, graph::ExpandToOp,
             graph::ConstantOfShapeOp, graph::SliceByOp, graph::TileByOp, graph::AddOp,
             graph::SubOp, graph::MulOp, graph::DivOp, graph::MinOp, graph::MaxOp, graph::ModOp,
             graph::EqualOp, graph::LessOp, graph::GreaterOp, graph::CastOp, graph::WhereOp,
             graph::PowOp, graph::ClipOp, graph::MaxPoolOp, graph::PadOp, graph::BitShiftOp,
             graph::MatMulInt8Op, graph::DepthwiseConv2DOp, graph::Im2colOp>(op);
}

LogicalResult checkUnsignedSupport(Operation *root) {
  auto hasUnsigned = [](TypeRange types) {
    return llvm::any_of(types, [](Type t) { return getElementTypeOrSelf(t).isUnsignedInteger(); });
  };
  WalkResult result = root->walk([&](Operation *op) {
    if (!isa<graph::KilnDialect>(op->getDialect()) || supportsUnsigned(op) ||
        (!hasUnsigned(op->getOperandTypes()) && !hasUnsigned(op->getResultTypes())))
      return WalkResult::advance();
    emitUnsupported(op) << "unsigned integer element types are not supported by this op's "
                           "lowering yet";
    return WalkResult::interrupt();
  });
  return failure(result.wasInterrupted());
}

} // namespace kiln::lowering
