//===- DispatchTable.cpp - a GPU kernel's dispatches, for the manifest ----===//
#include "compiler/Codegen/GPU/DispatchTable.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;

namespace kiln {
namespace {
/// Bytes of a static memref as the SPIR-V storage buffer lays it out (i1 as one byte).
FailureOr<int64_t> bufferBytes(MemRefType type) {
  if (!type.hasStaticShape())
    return failure();
  Type element = type.getElementType();
  unsigned bits = element.isIntOrIndexOrFloat() ? element.getIntOrFloatBitWidth() : 0;
  if (bits == 0)
    return failure();
  return type.getNumElements() * std::max<int64_t>(1, bits / 8);
}

} // namespace

LogicalResult describeDispatches(
    func::FuncOp fn, llvm::json::Object &out,
    const std::function<std::string(StringRef module, StringRef entry)> &shaderOf,
    const std::function<std::string(StringRef module, StringRef entry)> &entryOf) {
  llvm::DenseMap<Value, int64_t> scratchIndex;
  llvm::json::Array scratch, dispatches;
  int64_t scratchBytes = 0;
  for (Operation &op : fn.getBody().front()) {
    if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
      FailureOr<int64_t> bytes = bufferBytes(alloc.getType());
      if (failed(bytes))
        return alloc.emitError("kiln: a GPU scratch buffer needs a static shape of numbers");
      scratchIndex[alloc] = int64_t(scratch.size());
      scratch.push_back(llvm::json::Object{{"offset", scratchBytes}, {"bytes", *bytes}});
      scratchBytes += (*bytes + kScratchAlignment - 1) / kScratchAlignment * kScratchAlignment;
      continue;
    }
    if (auto launch = dyn_cast<gpu::LaunchFuncOp>(op)) {
      llvm::json::Array groups, size, bindings;
      for (Value v : {launch.getGridSizeX(), launch.getGridSizeY(), launch.getGridSizeZ()}) {
        std::optional<int64_t> c = getConstantIntValue(v);
        if (!c)
          return launch.emitError("kiln: GPU workgroup counts must be static");
        groups.push_back(*c);
      }
      for (Value v : {launch.getBlockSizeX(), launch.getBlockSizeY(), launch.getBlockSizeZ()})
        size.push_back(getConstantIntValue(v).value_or(0));
      for (Value arg : launch.getKernelOperands()) {
        if (auto block = dyn_cast<BlockArgument>(arg);
            block && block.getOwner() == &fn.getBody().front()) {
          bindings.push_back(llvm::json::Object{{"arg", int64_t(block.getArgNumber())}});
        } else if (scratchIndex.count(arg)) {
          bindings.push_back(llvm::json::Object{{"scratch", scratchIndex.lookup(arg)}});
        } else {
          return launch.emitError("kiln: a GPU kernel operand is neither a kernel argument nor "
                                  "a scratch buffer: ")
                 << arg;
        }
      }
      StringRef module = launch.getKernelModuleName().getValue(),
                entry = launch.getKernelName().getValue();
      dispatches.push_back(llvm::json::Object{
          {"shader", shaderOf(module, entry)},
          {"entry", entryOf(module, entry)},
          {"workgroups", std::move(groups)},
          {"workgroup_size", std::move(size)},
          {"bindings", std::move(bindings)}});
      continue;
    }
    if (isa<func::ReturnOp, arith::ConstantOp>(op))
      continue;
    return op.emitError("kiln: unexpected host operation in a GPU kernel: ") << op.getName();
  }
  out["scratch"] = std::move(scratch);
  out["scratch_bytes"] = scratchBytes;
  out["dispatches"] = std::move(dispatches);
  return success();
}

} // namespace kiln
