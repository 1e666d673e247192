//===- KilnToLinalg.h - lowering of the kiln graph dialect to linalg ------===//
#ifndef KILN_CONVERSION_KILNTOLINALG_KILNTOLINALG_H
#define KILN_CONVERSION_KILNTOLINALG_KILNTOLINALG_H

#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Transforms/DialectConversion.h"

#include <memory>

namespace kiln {

/// Adds the conversion patterns that rewrite every kiln op into linalg/tensor/arith/math ops
/// on tensors (static shapes). A pattern that meets an op it cannot lower emits an error at
/// the op ("cannot be lowered to linalg: <reason>") and fails to match. `converter` maps
/// unsigned integer element types to signless ones (lowering::SignlessTypeConverter).
void populateKilnToLinalgPatterns(const mlir::TypeConverter &converter,
                                  mlir::RewritePatternSet &patterns, bool vectorCode = false);

/// `createConvertKilnToLinalgPass(options)`: the `kiln-to-linalg` pass, a partial dialect
/// conversion with the kiln dialect illegal, on any op (usually the module).
#define GEN_PASS_DECL_CONVERTKILNTOLINALGPASS
#include "compiler/Conversion/KilnToLinalg/Passes.h.inc"

/// Creates `kiln-shape-functions` (Passes.td): a `<kernel>_shape` function per kernel with
/// dynamic dims, which the runtime calls to size outputs and check input shapes.
std::unique_ptr<mlir::Pass> createShapeFunctionsPass();

/// Creates `kiln-sink-row-reshapes` (Passes.td): elementwise generics after a matmul whose
/// rows were collapsed run on the collapsed rows, the reshape back after them.
std::unique_ptr<mlir::Pass> createSinkRowReshapes();

/// Creates `kiln-copy-returned-arguments` (Passes.td): a kernel returning one of its arguments
/// returns a copy of it (bufferization cannot hand an argument out as a result).
std::unique_ptr<mlir::Pass> createCopyReturnedArguments();

/// Creates `kiln-order-constant-globals` (Passes.td): bufferization's constant globals in the
/// order the kernels first read them, named by it (kernels.so the same on every compile).
std::unique_ptr<mlir::Pass> createOrderConstantGlobals();

/// Kernels on linalg-on-tensors to buffers, for every target's codegen: returned arguments
/// copied (kiln-copy-returned-arguments), one-shot bufferization at function boundaries,
/// returned buffers turned into the caller's out-parameters, constant globals ordered
/// (kiln-order-constant-globals).
void buildKernelBufferizationPipeline(mlir::OpPassManager &pm);

/// Registers `kiln-to-linalg`, `kiln-shape-functions`, `kiln-sink-row-reshapes`,
/// `kiln-copy-returned-arguments` and `kiln-order-constant-globals` with the global pass
/// registry (for kiln-opt and pipelines).
void registerKilnToLinalgPass();

} // namespace kiln

#endif // KILN_CONVERSION_KILNTOLINALG_KILNTOLINALG_H
