// RUN: kiln-opt %s -kiln-shape-functions -split-input-file -verify-diagnostics | FileCheck %s

// A kernel whose result batch follows its input: the shape function returns the input dim
// and the consistency flag (1: nothing to compare).
// CHECK-LABEL: func.func @k_relu(
// CHECK-LABEL: func.func @k_relu_shape
// CHECK-SAME: (%[[N:.*]]: index) -> (index, index) attributes {kiln.shape_function = "k_relu"}
// CHECK: %[[ONE:.*]] = arith.constant 1 : index
// CHECK: return %[[N]], %[[ONE]] : index, index
func.func @k_relu(%x: tensor<?x4xf32>) -> tensor<?x4xf32> attributes {kiln.kernel} {
  %c0 = arith.constant 0 : index
  %cst = arith.constant 0.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x4xf32>
  %e = tensor.empty(%n) : tensor<?x4xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<?x4xf32>) outs(%e : tensor<?x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %cst : f32
    linalg.yield %m : f32
  } -> tensor<?x4xf32>
  return %r : tensor<?x4xf32>
}

// -----

// Two inputs whose batches the loop ties together: the flag compares them.
// CHECK-LABEL: func.func @k_add_shape
// CHECK-SAME: (%[[A:.*]]: index, %[[B:.*]]: index) -> (index, index)
// CHECK: %[[EQ:.*]] = arith.cmpi eq, %[[A]], %[[B]] : index
// CHECK: %[[EXT:.*]] = arith.extui %[[EQ]] : i1 to i64
// CHECK: %[[FLAG:.*]] = arith.index_cast %[[EXT]] : i64 to index
// CHECK: return %[[A]], %[[FLAG]]
func.func @k_add(%a: tensor<?x4xf32>, %b: tensor<?x4xf32>) -> tensor<?x4xf32> attributes {kiln.kernel} {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %a, %c0 : tensor<?x4xf32>
  %e = tensor.empty(%n) : tensor<?x4xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%a, %b : tensor<?x4xf32>, tensor<?x4xf32>) outs(%e : tensor<?x4xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  } -> tensor<?x4xf32>
  return %r : tensor<?x4xf32>
}

// -----

// Static kernels get no shape function.
// CHECK-LABEL: func.func @k_static
// CHECK-NOT: k_static_shape
func.func @k_static(%x: tensor<2x4xf32>) -> tensor<2x4xf32> attributes {kiln.kernel} {
  return %x : tensor<2x4xf32>
}

// -----

// A result size read from an input's elements (a shape value) takes those elements'
// bits as i64 arguments after the dims; kiln.value_args lists (argument, element).
// CHECK-LABEL: func.func @k_fill_shape
// CHECK-SAME: (%[[N:.*]]: i64) -> (index, index) attributes {kiln.shape_function = "k_fill", kiln.value_args = array<i64: 0, 1>}
// CHECK: %[[I:.*]] = arith.index_cast %[[N]] : i64 to index
// CHECK: return %[[I]], %{{.*}} : index, index
func.func @k_fill(%x: tensor<2xi64>) -> tensor<?xf32> attributes {kiln.kernel} {
  %c1 = arith.constant 1 : index
  %v = tensor.extract %x[%c1] : tensor<2xi64>
  %n = arith.index_cast %v : i64 to index
  %e = tensor.empty(%n) : tensor<?xf32>
  return %e : tensor<?xf32>
}

// -----

// A float element arrives as its bits: truncated and bitcast back.
// CHECK-LABEL: func.func @k_float_shape
// CHECK-SAME: (%[[B:.*]]: i64) -> (index, index)
// CHECK: %[[T:.*]] = arith.trunci %[[B]] : i64 to i32
// CHECK: arith.bitcast %[[T]] : i32 to f32
func.func @k_float(%x: tensor<f32>) -> tensor<?xf32> attributes {kiln.kernel} {
  %v = tensor.extract %x[] : tensor<f32>
  %i = arith.fptosi %v : f32 to i64
  %n = arith.index_cast %i : i64 to index
  %e = tensor.empty(%n) : tensor<?xf32>
  return %e : tensor<?xf32>
}

// -----

// A size that depends on values read otherwise (a dynamic index) cannot be computed first.
// expected-error @+1 {{the result shape of kernel k_data depends on the values of its inputs}}
func.func @k_data(%x: tensor<2xindex>, %i: tensor<?xf32>) -> tensor<?xf32> attributes {kiln.kernel} {
  %c0 = arith.constant 0 : index
  %d = tensor.dim %i, %c0 : tensor<?xf32>
  %n = tensor.extract %x[%d] : tensor<2xindex>
  %e = tensor.empty(%n) : tensor<?xf32>
  return %e : tensor<?xf32>
}

// -----

// A size computed inside the kernel from an input element (an inlined producer: a cast in a
// 0-d generic) is the generic's payload on that element, read as a shape value.
// CHECK-LABEL: func.func @k_cast_limit_shape
// CHECK-SAME: (%[[B:.*]]: i64) -> (index, index) attributes {kiln.shape_function = "k_cast_limit", kiln.value_args = array<i64: 0, 0>}
// CHECK: %[[T:.*]] = arith.trunci %[[B]] : i64 to i32
// CHECK: %[[F:.*]] = arith.sitofp %[[T]] : i32 to f32
// CHECK: %[[I:.*]] = arith.fptosi %[[F]] : f32 to i64
// CHECK: %[[N:.*]] = arith.index_cast %[[I]] : i64 to index
// CHECK: return %[[N]], %{{.*}} : index, index
func.func @k_cast_limit(%x: tensor<i32>) -> tensor<?xf32> attributes {kiln.kernel} {
  %e0 = tensor.empty() : tensor<f32>
  %c = linalg.generic {indexing_maps = [affine_map<() -> ()>, affine_map<() -> ()>], iterator_types = []} ins(%x : tensor<i32>) outs(%e0 : tensor<f32>) {
  ^bb0(%in: i32, %out: f32):
    %f = arith.sitofp %in : i32 to f32
    linalg.yield %f : f32
  } -> tensor<f32>
  %v = tensor.extract %c[] : tensor<f32>
  %i = arith.fptosi %v : f32 to i64
  %n = arith.index_cast %i : i64 to index
  %e = tensor.empty(%n) : tensor<?xf32>
  return %e : tensor<?xf32>
}

// -----

// A loop that only writes elements into its carried tensor keeps the shape of its init
// (tensor.insert under scf.if and a nested scf.for).
// CHECK-LABEL: func.func @k_loop_shape
// CHECK-SAME: (%[[B:.*]]: i64) -> (index, index)
// CHECK: %[[N:.*]] = arith.index_cast %[[B]] : i64 to index
// CHECK-NOT: scf.for
// CHECK: return %[[N]], %{{.*}} : index, index
func.func @k_loop(%x: tensor<1xi64>, %c: tensor<4xi1>) -> tensor<?xindex> attributes {kiln.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %v = tensor.extract %x[%c0] : tensor<1xi64>
  %n = arith.index_cast %v : i64 to index
  %e = tensor.empty(%n) : tensor<?xindex>
  %r = scf.for %i = %c0 to %c4 step %c1 iter_args(%t = %e) -> (tensor<?xindex>) {
    %inner = scf.for %j = %c0 to %c1 step %c1 iter_args(%u = %t) -> (tensor<?xindex>) {
      %b = tensor.extract %c[%i] : tensor<4xi1>
      %w = scf.if %b -> (tensor<?xindex>) {
        %ins = tensor.insert %i into %u[%j] : tensor<?xindex>
        scf.yield %ins : tensor<?xindex>
      } else {
        scf.yield %u : tensor<?xindex>
      }
      scf.yield %w : tensor<?xindex>
    }
    scf.yield %inner : tensor<?xindex>
  }
  return %r : tensor<?xindex>
}

// -----

// A result expanded from rows [N * T] back to [N, T] (two dynamic dims in one group): its
// sizes are the expand_shape's output_shape, the input's dims (MLIR's own resolution divided
// the collapsed size by the dynamic-size marker).
// CHECK-LABEL: func.func @k_rows_shape
// CHECK-SAME: (%[[N:.*]]: index, %[[T:.*]]: index) -> (index, index, index)
// CHECK-NOT: floordiv
// CHECK: return %[[N]], %[[T]], %{{.*}} : index, index, index
func.func @k_rows(%x: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> attributes {kiln.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = tensor.dim %x, %c0 : tensor<?x?x8xf32>
  %t = tensor.dim %x, %c1 : tensor<?x?x8xf32>
  %rows = tensor.collapse_shape %x [[0, 1], [2]] : tensor<?x?x8xf32> into tensor<?x8xf32>
  %y = tensor.expand_shape %rows [[0, 1], [2]] output_shape [%n, %t, 8] : tensor<?x8xf32> into tensor<?x?x8xf32>
  return %y : tensor<?x?x8xf32>
}

// -----

// A result carried through an scf.while that only writes elements into it (NonMaxSuppression's
// selection): its size is its init's, here a shape value times the input dim.
// CHECK-LABEL: func.func @k_while_shape
// CHECK-SAME: (%[[N:.*]]: index, %[[BITS:.*]]: i64) -> (index, index)
// CHECK: %[[M:.*]] = arith.index_cast %[[BITS]] : i64 to index
// CHECK: %[[ROWS:.*]] = arith.muli %[[N]], %[[M]] : index
// CHECK: return %[[ROWS]], %{{.*}} : index, index
// CHECK-NOT: scf.while
func.func @k_while(%x: tensor<?xf32>, %m: tensor<1xi64>) -> tensor<?xi64> attributes {kiln.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = tensor.dim %x, %c0 : tensor<?xf32>
  %mv = tensor.extract %m[%c0] : tensor<1xi64>
  %mi = arith.index_cast %mv : i64 to index
  %rows = arith.muli %n, %mi : index
  %e = tensor.empty(%rows) : tensor<?xi64>
  %r:2 = scf.while (%t = %e, %i = %c0) : (tensor<?xi64>, index) -> (tensor<?xi64>, index) {
    %go = arith.cmpi slt, %i, %rows : index
    scf.condition(%go) %t, %i : tensor<?xi64>, index
  } do {
  ^bb0(%t2: tensor<?xi64>, %i2: index):
    %v = arith.index_cast %i2 : index to i64
    %w = tensor.insert %v into %t2[%i2] : tensor<?xi64>
    %next = arith.addi %i2, %c1 : index
    scf.yield %w, %next : tensor<?xi64>, index
  }
  return %r#0 : tensor<?xi64>
}

// -----

// An scf.if whose branches both only write elements into one tensor from outside it (TopK's
// two ways to fill a row): its size is that tensor's.
// CHECK-LABEL: func.func @k_if_shape
// CHECK-SAME: (%[[BITS:.*]]: i64) -> (index, index)
// CHECK: %[[N:.*]] = arith.index_cast %[[BITS]] : i64 to index
// CHECK: return %[[N]], %{{.*}} : index, index
// CHECK-NOT: scf.if
func.func @k_if(%c: tensor<i1>, %m: tensor<1xi64>) -> tensor<?xi64> attributes {kiln.kernel} {
  %c0 = arith.constant 0 : index
  %one = arith.constant 1 : i64
  %mv = tensor.extract %m[%c0] : tensor<1xi64>
  %n = arith.index_cast %mv : i64 to index
  %e = tensor.empty(%n) : tensor<?xi64>
  %flag = tensor.extract %c[] : tensor<i1>
  %r = scf.if %flag -> tensor<?xi64> {
    %w = tensor.insert %one into %e[%c0] : tensor<?xi64>
    scf.yield %w : tensor<?xi64>
  } else {
    scf.yield %e : tensor<?xi64>
  }
  return %r : tensor<?xi64>
}
