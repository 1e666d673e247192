//===- AmxTranslation.cpp - AMX tiles in LLVM IR translated from MLIR 19 --------===//
#include "compiler/Target/CPU/AmxTranslation.h"

#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/IR/IntrinsicsX86.h"

using namespace llvm;

namespace {
/// The phis of `f` that carry tiles: an x86_amx incoming value, or one of these phis.
SetVector<PHINode *> tilePhis(Function &f, Type *amx) {
  SetVector<PHINode *> found;
  SmallVector<PHINode *> phis;
  for (BasicBlock &bb : f)
    for (PHINode &phi : bb.phis())
      if (phi.getType() != amx)
        phis.push_back(&phi);
  for (bool grew = true; grew;) {
    grew = false;
    for (PHINode *phi : phis)
      if (!found.contains(phi) && any_of(phi->incoming_values(), [&](Value *v) {
            auto *p = dyn_cast<PHINode>(v);
            return v->getType() == amx || (p && found.contains(p));
          }))
        grew |= found.insert(phi);
  }
  return found;
}
} // namespace

bool kiln::retypeAmxPhis(Module &module, std::string &error) {
  Type *amx = Type::getX86_AMXTy(module.getContext());
  for (Function &f : module) {
    SetVector<PHINode *> old = tilePhis(f, amx);
    if (old.empty())
      continue;
    MapVector<PHINode *, PHINode *> fresh;
    for (PHINode *phi : old)
      fresh[phi] =
          PHINode::Create(amx, phi->getNumIncomingValues(), phi->getName(), phi->getIterator());
    for (auto [phi, tile] : fresh)
      for (unsigned i = 0; i < phi->getNumIncomingValues(); ++i) {
        Value *v = phi->getIncomingValue(i);
        if (auto *p = dyn_cast<PHINode>(v); p && fresh.count(p))
          v = fresh[p];
        if (v->getType() != amx) {
          error = ("in " + f.getName() + ": a phi carrying an AMX tile also takes a value of " +
                   "another type (incoming " + Twine(i) + ")")
                      .str();
          for (auto [unused, t] : fresh)
            t->eraseFromParent();
          return false;
        }
        tile->addIncoming(v, phi->getIncomingBlock(i));
      }
    // Use::set, not replaceAllUsesWith: the types differ by construction.
    for (auto [phi, tile] : fresh)
      for (Use &use : make_early_inc_range(phi->uses()))
        use.set(tile);
    for (auto [phi, tile] : fresh)
      phi->eraseFromParent();
  }
  return true;
}

void kiln::splitSharedTileZeros(Module &module) {
  SmallVector<IntrinsicInst *> shared;
  for (Function &f : module)
    for (BasicBlock &bb : f)
      for (Instruction &inst : bb)
        if (auto *zero = dyn_cast<IntrinsicInst>(&inst);
            zero && zero->getIntrinsicID() == Intrinsic::x86_tilezero_internal &&
            !zero->hasOneUse() && !zero->use_empty())
          shared.push_back(zero);
  for (IntrinsicInst *zero : shared) {
    for (Use &use : make_early_inc_range(zero->uses())) {
      auto *user = cast<Instruction>(use.getUser());
      Instruction *at = user;
      if (auto *phi = dyn_cast<PHINode>(user))
        at = phi->getIncomingBlock(use)->getTerminator();
      Instruction *copy = zero->clone();
      copy->insertBefore(at);
      use.set(copy);
    }
    zero->eraseFromParent();
  }
}
