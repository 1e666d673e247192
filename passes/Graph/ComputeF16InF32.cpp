//===- ComputeF16InF32.cpp - f16/bf16 models compute in f32 ---------------===//
//
// x86 CPUs without AVX512-FP16 have no f16 arithmetic: every f16 op would convert each element
// to f32 and back. Like onnxruntime's CPU provider (which inserts casts around the nodes it has
// no f16 kernel for and removes the pairs between them), the graph computes in f32: f16 (and
// bf16) inputs are cast once at entry, constants are converted at compile time, results are
// cast back to the declared type at the exit. Explicit casts to f16 inside the graph become
// casts to f32 (no intermediate rounding: the results are at least as accurate).
//
//===----------------------------------------------------------------------===//
#include "passes/Graph/Passes.h"

#include "kiln/Dialect/Graph/KilnDialect.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "runtime/tools/Half.h"

#include <cstring>

namespace kiln {
#define GEN_PASS_DEF_COMPUTEF16INF32
#include "passes/Graph/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
bool isHalf(Type t) { return t.isF16() || t.isBF16(); }

/// `t` with f16/bf16 elements made f32 (other types unchanged).
Type promoted(Type t) {
  auto shaped = dyn_cast<ShapedType>(t);
  if (shaped && isHalf(shaped.getElementType()))
    return shaped.clone(Float32Type::get(t.getContext()));
  if (isHalf(t))
    return Float32Type::get(t.getContext());
  return t;
}

/// A dense f16/bf16 attribute converted to f32 (exactly: both widen losslessly); a type
/// attribute (an op's dtype) promoted.
Attribute promoted(Attribute attr) {
  if (auto type = dyn_cast<TypeAttr>(attr))
    return TypeAttr::get(promoted(type.getValue()));
  auto dense = dyn_cast<DenseFPElementsAttr>(attr);
  if (!dense || !isHalf(dense.getElementType()))
    return attr;
  auto type = cast<ShapedType>(promoted(dense.getType()));
  if (dense.isSplat())
    return DenseElementsAttr::get(type, APFloat(float((*dense.begin()).convertToFloat())));
  // From the raw 16-bit storage: APFloat per element took seconds for a model's weights.
  std::vector<float> values(dense.getNumElements());
  ArrayRef<char> raw = dense.getRawData();
  bool bf16 = dense.getElementType().isBF16();
  for (size_t i = 0; i < values.size(); ++i) {
    uint16_t bits;
    memcpy(&bits, raw.data() + 2 * i, 2);
    values[i] = bf16 ? kiln::bfloat16ToFloat(bits) : kiln::halfToFloat(bits);
  }
  return DenseElementsAttr::get(type, ArrayRef<float>(values));
}

struct ComputeF16InF32Pass : kiln::impl::ComputeF16InF32Base<ComputeF16InF32Pass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    bool any = false;
    func.walk([&](Operation *op) {
      for (Type t : op->getOperandTypes())
        any |= promoted(t) != t;
      for (Type t : op->getResultTypes())
        any |= promoted(t) != t;
    });
    for (Type t : func.getArgumentTypes())
      any |= promoted(t) != t;
    if (!any)
      return;
    OpBuilder b(func.getContext());
    Block &entry = func.getBody().front();
    // Arguments: cast once at entry; the casts keep their f16 operand.
    b.setInsertionPointToStart(&entry);
    llvm::SmallPtrSet<Operation *, 8> entryCasts;
    for (BlockArgument arg : entry.getArguments()) {
      Type wide = promoted(arg.getType());
      if (wide == arg.getType())
        continue;
      auto cast = b.create<kiln::CastOp>(arg.getLoc(), wide, arg);
      arg.replaceAllUsesExcept(cast.getResult(), cast);
      entryCasts.insert(cast);
    }
    // Every other op (nested regions included) computes in f32.
    func.walk([&](Operation *op) {
      if (op == func || entryCasts.contains(op) || isa<func::ReturnOp>(op))
        return;
      for (Region &region : op->getRegions())
        for (Block &block : region)
          for (BlockArgument arg : block.getArguments())
            arg.setType(promoted(arg.getType()));
      for (OpResult result : op->getResults())
        result.setType(promoted(result.getType()));
      for (NamedAttribute attr : op->getAttrs())
        if (Attribute wide = promoted(attr.getValue()); wide != attr.getValue())
          op->setAttr(attr.getName(), wide);
    });
    // Results: back to the declared types.
    auto ret = cast<func::ReturnOp>(entry.getTerminator());
    b.setInsertionPoint(ret);
    ArrayRef<Type> declared = func.getResultTypes();
    for (OpOperand &operand : ret->getOpOperands()) {
      Type want = declared[operand.getOperandNumber()];
      if (operand.get().getType() != want)
        operand.set(b.create<kiln::CastOp>(ret.getLoc(), want, operand.get()));
    }
    // f32 → f32 casts (a model's own casts to f16) fold away.
    SmallVector<kiln::CastOp> identities;
    func.walk([&](kiln::CastOp cast) {
      if (cast.getInput().getType() == cast.getType())
        identities.push_back(cast);
    });
    for (kiln::CastOp cast : identities) {
      cast.replaceAllUsesWith(cast.getInput());
      cast.erase();
    }
  }
};
} // namespace
