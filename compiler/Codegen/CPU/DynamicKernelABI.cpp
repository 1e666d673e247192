//===- DynamicKernelABI.cpp - dynamic memref arguments → pointer + dims ----===//
//
// The kernel ABI for dynamic shapes (docs/artifact.md): a kernel's buffers are bare pointers
// in argument order, followed by one int64 per dynamic dim of those buffers (argument order,
// dim order). This pass gives a bufferized kernel that signature.
//
//===----------------------------------------------------------------------===//
#include "compiler/Codegen/CPU/Passes.h"
#include "compiler/Conversion/KilnToLinalg/LoweringUtils.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace kiln {
#define GEN_PASS_DEF_DYNAMICKERNELABI
#include "compiler/Codegen/CPU/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
bool isDynamicBuffer(Type type) {
  auto memref = dyn_cast<MemRefType>(type);
  return memref && !memref.hasStaticShape();
}

/// The groups collapsing `to`'s leading dims into dim 0 of `from` (identity layouts), or none.
std::optional<SmallVector<ReassociationIndices>> leadingCollapse(MemRefType to, MemRefType from) {
  int64_t lead = kiln::lowering::mergedLeadingDims(from, to);
  if (!to.getLayout().isIdentity() || !from.getLayout().isIdentity() || !lead)
    return std::nullopt;
  return kiln::lowering::leadingGroups(to.getRank(), lead);
}

/// `%buf = memref.alloc(...)`, written, then `memref.copy %buf, %out` with `%out` an
/// out-parameter used nowhere else: the kernel writes `%out` directly. The copy may also read
/// a memref.reshape or expand_shape of `%buf` that splits its rows into `%out`'s leading dims (a
/// kernel whose epilogue ran on collapsed rows, kiln-sink-row-reshapes): `%buf` is then the
/// collapsed view of `%out`.
void foldResultCopies(func::FuncOp fn) {
  SmallVector<memref::CopyOp> copies;
  fn.walk([&](memref::CopyOp copy) { copies.push_back(copy); });
  for (memref::CopyOp copy : copies) {
    auto out = dyn_cast<BlockArgument>(copy.getTarget());
    Operation *reshape = copy.getSource().getDefiningOp();
    if (!isa_and_nonnull<memref::ReshapeOp, memref::ExpandShapeOp>(reshape))
      reshape = nullptr;
    auto alloc =
        (reshape ? reshape->getOperand(0) : copy.getSource()).getDefiningOp<memref::AllocOp>();
    if (!out || out.getOwner() != &fn.getBody().front() || !out.hasOneUse() || !alloc ||
        alloc->getBlock() != copy->getBlock() || !isa<func::ReturnOp>(copy->getNextNode()) ||
        (reshape && !reshape->hasOneUse()))
      continue;
    auto outType = cast<MemRefType>(out.getType());
    std::optional<SmallVector<ReassociationIndices>> groups;
    if (reshape && !(groups = leadingCollapse(outType, alloc.getType())))
      continue;
    if (!reshape && alloc.getType() != outType)
      continue;
    // The buffer must not be freed or returned: its only other users read or write it.
    if (llvm::any_of(alloc->getUsers(), [&](Operation *user) {
          return isa<memref::DeallocOp, func::ReturnOp>(user) ||
                 (reshape && user != reshape &&
                  isa<memref::ReshapeOp, memref::ExpandShapeOp>(user));
        }))
      continue;
    copy.erase();
    Value replacement = out;
    if (reshape) {
      reshape->erase();
      OpBuilder b(alloc);
      replacement = b.create<memref::CollapseShapeOp>(alloc.getLoc(), out, *groups);
    }
    alloc.getResult().replaceAllUsesWith(replacement);
    alloc.erase();
  }
}


LogicalResult rewriteSignature(func::FuncOp fn) {
  Block &entry = fn.getBody().front();
  unsigned numBuffers = fn.getNumArguments();
  SmallVector<unsigned> dynamicArgs;
  for (unsigned i = 0; i < numBuffers; ++i) {
    if (!isDynamicBuffer(fn.getArgument(i).getType()))
      continue;
    auto type = cast<MemRefType>(fn.getArgument(i).getType());
    if (!type.getLayout().isIdentity())
      return fn.emitError("kiln-cpu-dynamic-kernel-abi: argument #")
             << i << " has a non-identity layout: " << type;
    dynamicArgs.push_back(i);
  }
  if (dynamicArgs.empty())
    return success();
  OpBuilder b = OpBuilder::atBlockBegin(&entry);
  Location loc = fn.getLoc();
  for (unsigned i : dynamicArgs) {
    auto type = cast<MemRefType>(fn.getArgument(i).getType());
    SmallVector<OpFoldResult> sizes;
    for (int64_t d = 0; d < type.getRank(); ++d) {
      if (!type.isDynamicDim(d)) {
        sizes.push_back(b.getIndexAttr(type.getDimSize(d)));
        continue;
      }
      (void)fn.insertArgument(fn.getNumArguments(), b.getIndexType(), {}, loc);
      sizes.push_back(fn.getArgument(fn.getNumArguments() - 1));
    }
    auto pointerType = MemRefType::get({}, type.getElementType());
    (void)fn.insertArgument(i, pointerType, {}, loc);
    BlockArgument pointer = fn.getArgument(i), old = fn.getArgument(i + 1);
    Value view = b.create<memref::ReinterpretCastOp>(loc, type, pointer, b.getIndexAttr(0), sizes,
                                                     kiln::rowMajorStrides(b, loc, type, sizes));
    old.replaceAllUsesWith(view);
    (void)fn.eraseArgument(i + 1);
  }
  return success();
}

struct DynamicKernelABIPass : kiln::impl::DynamicKernelABIBase<DynamicKernelABIPass> {
  void runOnOperation() override {
    func::FuncOp fn = getOperation();
    if (fn.isExternal() ||
        llvm::none_of(fn.getArgumentTypes(), [](Type t) { return isDynamicBuffer(t); }))
      return;
    if (!fn.getResultTypes().empty()) {
      fn.emitError("kiln-cpu-dynamic-kernel-abi: a kernel with dynamic buffers still returns "
                   "values (expected out-parameters)");
      return signalPassFailure();
    }
    foldResultCopies(fn);
    if (failed(rewriteSignature(fn)))
      signalPassFailure();
  }
};
} // namespace

SmallVector<OpFoldResult> kiln::rowMajorStrides(OpBuilder &b, Location loc, MemRefType type,
                                                ArrayRef<OpFoldResult> sizes) {
  SmallVector<OpFoldResult> strides(type.getRank());
  int64_t staticStride = 1;
  Value dynamicStride;
  for (int64_t d = type.getRank() - 1; d >= 0; --d) {
    if (dynamicStride && staticStride != 1) {
      Value s = b.create<arith::ConstantIndexOp>(loc, staticStride);
      strides[d] = b.create<arith::MulIOp>(loc, dynamicStride, s).getResult();
    } else if (dynamicStride) {
      strides[d] = dynamicStride;
    } else {
      strides[d] = b.getIndexAttr(staticStride);
    }
    if (d == 0)
      break;
    if (type.isDynamicDim(d)) {
      // The product of the sizes after d-1: size[d] * staticStride * dynamicStride.
      Value product = cast<Value>(sizes[d]);
      if (staticStride != 1)
        product = b.create<arith::MulIOp>(loc, product,
                                          b.create<arith::ConstantIndexOp>(loc, staticStride));
      if (dynamicStride)
        product = b.create<arith::MulIOp>(loc, product, dynamicStride);
      dynamicStride = product;
      staticStride = 1;
    } else {
      staticStride *= type.getDimSize(d);
    }
  }
  return strides;
}
