//===- ParallelBuild.cpp - kernels in linalg → kernels.so on all cores ----===//
#include "compiler/Target/CPU/ParallelBuild.h"

#include "compiler/Codegen/CPU/Passes.h"
#include "compiler/Codegen/CPU/WeightPanels.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/EquivalenceClasses.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"

#include <algorithm>
#include <chrono>
#include <thread>

using namespace mlir;

namespace kiln {
namespace {
/// One thread's share: a module of whole functions and the object file it becomes.
struct Partition {
  OwningOpRef<ModuleOp> module;
  std::vector<std::string> kernels;
  std::string objPath;
  std::map<std::string, CodegenNotes> notes;
  int64_t weight = 0;
  double mlirSeconds = 0;
  EmitTimes emitTimes;
};

/// Top-level functions grouped so that functions referring to each other share a group; groups
/// and their members in module order (EquivalenceClasses iterates in pointer order, which
/// would make kernels.so differ from compile to compile).
std::vector<SmallVector<func::FuncOp>> functionGroups(ModuleOp module) {
  llvm::EquivalenceClasses<Operation *> classes;
  SmallVector<func::FuncOp> functions(module.getOps<func::FuncOp>());
  for (func::FuncOp fn : functions) {
    classes.insert(fn);
    if (auto uses = SymbolTable::getSymbolUses(fn.getOperation()))
      for (const SymbolTable::SymbolUse &use : *uses)
        if (auto callee =
                module.lookupSymbol<func::FuncOp>(use.getSymbolRef().getRootReference()))
          classes.unionSets(fn, callee);
  }
  std::vector<SmallVector<func::FuncOp>> groups;
  llvm::DenseMap<Operation *, size_t> groupOfLeader;
  for (func::FuncOp fn : functions) {
    Operation *leader = classes.getLeaderValue(fn.getOperation());
    auto [it, added] = groupOfLeader.try_emplace(leader, groups.size());
    if (added)
      groups.emplace_back();
    groups[it->second].push_back(fn);
  }
  return groups;
}

int64_t sizeOf(ArrayRef<func::FuncOp> group) {
  int64_t ops = 0;
  for (func::FuncOp fn : group)
    fn.walk([&](Operation *) { ++ops; });
  return ops;
}

/// Largest groups first, each to the lightest partition (longest-processing-time rule).
std::vector<Partition> partition(ModuleOp module, ArrayRef<std::string> kernels, unsigned jobs,
                                 StringRef soPath) {
  std::vector<SmallVector<func::FuncOp>> groups = functionGroups(module);
  std::vector<std::pair<int64_t, size_t>> order;
  for (auto [i, g] : llvm::enumerate(groups))
    order.push_back({sizeOf(g), i});
  // Ties in module order, so that the partitions (and kernels.so) are the same every compile.
  llvm::sort(order, [](auto a, auto b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  std::vector<Partition> parts(std::max<size_t>(1, std::min<size_t>(jobs, groups.size())));
  llvm::StringSet<> kernelNames;
  for (const std::string &k : kernels)
    kernelNames.insert(k);
  for (auto [i, part] : llvm::enumerate(parts)) {
    part.module = ModuleOp::create(module.getLoc());
    part.module->getOperation()->setAttrs(module->getAttrDictionary());
    part.objPath = (soPath + ".part" + std::to_string(i) + ".o").str();
  }
  for (auto [weight, index] : order) {
    Partition &part = *llvm::min_element(
        parts, [](const Partition &a, const Partition &b) { return a.weight < b.weight; });
    part.weight += weight;
    for (func::FuncOp fn : groups[index]) {
      part.module->push_back(fn.clone());
      if (kernelNames.contains(fn.getName()))
        part.kernels.push_back(fn.getName().str());
    }
  }
  return parts;
}

/// Loads every dialect the pipeline may create, so threads never load one concurrently.
unsigned defaultJobs() { return std::max(1u, std::thread::hardware_concurrency()); }
} // namespace

bool prepareParallelCodegen(MLIRContext *ctx) {
  PassManager pm(ctx);
  buildCPUCodegenPipeline(pm);
  DialectRegistry registry;
  pm.getDependentDialects(registry);
  ctx->appendDialectRegistry(registry);
  for (StringRef name : registry.getDialectNames())
    ctx->getOrLoadDialect(name);
  // PassManager::run appends its passes' dependent registry to the context unless it is a
  // subset of what the context has, which it never is when it carries an extension.
  return ctx->isMultithreadingEnabled() && registry.isSubsetOf(ctx->getDialectRegistry());
}

LogicalResult runCPUCodegen(ModuleOp module, std::map<std::string, CodegenNotes> &notes) {
  PassManager schedule(module.getContext());
  buildCPUSchedulePipeline(schedule);
  if (failed(schedule.run(module)))
    return failure();
  module.walk([&](func::FuncOp fn) {
    if (fn->hasAttr(kCodegenNotesAttr)) {
      notes[fn.getName().str()] = readCodegenNotes(fn);
      fn->removeAttr(kCodegenNotesAttr);
    }
  });
  PassManager lower(module.getContext());
  buildCPULoweringPipeline(lower);
  if (failed(lower.run(module)))
    return failure();
  // Loops the outlining left sequential (the kernel function, now an llvm.func, keeps the mark);
  // weights read as panels.
  module.walk([&](Operation *fn) {
    if (auto packed = fn->getAttrOfType<DenseI64ArrayAttr>(kPackedArgsAttr)) {
      if (auto name = fn->getAttrOfType<StringAttr>(SymbolTable::getSymbolAttrName()))
        notes[name.str()].packedArgs.assign(packed.asArrayRef().begin(), packed.asArrayRef().end());
      fn->removeAttr(kPackedArgsAttr);
    }
    auto why = fn->getAttrOfType<StringAttr>(kNotOutlinedAttr);
    auto name = fn->getAttrOfType<StringAttr>(SymbolTable::getSymbolAttrName());
    if (!why || !name)
      return;
    CodegenNotes &n = notes[name.str()];
    n.parallel = false;
    n.sequentialReason = why.str();
    fn->removeAttr(kNotOutlinedAttr);
  });
  return success();
}

LogicalResult buildKernelLibrary(ModuleOp module, ArrayRef<std::string> kernels,
                                 const CPUTargetOptions &options, unsigned jobs, StringRef soPath,
                                 std::map<std::string, CodegenNotes> &notes, BuildTimes *times) {
  MLIRContext *ctx = module.getContext();
  if (jobs == 0)
    jobs = defaultJobs();
  if (!prepareParallelCodegen(ctx))
    jobs = 1;
  std::vector<Partition> parts = partition(module, kernels, jobs, soPath);
  std::vector<char> ok(parts.size(), 0);
  {
    ParallelDiagnosticHandler diagnostics(ctx);
    auto work = [&](size_t i) {
      diagnostics.setOrderIDForThread(i);
      Partition &p = parts[i];
      auto start = std::chrono::steady_clock::now();
      ok[i] = succeeded(runCPUCodegen(*p.module, p.notes));
      p.mlirSeconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      ok[i] = ok[i] && succeeded(emitKernelObject(*p.module, p.kernels, options, p.objPath,
                                                  &p.emitTimes));
      diagnostics.eraseOrderIDForThread();
    };
    std::vector<std::thread> threads;
    for (size_t i = 1; i < parts.size(); ++i)
      threads.emplace_back(work, i);
    work(0);
    for (std::thread &t : threads)
      t.join();
  }
  std::vector<std::string> objects;
  for (Partition &p : parts) {
    notes.insert(p.notes.begin(), p.notes.end());
    objects.push_back(p.objPath);
    if (times) {
      times->mlir += p.mlirSeconds;
      times->llvm.translate += p.emitTimes.translate;
      times->llvm.optimize += p.emitTimes.optimize;
      times->llvm.codegen += p.emitTimes.codegen;
    }
  }
  if (times)
    times->jobs = parts.size();
  LogicalResult result = llvm::all_of(ok, [](char c) { return c; })
                             ? linkKernelLibrary(module, objects, soPath)
                             : failure();
  for (const std::string &obj : objects)
    llvm::sys::fs::remove(obj);
  return result;
}
} // namespace kiln
