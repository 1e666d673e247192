//===- VnniOps.cpp - the vector ops of an AVX-512 VNNI dot-product step ----------===//
#include "compiler/Codegen/CPU/VnniOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace {
Value zeroByte(OpBuilder &b, Location loc) {
  return b.create<arith::ConstantOp>(loc, b.getIntegerAttr(b.getI8Type(), 0));
}
} // namespace

Value kiln::broadcastWord(OpBuilder &b, Location loc, Value source, ValueRange at,
                          bool inBounds) {
  Value four = b.create<vector::TransferReadOp>(loc, VectorType::get({4}, b.getI8Type()), source,
                                                at, zeroByte(b, loc), ArrayRef<bool>{inBounds});
  Value word = b.create<vector::BitCastOp>(loc, VectorType::get({1}, b.getI32Type()), four);
  Value scalar = b.create<vector::ExtractOp>(loc, word, ArrayRef<int64_t>{0});
  return b.create<vector::BroadcastOp>(loc, VectorType::get({16}, b.getI32Type()), scalar);
}

Value kiln::loadWords(OpBuilder &b, Location loc, Value source, ValueRange at) {
  Value bytes = b.create<vector::TransferReadOp>(loc, VectorType::get({64}, b.getI8Type()), source,
                                                 at, zeroByte(b, loc), ArrayRef<bool>{true});
  return b.create<vector::BitCastOp>(loc, VectorType::get({16}, b.getI32Type()), bytes);
}

Value kiln::vpdpbusd(OpBuilder &b, Location loc, Value acc, Value a, Value bWords) {
  return b.create<LLVM::CallIntrinsicOp>(loc, acc.getType(), kVpdpbusd, ValueRange{acc, a, bWords})
      .getResult(0);
}
