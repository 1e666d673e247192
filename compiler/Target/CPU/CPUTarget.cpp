//===- CPUTarget.cpp - CPU names → LLVM features, vector shape, ISA list ---===//
#include "compiler/Target/CPU/CPUTarget.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/X86TargetParser.h"

#include <cctype>
#include <fstream>

using namespace mlir;

namespace {
/// This machine's per-core L2 in bytes (Linux sysfs), or 0.
int64_t hostL2Bytes() {
  auto read = [](const char *path) {
    std::ifstream in(path);
    std::string text;
    std::getline(in, text);
    return text;
  };
  if (read("/sys/devices/system/cpu/cpu0/cache/index2/level") != "2")
    return 0;
  return kiln::parseCacheSize(read("/sys/devices/system/cpu/cpu0/cache/index2/size"));
}

/// The extensions the runtime checks with __builtin_cpu_supports (same list in
/// runtime/src/CpuFeatures.cpp).
constexpr const char *kCheckedISA[] = {"sse4.2",   "popcnt",     "avx",      "avx2",
                                       "fma",      "f16c",       "bmi",      "bmi2",
                                       "avx512f",  "avx512cd",   "avx512bw", "avx512dq",
                                       "avx512vl", "avx512vnni", "amx-tile", "amx-int8"};
} // namespace

int64_t kiln::parseCacheSize(llvm::StringRef text) {
  int64_t value = 0;
  size_t i = 0;
  for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i) {
    value = value * 10 + (text[i] - '0');
    if (value > (int64_t(1) << 30))
      return 0;
  }
  if (i == 0)
    return 0;
  llvm::StringRef unit = text.drop_front(i).trim();
  if (unit.empty())
    return value;
  return unit == "K" ? value << 10 : unit == "M" ? value << 20 : 0;
}

std::optional<kiln::ResolvedCPU> kiln::resolveCPU(llvm::StringRef cpu) {
  ResolvedCPU out;
  llvm::StringSet<> enabled;
  if (cpu == "host") {
    out.name = llvm::sys::getHostCPUName().str();
    out.l2Bytes = hostL2Bytes();
    for (auto &f : llvm::sys::getHostCPUFeatures()) {
      out.features += (out.features.empty() ? "" : ",") +
                      std::string(f.second ? "+" : "-") + f.first().str();
      if (f.second)
        enabled.insert(f.first());
    }
  } else {
    if (llvm::X86::parseArchX86(cpu, /*Only64Bit=*/true) == llvm::X86::CK_None)
      return std::nullopt;
    out.name = cpu.str();
    llvm::SmallVector<llvm::StringRef> features;
    llvm::X86::getFeaturesForCPU(cpu, features, /*NeedPlus=*/false);
    for (llvm::StringRef f : features)
      enabled.insert(f);
  }
  out.vectorBits = enabled.contains("avx512f") ? 512 : enabled.contains("avx") ? 256 : 128;
  out.vectorRegisters = enabled.contains("avx512f") ? 32 : 16;
  for (const char *isa : kCheckedISA)
    if (enabled.contains(isa))
      out.isa.push_back(isa);
  return out;
}

void kiln::copyTargetAttr(ModuleOp from, ModuleOp to) {
  if (Attribute t = from ? from->getAttr("kiln.target") : Attribute())
    to->setAttr("kiln.target", t);
}

std::string kiln::tuningTargetKey(llvm::StringRef cpu) {
  std::optional<ResolvedCPU> r = resolveCPU(cpu);
  return "cpu/" + (r ? r->name : cpu.str());
}

void kiln::setTargetAttr(ModuleOp module, const ResolvedCPU &cpu) {
  Builder b(module.getContext());
  SmallVector<NamedAttribute> fields{
      b.getNamedAttr("cpu", b.getStringAttr(cpu.name)),
      b.getNamedAttr("vector_bits", b.getI64IntegerAttr(cpu.vectorBits)),
      b.getNamedAttr("vector_registers", b.getI64IntegerAttr(cpu.vectorRegisters)),
      b.getNamedAttr("isa", b.getStrArrayAttr(llvm::SmallVector<llvm::StringRef>(cpu.isa.begin(),
                                                                                 cpu.isa.end())))};
  if (cpu.l2Bytes > 0)
    fields.push_back(b.getNamedAttr("l2_bytes", b.getI64IntegerAttr(cpu.l2Bytes)));
  module->setAttr("kiln.target", b.getDictionaryAttr(fields));
}
