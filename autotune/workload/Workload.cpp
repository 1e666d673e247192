//===- Workload.cpp - kernels → tuning tasks, and tasks from specs --------===//
#include "autotune/workload/Workload.h"

#include "compiler/Pipeline/Compiler.h"
#include "kiln/Dialect/Graph/KilnDialect.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/xxhash.h"

#include <map>

using namespace mlir;

namespace kiln::tune {
const char *kindName(WorkloadKind k) {
  switch (k) {
  case WorkloadKind::Matmul: return "matmul";
  case WorkloadKind::BatchMatmul: return "batch_matmul";
  case WorkloadKind::ConvNhwc: return "conv2d_nhwc";
  case WorkloadKind::DepthwiseNhwc: return "depthwise_nhwc";
  case WorkloadKind::Generic: return "generic";
  }
  return "?";
}

namespace {
int64_t iterations(linalg::LinalgOp op) {
  int64_t n = 1;
  for (int64_t r : op.getStaticLoopRanges())
    n = ShapedType::isDynamic(r) ? -1 : n * r;
  return n;
}

/// The kernel's IR without its name and attributes: equal kernels of different models share a
/// key. (Schedules, which the compiler attaches to ops, are not present when keys are taken.)
std::string kernelKey(func::FuncOp kernel) {
  OpBuilder b(kernel);
  auto copy = cast<func::FuncOp>(b.clone(*kernel));
  copy.setSymName("kernel");
  // Only the computation counts: not argument attributes (bufferization hints) nor tags.
  copy.removeArgAttrsAttr();
  copy.removeResAttrsAttr();
  for (NamedAttribute attr : llvm::to_vector(copy->getDiscardableAttrs()))
    copy->removeDiscardableAttr(attr.getName());
  std::string text;
  llvm::raw_string_ostream os(text);
  copy->print(os, OpPrintingFlags().enableDebugInfo(false));
  copy.erase();
  return llvm::utohexstr(llvm::xxh3_64bits(text), /*LowerCase=*/true, 16);
}
} // namespace

int anchorIndex(const Workload &w) {
  int i = 0, found = -1;
  w.kernel.walk([&](linalg::LinalgOp op) {
    if (op == w.anchor)
      found = i;
    ++i;
  });
  return found;
}

FailureOr<Workload> analyzeKernel(func::FuncOp kernel) {
  linalg::LinalgOp anchor, largest;
  kernel.walk([&](linalg::LinalgOp op) {
    if (iterations(op) < 0)
      return;
    if (!anchor && (isa<linalg::ContractionOpInterface>(op.getOperation()) ||
                    isa<linalg::ConvolutionOpInterface>(op.getOperation())))
      anchor = op;
    if (!largest || iterations(op) > iterations(largest))
      largest = op;
  });
  if (!anchor)
    anchor = largest;
  if (!anchor)
    return failure();
  Workload w;
  w.kernel = kernel;
  w.anchor = anchor;
  auto ranges = anchor.getStaticLoopRanges();
  w.loopRanges.assign(ranges.begin(), ranges.end());
  if (isa<linalg::MatmulOp>(anchor))
    w.kind = WorkloadKind::Matmul;
  else if (isa<linalg::BatchMatmulOp>(anchor))
    w.kind = WorkloadKind::BatchMatmul;
  else if (isa<linalg::Conv2DNhwcHwcfOp>(anchor))
    w.kind = WorkloadKind::ConvNhwc;
  else if (isa<linalg::DepthwiseConv2DNhwcHwcOp>(anchor))
    w.kind = WorkloadKind::DepthwiseNhwc;
  bool reduces = anchor.getNumReductionLoops() > 0;
  w.flops = (reduces ? 2.0 : 1.0) * iterations(anchor);
  Type element = getElementTypeOrSelf(anchor->getOperand(0).getType());
  std::string elementName;
  llvm::raw_string_ostream es(elementName);
  es << element;
  w.spec = std::string(kindName(w.kind)) + ":" +
           llvm::join(llvm::map_range(w.loopRanges, [](int64_t r) { return std::to_string(r); }),
                      "x") +
           " " + elementName;
  w.key = kernelKey(kernel);
  return w;
}

std::vector<std::pair<Workload, int>> extractWorkloads(ModuleOp module) {
  std::vector<std::pair<Workload, int>> out;
  std::map<std::string, size_t> index;
  for (auto fn : module.getOps<func::FuncOp>()) {
    if (fn.isDeclaration())
      continue;
    FailureOr<Workload> w = analyzeKernel(fn);
    if (failed(w))
      continue;
    auto [it, inserted] = index.try_emplace(w->key, out.size());
    if (inserted)
      out.push_back({*w, 1});
    else
      ++out[it->second].second;
  }
  return out;
}

namespace {
/// Parses "name:a,b,c" into integers; errors name the spec.
FailureOr<SmallVector<int64_t>> parseNumbers(MLIRContext &ctx, StringRef spec, StringRef list,
                                            size_t count) {
  SmallVector<StringRef> parts;
  list.split(parts, ',');
  SmallVector<int64_t> values;
  for (StringRef p : parts) {
    int64_t v;
    if (p.trim().getAsInteger(10, v) || v < 0)
      return emitError(UnknownLoc::get(&ctx), "bad workload spec '") << spec << "'", failure();
    values.push_back(v);
  }
  if (values.size() != count)
    return emitError(UnknownLoc::get(&ctx), "workload spec '")
               << spec << "' needs " << count << " numbers",
           failure();
  return values;
}

Value splat(OpBuilder &b, Location loc, ArrayRef<int64_t> shape, float v) {
  auto type = RankedTensorType::get(shape, b.getF32Type());
  return b.create<ConstantOp>(loc, DenseElementsAttr::get(type, v));
}
} // namespace

FailureOr<OwningOpRef<ModuleOp>> buildWorkloadModule(MLIRContext &ctx, StringRef spec) {
  ctx.loadDialect<KilnDialect, func::FuncDialect>();
  auto [name, list] = spec.split(':');
  Location loc = NameLoc::get(StringAttr::get(&ctx, spec));
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  OpBuilder b(&ctx);
  b.setInsertionPointToEnd(module->getBody());
  auto f32 = b.getF32Type();
  if (name == "matmul") {
    auto v = parseNumbers(ctx, spec, list, 3);
    if (failed(v))
      return failure();
    int64_t m = (*v)[0], n = (*v)[1], k = (*v)[2];
    auto input = RankedTensorType::get({m, k}, f32), output = RankedTensorType::get({m, n}, f32);
    auto fn = b.create<func::FuncOp>(loc, "main", b.getFunctionType({input}, {output}));
    b.setInsertionPointToStart(fn.addEntryBlock());
    Value mm = b.create<MatMulOp>(loc, fn.getArgument(0), splat(b, loc, {k, n}, 0.01f));
    b.create<func::ReturnOp>(loc, mm);
  } else if (name == "batch_matmul") {
    auto v = parseNumbers(ctx, spec, list, 4);
    if (failed(v))
      return failure();
    int64_t batch = (*v)[0], m = (*v)[1], n = (*v)[2], k = (*v)[3];
    auto input = RankedTensorType::get({batch, m, k}, f32);
    auto output = RankedTensorType::get({batch, m, n}, f32);
    auto fn = b.create<func::FuncOp>(loc, "main", b.getFunctionType({input}, {output}));
    b.setInsertionPointToStart(fn.addEntryBlock());
    Value mm = b.create<MatMulOp>(loc, fn.getArgument(0), splat(b, loc, {batch, k, n}, 0.01f));
    b.create<func::ReturnOp>(loc, mm);
  } else if (name == "conv2d") {
    auto v = parseNumbers(ctx, spec, list, 9);
    if (failed(v))
      return failure();
    auto [n, c, h, w, f, r, s, stride, pad] = std::array<int64_t, 9>{
        (*v)[0], (*v)[1], (*v)[2], (*v)[3], (*v)[4], (*v)[5], (*v)[6], (*v)[7], (*v)[8]};
    auto input = RankedTensorType::get({n, c, h, w}, f32);
    int64_t oh = (h + 2 * pad - r) / stride + 1, ow = (w + 2 * pad - s) / stride + 1;
    auto output = RankedTensorType::get({n, f, oh, ow}, f32);
    auto fn = b.create<func::FuncOp>(loc, "main", b.getFunctionType({input}, {output}));
    b.setInsertionPointToStart(fn.addEntryBlock());
    Value conv = b.create<ConvOp>(loc, fn.getArgument(0), splat(b, loc, {f, c, r, s}, 0.01f),
                                  splat(b, loc, {f}, 0.1f), b.getDenseI64ArrayAttr({stride, stride}),
                                  b.getDenseI64ArrayAttr({pad, pad, pad, pad}),
                                  b.getDenseI64ArrayAttr({1, 1}), b.getI64IntegerAttr(1),
                                  b.getStringAttr("NCHW"));
    b.create<func::ReturnOp>(loc, conv);
  } else {
    return emitError(loc, "unknown workload kind '")
               << name
               << "' (expected matmul:M,N,K, batch_matmul:B,M,N,K or "
                  "conv2d:N,C,H,W,K,R,S,stride,pad)",
           failure();
  }
  // A conv2d spec names the convolution kernel itself, not the Winograd batched matmul the
  // compiler may make of a 3x3 one (tuning a model tunes whichever kernels it compiles to).
  if (failed(lowerToLinalgKernels(*module, "host", /*winograd=*/false)))
    return failure();
  return std::move(module);
}
} // namespace kiln::tune
