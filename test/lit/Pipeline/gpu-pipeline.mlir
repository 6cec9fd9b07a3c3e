// RUN: kiln-opt %s -kiln-gpu-pipeline | FileCheck %s
// RUN: kiln-opt %s -kiln-gpu-pipeline="chip=sm_90" | FileCheck %s --check-prefix=SM90

// The whole GPU path: kiln ops in; a host function of views and launches
// over the caller's buffers and the arena, and one PTX module holding every kernel,
// PTX ISA 8.0, calling no libdevice function (this graph has no
// transcendental; those need libdevice=, which a test cannot assume).
// CHECK: func.func @main(%{{.*}}: memref<1x8xf32>, %{{.*}}: memref<1x4xf32>, %{{.*}}: memref<{{[0-9]+}}xi8>)
// CHECK-SAME: kiln.arena_bytes
// CHECK-NOT: scf.parallel
// CHECK-NOT: memref.copy
// CHECK: gpu.launch_func @main_kernels::@main_k0 blocks in (%{{.*}}) threads in (%{{.*}})
// CHECK: gpu.launch_func @main_kernels::@main_k3
// CHECK-NOT: gpu.binary @
// CHECK: gpu.binary @main_kernels [#gpu.object<#nvvm.target<O = 3, chip = "sm_80", features = "+ptx80">
// CHECK-SAME: .version 8.0
// CHECK-SAME: .target sm_80
// CHECK-SAME: .visible .entry main_k0(
// CHECK-SAME: .visible .entry main_k3(
// CHECK-NOT: __nv_
// SM90: .target sm_90
func.func @main(%x: tensor<1x8xf32>) -> tensor<1x4xf32> {
  %w = kiln.constant dense<[[1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0]]> : tensor<2x4xf32>
  %r = kiln.reshape %x : (tensor<1x8xf32>) -> tensor<4x2xf32>
  %m = kiln.matmul %r, %w : (tensor<4x2xf32>, tensor<2x4xf32>) -> tensor<4x4xf32>
  %s = kiln.relu %m : tensor<4x4xf32>
  %t = kiln.reshape %s : (tensor<4x4xf32>) -> tensor<16xf32>
  %c = kiln.slice %t {offsets = array<i64: 0>, sizes = array<i64: 4>, strides = array<i64: 4>} : (tensor<16xf32>) -> tensor<4xf32>
  %o = kiln.reshape %c : (tensor<4xf32>) -> tensor<1x4xf32>
  return %o : tensor<1x4xf32>
}
