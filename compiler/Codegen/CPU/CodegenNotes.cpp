//===- CodegenNotes.cpp - records what the CPU schedule did per kernel ----===//
#include "compiler/Codegen/CPU/CodegenNotes.h"

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

/// Static trip count of a loop with constant bounds, or -1.
int64_t tripCount(OpFoldResult lb, OpFoldResult ub, OpFoldResult step) {
  std::optional<int64_t> l = getConstantIntValue(lb), u = getConstantIntValue(ub),
                         s = getConstantIntValue(step);
  if (!l || !u || !s || *s <= 0)
    return -1;
  return *u > *l ? (*u - *l + *s - 1) / *s : 0;
}

} // namespace

int64_t tripsAround(Operation *op) {
  int64_t trips = 1;
  for (Operation *p = op->getParentOp(); p && !isa<func::FuncOp>(p); p = p->getParentOp()) {
    int64_t t = 1;
    if (auto loop = dyn_cast<scf::ForOp>(p)) {
      t = tripCount(loop.getLowerBound(), loop.getUpperBound(), loop.getStep());
    } else if (auto forall = dyn_cast<scf::ForallOp>(p)) {
      for (auto [lb, ub, step] : llvm::zip(forall.getMixedLowerBound(),
                                           forall.getMixedUpperBound(), forall.getMixedStep())) {
        int64_t d = tripCount(lb, ub, step);
        t = d < 0 || t < 0 ? -1 : t * d;
      }
    }
    if (t < 0)
      return -1;
    trips *= t;
  }
  return trips;
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
  if (auto v = dict.getAs<StringAttr>("scalar_reason"))
    notes.scalarReason = v.str();
  return notes;
}
} // namespace kiln
