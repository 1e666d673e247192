// RUN: kiln-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(kiln-cpu-bool-bytes))' | FileCheck %s
// RUN: kiln-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(kiln-cpu-bool-bytes,kiln-cpu-fuse-elementwise-generics,kiln-cpu-tile-and-vectorize))' | FileCheck %s --check-prefix=VEC

#map = affine_map<(d0, d1) -> (d0, d1)>

// A causal mask's Where and a Not of the same mask: the bool argument arrives as bytes,
// narrowed once per user (its dims read from the bytes); the bool result leaves as bytes.
// Merged and tiled, both loops read and write i8 vectors, i1 only in registers.
// CHECK-LABEL: func.func @mask
// CHECK-SAME: (%[[M:.*]]: tensor<?x?xi8>, %[[X:.*]]: tensor<?x?xf32>) -> (tensor<?x?xf32>, tensor<?x?xi8>)
// CHECK: tensor.dim %[[M]], %{{.*}} : tensor<?x?xi8>
// CHECK: linalg.generic {{.*}} ins(%[[M]] : tensor<?x?xi8>) outs(%{{.*}} : tensor<?x?xi1>)
// CHECK: arith.trunci %{{.*}} : i8 to i1
// CHECK: linalg.generic {{.*}} ins(%[[M]] : tensor<?x?xi8>) outs(%{{.*}} : tensor<?x?xi1>)
// CHECK: %[[W:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %[[X]] : tensor<?x?xi1>, tensor<?x?xf32>)
// CHECK: %[[N:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<?x?xi1>) outs(%[[NE:.*]] : tensor<?x?xi1>)
// CHECK: tensor.dim %[[NE]]
// CHECK: %[[E:.*]] = linalg.generic {{.*}} ins(%[[N]] : tensor<?x?xi1>) outs(%{{.*}} : tensor<?x?xi8>)
// CHECK: arith.extui %{{.*}} : i1 to i8
// CHECK: return %[[W]], %[[E]] : tensor<?x?xf32>, tensor<?x?xi8>
// VEC-LABEL: func.func @mask
// VEC: vector.transfer_read %{{.*}} : tensor<?x?xi8>, vector<1x{{[0-9]+}}xi8>
// VEC: arith.trunci %{{.*}} : vector<1x{{[0-9]+}}xi8> to vector<1x{{[0-9]+}}xi1>
// VEC: arith.select %{{.*}} : vector<1x{{[0-9]+}}xi1>, vector<1x{{[0-9]+}}xf32>
// VEC: arith.xori %{{.*}} : vector<1x{{[0-9]+}}xi1>
// VEC: arith.extui %{{.*}} : vector<1x{{[0-9]+}}xi1> to vector<1x{{[0-9]+}}xi8>
func.func @mask(%m: tensor<?x?xi1>, %x: tensor<?x?xf32>) -> (tensor<?x?xf32>, tensor<?x?xi1>) attributes {kiln.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %cst = arith.constant -1.0e+09 : f32
  %true = arith.constant true
  %d0 = tensor.dim %m, %c0 : tensor<?x?xi1>
  %d1 = tensor.dim %m, %c1 : tensor<?x?xi1>
  %e = tensor.empty(%d0, %d1) : tensor<?x?xf32>
  %w = linalg.generic {indexing_maps = [#map, #map, #map], iterator_types = ["parallel", "parallel"]} ins(%m, %x : tensor<?x?xi1>, tensor<?x?xf32>) outs(%e : tensor<?x?xf32>) {
  ^bb0(%b: i1, %v: f32, %o: f32):
    %s = arith.select %b, %v, %cst : f32
    linalg.yield %s : f32
  } -> tensor<?x?xf32>
  %eb = tensor.empty(%d0, %d1) : tensor<?x?xi1>
  %n = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]} ins(%m : tensor<?x?xi1>) outs(%eb : tensor<?x?xi1>) {
  ^bb0(%b: i1, %o: i1):
    %x2 = arith.xori %b, %true : i1
    linalg.yield %x2 : i1
  } -> tensor<?x?xi1>
  return %w, %n : tensor<?x?xf32>, tensor<?x?xi1>
}

// -----

// Not a kernel (no kiln.kernel): unchanged.
// CHECK-LABEL: func.func @not_a_kernel
// CHECK-SAME: (%{{.*}}: tensor<4xi1>) -> tensor<4xi1>
func.func @not_a_kernel(%m: tensor<4xi1>) -> tensor<4xi1> {
  return %m : tensor<4xi1>
}
