//===- ConvEpilogue.cpp - the ops after a convolution its kernel can absorb ===//
#include "passes/Graph/ConvEpilogue.h"

#include "kiln/Dialect/Graph/KilnDialect.h"

using namespace mlir;

namespace kiln {
namespace {
Operation *onlyUser(Value v) { return v.hasOneUse() ? *v.getUsers().begin() : nullptr; }

/// x * sigmoid(x) of `x`: its only users a sigmoid of it and the mul of the two (either
/// order); the sigmoid and the mul, or nulls.
std::pair<SigmoidOp, MulOp> matchSilu(Value x) {
  if (std::distance(x.use_begin(), x.use_end()) != 2)
    return {};
  SigmoidOp sigmoid;
  MulOp mul;
  for (Operation *user : x.getUsers()) {
    if (auto s = dyn_cast<SigmoidOp>(user))
      sigmoid = s;
    else if (auto m = dyn_cast<MulOp>(user))
      mul = m;
  }
  if (!sigmoid || !mul || !sigmoid->hasOneUse() || *sigmoid->getUsers().begin() != mul ||
      mul.getType() != x.getType() ||
      !((mul.getLhs() == x && mul.getRhs() == sigmoid.getResult()) ||
        (mul.getRhs() == x && mul.getLhs() == sigmoid.getResult())))
    return {};
  return {sigmoid, mul};
}
} // namespace

ConvEpilogue matchConvEpilogue(Operation *conv, bool allowResidual, bool allowSwish) {
  ConvEpilogue e;
  Value current = conv->getResult(0);
  if (auto add = dyn_cast_or_null<AddOp>(onlyUser(current)); add && allowResidual) {
    Value other = add.getLhs() == current ? add.getRhs() : add.getLhs();
    if (other != current && other.getType() == current.getType() &&
        add.getType() == current.getType()) {
      e.residual = other;
      e.ops.push_back(add);
      current = add.getResult();
    }
  }
  Operation *user = onlyUser(current);
  if (auto relu = dyn_cast_or_null<ReluOp>(user)) {
    e.min = 0;
    e.ops.push_back(relu);
  } else if (auto clip = dyn_cast_or_null<ClipOp>(user)) {
    e.min = clip.getMin().convertToDouble();
    e.max = clip.getMax().convertToDouble();
    e.ops.push_back(clip);
  }
  Value clamped = e.ops.empty() ? conv->getResult(0) : e.ops.back()->getResult(0);
  if (!allowSwish)
    return e;
  if (auto swish = dyn_cast_or_null<HardSwishOp>(onlyUser(clamped))) {
    e.hardSwish = true;
    e.ops.push_back(swish);
  } else if (auto [sigmoid, mul] = matchSilu(clamped); sigmoid) {
    e.silu = true;
    e.ops.append({sigmoid, mul});
  }
  return e;
}

void ConvEpilogue::replace(RewriterBase &rewriter, Operation *conv, Value fused) const {
  Operation *lastOp = last(conv);
  rewriter.replaceOp(lastOp, fused);
  for (Operation *op : llvm::reverse(ops)) // users first
    if (op != lastOp)
      rewriter.eraseOp(op);
  if (lastOp != conv)
    rewriter.eraseOp(conv);
}
} // namespace kiln
