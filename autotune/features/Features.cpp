//===- Features.cpp - features read from the scheduled loop nest in MLIR ---===//
//
// A clone of the kernel gets the candidate's schedule on its anchor and goes through the real
// scheduling passes (kiln::buildCPUSchedulePipeline: TileAndVectorize, bufferization, transfer
// hoisting); the resulting scf loops and vector ops on memrefs are then walked:
//  - every loop's trip count (scf.for / scf.forall with static bounds),
//  - every compute op's flops per execution (vector.contract / fma / outerproduct, float
//    arith/math ops on vectors or scalars) times the trips of its enclosing loops,
//  - every memory access (vector transfers, vector/memref loads and stores) with its index
//    expressions evaluated numerically, so that its footprint over any enclosing loop is
//    known: per memref dim, the vector extent plus the index step per iteration of each loop
//    in between times that loop's trips - 1 (capped at the dim).
// The main loop nest is the one around the op with the most flops; its loops, innermost first,
// are the levels of the level features.
//
//===----------------------------------------------------------------------===//
#include "autotune/features/Features.h"
#include "autotune/workload/Space.h"

#include "compiler/Codegen/CPU/Passes.h"
#include "compiler/Target/CPU/CPUTarget.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"

#include <cmath>
#include <map>

using namespace mlir;

namespace kiln::tune {
namespace {
constexpr size_t kLevels = 5;        ///< loops of the main nest described, innermost first
constexpr size_t kPerLevel = 8;      ///< features per level
constexpr size_t kGlobalBase = kLevels * kPerLevel;
enum Role { In0 = 0, In1 = 1, Out = 2, Other = 3 };

float lg(double v) { return static_cast<float>(std::log2(std::max(v, 1.0))); }

struct LoopInfo {
  int64_t lb = 0, step = 1, trips = 1;
  bool parallel = false;
};

/// Static loop bounds of the loops in `func`, keyed by induction variable.
struct Loops {
  DenseMap<Value, LoopInfo> byIv;
  DenseMap<Operation *, SmallVector<Value>> ivsOf; ///< loop op -> its IVs
  DenseMap<Operation *, int64_t> tripsOf;          ///< loop op -> product of its IVs' trips
  bool dynamic = false;                            ///< some loop has non-constant bounds

  void add(Operation *op, Value iv, std::optional<int64_t> lb, std::optional<int64_t> ub,
           std::optional<int64_t> step, bool parallel) {
    LoopInfo info;
    info.parallel = parallel;
    if (lb && ub && step && *step > 0) {
      info.lb = *lb;
      info.step = *step;
      info.trips = *ub > *lb ? (*ub - *lb + *step - 1) / *step : 0;
    } else {
      dynamic = true;
    }
    byIv[iv] = info;
    ivsOf[op].push_back(iv);
    auto [it, inserted] = tripsOf.try_emplace(op, 1);
    it->second *= info.trips;
  }
};

Loops collectLoops(func::FuncOp func) {
  Loops loops;
  func.walk([&](Operation *op) {
    if (auto f = dyn_cast<scf::ForOp>(op)) {
      loops.add(op, f.getInductionVar(), getConstantIntValue(f.getLowerBound()),
                getConstantIntValue(f.getUpperBound()), getConstantIntValue(f.getStep()), false);
    } else if (auto f = dyn_cast<scf::ForallOp>(op)) {
      auto lbs = f.getMixedLowerBound(), ubs = f.getMixedUpperBound(), steps = f.getMixedStep();
      for (auto [i, iv] : llvm::enumerate(f.getInductionVars()))
        loops.add(op, iv, getConstantIntValue(lbs[i]), getConstantIntValue(ubs[i]),
                  getConstantIntValue(steps[i]), true);
    }
  });
  return loops;
}

/// Enclosing scf.for / scf.forall ops of `op`, outermost first.
SmallVector<Operation *> loopChain(Operation *op) {
  SmallVector<Operation *> chain;
  for (Operation *p = op->getParentOp(); p && !isa<func::FuncOp>(p); p = p->getParentOp())
    if (isa<scf::ForOp, scf::ForallOp>(p))
      chain.push_back(p);
  std::reverse(chain.begin(), chain.end());
  return chain;
}

std::optional<int64_t> evalExpr(AffineExpr e, ArrayRef<int64_t> dims, ArrayRef<int64_t> syms) {
  if (auto c = dyn_cast<AffineConstantExpr>(e))
    return c.getValue();
  if (auto d = dyn_cast<AffineDimExpr>(e))
    return d.getPosition() < dims.size() ? std::optional<int64_t>(dims[d.getPosition()])
                                         : std::nullopt;
  if (auto s = dyn_cast<AffineSymbolExpr>(e))
    return s.getPosition() < syms.size() ? std::optional<int64_t>(syms[s.getPosition()])
                                         : std::nullopt;
  auto bin = cast<AffineBinaryOpExpr>(e);
  std::optional<int64_t> l = evalExpr(bin.getLHS(), dims, syms),
                         r = evalExpr(bin.getRHS(), dims, syms);
  if (!l || !r)
    return std::nullopt;
  switch (e.getKind()) {
  case AffineExprKind::Add:
    return *l + *r;
  case AffineExprKind::Mul:
    return *l * *r;
  case AffineExprKind::Mod:
    return *r ? std::optional<int64_t>(((*l % *r) + *r) % *r) : std::nullopt;
  case AffineExprKind::FloorDiv:
    return *r ? std::optional<int64_t>(llvm::divideFloorSigned(*l, *r)) : std::nullopt;
  case AffineExprKind::CeilDiv:
    return *r ? std::optional<int64_t>(llvm::divideCeilSigned(*l, *r)) : std::nullopt;
  default:
    return std::nullopt;
  }
}

/// The value of index `v` with each loop IV at its lower bound except those in `env`.
std::optional<int64_t> evalIndex(Value v, const Loops &loops, const DenseMap<Value, int64_t> &env,
                                 int depth = 0) {
  if (depth > 64)
    return std::nullopt;
  if (auto it = env.find(v); it != env.end())
    return it->second;
  if (auto it = loops.byIv.find(v); it != loops.byIv.end())
    return it->second.lb;
  if (std::optional<int64_t> c = getConstantIntValue(v))
    return c;
  Operation *def = v.getDefiningOp();
  if (!def)
    return std::nullopt;
  auto operands = [&]() -> std::optional<SmallVector<int64_t>> {
    SmallVector<int64_t> out;
    for (Value o : def->getOperands()) {
      std::optional<int64_t> x = evalIndex(o, loops, env, depth + 1);
      if (!x)
        return std::nullopt;
      out.push_back(*x);
    }
    return out;
  };
  std::optional<SmallVector<int64_t>> ops = operands();
  if (!ops)
    return std::nullopt;
  auto applyMap = [&](AffineMap map) -> SmallVector<std::optional<int64_t>> {
    ArrayRef<int64_t> all(*ops);
    SmallVector<std::optional<int64_t>> out;
    for (AffineExpr e : map.getResults())
      out.push_back(evalExpr(e, all.take_front(map.getNumDims()), all.drop_front(map.getNumDims())));
    return out;
  };
  if (auto apply = dyn_cast<affine::AffineApplyOp>(def))
    return applyMap(apply.getAffineMap()).front();
  if (isa<affine::AffineMinOp, affine::AffineMaxOp>(def)) {
    AffineMap map = isa<affine::AffineMinOp>(def) ? cast<affine::AffineMinOp>(def).getMap()
                                                  : cast<affine::AffineMaxOp>(def).getMap();
    std::optional<int64_t> best;
    for (std::optional<int64_t> x : applyMap(map)) {
      if (!x)
        return std::nullopt;
      best = !best ? *x : isa<affine::AffineMinOp>(def) ? std::min(*best, *x) : std::max(*best, *x);
    }
    return best;
  }
  const SmallVector<int64_t> &x = *ops;
  if (isa<arith::IndexCastOp, arith::IndexCastUIOp>(def))
    return x[0];
  if (x.size() != 2)
    return std::nullopt;
  if (isa<arith::AddIOp>(def))
    return x[0] + x[1];
  if (isa<arith::SubIOp>(def))
    return x[0] - x[1];
  if (isa<arith::MulIOp>(def))
    return x[0] * x[1];
  if (isa<arith::DivSIOp, arith::DivUIOp, arith::FloorDivSIOp>(def) && x[1])
    return llvm::divideFloorSigned(x[0], x[1]);
  if (isa<arith::CeilDivSIOp, arith::CeilDivUIOp>(def) && x[1])
    return llvm::divideCeilSigned(x[0], x[1]);
  if (isa<arith::RemSIOp, arith::RemUIOp>(def) && x[1])
    return x[0] % x[1];
  if (isa<arith::MinSIOp, arith::MinUIOp>(def))
    return std::min(x[0], x[1]);
  if (isa<arith::MaxSIOp, arith::MaxUIOp>(def))
    return std::max(x[0], x[1]);
  return std::nullopt;
}

/// One memory access: its buffer, the memref dims it indexes and the extent it covers per dim.
struct Access {
  Operation *op;
  Value base;
  SmallVector<Value> indices;
  SmallVector<int64_t> extent; ///< per memref dim (1 where the access is scalar in that dim)
  bool write;
};

std::optional<Access> accessOf(Operation *op) {
  auto make = [&](Value base, ValueRange indices, bool write) -> std::optional<Access> {
    auto type = dyn_cast<MemRefType>(base.getType());
    if (!type || !type.hasStaticShape())
      return std::nullopt;
    Access a{op, base, SmallVector<Value>(indices), SmallVector<int64_t>(type.getRank(), 1), write};
    return a;
  };
  auto transfer = [&](VectorTransferOpInterface t, bool write) -> std::optional<Access> {
    std::optional<Access> a = make(t.getSource(), t.getIndices(), write);
    if (!a)
      return std::nullopt;
    AffineMap perm = t.getPermutationMap();
    ArrayRef<int64_t> shape = t.getVectorType().getShape();
    for (auto [i, e] : llvm::enumerate(perm.getResults()))
      if (auto d = dyn_cast<AffineDimExpr>(e); d && d.getPosition() < a->extent.size())
        a->extent[d.getPosition()] = shape[i];
    return a;
  };
  auto trailing = [&](Value base, ValueRange indices, VectorType vt, bool write) {
    std::optional<Access> a = make(base, indices, write);
    if (a)
      for (size_t i = 0; i < vt.getRank() && i < a->extent.size(); ++i)
        a->extent[a->extent.size() - vt.getRank() + i] = vt.getShape()[i];
    return a;
  };
  if (auto r = dyn_cast<vector::TransferReadOp>(op))
    return transfer(r, false);
  if (auto w = dyn_cast<vector::TransferWriteOp>(op))
    return transfer(w, true);
  if (auto l = dyn_cast<vector::LoadOp>(op))
    return trailing(l.getBase(), l.getIndices(), l.getVectorType(), false);
  if (auto s = dyn_cast<vector::StoreOp>(op))
    return trailing(s.getBase(), s.getIndices(), s.getVectorType(), true);
  if (auto l = dyn_cast<memref::LoadOp>(op))
    return make(l.getMemRef(), l.getIndices(), false);
  if (auto s = dyn_cast<memref::StoreOp>(op))
    return make(s.getMemRef(), s.getIndices(), true);
  return std::nullopt;
}

int64_t elementsOf(Type t) {
  if (auto v = dyn_cast<VectorType>(t))
    return v.getNumElements();
  return 1;
}

/// Flops of one execution of `op` (0 for ops that compute nothing).
double flopsOf(Operation *op) {
  if (auto c = dyn_cast<vector::ContractionOp>(op)) {
    SmallVector<int64_t> bounds;
    c.getIterationBounds(bounds);
    double n = 2;
    for (int64_t b : bounds)
      n *= b;
    return n;
  }
  if (isa<vector::FMAOp, vector::OuterProductOp>(op))
    return 2.0 * elementsOf(op->getResult(0).getType());
  if (op->getNumResults() != 1 || isa<arith::ConstantOp>(op) ||
      !isa<arith::ArithDialect, math::MathDialect>(op->getDialect()))
    return 0;
  Type t = op->getResult(0).getType();
  if (!isa<FloatType>(getElementTypeOrSelf(t)) || isa<arith::ExtFOp, arith::TruncFOp>(op))
    return 0;
  return static_cast<double>(elementsOf(t)) * (isa<math::FmaOp>(op) ? 2 : 1);
}

/// The role of a buffer: kernel inputs 0 and 1, the output (the last argument after
/// buffer-results-to-out-params), or anything else (more inputs, temporaries).
Role roleOf(Value base, func::FuncOp func) {
  auto arg = dyn_cast<BlockArgument>(base);
  if (!arg || arg.getOwner() != &func.getBody().front())
    return Other;
  unsigned n = func.getNumArguments(), i = arg.getArgNumber();
  if (i + 1 == n)
    return Out;
  return i == 0 ? In0 : i == 1 ? In1 : Other;
}

int64_t bytesOfElement(Value base) {
  return std::max<int64_t>(1, cast<MemRefType>(base.getType()).getElementTypeBitWidth() / 8);
}

/// Distinct elements `a` touches over all iterations of the loops in `varying`.
double footprint(const Access &a, ArrayRef<Operation *> varying, const Loops &loops) {
  ArrayRef<int64_t> shape = cast<MemRefType>(a.base.getType()).getShape();
  SmallVector<std::optional<int64_t>> at0;
  DenseMap<Value, int64_t> env;
  for (Value i : a.indices)
    at0.push_back(evalIndex(i, loops, env));
  SmallVector<double> span(a.extent.begin(), a.extent.end());
  for (Operation *loop : varying)
    for (Value iv : loops.ivsOf.lookup(loop)) {
      const LoopInfo &info = loops.byIv.find(iv)->second;
      if (info.trips <= 1)
        continue;
      env.clear();
      env[iv] = info.lb + info.step;
      for (size_t d = 0; d < a.indices.size(); ++d) {
        std::optional<int64_t> at1 = evalIndex(a.indices[d], loops, env);
        // An index we cannot evaluate: assume it sweeps the loop densely.
        double delta = at0[d] && at1 ? std::abs(*at1 - *at0[d]) : 1.0;
        span[d] += delta * static_cast<double>(info.trips - 1);
      }
    }
  double elements = 1;
  for (size_t d = 0; d < span.size(); ++d)
    elements *= std::min(span[d], static_cast<double>(shape[d]));
  return elements;
}

/// Product of the trips of the loops of `chain` from position `from` on.
double tripsFrom(ArrayRef<Operation *> chain, size_t from, const Loops &loops) {
  double n = 1;
  for (size_t i = from; i < chain.size(); ++i)
    n *= static_cast<double>(loops.tripsOf.lookup(chain[i]));
  return n;
}

/// The features of a kernel function after the scheduling passes.
std::vector<float> featuresOfScheduled(func::FuncOp func, const Workload &w) {
  std::vector<float> f(kFeatureLength, 0.f);
  Loops loops = collectLoops(func);

  struct Compute {
    Operation *op;
    SmallVector<Operation *> chain;
    double flops; ///< per execution
    bool vector;
  };
  std::vector<Compute> computes;
  std::vector<std::pair<Access, SmallVector<Operation *>>> accesses;
  func.walk([&](Operation *op) {
    if (double fl = flopsOf(op); fl > 0)
      computes.push_back({op, loopChain(op), fl, isa<VectorType>(op->getResult(0).getType())});
    else if (std::optional<Access> a = accessOf(op))
      accesses.emplace_back(*a, loopChain(op));
  });

  double total = 0, vectorFlops = 0;
  const Compute *main = nullptr;
  double mainTotal = -1;
  for (const Compute &c : computes) {
    double t = c.flops * tripsFrom(c.chain, 0, loops);
    total += t;
    if (c.vector)
      vectorFlops += t;
    if (t > mainTotal) {
      mainTotal = t;
      main = &c;
    }
  }

  // Level features: the main nest's loops, innermost first.
  SmallVector<Operation *> chain = main ? main->chain : SmallVector<Operation *>{};
  for (size_t level = 0; level < kLevels && level < chain.size(); ++level) {
    size_t pos = chain.size() - 1 - level;
    Operation *loop = chain[pos];
    float *lf = &f[level * kPerLevel];
    lf[0] = lg(static_cast<double>(loops.tripsOf.lookup(loop)));
    lf[1] = isa<scf::ForallOp>(loop) ? 1.f : 0.f;
    // Flops and bytes of everything nested in this loop, over all of its iterations.
    auto nestedFrom = [&](ArrayRef<Operation *> c) -> std::optional<size_t> {
      for (size_t i = 0; i < c.size(); ++i)
        if (c[i] == loop)
          return i;
      return std::nullopt;
    };
    double flops = 0;
    for (const Compute &c : computes)
      if (std::optional<size_t> i = nestedFrom(c.chain))
        flops += c.flops * tripsFrom(c.chain, *i, loops);
    std::map<void *, double> perBuffer; // base -> bytes (largest access footprint)
    double roleBytes[4] = {0, 0, 0, 0};
    for (const auto &[a, c] : accesses)
      if (std::optional<size_t> i = nestedFrom(c)) {
        double bytes = footprint(a, ArrayRef<Operation *>(c).drop_front(*i), loops) *
                       static_cast<double>(bytesOfElement(a.base));
        double &b = perBuffer[a.base.getAsOpaquePointer()];
        b = std::max(b, bytes);
      }
    double allBytes = 0;
    for (const auto &[base, bytes] : perBuffer) {
      Role r = roleOf(Value::getFromOpaquePointer(base), func);
      roleBytes[r] = std::max(roleBytes[r], bytes);
      allBytes += bytes;
    }
    lf[2] = lg(flops);
    lf[3] = lg(roleBytes[In0]);
    lf[4] = lg(roleBytes[In1]);
    lf[5] = lg(roleBytes[Out]);
    lf[6] = lg(allBytes);
    lf[7] = static_cast<float>(std::log2(std::max(flops, 1.0) / std::max(allBytes, 1.0)));
  }

  float *g = &f[kGlobalBase];
  g[0] = lg(total);
  g[1] = total > 0 ? static_cast<float>(vectorFlops / total) : 0.f;
  if (main) {
    Type result = main->op->getResult(0).getType();
    auto vt = dyn_cast<VectorType>(result);
    g[2] = vt && vt.getRank() > 0 ? static_cast<float>(vt.getShape().back()) : 1.f;
    g[3] = lg(static_cast<double>(elementsOf(result)));
    g[4] = static_cast<float>(main->flops > 0 ? mainTotal / std::max(total, 1.0) : 0);
    // Vector registers (512-bit) the innermost main loop keeps live across iterations:
    // accumulators hoisted into its iter_args, else the main op's result.
    double accRegs = 0, operandRegs = 0;
    auto regs = [](Type t) {
      auto v = dyn_cast<VectorType>(t);
      return v ? std::ceil(static_cast<double>(v.getNumElements()) * v.getElementTypeBitWidth() / 512)
               : 0.0;
    };
    if (!chain.empty())
      if (auto loop = dyn_cast<scf::ForOp>(chain.back()))
        for (Value arg : loop.getRegionIterArgs())
          accRegs += regs(arg.getType());
    if (accRegs == 0)
      accRegs = regs(result);
    for (Value operand : main->op->getOperands())
      operandRegs += regs(operand.getType());
    g[5] = static_cast<float>(accRegs);
    g[6] = static_cast<float>(accRegs + operandRegs - regs(result));
    g[7] = accRegs + operandRegs > 32 ? 1.f : 0.f;
    g[8] = static_cast<float>(chain.size());
    // The innermost main loop's body: memory ops per iteration and bytes moved per flop.
    if (!chain.empty()) {
      Operation *inner = chain.back();
      double reads = 0, writes = 0, bytes = 0, flops = 0;
      for (const auto &[a, c] : accesses)
        if (!c.empty() && c.back() == inner) {
          double n = static_cast<double>(a.base ? bytesOfElement(a.base) : 4);
          for (int64_t e : a.extent)
            n *= static_cast<double>(e);
          bytes += n;
          (a.write ? writes : reads) += 1;
        }
      for (const Compute &c : computes)
        if (!c.chain.empty() && c.chain.back() == inner)
          flops += c.flops;
      g[9] = static_cast<float>(reads);
      g[10] = static_cast<float>(writes);
      g[11] = flops > 0 ? static_cast<float>(bytes / flops) : 0.f;
    }
  }
  double tasks = 1, scalarAccesses = 0;
  size_t loopCount = 0;
  for (const auto &[op, trips] : loops.tripsOf) {
    ++loopCount;
    if (isa<scf::ForallOp>(op))
      tasks *= static_cast<double>(trips);
  }
  for (const auto &[a, c] : accesses)
    if (isa<memref::LoadOp, memref::StoreOp>(a.op))
      scalarAccesses += tripsFrom(c, 0, loops);
  g[12] = lg(tasks);
  g[13] = static_cast<float>(static_cast<int64_t>(tasks) % 2);
  g[14] = lg(static_cast<double>(loopCount));
  g[15] = static_cast<float>(scalarAccesses / std::max(total, 1.0));
  g[16] = w.kind == WorkloadKind::Matmul || w.kind == WorkloadKind::BatchMatmul;
  g[17] = w.kind == WorkloadKind::ConvNhwc;
  g[18] = w.kind == WorkloadKind::DepthwiseNhwc;
  g[19] = w.kind == WorkloadKind::Generic;
  g[20] = lg(w.flops);
  g[21] = loops.dynamic ? 1.f : 0.f;
  return f;
}

} // namespace

const std::vector<std::string> &featureNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (size_t level = 0; level < kLevels; ++level)
      for (const char *name : {"log_trips", "is_parallel", "log_flops", "log_bytes_in0",
                               "log_bytes_in1", "log_bytes_out", "log_bytes_all",
                               "log_intensity"})
        n.push_back("loop" + std::to_string(level) + "_" + name);
    for (const char *name :
         {"log_flops_ir", "vector_flop_share", "vector_lanes", "log_main_vector_elems",
          "main_op_flop_share", "accumulator_regs", "live_operand_regs", "over_32_regs",
          "main_nest_depth", "inner_body_reads", "inner_body_writes", "inner_body_bytes_per_flop",
          "log_parallel_tasks", "odd_task_count", "log_loop_count", "scalar_accesses_per_flop",
          "is_matmul", "is_conv", "is_depthwise", "is_generic", "log_flops_workload",
          "dynamic_or_failed"})
      n.push_back(name);
    while (n.size() < kFeatureLength)
      n.push_back("reserved_" + std::to_string(n.size()));
    return n;
  }();
  return names;
}

struct FeatureExtractor::Impl {
  explicit Impl(MLIRContext *ctx) : pm(ctx) { buildCPUSchedulePipeline(pm); }
  PassManager pm;
};

FeatureExtractor::FeatureExtractor(MLIRContext *ctx) : impl_(std::make_unique<Impl>(ctx)) {}
FeatureExtractor::~FeatureExtractor() = default;

std::vector<float> FeatureExtractor::operator()(const Workload &w, const Schedule &s) {
  MLIRContext *ctx = w.kernel.getContext();
  if (ctx != impl_->pm.getContext())
    return extractFeatures(w, s);
  // Failures of the scheduling passes are the runner's to report; here they only mark the
  // features (a config that does not build gets measured as an error anyway).
  ScopedDiagnosticHandler quiet(ctx, [](Diagnostic &) { return success(); });
  OwningOpRef<ModuleOp> module = ModuleOp::create(w.kernel.getLoc());
  copyTargetAttr(w.kernel->getParentOfType<ModuleOp>(), *module);
  OpBuilder b(ctx);
  b.setInsertionPointToEnd(module->getBody());
  auto fn = cast<func::FuncOp>(b.clone(*w.kernel));
  int anchor = anchorIndex(w), j = 0;
  fn.walk([&](linalg::LinalgOp op) {
    if (j++ == anchor)
      op->setAttr(kScheduleAttr, scheduleAttr(ctx, s));
  });
  if (failed(impl_->pm.run(*module))) {
    std::vector<float> f(kFeatureLength, 0.f);
    f[kGlobalBase + 21] = 1.f;
    return f;
  }
  func::FuncOp scheduled;
  module->walk([&](func::FuncOp f) { scheduled = f; });
  return featuresOfScheduled(scheduled, w);
}

std::vector<float> extractFeatures(const Workload &w, const Schedule &s) {
  FeatureExtractor extract(w.kernel.getContext());
  return extract(w, s);
}
} // namespace kiln::tune
