//===- GridSampleConverter.cpp - ONNX GridSample (2-D) → gather_nd taps ---===//
//
// Y[n, c, h, w] samples X[n, c] at the grid point (x, y) = Grid[n, h, w]: coordinates are
// unnormalized to pixels, padded (zeros: taps outside read 0; border: clamped; reflection:
// reflected, then clamped) and interpolated (nearest: round half to even; bilinear: 2x2 taps;
// bicubic: 4x4 taps, a = -0.75). Each tap is one kiln.gather_nd of X in NHWC with batch
// dims 1 at (iy, ix), weighted; the sum is transposed back to NCHW. Semantics of PyTorch's
// grid_sample, which ONNX's reference outputs follow.
//
//===----------------------------------------------------------------------===//
#include "compiler/Import/ONNX/ConverterUtils.h"

using namespace mlir;
using namespace kiln::importer;

namespace {
using FV = FailureOr<Value>;

struct GridSampler {
  NodeContext &n;
  Value image; // X as [N, H, W, C]
  int64_t height, width;
  std::string padding;
  bool alignCorners;
  SmallVector<int64_t> pointShape; // [N, Ho, Wo]

  FV constant(FV like, double v) { return scalarLike(n, like, v); }
  FV add(FV a, FV b) { return binary<kiln::AddOp>(n, a, b); }
  FV sub(FV a, FV b) { return binary<kiln::SubOp>(n, a, b); }
  FV mul(FV a, FV b) { return binary<kiln::MulOp>(n, a, b); }
  FV clip(FV x, double lo, double hi) {
    if (failed(x))
      return failure();
    OpBuilder &b = n.builder();
    return n.create<kiln::ClipOp>(*x, b.getF64FloatAttr(lo), b.getF64FloatAttr(hi));
  }

  /// Grid coordinate in [-1, 1] → pixel coordinate along a dim of `size`.
  FV unnormalize(FV g, int64_t size) {
    FV plusOne = add(g, constant(g, 1));
    if (alignCorners)
      return mul(plusOne, constant(g, (size - 1) / 2.0));
    return mul(sub(mul(plusOne, constant(g, size)), constant(g, 1)), constant(g, 0.5));
  }

  /// PyTorch's reflect_coordinates then clip_coordinates.
  FV reflect(FV x, int64_t size) {
    double lo = alignCorners ? 0 : -0.5, span = alignCorners ? size - 1 : size;
    if (span <= 0)
      return mul(x, constant(x, 0));
    FV a = unary<kiln::AbsOp>(n, sub(x, constant(x, lo)));
    if (failed(a))
      return failure();
    BoolAttr fmod = n.builder().getBoolAttr(true);
    FV extra = n.create<kiln::ModOp>(*a, *constant(a, span), fmod);
    FV flips = unary<kiln::FloorOp>(n, binary<kiln::DivOp>(n, a, constant(a, span)));
    if (failed(flips))
      return failure();
    FV parity = n.create<kiln::ModOp>(*flips, *constant(flips, 2), fmod);
    FV even = binary<kiln::EqualOp>(n, parity, constant(parity, 0));
    FV reflected = select(n, even, add(extra, constant(x, lo)),
                          sub(constant(x, span + lo), extra));
    return clip(reflected, 0, size - 1);
  }

  /// The padding of a source coordinate (bilinear, nearest) or of a tap (bicubic).
  FV pad(FV x, int64_t size) {
    if (padding == "border")
      return clip(x, 0, size - 1);
    if (padding == "reflection")
      return reflect(x, size);
    return x;
  }

  /// weight * X[n, :, iy, ix] as [N, Ho, Wo, C]; iy, ix integral floats. Outside taps read 0
  /// (zeros padding; other paddings have moved the coordinates inside).
  FV tap(FV iy, FV ix, FV weight) {
    if (padding == "zeros") {
      auto outside = [&](FV v, int64_t size) {
        return binary<kiln::OrOp>(n, binary<kiln::LessOp>(n, v, constant(v, 0)),
                                  binary<kiln::GreaterOp>(n, v, constant(v, size - 1)));
      };
      FV out = binary<kiln::OrOp>(n, outside(iy, height), outside(ix, width));
      weight = select(n, out, constant(weight, 0), weight);
    }
    Type i64 = n.builder().getI64Type();
    SmallVector<int64_t> column(pointShape);
    column.push_back(1);
    SmallVector<Value> coords;
    for (auto [v, size] : {std::pair{iy, height}, std::pair{ix, width}}) {
      FV c = castTo(n, clip(v, 0, size - 1), i64);
      if (failed(c) || failed(c = n.reshape(*c, column)))
        return failure();
      coords.push_back(*c);
    }
    FV indices = n.create<kiln::ConcatOp>(coords, (int64_t)pointShape.size());
    if (failed(indices) || failed(weight))
      return failure();
    FV values = n.create<kiln::GatherNDOp>(image, *indices, 1);
    return mul(values, n.reshape(*weight, column));
  }

  /// Sum of the taps (y0 + i, x0 + j) weighted wy[i] * wx[j].
  FV interpolate(FV y0, FV x0, ArrayRef<FV> wy, ArrayRef<FV> wx, bool padTaps) {
    FV sum = failure();
    bool first = true;
    for (auto [i, wyi] : llvm::enumerate(wy)) {
      FV iy = add(y0, constant(y0, i));
      if (padTaps)
        iy = pad(iy, height);
      for (auto [j, wxj] : llvm::enumerate(wx)) {
        FV ix = add(x0, constant(x0, j));
        if (padTaps)
          ix = pad(ix, width);
        FV t = tap(iy, ix, mul(wyi, wxj));
        sum = first ? t : add(sum, t);
        first = false;
      }
    }
    return sum;
  }
};

/// Cubic convolution weights of the taps at -1, 0, 1, 2 around fraction t (a = -0.75).
SmallVector<FV> cubicWeights(GridSampler &s, FV t) {
  const double a = -0.75;
  auto far = [&](FV d) { // ((a d - 5a) d + 8a) d - 4a, for 1 <= d <= 2
    FV p = s.sub(s.mul(d, s.constant(d, a)), s.constant(d, 5 * a));
    p = s.add(s.mul(p, d), s.constant(d, 8 * a));
    return s.sub(s.mul(p, d), s.constant(d, 4 * a));
  };
  auto near = [&](FV d) { // ((a + 2) d - (a + 3)) d d + 1, for d <= 1
    FV p = s.sub(s.mul(d, s.constant(d, a + 2)), s.constant(d, a + 3));
    return s.add(s.mul(s.mul(p, d), d), s.constant(d, 1));
  };
  FV oneMinus = s.sub(s.constant(t, 1), t);
  return {far(s.add(t, s.constant(t, 1))), near(t), near(oneMinus),
          far(s.sub(s.constant(t, 2), t))};
}

LogicalResult convertGridSample(NodeContext &n) {
  RankedTensorType x = n.inputType(0), grid = n.inputType(1);
  if (x.getRank() != 4 || grid.getRank() != 4 || !x.hasStaticShape() || !grid.hasStaticShape() ||
      grid.getDimSize(3) != 2 || grid.getDimSize(0) != x.getDimSize(0))
    return n.fail("supports 2-D sampling only: X [N, C, H, W] and Grid [N, Ho, Wo, 2], static");
  if (!isa<FloatType>(x.getElementType()) || grid.getElementType() != x.getElementType())
    return n.fail("X and Grid must have one float element type");
  std::string mode = n.attrString("mode", "bilinear");
  GridSampler s{n, Value(), x.getDimSize(2), x.getDimSize(3), n.attrString("padding_mode", "zeros"),
                n.attrInt("align_corners", 0) != 0, SmallVector<int64_t>(grid.getShape().take_front(3))};
  if (mode != "bilinear" && mode != "nearest" && mode != "bicubic")
    return n.fail("mode '" + mode + "' is not one of bilinear, nearest, bicubic");
  if (s.padding != "zeros" && s.padding != "border" && s.padding != "reflection")
    return n.fail("padding_mode '" + s.padding + "' is not one of zeros, border, reflection");
  FV image = n.create<kiln::TransposeOp>(n.input(0), ArrayRef<int64_t>{0, 2, 3, 1});
  if (failed(image))
    return failure();
  s.image = *image;
  auto component = [&](int64_t c) -> FV {
    FV slice = buildSlice(n, n.input(1), {0, 0, 0, c}, {grid.getDimSize(0), grid.getDimSize(1),
                                                         grid.getDimSize(2), c + 1}, {1, 1, 1, 1});
    return failed(slice) ? slice : n.reshape(*slice, s.pointShape);
  };
  FV gx = s.unnormalize(component(0), s.width), gy = s.unnormalize(component(1), s.height);
  FV one = s.constant(gx, 1);
  FV sum = failure();
  if (mode == "bicubic") {
    FV fx = unary<kiln::FloorOp>(n, gx), fy = unary<kiln::FloorOp>(n, gy);
    sum = s.interpolate(s.sub(fy, one), s.sub(fx, one), cubicWeights(s, s.sub(gy, fy)),
                        cubicWeights(s, s.sub(gx, fx)), /*padTaps=*/true);
  } else {
    gx = s.pad(gx, s.width);
    gy = s.pad(gy, s.height);
    if (mode == "nearest") {
      sum = s.interpolate(unary<kiln::RoundOp>(n, gy), unary<kiln::RoundOp>(n, gx), {one}, {one},
                          false);
    } else {
      FV fx = unary<kiln::FloorOp>(n, gx), fy = unary<kiln::FloorOp>(n, gy);
      FV tx = s.sub(gx, fx), ty = s.sub(gy, fy);
      sum = s.interpolate(fy, fx, {s.sub(one, ty), ty}, {s.sub(one, tx), tx}, false);
    }
  }
  if (failed(sum))
    return failure();
  return n.setResult(n.create<kiln::TransposeOp>(*sum, ArrayRef<int64_t>{0, 3, 1, 2}));
}
} // namespace

void kiln::importer::registerGridSampleConverter(ConverterRegistry &r) {
  r.add("GridSample", 16, convertGridSample, {2, 2});
}
