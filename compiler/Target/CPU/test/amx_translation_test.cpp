// amx_translation_test.cpp - the AMX fix-ups of AmxTranslation.h: a loop carrying an AMX tile,
// built as the MLIR 19 translation builds it (the phi typed as the tile's vector), becomes
// valid IR; a zero tile shared by two accumulators becomes one per accumulator.
#include "compiler/Target/CPU/AmxTranslation.h"

#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/IntrinsicsX86.h"
#include "llvm/IR/Verifier.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

namespace {
using namespace llvm;

/// phi->addIncoming(v, from), also where v's type is not the phi's, as the MLIR 19 translation
/// builds it (LLVM's headers assert the types match where assertions are on: the sanitizer
/// build): a placeholder of the phi's type, then the operand set.
void addIncoming(PHINode *phi, Value *v, BasicBlock *from) {
  phi->addIncoming(PoisonValue::get(phi->getType()), from);
  phi->setOperand(phi->getNumIncomingValues() - 1, v);
}

/// sums(a, b, n): a tile zeroed, then n times += tile(a) x tile(b), stored to a; the loop's
/// phi typed `carried` (the translation's array type, or x86_amx) with `init` (null: the
/// zero tile) as its value on entry.
struct Loop {
  LLVMContext ctx;
  Module module{"m", ctx};
  PHINode *phi = nullptr;

  Loop(bool arrayPhi, bool arrayInit) {
    Type *i16 = Type::getInt16Ty(ctx), *i64 = Type::getInt64Ty(ctx),
         *ptr = PointerType::get(ctx, 0);
    Type *array = ArrayType::get(FixedVectorType::get(Type::getInt32Ty(ctx), 16), 16);
    Type *amx = Type::getX86_AMXTy(ctx);
    auto *fn = Function::Create(FunctionType::get(Type::getVoidTy(ctx), {ptr, ptr, i64}, false),
                                Function::ExternalLinkage, "sums", module);
    auto *entry = BasicBlock::Create(ctx, "entry", fn), *body = BasicBlock::Create(ctx, "loop", fn),
         *exit = BasicBlock::Create(ctx, "exit", fn);
    IRBuilder<> b(entry);
    Value *rows = b.getInt16(16), *bytes = b.getInt16(64), *stride = b.getInt64(64);
    Value *zero = b.CreateIntrinsic(Intrinsic::x86_tilezero_internal, {}, {rows, bytes});
    b.CreateBr(body);
    b.SetInsertPoint(body);
    PHINode *k = b.CreatePHI(i64, 2);
    phi = b.CreatePHI(arrayPhi ? array : amx, 2, "acc");
    Value *ta = b.CreateIntrinsic(Intrinsic::x86_tileloadd64_internal, {},
                                  {rows, bytes, fn->getArg(0), stride});
    Value *tb = b.CreateIntrinsic(Intrinsic::x86_tileloadd64_internal, {},
                                  {rows, bytes, fn->getArg(1), stride});
    Value *next =
        b.CreateIntrinsic(Intrinsic::x86_tdpbusd_internal, {}, {rows, bytes, bytes, phi, ta, tb});
    Value *k1 = b.CreateAdd(k, b.getInt64(1));
    b.CreateCondBr(b.CreateICmpEQ(k1, fn->getArg(2)), exit, body);
    k->addIncoming(b.getInt64(0), entry);
    k->addIncoming(k1, body);
    addIncoming(phi, arrayInit ? Constant::getNullValue(array) : zero, entry);
    addIncoming(phi, next, body);
    b.SetInsertPoint(exit);
    b.CreateIntrinsic(Intrinsic::x86_tilestored64_internal, {},
                      {rows, bytes, fn->getArg(0), stride, next});
    b.CreateRetVoid();
  }

  std::string problems() {
    std::string text;
    raw_string_ostream os(text);
    verifyModule(module, &os);
    return text;
  }
};

TEST(RetypeAmxPhis, ALoopCarriedTileBecomesValidIR) {
  Loop loop(/*arrayPhi=*/true, /*arrayInit=*/false);
  EXPECT_NE(loop.problems(), "");
  std::string error;
  ASSERT_TRUE(kiln::retypeAmxPhis(loop.module, error)) << error;
  EXPECT_EQ(loop.problems(), "");
  PHINode *acc = nullptr;
  for (PHINode &phi : loop.module.getFunction("sums")->getEntryBlock().getNextNode()->phis())
    if (phi.getName().starts_with("acc"))
      acc = &phi;
  ASSERT_TRUE(acc);
  EXPECT_TRUE(acc->getType()->isX86_AMXTy());
}

TEST(RetypeAmxPhis, ValidIRIsLeftAlone) {
  Loop loop(/*arrayPhi=*/false, /*arrayInit=*/false);
  ASSERT_EQ(loop.problems(), "");
  std::string error;
  ASSERT_TRUE(kiln::retypeAmxPhis(loop.module, error)) << error;
  EXPECT_EQ(loop.problems(), "");
  EXPECT_EQ(loop.phi->getParent(), loop.module.getFunction("sums")->getEntryBlock().getNextNode());
}

TEST(RetypeAmxPhis, AnotherTypeOnTheOtherEdgeIsAnError) {
  Loop loop(/*arrayPhi=*/true, /*arrayInit=*/true);
  std::string error;
  EXPECT_FALSE(kiln::retypeAmxPhis(loop.module, error));
  EXPECT_NE(error.find("in sums"), std::string::npos) << error;
  EXPECT_NE(error.find("another type"), std::string::npos) << error;
}

/// The tilezero calls of `f` and their numbers of uses.
std::vector<unsigned> zeroUses(Function &f) {
  std::vector<unsigned> uses;
  for (BasicBlock &bb : f)
    for (Instruction &inst : bb)
      if (auto *call = dyn_cast<CallInst>(&inst);
          call && call->getCalledFunction() &&
          call->getCalledFunction()->getIntrinsicID() == Intrinsic::x86_tilezero_internal)
        uses.push_back(call->getNumUses());
  return uses;
}

TEST(SplitSharedTileZeros, EachAccumulatorGetsItsOwnZero) {
  // zero feeds a product in the entry block and, through a phi, one in the next block.
  LLVMContext ctx;
  Module module("m", ctx);
  Type *ptr = PointerType::get(ctx, 0), *amx = Type::getX86_AMXTy(ctx);
  auto *fn = Function::Create(FunctionType::get(Type::getVoidTy(ctx), {ptr}, false),
                              Function::ExternalLinkage, "two", module);
  auto *entry = BasicBlock::Create(ctx, "entry", fn), *next = BasicBlock::Create(ctx, "next", fn);
  IRBuilder<> b(entry);
  Value *rows = b.getInt16(16), *bytes = b.getInt16(64), *stride = b.getInt64(64);
  Value *zero = b.CreateIntrinsic(Intrinsic::x86_tilezero_internal, {}, {rows, bytes});
  Value *t = b.CreateIntrinsic(Intrinsic::x86_tileloadd64_internal, {},
                               {rows, bytes, fn->getArg(0), stride});
  Value *first =
      b.CreateIntrinsic(Intrinsic::x86_tdpbusd_internal, {}, {rows, bytes, bytes, zero, t, t});
  b.CreateBr(next);
  b.SetInsertPoint(next);
  PHINode *phi = b.CreatePHI(amx, 1);
  phi->addIncoming(zero, entry);
  Value *second =
      b.CreateIntrinsic(Intrinsic::x86_tdpbusd_internal, {}, {rows, bytes, bytes, phi, t, t});
  for (Value *v : {first, second})
    b.CreateIntrinsic(Intrinsic::x86_tilestored64_internal, {},
                      {rows, bytes, fn->getArg(0), stride, v});
  b.CreateRetVoid();
  EXPECT_EQ(zeroUses(*fn), std::vector<unsigned>{2});
  kiln::splitSharedTileZeros(module);
  EXPECT_EQ(zeroUses(*fn), (std::vector<unsigned>{1, 1}));
  EXPECT_FALSE(verifyModule(module, &errs()));
  // The phi's copy sits in its incoming block, the other right before its product.
  auto *incoming = dyn_cast<CallInst>(phi->getIncomingValue(0));
  ASSERT_TRUE(incoming);
  EXPECT_EQ(incoming->getParent(), entry);
  EXPECT_EQ(incoming->getNextNode(), entry->getTerminator());
}
} // namespace
