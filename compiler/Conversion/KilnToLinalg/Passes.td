//===- Passes.td - the kiln graph dialect to linalg-on-tensors lowering ---===//
#ifndef KILN_CONVERSION_KILNTOLINALG_PASSES_TD
#define KILN_CONVERSION_KILNTOLINALG_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertKilnToLinalgPass : Pass<"kiln-to-linalg"> {
  let summary = "Lowers kiln graph ops to linalg, tensor, arith, math and scf ops on tensors";
  let description = [{
    Every kiln op becomes destination-passing-style linalg on tensors: elementwise ops one
    broadcasting `linalg.generic`, matmul/conv/pooling the named linalg ops, reductions and
    normalizations generics with reduction loops, data movement tensor ops, scatters
    loop nests of tensor.insert. Dynamic dims become tensor.dim / tensor.empty sizes where
    the op's lowering supports them (elementwise, matmul, conv/pool batch, ...). An op that cannot be lowered (dynamic shape, unsupported element type or
    attribute combination) makes the pass fail with an error at that op naming the reason.
    With `vector-code` (the CPU target), static NHWC f32 2-D pools and f32 layer norms over
    static rows lower straight to vector code instead (PoolToVectors.cpp, NormToVectors.cpp).
  }];
  let options = [
    Option<"vectorCode", "vector-code", "bool", "false",
           "lower static NHWC f32 2-D pools (padding read in place) and f32 layer norms over "
           "static rows straight to vector code (the CPU target)">
  ];
  let dependentDialects = [
    "mlir::arith::ArithDialect",
    "mlir::linalg::LinalgDialect",
    "mlir::math::MathDialect",
    "mlir::scf::SCFDialect",
    "mlir::tensor::TensorDialect",
    "mlir::vector::VectorDialect",
  ];
}

def ShapeFunctionsPass : Pass<"kiln-shape-functions", "mlir::ModuleOp"> {
  let summary = "Adds `<kernel>_shape` run-time shape functions for dynamically shaped kernels";
  let description = [{
    For each `kiln.kernel` function on linalg-on-tensors with a dynamic argument or result
    dim, adds `<kernel>_shape(index...) -> (index...)`: it takes the dynamic dims of the
    kernel's arguments (argument order, dim order) and returns the dynamic dims of its
    results, then a flag (1 or 0) saying whether the argument dims its loops tie together
    agree. The runtime calls it to size the outputs and to reject inconsistent input shapes
    before any kernel runs. Fails, naming the kernel, when a result size depends on the
    values of the inputs.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect", "mlir::tensor::TensorDialect"];
}

def SinkRowReshapes : Pass<"kiln-sink-row-reshapes", "mlir::func::FuncOp"> {
  let summary = "Elementwise generics after a rows-collapsed matmul run on its collapsed rows";
  let description = [{
    A matmul of [N, ?, ?, K] by [K, C] lowers to a matmul of [?, K] rows and a
    tensor.reshape of its result back to [N, ?, ?, C]. An all-parallel generic reading such
    a reshape (leading dims merged, the same static trailing dims) with the identity map is
    rebuilt on the collapsed rows: identity operands of its shape collapsed (or taken from
    their own such reshape), operands that broadcast over the merged dims kept, and the
    reshape applied to its result instead. Repeated, the reshape sinks to the end of the
    epilogue and the matmul and its epilogue share one shape (CPU codegen fuses them).
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect", "mlir::tensor::TensorDialect"];
}

def OrderConstantGlobals : Pass<"kiln-order-constant-globals", "mlir::ModuleOp"> {
  let summary = "Constant globals in the order the kernels first read them, named by it";
  let description = [{
    Runs after one-shot bufferization, whose order of the `memref.global`s it makes for
    tensor constants (and their `_N` suffixes) followed functions ordered by their
    addresses: kernels.so's constant pool changed from compile to compile. The private
    constant globals move to the top of the module in the order the functions, in module
    order, first read them, and are named `__kiln_constant_<i>` in that order.
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect"];
}

def CopyReturnedArguments : Pass<"kiln-copy-returned-arguments", "mlir::func::FuncOp"> {
  let summary = "A kernel that returns one of its arguments returns a copy of it";
  let description = [{
    After folding, a kernel can be the identity on an argument (Clip(x, max=x), a concat whose
    other inputs were empty). Bufferization's buffer-results-to-out-params expects every
    returned buffer to be allocated inside the function and crashed on an argument; the
    kernel returns a `linalg.copy` of it into a new tensor instead.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect", "mlir::tensor::TensorDialect"];
}

#endif // KILN_CONVERSION_KILNTOLINALG_PASSES_TD
