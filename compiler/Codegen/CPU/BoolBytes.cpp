//===- BoolBytes.cpp - a kernel's bool tensors cross its boundary as bytes ---===//
//
// Buffers hold one byte per bool, while i1 vectors load and store bit-packed: a generic
// with i1 operands stays scalar. A kernel's i1 arguments and results become i8 (the same
// bytes: kernels take bare pointers), narrowed by `trunci` at entry and widened by `extui`
// at return, each a generic of its own (one per use of an argument) that
// kiln-cpu-fuse-elementwise-generics merges into the generic that reads or writes the bool. The
// merged generic reads and writes bytes and keeps i1 in registers only: it vectorizes (the causal
// mask of an attention block: Equal, Where). An i1 operand that stays (a bool made and read inside
// the kernel by ops that do not merge) stays scalar.
//
//===----------------------------------------------------------------------===//
#include "compiler/Codegen/CPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace kiln {
#define GEN_PASS_DEF_BOOLBYTES
#include "compiler/Codegen/CPU/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
RankedTensorType boolTensor(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  return tensor && tensor.getElementType().isInteger(1) ? tensor : RankedTensorType();
}

/// An elementwise generic casting `v` to `to`'s element type (trunci or extui).
Value castElements(OpBuilder &b, Location loc, Value v, RankedTensorType to) {
  // Sizes from a producer's init where there is one: a dim of `v` itself would be a second
  // use of it, which keeps the producer from merging into this generic.
  Value like = v;
  if (auto producer = v.getDefiningOp<DestinationStyleOpInterface>())
    like = producer.getTiedOpOperand(cast<OpResult>(v))->get();
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < to.getRank(); ++d)
    if (to.isDynamicDim(d))
      sizes.push_back(b.create<tensor::DimOp>(loc, like, d));
  Value init = b.create<tensor::EmptyOp>(loc, to, sizes);
  AffineMap id = b.getMultiDimIdentityMap(to.getRank());
  SmallVector<utils::IteratorType> iterators(to.getRank(), utils::IteratorType::parallel);
  Type element = to.getElementType();
  return b
      .create<linalg::GenericOp>(
          loc, to, v, init, ArrayRef<AffineMap>{id, id}, iterators,
          [&](OpBuilder &nb, Location nloc, ValueRange args) {
            Value c = element.isInteger(1)
                          ? nb.create<arith::TruncIOp>(nloc, element, args[0]).getResult()
                          : nb.create<arith::ExtUIOp>(nloc, element, args[0]).getResult();
            nb.create<linalg::YieldOp>(nloc, c);
          })
      .getResult(0);
}

struct BoolBytesPass : kiln::impl::BoolBytesBase<BoolBytesPass> {
  void runOnOperation() override {
    func::FuncOp fn = getOperation();
    if (!fn->hasAttr("kiln.kernel") || fn.isExternal())
      return;
    Block &entry = fn.getBody().front();
    OpBuilder b = OpBuilder::atBlockBegin(&entry);
    MLIRContext *ctx = &getContext();
    auto bytes = [&](RankedTensorType t) { return t.clone(IntegerType::get(ctx, 8)); };
    SmallVector<Type> inputs(fn.getArgumentTypes()), results(fn.getResultTypes());
    bool changed = false;
    for (BlockArgument arg : entry.getArguments()) {
      RankedTensorType type = boolTensor(arg.getType());
      if (!type || arg.use_empty())
        continue;
      SmallVector<OpOperand *> uses =
          llvm::map_to_vector(arg.getUses(), [](OpOperand &u) { return &u; });
      arg.setType(bytes(type));
      // A dim reads the bytes (same shape); every other use narrows of its own, so that each
      // narrowing has one user to merge into.
      for (OpOperand *use : uses)
        if (!isa<tensor::DimOp>(use->getOwner()))
          use->set(castElements(b, fn.getLoc(), arg, type));
      inputs[arg.getArgNumber()] = arg.getType();
      changed = true;
    }
    fn.walk([&](func::ReturnOp ret) {
      b.setInsertionPoint(ret);
      for (OpOperand &operand : ret->getOpOperands())
        if (RankedTensorType type = boolTensor(operand.get().getType())) {
          operand.set(castElements(b, ret.getLoc(), operand.get(), bytes(type)));
          results[operand.getOperandNumber()] = operand.get().getType();
          changed = true;
        }
    });
    if (changed)
      fn.setFunctionType(FunctionType::get(ctx, inputs, results));
  }
};
} // namespace
