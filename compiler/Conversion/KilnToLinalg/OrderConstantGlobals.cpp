//===- OrderConstantGlobals.cpp - constant globals in first-use order, named by it ---===//
//
// One-shot bufferization makes a `memref.global` of each tensor constant left in the kernels
// (small per-channel vectors, lookup tables), in the order it visits the functions: MLIR 19
// orders functions without calls through a DenseMap keyed by their addresses, so the globals'
// order and their `_N` name suffixes changed from one compile to the next, and with them the
// constant pool's layout in kernels.so (mobilenet_v3_small: 3 compiles, 3 different files).
// Here the constant globals are placed at the top of the module in the order the functions
// (in module order) first read them, and named `__kiln_constant_<i>` in that order.
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/KilnToLinalg/KilnToLinalg.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/MapVector.h"

namespace kiln {
#define GEN_PASS_DEF_ORDERCONSTANTGLOBALS
#include "compiler/Conversion/KilnToLinalg/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
struct OrderConstantGlobalsPass
    : kiln::impl::OrderConstantGlobalsBase<OrderConstantGlobalsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    llvm::StringMap<memref::GlobalOp> constants;
    for (auto global : module.getOps<memref::GlobalOp>())
      if (global.getConstant() && global.isPrivate())
        constants[global.getSymName()] = global;
    if (constants.empty())
      return;
    // First reads, functions in module order, ops in order.
    llvm::MapVector<memref::GlobalOp, std::string> order;
    SmallVector<memref::GetGlobalOp> reads;
    module.walk([&](memref::GetGlobalOp read) {
      auto it = constants.find(read.getName());
      if (it == constants.end())
        return;
      reads.push_back(read);
      if (!order.count(it->second))
        order.insert({it->second, ("__kiln_constant_" + llvm::Twine(order.size())).str()});
    });
    // Renamed in one pass over the reads; the new names cannot clash with bufferization's
    // (`__constant_...`), and a global no one reads keeps its name and place.
    for (memref::GetGlobalOp read : reads)
      read.setName(order.find(constants[read.getName()])->second);
    Block *top = module.getBody();
    Operation *after = nullptr;
    for (auto &[global, name] : order) {
      global.setSymName(name);
      if (after)
        global->moveAfter(after);
      else
        global->moveBefore(top, top->begin());
      after = global;
    }
  }
};
} // namespace
