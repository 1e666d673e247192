//===- kiln-build-kernels.cpp - kernels in linalg (.mlir) → a kernel library ===//
//
// Builds every public function of an .mlir module of kernels on linalg-on-tensors into a
// shared library with packed entry points (the form kernels.so has in an artifact). Used to
// benchmark single kernels and schedules outside a model.
//
//===----------------------------------------------------------------------===//
#include "compiler/Codegen/CPU/Passes.h"
#include "compiler/Pipeline/Registration.h"
#include "compiler/Target/CPU/CPUTarget.h"
#include "compiler/Target/CPU/KernelLibrary.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"

namespace cl = llvm::cl;

static cl::OptionCategory kilnCategory("kiln-build-kernels options");
static cl::opt<std::string> inputPath(cl::Positional, cl::desc("<kernels.mlir>"), cl::Required,
                                      cl::cat(kilnCategory));
static cl::opt<std::string> outputPath("o", cl::desc("output shared library"), cl::Required,
                                       cl::cat(kilnCategory));
static cl::opt<std::string> cpu("cpu", cl::desc("target CPU"), cl::init("host"),
                                cl::cat(kilnCategory));

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(kilnCategory);
  cl::ParseCommandLineOptions(argc, argv, "Kiln: build kernels (.mlir) into a library\n");
  mlir::DialectRegistry registry;
  kiln::registerKilnDialects(registry);
  kiln::registerKilnPasses();
  mlir::MLIRContext ctx(registry);
  llvm::SourceMgr sources;
  auto module = mlir::parseSourceFile<mlir::ModuleOp>(inputPath, sources, &ctx);
  if (!module) {
    llvm::errs() << "kiln-build-kernels: error: cannot parse " << inputPath << "\n";
    return 1;
  }
  std::vector<std::string> kernels;
  for (auto fn : module->getOps<mlir::func::FuncOp>())
    if (fn.isPublic() && !fn.isDeclaration()) {
      kernels.push_back(fn.getName().str());
      for (unsigned i = 0; i < fn.getNumArguments(); ++i)
        fn.setArgAttr(i, mlir::bufferization::BufferizationDialect::kWritableAttrName,
                      mlir::BoolAttr::get(&ctx, false));
    }
  std::optional<kiln::ResolvedCPU> target = kiln::resolveCPU(cpu);
  if (!target) {
    llvm::errs() << "kiln-build-kernels: error: unknown CPU '" << cpu << "'\n";
    return 1;
  }
  if (!module->getOperation()->hasAttr("kiln.target"))
    kiln::setTargetAttr(*module, *target);
  mlir::PassManager pm(&ctx);
  kiln::buildCPUCodegenPipeline(pm);
  kiln::CPUTargetOptions options;
  options.cpu = cpu;
  if (mlir::failed(pm.run(*module)) ||
      mlir::failed(kiln::emitKernelLibrary(*module, kernels, options, outputPath)))
    return 1;
  return 0;
}
