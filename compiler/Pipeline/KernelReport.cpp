//===- KernelReport.cpp - per-kernel cost, codegen notes, warnings, table -===//
#include "compiler/Pipeline/KernelReport.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>

using namespace mlir;

namespace kiln {
namespace {
double elementsOf(Type type) {
  auto shaped = dyn_cast<ShapedType>(type);
  if (!shaped || !shaped.hasRank())
    return 1;
  double n = 1;
  for (int64_t d : shaped.getShape())
    n *= ShapedType::isDynamic(d) ? 1 : d;
  return n;
}

double bytesOf(Type type) {
  Type element = getElementTypeOrSelf(type);
  double bits = element.isIntOrFloat() ? element.getIntOrFloatBitWidth() : 64;
  return elementsOf(type) * std::max(bits, 8.0) / 8;
}

/// Arithmetic ops an op stands for: math functions cost more than one op.
double opsOf(Operation *op) {
  if (isa<math::ExpOp, math::TanhOp, math::ErfOp, math::LogOp, math::PowFOp, math::SinOp,
          math::CosOp, math::Exp2Op, math::Log1pOp, math::ExpM1Op>(op))
    return 10;
  if (isa<math::SqrtOp, math::RsqrtOp, arith::DivFOp>(op))
    return 4;
  if (isa<vector::FMAOp, math::FmaOp>(op))
    return 2;
  if (isa<vector::ContractionOp>(op))
    return 2;
  return op->getDialect() && isa<arith::ArithDialect, math::MathDialect>(op->getDialect()) &&
                 !isa<arith::ConstantOp, arith::IndexCastOp, arith::IndexCastUIOp>(op)
             ? 1
             : 0;
}

/// Ops per iteration of a linalg op's payload (at least 1: a copy still moves an element).
double payloadOps(linalg::LinalgOp op) {
  double ops = 0;
  for (Operation &inner : op->getRegion(0).front())
    ops += opsOf(&inner);
  return std::max(ops, 1.0);
}
} // namespace

KernelCost estimateKernelCost(func::FuncOp func) {
  KernelCost cost;
  for (Type t : func.getArgumentTypes())
    cost.bytes += isa<ShapedType>(t) ? bytesOf(t) : 0;
  for (Type t : func.getResultTypes())
    cost.bytes += bytesOf(t);
  func.walk([&](Operation *op) {
    if (op->getParentOfType<linalg::LinalgOp>())
      return;
    int64_t exact = tripsAround(op);
    double trips = double(exact >= 0 ? std::max<int64_t>(exact, 1) : tripsAroundAtMost(op));
    if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op)) {
      double iterations = 1;
      for (int64_t r : linalgOp.getStaticLoopRanges())
        iterations *= ShapedType::isDynamic(r) ? 1 : r;
      // kiln.matmul_int8's product (MatMulInt8ToLinalg.cpp): a multiply-add per iteration.
      if (op->hasAttr("kiln.int8_gemm"))
        cost.int8Ops += trips * iterations * 2;
      else
        cost.flops += trips * iterations * payloadOps(linalgOp);
    } else if (op->getNumResults() == 1 && isa<VectorType>(op->getResult(0).getType())) {
      // Kernels lowered straight to vector code (depthwise, Winograd transforms).
      cost.flops += trips * elementsOf(op->getResult(0).getType()) * opsOf(op);
    }
  });
  return cost;
}

RooflinePeaks assumedPeaks(int64_t vectorBits, ArrayRef<std::string> isa) {
  RooflinePeaks p;
  p.lanes = std::max<int64_t>(vectorBits / 32, 1);
  p.gflops = double(p.lanes) * 2 /*FMA*/ * 2 /*ports*/ * 3.0 /*GHz*/;
  p.gbps = 50; // a core streaming activations that sit in L2/L3
  auto has = [&](StringRef name) { return llvm::is_contained(isa, name); };
  if (has("amx-tile") && has("amx-int8")) {
    p.int8Gops = 1024 /*multiply-adds per cycle*/ * 2 * 3.0;
    p.int8Unit = "AMX tiles";
  } else if (has("avx512vnni")) {
    p.int8Gops = 4 * p.gflops;
    p.int8Unit = "VNNI";
  } else {
    p.int8Gops = p.gflops / 2;
  }
  return p;
}

void annotatePlanSteps(ExecutionPlan &plan, const std::map<std::string, KernelCost> &costs,
                       const std::map<std::string, CodegenNotes> &notes) {
  for (PlanStep &step : plan.steps) {
    StepCodegen &c = step.codegen;
    if (auto it = costs.find(step.kernel); it != costs.end()) {
      c.flops = it->second.flops;
      c.int8Ops = it->second.int8Ops;
      c.bytes = it->second.bytes;
    }
    auto it = notes.find(step.kernel);
    if (it == notes.end())
      continue;
    const CodegenNotes &n = it->second;
    c.known = true;
    c.schedule = n.schedule;
    c.scalar = n.scalar();
    c.sequential = n.sequential();
    if (n.scalarIterations < 0 || n.iterations <= 0)
      c.scalarFraction = n.scalarIterations == 0 ? 0 : 1;
    else
      c.scalarFraction = std::min(1.0, double(n.scalarIterations) / double(n.iterations));
    if (c.scalar)
      c.note = "scalar loops (" +
               (n.scalarIterations < 0 ? std::string("dynamic trip count")
                                       : std::to_string(n.scalarIterations) + " iterations") +
               "): " + n.scalarReason;
    else if (c.sequential)
      c.note = "runs on one thread (" + std::to_string(n.iterations) + " iterations)" +
               (n.sequentialReason.empty() ? "" : ": " + n.sequentialReason);
  }
}

void warnAboutSlowKernels(ModuleOp module, const ExecutionPlan &plan) {
  for (const PlanStep &step : plan.steps)
    if (step.codegen.scalar || step.codegen.sequential)
      module.emitWarning() << "kernel " << step.kernel << " (" << step.op << ", node '"
                           << step.name << "'): " << step.codegen.note;
}

void printKernelReport(raw_ostream &os, const ExecutionPlan &plan, const RooflinePeaks &peaks) {
  os << llvm::formatv("kiln-compile report: roofline at {0:f0} GFLOP/s (int8 GEMMs: {3:f0} GOP/s "
                      "on {4}, in MFLOP) and {1:f0} GB/s per core (assumed); est = roofline "
                      "with scalar loops at 1/{2} of the peak\n",
                      peaks.gflops, peaks.gbps, peaks.lanes, peaks.int8Gops, peaks.int8Unit);
  os << llvm::formatv("{0,-5} {1,-10} {2,-34} {3,9} {4,9} {5,9} {6,9} {7,-4} {8,-4} {9}\n", "step",
                      "kernel", "op", "MFLOP", "KB", "roof_us", "est_us", "vec", "par",
                      "schedule / note");
  double roofTotal = 0, estTotal = 0;
  int scalar = 0, sequential = 0;
  for (auto [i, step] : llvm::enumerate(plan.steps)) {
    const StepCodegen &c = step.codegen;
    double flopUs = c.flops / (peaks.gflops * 1e3) + c.int8Ops / (peaks.int8Gops * 1e3),
           byteUs = c.bytes / (peaks.gbps * 1e3);
    double roof = std::max(flopUs, byteUs);
    double est = std::max(flopUs * (1 - c.scalarFraction) +
                              flopUs * c.scalarFraction * double(peaks.lanes),
                          byteUs);
    roofTotal += roof;
    estTotal += est;
    scalar += c.scalar;
    sequential += c.sequential;
    std::string op = step.op.size() > 34 ? step.op.substr(0, 31) + "..." : step.op;
    os << llvm::formatv("{0,-5} {1,-10} {2,-34} {3,9:f3} {4,9:f1} {5,9:f2} {6,9:f2} {7,-4} {8,-4} "
                        "{9}{10}{11}\n",
                        i, step.kernel, op, (c.flops + c.int8Ops) / 1e6, c.bytes / 1024, roof, est,
                        c.scalar ? "NO" : "yes", c.sequential ? "NO" : "yes", c.schedule,
                        c.note.empty() ? "" : " -- ", c.note);
  }
  os << llvm::formatv("total: {0} steps, roofline {1:f1} us, estimate {2:f1} us; "
                      "scalar kernels: {3}, sequential kernels: {4}\n",
                      plan.steps.size(), roofTotal, estTotal, scalar, sequential);
}
} // namespace kiln
