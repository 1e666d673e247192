//===- ShapeFunctions.cpp - a run-time shape function per dynamic kernel --===//
//
// For every kernel (a func with `kiln.kernel`) that has a dynamically shaped argument or
// result, builds `<kernel>_shape(dims of the dynamic input dims) -> (dynamic result dims...,
// consistent)`: the result sizes the kernel will produce and whether the input dims that its
// loops tie together agree (an index, 1 or 0). It is the kernel itself with every result
// replaced by its sizes, resolved through the ops (ReifyRankedShapedTypeOpInterface, the
// destination of linalg ops, tensor.empty sizes) and dead code removed. A result size that
// depends on the values of an input ("shape value": elements read with constant indices)
// takes those elements as extra arguments after the dims (`kiln.value_args` lists them);
// any other dependence on values makes the pass fail naming the kernel.
//
//===----------------------------------------------------------------------===//
#include "compiler/Conversion/KilnToLinalg/KilnToLinalg.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <map>

namespace kiln {
#define GEN_PASS_DEF_SHAPEFUNCTIONSPASS
#include "compiler/Conversion/KilnToLinalg/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
bool isDynamicTensor(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  return tensor && !tensor.hasStaticShape();
}

/// 1 when every pair of operand dims a linalg op's loop reads agree, else 0 (an index).
/// Checks the linalg ops at the top level of `fn`; the flag is built at `b`'s position.
Value consistencyFlag(OpBuilder &b, Location loc, func::FuncOp fn) {
  Block &entry = fn.getBody().front();
  Value ok = OpBuilder::atBlockBegin(&entry).create<arith::ConstantIntOp>(loc, 1, 1);
  for (auto op : entry.getOps<linalg::LinalgOp>()) {
    if (!op.hasDynamicShape())
      continue;
    OpBuilder before(op);
    for (unsigned loop = 0; loop < op.getNumLoops(); ++loop) {
      SmallVector<std::pair<Value, unsigned>> dims;
      op.mapIterationSpaceDimToAllOperandDims(loop, dims);
      if (dims.size() < 2 || llvm::none_of(dims, [](auto &d) {
            return cast<ShapedType>(d.first.getType()).isDynamicDim(d.second);
          }))
        continue;
      Value first = before.create<tensor::DimOp>(loc, dims[0].first, dims[0].second);
      for (auto [v, d] : llvm::drop_begin(dims)) {
        Value other = before.create<tensor::DimOp>(loc, v, d);
        Value same = before.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, first, other);
        ok = before.create<arith::AndIOp>(loc, ok, same);
      }
    }
  }
  return b.create<arith::IndexCastOp>(loc, b.getIndexType(),
                                      b.create<arith::ExtUIOp>(loc, b.getI64Type(), ok));
}

/// `tensor.extract` at constant indices of the result of an all-parallel linalg.generic with
/// an identity output map: its payload on the inputs' elements at those indices. A shape
/// value computed inside the kernel (an inlined producer) becomes arithmetic on the elements
/// of the kernel's arguments, which the shape function then reads.
struct ExtractOfParallelGeneric : OpRewritePattern<tensor::ExtractOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tensor::ExtractOp extract,
                                PatternRewriter &rewriter) const override {
    auto generic = extract.getTensor().getDefiningOp<linalg::GenericOp>();
    if (!generic || generic.getNumDpsInits() != 1 ||
        generic.getNumParallelLoops() != generic.getNumLoops() ||
        !generic.getIndexingMapsArray().back().isIdentity() ||
        llvm::any_of(generic.getRegion().getOps(),
                     [](Operation &op) { return op.getNumRegions() != 0; }))
      return failure();
    SmallVector<int64_t> point;
    for (Value index : extract.getIndices()) {
      std::optional<int64_t> c = getConstantIntValue(index);
      if (!c)
        return failure();
      point.push_back(*c);
    }
    Location loc = extract.getLoc();
    IRMapping map;
    Block &body = generic.getRegion().front();
    for (OpOperand &operand : generic->getOpOperands()) {
      Value v = operand.get();
      BlockArgument arg = body.getArgument(operand.getOperandNumber());
      if (!isa<RankedTensorType>(v.getType())) {
        map.map(arg, v);
        continue;
      }
      SmallVector<Value> at;
      for (int64_t i : generic.getMatchingIndexingMap(&operand).compose(point))
        at.push_back(rewriter.create<arith::ConstantIndexOp>(loc, i));
      map.map(arg, rewriter.create<tensor::ExtractOp>(loc, v, at));
    }
    for (Operation &op : body.without_terminator()) {
      if (auto index = dyn_cast<linalg::IndexOp>(op)) {
        map.map(index.getResult(),
                rewriter.create<arith::ConstantIndexOp>(loc, point[index.getDim()]));
        continue;
      }
      rewriter.clone(op, map);
    }
    rewriter.replaceOp(extract, map.lookup(body.getTerminator()->getOperand(0)));
    return success();
  }
};

bool keepsShapeOf(Value v, Value arg);
Value shapeSource(Value v);

/// One step back from `v` to the value whose shape it has, or null: the destination of
/// tensor.insert / insert_slice, the init of an scf.for / scf.while whose body only writes
/// elements into the carried tensor, the one value from outside an scf.if that both branches
/// write into. (MLIR's own loop folder follows insert_slice and scf.for only.)
Value shapeStep(Value v) {
  auto result = dyn_cast<OpResult>(v);
  if (!result)
    return {};
  Operation *op = result.getOwner();
  unsigned i = result.getResultNumber();
  Value next;
  if (auto insert = dyn_cast<tensor::InsertOp>(op)) {
    next = insert.getDest();
  } else if (auto slice = dyn_cast<tensor::InsertSliceOp>(op)) {
    next = slice.getDest();
  } else if (auto loop = dyn_cast<scf::ForOp>(op)) {
    auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
    if (keepsShapeOf(yield.getOperand(i), loop.getRegionIterArgs()[i]))
      next = loop.getInitArgs()[i];
  } else if (auto loop = dyn_cast<scf::WhileOp>(op)) {
    // Result i: the condition forwards before-argument i, the body yields after-argument i.
    if (i < loop.getInits().size() &&
        keepsShapeOf(loop.getConditionOp().getArgs()[i], loop.getBeforeArguments()[i]) &&
        keepsShapeOf(loop.getYieldOp().getOperand(i), loop.getAfterArguments()[i]))
      next = loop.getInits()[i];
  } else if (auto branch = dyn_cast<scf::IfOp>(op)) {
    if (!branch.getElseRegion().empty()) {
      Value t = shapeSource(branch.thenYield().getOperand(i));
      Value e = shapeSource(branch.elseYield().getOperand(i));
      if (t == e && !op->isAncestor(t.getParentRegion()->getParentOp()))
        next = t;
    }
  }
  return next && next.getType() == v.getType() ? next : Value();
}

/// Whether `v` is `arg` with elements written into it (shapeStep back to it).
bool keepsShapeOf(Value v, Value arg) {
  while (v && v != arg)
    v = shapeStep(v);
  return v == arg;
}

/// The value whose shape `v` has: shapeStep as far as it goes.
Value shapeSource(Value v) {
  while (Value next = shapeStep(v))
    v = next;
  return v;
}

/// `tensor.dim` of a value whose shape is another's (shapeSource): the dim of that one.
struct DimOfShapePreservingLoop : OpRewritePattern<tensor::DimOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tensor::DimOp dim, PatternRewriter &rewriter) const override {
    Value source = shapeSource(dim.getSource());
    if (source == dim.getSource() ||
        !isa<scf::ForOp, scf::WhileOp, scf::IfOp>(dim.getSource().getDefiningOp()))
      return failure();
    rewriter.replaceOpWithNewOp<tensor::DimOp>(dim, source, dim.getIndex());
    return success();
  }
};

/// tensor.dim of a tensor.expand_shape: the size its output_shape gives. (MLIR 19's own
/// resolution divides the collapsed size by the group's other sizes, and with two dynamic
/// dims in one group, rows [N, T] of a layer norm, divided by the dynamic-size marker.)
struct DimOfExpandShape : OpRewritePattern<tensor::DimOp> {
  DimOfExpandShape(MLIRContext *ctx) : OpRewritePattern(ctx, /*benefit=*/2) {}
  LogicalResult matchAndRewrite(tensor::DimOp dim, PatternRewriter &rewriter) const override {
    auto expand = dim.getSource().getDefiningOp<tensor::ExpandShapeOp>();
    std::optional<int64_t> index = dim.getConstantIndex();
    if (!expand || !index)
      return failure();
    OpFoldResult size =
        getMixedValues(expand.getStaticOutputShape(), expand.getOutputShape(), rewriter)[*index];
    rewriter.replaceOp(dim, getValueOrCreateConstantIndexOp(rewriter, dim.getLoc(), size));
    return success();
  }
};

/// Resolves tensor.dim ops through the ops that produce their sources, then drops dead ops.
void resolveDims(func::FuncOp fn) {
  RewritePatternSet patterns(fn.getContext());
  patterns.add<ExtractOfParallelGeneric, DimOfShapePreservingLoop, DimOfExpandShape>(
      fn.getContext());
  memref::populateResolveRankedShapedTypeResultDimsPatterns(patterns);
  memref::populateResolveShapedTypeResultDimsPatterns(patterns);
  tensor::DimOp::getCanonicalizationPatterns(patterns, fn.getContext());
  tensor::EmptyOp::getCanonicalizationPatterns(patterns, fn.getContext());
  arith::AndIOp::getCanonicalizationPatterns(patterns, fn.getContext());
  arith::CmpIOp::getCanonicalizationPatterns(patterns, fn.getContext());
  (void)applyPatternsAndFoldGreedily(fn, std::move(patterns));
}

/// `bits` (an element's raw bits, zero-extended to i64 by the runtime) as `type`.
Value fromBits(OpBuilder &b, Location loc, Value bits, Type type) {
  unsigned width = type.getIntOrFloatBitWidth();
  Value v = width == 64 ? bits
                        : b.create<arith::TruncIOp>(loc, b.getIntegerType(width), bits).getResult();
  return isa<FloatType>(type) ? b.create<arith::BitcastOp>(loc, type, v).getResult() : v;
}

/// Replaces `tensor.extract %arg[<constants>]` of the first `numTensors` (tensor)
/// arguments by new i64 arguments after the existing ones, one per (argument, element)
/// in order, and records them as `kiln.value_args` = [arg, element, ...]: the runtime
/// passes those elements' bits after the input dims. Fails when an argument has another use.
LogicalResult takeValuesAsArguments(func::FuncOp fn, unsigned numTensors) {
  Block &entry = fn.getBody().front();
  std::map<std::pair<int64_t, int64_t>, SmallVector<tensor::ExtractOp>> reads;
  for (unsigned i = 0; i < numTensors; ++i) {
    auto type = cast<RankedTensorType>(fn.getArgument(i).getType());
    for (Operation *user : fn.getArgument(i).getUsers()) {
      auto extract = dyn_cast<tensor::ExtractOp>(user);
      if (!extract || !type.hasStaticShape())
        return failure();
      int64_t linear = 0;
      for (auto [d, index] : llvm::enumerate(extract.getIndices())) {
        std::optional<int64_t> c = getConstantIntValue(index);
        if (!c)
          return failure();
        linear = linear * type.getDimSize(d) + *c;
      }
      reads[{i, linear}].push_back(extract);
    }
  }
  SmallVector<int64_t> recorded;
  Type i64 = IntegerType::get(fn.getContext(), 64);
  for (auto &[key, extracts] : reads) {
    BlockArgument bits = entry.addArgument(i64, fn.getLoc());
    OpBuilder b = OpBuilder::atBlockBegin(&entry);
    Value value = fromBits(b, fn.getLoc(), bits, extracts.front().getType());
    for (tensor::ExtractOp extract : extracts) {
      extract.replaceAllUsesWith(value);
      extract.erase();
    }
    recorded.append({key.first, key.second});
  }
  if (!recorded.empty())
    fn->setAttr("kiln.value_args", DenseI64ArrayAttr::get(fn.getContext(), recorded));
  resolveDims(fn);
  return success();
}

/// Replaces `tensor.dim %arg, <constant>` of the tensor arguments by new index arguments
/// (one per dynamic dim of each argument, in order) and erases the tensor arguments.
LogicalResult takeDimsAsArguments(func::FuncOp fn, StringRef kernel) {
  Block &entry = fn.getBody().front();
  unsigned numTensors = fn.getNumArguments();
  Location loc = fn.getLoc();
  for (unsigned i = 0; i < numTensors; ++i) {
    auto type = cast<RankedTensorType>(fn.getArgument(i).getType());
    for (int64_t d = 0; d < type.getRank(); ++d) {
      if (!type.isDynamicDim(d))
        continue;
      BlockArgument size = entry.addArgument(IndexType::get(fn.getContext()), loc);
      for (Operation *user : llvm::make_early_inc_range(fn.getArgument(i).getUsers())) {
        auto dim = dyn_cast<tensor::DimOp>(user);
        std::optional<int64_t> index = dim ? dim.getConstantIndex() : std::nullopt;
        if (index && *index == d) {
          dim.replaceAllUsesWith(size);
          dim.erase();
        }
      }
    }
  }
  resolveDims(fn);
  if (failed(takeValuesAsArguments(fn, numTensors)))
    return fn.emitError("kiln: the result shape of kernel ")
           << kernel << " depends on the values of its inputs in a way the runtime cannot "
           << "compute before the kernel runs (only elements read with constant indices "
           << "from statically shaped inputs can be shape values)";
  llvm::BitVector erase(entry.getNumArguments());
  erase.set(0, numTensors);
  entry.eraseArguments(erase);
  auto ret = cast<func::ReturnOp>(entry.getTerminator());
  fn.setType(FunctionType::get(fn.getContext(), entry.getArgumentTypes(),
                               ret.getOperandTypes()));
  return success();
}

FailureOr<func::FuncOp> buildShapeFunction(func::FuncOp kernel, SymbolTable &symbols) {
  auto fn = cast<func::FuncOp>(kernel->clone());
  fn.setName((kernel.getName() + "_shape").str());
  fn->removeAttr("kiln.kernel");
  fn->removeAttr("kiln.op");
  fn->setAttr("kiln.shape_function", kernel.getSymNameAttr());
  fn.removeArgAttrsAttr(); // (setAllArgAttrs({}) asserts on a non-empty signature)
  fn.removeResAttrsAttr();
  symbols.insert(fn, std::next(Block::iterator(kernel)));
  auto ret = cast<func::ReturnOp>(fn.getBody().front().getTerminator());
  OpBuilder b(ret);
  Location loc = ret.getLoc();
  SmallVector<Value> sizes;
  for (Value result : ret.getOperands()) {
    auto type = cast<RankedTensorType>(result.getType());
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (type.isDynamicDim(d))
        sizes.push_back(b.create<tensor::DimOp>(loc, result, d));
  }
  sizes.push_back(consistencyFlag(b, loc, fn));
  b.create<func::ReturnOp>(loc, sizes);
  ret.erase();
  resolveDims(fn);
  if (failed(takeDimsAsArguments(fn, kernel.getName())))
    return failure();
  return fn;
}

struct ShapeFunctionsPass : kiln::impl::ShapeFunctionsPassBase<ShapeFunctionsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    SmallVector<func::FuncOp> kernels;
    for (auto fn : module.getOps<func::FuncOp>())
      if (fn->hasAttr("kiln.kernel") &&
          (llvm::any_of(fn.getArgumentTypes(), isDynamicTensor) ||
           llvm::any_of(fn.getResultTypes(), isDynamicTensor)))
        kernels.push_back(fn);
    for (func::FuncOp kernel : kernels)
      if (failed(buildShapeFunction(kernel, symbols)))
        return signalPassFailure();
  }
};
} // namespace
