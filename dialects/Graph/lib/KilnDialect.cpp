//===- KilnDialect.cpp - registration of the kiln dialect -----------------===//
#include "kiln/Dialect/Graph/KilnDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace kiln;

#include "kiln/Dialect/Graph/KilnOpsDialect.cpp.inc"
#include "kiln/Dialect/Graph/KilnOpsEnums.cpp.inc"

void KilnDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "kiln/Dialect/Graph/KilnOps.cpp.inc"
      >();
}

Operation *KilnDialect::materializeConstant(OpBuilder &builder, Attribute value, Type type,
                                            Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return builder.create<ConstantOp>(loc, elements);
}

#define GET_OP_CLASSES
#include "kiln/Dialect/Graph/KilnOps.cpp.inc"

bool kiln::isElementwise(Operation *op) {
  return op->hasTrait<OpTrait::Elementwise>() ||
         isa<AddOp, SubOp, MulOp, DivOp, PowOp, MinOp, MaxOp, ModOp, AndOp, OrOp, XorOp, EqualOp,
             LessOp, GreaterOp, CastOp, WhereOp, BitShiftOp>(op);
}
