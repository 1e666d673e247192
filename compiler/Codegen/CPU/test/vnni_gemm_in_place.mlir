// RUN: kiln-opt %s -kiln-cpu-codegen | FileCheck %s

#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#b = affine_map<(d0, d1, d2) -> (d1 floordiv 64, d2 floordiv 4, (d1 mod 64) * 4 + d2 mod 4)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>

// Row chunks of a 64-column GEMM on the threads, two blocks of k (512 + 64), the matrix's last
// 4 rows in the last chunk: every task writes its rows of the result in place. (A tail under
// an scf.if per k block bufferized out of place: a malloc and two copies of the chunk per task.)
// CHECK-NOT: llvm.call @malloc
// CHECK: llvm.func @gemm.par0
// CHECK-NOT: llvm.call @malloc
// CHECK-NOT: "llvm.intr.memcpy"
func.func @gemm(%a: tensor<3136x576xi8>, %b: tensor<1x144x256xi8>) -> tensor<3136x64xi32> attributes {kiln.kernel} {
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<3136x64xi32>
  %init = linalg.fill ins(%zero : i32) outs(%e : tensor<3136x64xi32>) -> tensor<3136x64xi32>
  %r = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<3136x576xi8>, tensor<1x144x256xi8>) outs(%init : tensor<3136x64xi32>) attrs = {kiln.int8_gemm} {
  ^bb0(%x: i8, %w: i8, %acc: i32):
    %0 = arith.extui %x : i8 to i32
    %1 = arith.extsi %w : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %acc, %2 : i32
    linalg.yield %3 : i32
  } -> tensor<3136x64xi32>
  return %r : tensor<3136x64xi32>
}
