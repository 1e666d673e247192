//===- KilnStructureOps.td - ops that group other kiln ops ----------------===//
#ifndef KILN_STRUCTURE_OPS_TD
#define KILN_STRUCTURE_OPS_TD

include "kiln/Dialect/Graph/KilnBase.td"

def Kiln_FusedOp : Kiln_Op<"fused", [SingleBlock, RecursiveMemoryEffects]> {
  let summary = "ops that run as one kernel";
  let description = [{
    The fusion passes group an anchor op (a convolution, matmul, ...) and the elementwise ops
    that consume its result, or a chain of elementwise ops, into one `kiln.fused` region;
    kiln-outline-kernels then makes the region one kernel, and the CPU codegen tiles the last
    op of the region and computes the others tile by tile. The body uses values from above and
    ends in `kiln.yield` of the region's results. `kind` names the pattern for readers
    (e.g. "conv+add+relu").
  }];
  let arguments = (ins StrAttr:$kind);
  let results = (outs Variadic<Kiln_Tensor>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$kind attr-dict-with-keyword (`->` type($results)^)? $body";
  let hasVerifier = 1;
}

def Kiln_YieldOp : Kiln_Op<"yield", [Pure, Terminator, HasParent<"FusedOp">]> {
  let summary = "the results of a kiln.fused region";
  let arguments = (ins Variadic<Kiln_Tensor>:$values);
  let assemblyFormat = "$values attr-dict `:` type($values)";
}

#endif // KILN_STRUCTURE_OPS_TD
