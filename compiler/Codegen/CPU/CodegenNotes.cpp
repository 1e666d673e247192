//===- CodegenNotes.cpp - records what the CPU schedule did per kernel ----===//
#include "compiler/Codegen/CPU/CodegenNotes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;

namespace kiln {
namespace {
std::string listOf(ArrayRef<int64_t> tiles) {
  return "[" + llvm::join(llvm::map_range(tiles, [](int64_t t) { return std::to_string(t); }), ",") +
         "]";
}

bool tilesNothing(ArrayRef<int64_t> tiles) {
  return llvm::all_of(tiles, [](int64_t t) { return t == 0; });
}

/// The trips of the loops around `op` in its function, multiplied: `trips(lb, ub, step)` per
/// loop (and per dim of an scf.forall); -1 as soon as one is -1.
template <typename TripsFn> int64_t productOfTripsAround(Operation *op, TripsFn trips) {
  int64_t product = 1;
  for (Operation *p = op->getParentOp(); p && !isa<func::FuncOp>(p); p = p->getParentOp()) {
    int64_t t = 1;
    if (auto loop = dyn_cast<scf::ForOp>(p)) {
      t = trips(loop.getLowerBound(), loop.getUpperBound(), loop.getStep());
    } else if (auto forall = dyn_cast<scf::ForallOp>(p)) {
      for (auto [lb, ub, step] : llvm::zip(forall.getMixedLowerBound(),
                                           forall.getMixedUpperBound(), forall.getMixedStep())) {
        int64_t d = trips(lb, ub, step);
        t = d < 0 || t < 0 ? -1 : t * d;
      }
    }
    if (t < 0)
      return -1;
    product *= t;
  }
  return product;
}
} // namespace

int64_t tripCount(OpFoldResult lb, OpFoldResult ub, OpFoldResult step) {
  std::optional<int64_t> l = getConstantIntValue(lb), u = getConstantIntValue(ub),
                         s = getConstantIntValue(step);
  if (!l || !u || !s || *s <= 0)
    return -1;
  return *u > *l ? (*u - *l + *s - 1) / *s : 0;
}

std::optional<std::pair<int64_t, int64_t>> constantRange(OpFoldResult r, int depth) {
  using Range = std::pair<int64_t, int64_t>;
  if (std::optional<int64_t> c = getConstantIntValue(r))
    return Range{*c, *c};
  if (depth > 24)
    return std::nullopt;
  Value v = cast<Value>(r);
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    Operation *owner = arg.getOwner()->getParentOp();
    if (auto loop = dyn_cast<scf::ForOp>(owner); loop && arg == loop.getInductionVar()) {
      auto lb = constantRange(loop.getLowerBound(), depth + 1);
      auto ub = constantRange(loop.getUpperBound(), depth + 1);
      if (lb && ub)
        return Range{lb->first, std::max(lb->first, ub->second - 1)};
    }
    if (auto forall = dyn_cast<scf::ForallOp>(owner);
        forall && arg.getArgNumber() < forall.getRank()) {
      auto lb = getConstantIntValue(forall.getMixedLowerBound()[arg.getArgNumber()]);
      auto ub = getConstantIntValue(forall.getMixedUpperBound()[arg.getArgNumber()]);
      if (lb && ub)
        return Range{*lb, std::max(*lb, *ub - 1)};
    }
    return std::nullopt;
  }
  Operation *def = v.getDefiningOp();
  if (!def || def->getNumOperands() == 0)
    return std::nullopt;
  auto operand = [&](unsigned i) { return constantRange(def->getOperand(i), depth + 1); };
  if (isa<arith::RemUIOp, arith::RemSIOp>(def))
    if (auto d = operand(1); d && d->first > 0)
      return Range{0, d->second - 1};
  if (def->getNumOperands() == 2) {
    auto a = operand(0), b = operand(1);
    if (!a || !b)
      return std::nullopt;
    if (isa<arith::AddIOp>(def))
      return Range{a->first + b->first, a->second + b->second};
    if (isa<arith::SubIOp>(def))
      return Range{a->first - b->second, a->second - b->first};
    if (isa<arith::MinSIOp, arith::MinUIOp>(def))
      return Range{std::min(a->first, b->first), std::min(a->second, b->second)};
    if (isa<arith::MaxSIOp, arith::MaxUIOp>(def))
      return Range{std::max(a->first, b->first), std::max(a->second, b->second)};
    if (isa<arith::MulIOp>(def) && b->first == b->second && b->first >= 0)
      return Range{a->first * b->first, a->second * b->first};
    if (isa<arith::DivUIOp, arith::DivSIOp>(def) && b->first == b->second && b->first > 0 &&
        a->first >= 0)
      return Range{a->first / b->first, a->second / b->first};
  }
  if (auto select = dyn_cast<arith::SelectOp>(def)) {
    auto a = operand(1), b = operand(2);
    if (a && b)
      return Range{std::min(a->first, b->first), std::max(a->second, b->second)};
  }
  return std::nullopt;
}

int64_t tripsAround(Operation *op) { return productOfTripsAround(op, tripCount); }

int64_t tripsAroundAtMost(Operation *op) {
  // A loop's most trips from the constant bounds of its ends; 1 where they are unknown.
  return productOfTripsAround(op, [](OpFoldResult lb, OpFoldResult ub, OpFoldResult step) {
    auto low = constantRange(lb), high = constantRange(ub);
    std::optional<int64_t> by = getConstantIntValue(step);
    if (!low || !high || !by || *by <= 0 || high->second <= low->first)
      return int64_t(1);
    return (high->second - low->first + *by - 1) / *by;
  });
}

std::string describeSchedule(const Schedule &s) {
  std::string out;
  auto add = [&](StringRef name, ArrayRef<int64_t> tiles) {
    if (tiles.empty() || tilesNothing(tiles))
      return;
    if (!out.empty())
      out += " ";
    out += (name + listOf(tiles)).str();
  };
  add("par", s.parallelTiles);
  add("cache", s.outerTiles);
  add("reg", s.innerTiles);
  if (!s.innerOrder.empty())
    out += " order" + listOf(s.innerOrder);
  if (out.empty())
    out = "untiled";
  if (!s.vectorize)
    out += " +novec";
  return out;
}

int64_t iterationsPerRun(linalg::LinalgOp op) {
  int64_t iterations = 1;
  for (int64_t r : op.getStaticLoopRanges()) {
    if (ShapedType::isDynamic(r))
      return -1;
    iterations *= r;
  }
  int64_t trips = tripsAround(op);
  return trips < 0 ? -1 : iterations * trips;
}

void recordCodegenNotes(func::FuncOp func, StringRef schedule, int64_t iterations) {
  int64_t scalar = 0, largest = -2;
  std::string reason;
  func.walk([&](linalg::LinalgOp op) {
    int64_t n = iterationsPerRun(op);
    auto why = op->getAttrOfType<StringAttr>(kScalarReasonAttr);
    if (n > largest || n < 0) {
      largest = n < 0 ? std::numeric_limits<int64_t>::max() : n;
      reason = (op->getName().getStringRef() + ": " +
                (why ? why.getValue() : StringRef("the vectorizer rejected it")))
                   .str();
    }
    scalar = n < 0 || scalar < 0 ? -1 : scalar + n;
    op->removeAttr(kScalarReasonAttr);
  });
  bool parallel = false;
  func.walk([&](Operation *op) {
    parallel |= isa<scf::ForallOp, scf::ParallelOp>(op);
  });
  Builder b(func.getContext());
  SmallVector<NamedAttribute> fields{
      b.getNamedAttr("scalar_iterations", b.getI64IntegerAttr(scalar)),
      b.getNamedAttr("iterations", b.getI64IntegerAttr(iterations)),
      b.getNamedAttr("parallel", b.getBoolAttr(parallel)),
      b.getNamedAttr("schedule", b.getStringAttr(schedule))};
  if (func->removeAttr(kAmxTilesAttr))
    fields.push_back(b.getNamedAttr("amx_tiles", b.getUnitAttr()));
  if (scalar != 0)
    fields.push_back(b.getNamedAttr("scalar_reason", b.getStringAttr(reason)));
  func->setAttr(kCodegenNotesAttr, b.getDictionaryAttr(fields));
}

CodegenNotes readCodegenNotes(Operation *func) {
  CodegenNotes notes;
  auto dict = func->getAttrOfType<DictionaryAttr>(kCodegenNotesAttr);
  if (!dict)
    return notes;
  if (auto v = dict.getAs<IntegerAttr>("scalar_iterations"))
    notes.scalarIterations = v.getInt();
  if (auto v = dict.getAs<IntegerAttr>("iterations"))
    notes.iterations = v.getInt();
  if (auto v = dict.getAs<BoolAttr>("parallel"))
    notes.parallel = v.getValue();
  if (auto v = dict.getAs<StringAttr>("schedule"))
    notes.schedule = v.str();
  notes.amxTiles = dict.contains("amx_tiles");
  if (auto v = dict.getAs<StringAttr>("scalar_reason"))
    notes.scalarReason = v.str();
  return notes;
}
} // namespace kiln
