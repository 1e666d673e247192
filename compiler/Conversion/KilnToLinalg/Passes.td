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
    loop nests of tensor.insert. Shapes must be
    static. An op that cannot be lowered (dynamic shape, unsupported element type or
    attribute combination) makes the pass fail with an error at that op naming the reason.
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect",
    "mlir::linalg::LinalgDialect",
    "mlir::math::MathDialect",
    "mlir::scf::SCFDialect",
    "mlir::tensor::TensorDialect",
  ];
}

#endif // KILN_CONVERSION_KILNTOLINALG_PASSES_TD
