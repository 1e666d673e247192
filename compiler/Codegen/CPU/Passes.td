//===- Passes.td - CPU code generation passes of Kiln ---------------------===//
#ifndef KILN_CODEGEN_CPU_PASSES_TD
#define KILN_CODEGEN_CPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def BoolBytes : Pass<"kiln-cpu-bool-bytes", "mlir::func::FuncOp"> {
  let summary = "A kernel's bool (i1) tensor arguments and results become bytes (i8)";
  let description = [{
    Buffers hold one byte per bool; i1 vectors load and store bit-packed. The kernel's i1
    arguments and results become i8 (kernels take bare pointers: the same bytes), narrowed by
    a trunci generic at entry and widened by an extui generic at return, which
    kiln-cpu-fuse-elementwise-generics merges into the generics that use them: those then
    read and write bytes and vectorize, i1 in registers only.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect", "mlir::arith::ArithDialect",
                           "mlir::tensor::TensorDialect"];
}

def FuseElementwiseGenerics : Pass<"kiln-cpu-fuse-elementwise-generics", "mlir::func::FuncOp"> {
  let summary = "Merges chains of all-parallel linalg.generic ops into one generic";
  let description = [{
    A producer generic with one user that is a generic is folded into it (MLIR's elementwise
    op fusion), so an anchorless chain of elementwise ops is one loop without temporaries.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def VnniGemm : Pass<"kiln-cpu-vnni-gemm", "mlir::func::FuncOp"> {
  let summary = "int8 GEMMs (kiln.matmul_int8) → AVX-512 VNNI micro-kernels";
  let description = [{
    Replaces each linalg.generic marked `kiln.int8_gemm` (ui8 A [M, K] x packed i8 B → i32)
    with vector code around `llvm.x86.avx512.vpdpbusd.512`: 64-column panels on the kernel's
    threads, k in blocks of 512 (32 KiB of B, kept in L1), register blocks of 6 x 64 (12 x 32,
    16 x 16 for narrow panels), the k loop in registers. Only where the module's `kiln.target` lists `avx512vnni` (or has no target, as
    in tests); elsewhere the generic stays scalar loops and a warning says so.
    Where the target also lists `amx-tile` and `amx-int8`, dense GEMMs with a static M of 16
    rows or more and K of 64 or more run on AMX tiles instead (AmxTiles.h): blocks of 32 x
    32 in 2 x 2 `tdpbusd` tiles over all of K, the same panels and tasks, the epilogue applied
    to the tiles' rows from a stack buffer.
  }];
  let dependentDialects = ["mlir::scf::SCFDialect", "mlir::vector::VectorDialect",
                           "mlir::tensor::TensorDialect", "mlir::LLVM::LLVMDialect",
                           "mlir::arith::ArithDialect", "mlir::amx::AMXDialect",
                           "mlir::bufferization::BufferizationDialect",
                           "mlir::memref::MemRefDialect"];
}

def TileAndVectorize : Pass<"kiln-cpu-tile-and-vectorize", "mlir::func::FuncOp"> {
  let summary = "Applies each linalg op's schedule: tile (two levels) and vectorize";
  let description = [{
    Reads the `kiln.schedule` attribute of a linalg op (tile sizes per level) or, when it has
    none, asks the default heuristics (Schedule.h). Tiles with scf.for, decomposes size-1
    windowed convolutions to 1-D ones, then vectorizes every linalg op whose iteration space
    is small enough. Ops that cannot be vectorized stay scalar and become loops later.
  }];
  let dependentDialects = ["mlir::scf::SCFDialect", "mlir::vector::VectorDialect",
                           "mlir::tensor::TensorDialect", "mlir::linalg::LinalgDialect"];
}

def HoistVectorTransfers : Pass<"kiln-cpu-hoist-vector-transfers", "mlir::func::FuncOp"> {
  let summary = "Keeps accumulators in registers: hoists loop-invariant transfer pairs";
  let description = [{
    Runs on memrefs after bufferization. Folds subviews into transfers and CSEs indices first,
    since the upstream hoisting silently does nothing otherwise.
  }];
}

def PackWeightPanels : Pass<"kiln-cpu-pack-weight-panels", "mlir::func::FuncOp"> {
  let summary = "Reads matmul weights as contiguous panels [N / W, K, W]";
  let description = [{
    Runs on memrefs, before contractions are lowered. A kernel argument marked `kiln.weight`
    whose every use reads [r, W] blocks of its [.., K, N] matrix as a vector.contract's B
    operand, at columns that are multiples of W, becomes [.., N / W, K, W]; the function
    records `kiln.packed_args` for the compiler, which lays the weight out that way.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect", "mlir::vector::VectorDialect"];
}

def PrefetchWeightPanels : Pass<"kiln-cpu-prefetch-weight-panels", "mlir::func::FuncOp"> {
  let summary = "Prefetches the next block of packed weights while a block is computed";
  let description = [{
    Runs after kiln-cpu-pack-weight-panels. Each read of a packed weight argument inside a k
    loop also prefetches (into L2) a few lines of the same panel's next block of k rows, so
    spread over the block's row tiles and k steps that the whole next block is requested
    once while this one is computed: a weight streamed from memory then overlaps the
    arithmetic instead of stalling the first row tile of each block. Only where each block is
    reused by 2 to 16 register tiles of rows in the whole kernel (constant trip counts), and
    for weights of rank 3: fp32 panels in `kiln.packed_args` and the int8 GEMM's packed
    bytes.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect", "mlir::memref::MemRefDialect"];
}

def RoundedQuotients : Pass<"kiln-cpu-rounded-quotients", "mlir::func::FuncOp"> {
  let summary = "Divisions by a constant that are then rounded, as a multiply and two FMAs";
  let description = [{
    x / c with an f32 constant divisor (normal, with a normal reciprocal), whose every use is
    a rounding (quantization's round(x / scale)): q = x * RN(1/c), corrected by
    q + (x - q * c) * RN(1/c) with FMAs, which is the correctly rounded quotient wherever it
    is neither subnormal nor within an ulp of overflow (where the rounding maps both to the
    same integer, or x * RN(1/c) overflows to inf); an infinite q is kept. A divide costs
    5-10 FMAs; int8 epilogues divide every value.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect", "mlir::math::MathDialect"];
}

def LowerVectorOps : Pass<"kiln-cpu-lower-vector-ops", "mlir::func::FuncOp"> {
  let summary = "Lowers vector contractions to FMAs and math ops to polynomials";
  let dependentDialects = ["mlir::memref::MemRefDialect", "mlir::vector::VectorDialect",
                           "mlir::math::MathDialect", "mlir::arith::ArithDialect"];
}

def LowerStridedCopies : Pass<"kiln-cpu-lower-strided-copies", "mlir::func::FuncOp"> {
  let summary = "Turns memref.copy between non-contiguous memrefs into vectorized copies";
  let description = [{
    A strided memref.copy lowers to a call of `memrefCopy`, a symbol a standalone kernel library
    does not have; as linalg.copy it becomes loops over vector rows (innermost dim in chunks of
    up to 64 elements).
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect", "mlir::scf::SCFDialect",
                           "mlir::vector::VectorDialect"];
}

def OutlineParallelLoops : Pass<"kiln-cpu-outline-parallel-loops", "mlir::ModuleOp"> {
  let summary = "Runs outermost scf.parallel loops on the runtime's thread pool";
  let description = [{
    Each outermost scf.parallel of a function (collapsed to one dim) moves into
    `func @<fn>.par<N>(%begin, %end, <captured memrefs>)` that runs iterations [begin, end);
    the loop is replaced by a call of the declaration `@<fn>.par<N>.dispatch(%n, <memrefs>)`,
    which the CPU target defines as a call of `kiln_parallel_for` (runtime/include/kiln/
    parallel.h). Pure ops feeding the body are sunk into it first; a loop that captures anything
    but static memrefs stays sequential.
  }];
  let dependentDialects = ["mlir::func::FuncDialect", "mlir::scf::SCFDialect",
                           "mlir::arith::ArithDialect"];
}

def DynamicKernelABI : Pass<"kiln-cpu-dynamic-kernel-abi", "mlir::func::FuncOp"> {
  let summary = "Passes the dynamic dims of a kernel's buffers as trailing index arguments";
  let description = [{
    Runs after bufferization (results are out-parameters). The bare-pointer calling convention
    only takes static memrefs, so every argument of a dynamically shaped memref type becomes a
    rank-0 memref of its element type (a bare pointer) and the function gets one trailing
    `index` argument per dynamic dim, in argument order, dim order; the body views the pointer
    as the original type with memref.reinterpret_cast (row-major strides from the sizes).
    A dynamically sized result buffer that is only copied into its out-parameter is replaced
    by the out-parameter (the runtime allocates it with the size the shape function computed);
    one copied through a memref.reshape that splits its rows into the out-parameter's
    leading dims by the out-parameter's collapsed view.
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect", "mlir::arith::ArithDialect"];
}

#endif
