//===- KernelLibrary.cpp - LLVM IR, packed entry points, object, .so -------===//
#include "compiler/Target/CPU/KernelLibrary.h"
#include "compiler/Target/CPU/AmxTranslation.h"
#include "compiler/Target/CPU/CPUTarget.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Verifier.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/X86TargetParser.h"

#include <chrono>

using namespace mlir;

namespace {
/// Seconds since construction or the previous lap.
class Stopwatch {
public:
  double lap() {
    auto now = std::chrono::steady_clock::now();
    double s = std::chrono::duration<double>(now - last).count();
    last = now;
    return s;
  }

private:
  std::chrono::steady_clock::time_point last = std::chrono::steady_clock::now();
};

constexpr llvm::StringLiteral kTriple = "x86_64-unknown-linux-gnu";

void initializeLLVMTargets() {
  static bool done = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    return true;
  }();
  (void)done;
}

/// `void name(void **args)` calling the bare-pointer kernel, which becomes internal. A
/// pointer parameter takes `args[i]`; an integer one (a dynamic dim) the int64_t that
/// `args[i]` points to.
void addPackedEntry(llvm::Module &m, llvm::Function *impl, llvm::StringRef name) {
  llvm::LLVMContext &ctx = m.getContext();
  impl->setName(name + ".impl");
  impl->setLinkage(llvm::GlobalValue::InternalLinkage);
  auto *ptrTy = llvm::PointerType::getUnqual(ctx);
  auto *fnTy = llvm::FunctionType::get(llvm::Type::getVoidTy(ctx), {ptrTy}, false);
  auto *entry = llvm::Function::Create(fnTy, llvm::GlobalValue::ExternalLinkage, name, m);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", entry));
  llvm::SmallVector<llvm::Value *> args;
  for (unsigned i = 0; i < impl->arg_size(); ++i) {
    llvm::Value *slot = b.CreateConstGEP1_64(ptrTy, entry->getArg(0), i);
    llvm::Value *arg = b.CreateLoad(ptrTy, slot);
    llvm::Type *type = impl->getArg(i)->getType();
    args.push_back(type->isIntegerTy() ? b.CreateLoad(type, arg) : arg);
  }
  b.CreateCall(impl, args);
  b.CreateRetVoid();
}

/// `void name(const int64_t *in, int64_t *out)` calling the shape function `impl` (integer
/// parameters, an integer or a struct of integers as result), which becomes internal.
void addShapeEntry(llvm::Module &m, llvm::Function *impl, llvm::StringRef name) {
  llvm::LLVMContext &ctx = m.getContext();
  impl->setName(name + ".impl");
  impl->setLinkage(llvm::GlobalValue::InternalLinkage);
  auto *ptrTy = llvm::PointerType::getUnqual(ctx);
  auto *i64 = llvm::Type::getInt64Ty(ctx);
  auto *fnTy = llvm::FunctionType::get(llvm::Type::getVoidTy(ctx), {ptrTy, ptrTy}, false);
  auto *entry = llvm::Function::Create(fnTy, llvm::GlobalValue::ExternalLinkage, name, m);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", entry));
  llvm::SmallVector<llvm::Value *> args;
  for (unsigned i = 0; i < impl->arg_size(); ++i)
    args.push_back(b.CreateLoad(i64, b.CreateConstGEP1_64(i64, entry->getArg(0), i)));
  llvm::Value *result = b.CreateCall(impl, args);
  auto *structTy = llvm::dyn_cast<llvm::StructType>(result->getType());
  unsigned count = structTy ? structTy->getNumElements() : 1;
  for (unsigned i = 0; i < count; ++i)
    b.CreateStore(structTy ? b.CreateExtractValue(result, i) : result,
                  b.CreateConstGEP1_64(i64, entry->getArg(1), i));
  b.CreateRetVoid();
}

/// Defines each `<body>.dispatch(i64 n, ptr or scalar...)` left by kiln-cpu-outline-parallel-loops:
/// it packs the pointers into a context and calls the runtime's `kiln_parallel_for(void (*)(void
/// *ctx, int64_t begin, int64_t end), void *ctx, int64_t n)` with a trampoline that unpacks them
/// and runs `<body>(begin, end, ptr...)`.
LogicalResult defineParallelDispatches(llvm::Module &m) {
  llvm::LLVMContext &ctx = m.getContext();
  auto *ptrTy = llvm::PointerType::getUnqual(ctx);
  auto *i64 = llvm::Type::getInt64Ty(ctx);
  auto *voidTy = llvm::Type::getVoidTy(ctx);
  auto *chunkTy = llvm::FunctionType::get(voidTy, {ptrTy, i64, i64}, false);
  llvm::FunctionCallee parallelFor = m.getOrInsertFunction(
      "kiln_parallel_for", llvm::FunctionType::get(voidTy, {ptrTy, ptrTy, i64}, false));
  for (llvm::Function &dispatch : llvm::make_early_inc_range(m)) {
    llvm::StringRef name = dispatch.getName();
    if (!dispatch.isDeclaration() || !name.consume_back(".dispatch"))
      continue;
    llvm::Function *body = m.getFunction(name);
    unsigned numPtrs = dispatch.arg_size() - 1;
    if (!body || body->arg_size() != numPtrs + 2)
      return failure();
    auto *tramp = llvm::Function::Create(chunkTy, llvm::GlobalValue::InternalLinkage,
                                         name + ".chunk", m);
    llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", tramp));
    llvm::SmallVector<llvm::Value *> args{tramp->getArg(1), tramp->getArg(2)};
    // Context slots hold pointers, or scalars cast to pointers: integers (captured indices,
    // an 8-bit zero point) directly, floats through the integer of their width.
    for (unsigned i = 0; i < numPtrs; ++i) {
      llvm::Value *slot = b.CreateLoad(ptrTy, b.CreateConstGEP1_64(ptrTy, tramp->getArg(0), i));
      llvm::Type *type = body->getArg(i + 2)->getType();
      if (type->isIntegerTy())
        slot = b.CreatePtrToInt(slot, type);
      else if (type->isFloatingPointTy())
        slot = b.CreateBitCast(b.CreatePtrToInt(slot, b.getIntNTy(type->getPrimitiveSizeInBits())),
                               type);
      args.push_back(slot);
    }
    b.CreateCall(body, args);
    b.CreateRetVoid();

    dispatch.setLinkage(llvm::GlobalValue::InternalLinkage);
    b.SetInsertPoint(llvm::BasicBlock::Create(ctx, "entry", &dispatch));
    llvm::Value *context = b.CreateAlloca(ptrTy, b.getInt64(std::max(numPtrs, 1u)));
    for (unsigned i = 0; i < numPtrs; ++i) {
      llvm::Value *arg = dispatch.getArg(i + 1);
      if (arg->getType()->isFloatingPointTy())
        arg = b.CreateBitCast(arg, b.getIntNTy(arg->getType()->getPrimitiveSizeInBits()));
      if (arg->getType()->isIntegerTy())
        arg = b.CreateIntToPtr(arg, ptrTy);
      b.CreateStore(arg, b.CreateConstGEP1_64(ptrTy, context, i));
    }
    b.CreateCall(parallelFor, {tramp, context, dispatch.getArg(0)});
    b.CreateRetVoid();
  }
  return success();
}

LogicalResult linkSharedLibrary(ModuleOp module, llvm::ArrayRef<std::string> objPaths,
                                llvm::StringRef soPath) {
  std::string linker;
  for (const char *name : {"ld.lld-19", "ld.lld"})
    if (auto found = llvm::sys::findProgramByName(name)) {
      linker = *found;
      break;
    }
  if (linker.empty())
    if (auto found = llvm::sys::findProgramByName("ld.lld", {"/usr/lib/llvm-19/bin"}))
      linker = *found;
  if (linker.empty())
    return module.emitError("kiln: cannot find the linker ld.lld (package lld-19)");
  llvm::SmallVector<llvm::StringRef> argv{linker, "-shared", "--as-needed", "-O1", "-o", soPath};
  for (const std::string &obj : objPaths)
    argv.push_back(obj);
  std::string message;
  int rc = llvm::sys::ExecuteAndWait(linker, argv, std::nullopt, {}, 0, 0, &message);
  if (rc != 0)
    return module.emitError("kiln: linking ") << soPath << " failed (" << rc << "): " << message;
  return success();
}
} // namespace

std::string kiln::kernelTargetTriple() { return kTriple.str(); }

LogicalResult kiln::verifyCPUName(llvm::StringRef cpu, std::string &error) {
  if (resolveCPU(cpu))
    return success();
  error = ("unknown CPU '" + cpu + "' (expected host, x86-64, x86-64-v2/v3/v4 or an x86 CPU name)").str();
  return failure();
}

LogicalResult kiln::emitKernelObject(ModuleOp module, llvm::ArrayRef<std::string> kernels,
                                     const CPUTargetOptions &options, llvm::StringRef objPath,
                                     EmitTimes *times) {
  initializeLLVMTargets();
  Stopwatch clock;
  llvm::SmallVector<std::string> shapeFunctions;
  module.walk([&](LLVM::LLVMFuncOp fn) {
    if (fn->hasAttr("kiln.shape_function"))
      shapeFunctions.push_back(fn.getName().str());
  });
  llvm::LLVMContext llvmContext;
  // Verified after the AMX tile phis get their type (AmxTranslation.h).
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, llvmContext, "LLVMDialectModule",
                              /*disableVerification=*/true);
  if (!llvmModule)
    return module.emitError("kiln: translation to LLVM IR failed");
  std::string amxError;
  if (!retypeAmxPhis(*llvmModule, amxError))
    return module.emitError("kiln: ") << amxError;
  splitSharedTileZeros(*llvmModule);
  {
    std::string problems;
    llvm::raw_string_ostream os(problems);
    if (llvm::verifyModule(*llvmModule, &os))
      return module.emitError("kiln: the kernels' LLVM IR is invalid: ") << problems;
  }
  double translated = clock.lap();

  std::string error;
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(kTriple.str(), error);
  if (!target)
    return module.emitError("kiln: no LLVM target for ") << kTriple << ": " << error;
  std::optional<ResolvedCPU> resolved = resolveCPU(options.cpu);
  if (!resolved)
    return module.emitError("kiln: unknown CPU '") << options.cpu << "'";
  const std::string &cpu = resolved->name, &features = resolved->features;
  llvm::TargetOptions targetOptions;
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      kTriple.str(), cpu, features, targetOptions, llvm::Reloc::PIC_, std::nullopt,
      options.optLevel >= 2 ? llvm::CodeGenOptLevel::Aggressive : llvm::CodeGenOptLevel::Default));
  llvmModule->setTargetTriple(kTriple.str());
  llvmModule->setDataLayout(machine->createDataLayout());
  for (llvm::Function &f : *llvmModule)
    if (!f.isDeclaration()) {
      f.addFnAttr("target-cpu", cpu);
      if (!features.empty())
        f.addFnAttr("target-features", features);
    }
  for (const std::string &name : kernels) {
    llvm::Function *impl = llvmModule->getFunction(name);
    if (!impl)
      return module.emitError("kiln: kernel ") << name << " is missing after lowering";
    addPackedEntry(*llvmModule, impl, name);
  }
  for (const std::string &name : shapeFunctions)
    addShapeEntry(*llvmModule, llvmModule->getFunction(name), name);
  if (failed(defineParallelDispatches(*llvmModule)))
    return module.emitError("kiln: malformed parallel dispatch in the kernels");
  auto optimize = makeOptimizingTransformer(options.optLevel, 0, machine.get());
  if (llvm::Error err = optimize(llvmModule.get()))
    return module.emitError("kiln: LLVM optimization failed: ") << llvm::toString(std::move(err));
  double optimized = clock.lap();

  std::error_code ec;
  llvm::raw_fd_ostream obj(objPath, ec, llvm::sys::fs::OF_None);
  if (ec)
    return module.emitError("kiln: cannot write ") << objPath << ": " << ec.message();
  llvm::legacy::PassManager pm;
  if (machine->addPassesToEmitFile(pm, obj, nullptr, llvm::CodeGenFileType::ObjectFile))
    return module.emitError("kiln: the target cannot emit object files");
  pm.run(*llvmModule);
  if (times) {
    times->translate += translated;
    times->optimize += optimized;
    times->codegen += clock.lap();
  }
  return success();
}

LogicalResult kiln::linkKernelLibrary(ModuleOp module, llvm::ArrayRef<std::string> objPaths,
                                      llvm::StringRef soPath) {
  return linkSharedLibrary(module, objPaths, soPath);
}

LogicalResult kiln::emitKernelLibrary(ModuleOp module, llvm::ArrayRef<std::string> kernels,
                                      const CPUTargetOptions &options, llvm::StringRef soPath) {
  std::string objPath = (soPath + ".o").str();
  LogicalResult emitted = emitKernelObject(module, kernels, options, objPath);
  LogicalResult linked = succeeded(emitted) ? linkSharedLibrary(module, {objPath}, soPath)
                                            : failure();
  llvm::sys::fs::remove(objPath);
  return linked;
}
