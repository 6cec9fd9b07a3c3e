// RUN: kiln-opt %s -kiln-cpu-pipeline="entry=net rows=4 lanes=16" | FileCheck %s
// RUN: kiln-opt %s -kiln-cpu-pipeline="entry=net" | FileCheck %s --check-prefix=DEFAULT
// RUN: kiln-opt %s -pass-pipeline="builtin.module(kiln-frontend,kiln-cpu-backend{entry=net rows=4 lanes=16})" | FileCheck %s
// RUN: not kiln-opt %s -kiln-cpu-pipeline="entry=net rowz=4" 2>&1 | FileCheck %s --check-prefix=TYPO

// The registered pipeline takes the backend's options: the entry's name and
// the register tile, which sets how the constant weight is packed (panels
// of 16 columns instead of 32). The entry carries its mark; a plain kernel
// none.
// CHECK: llvm.mlir.global private constant @{{.*}}(dense_resource<packed> : tensor<2x32x16xf32>)
// CHECK: llvm.func @net_k{{[0-9]+}}({{.*}}) attributes {sym_visibility = "private"}
// CHECK: llvm.func @net({{.*}}) attributes {{{.*}}passthrough = ["kiln-entry"]
// DEFAULT: llvm.mlir.global private constant @{{.*}}(dense_resource<packed> : tensor<1x32x32xf32>)
// TYPO: no such option rowz
func.func @net(%x: tensor<8x32xf32>) -> tensor<8x32xf32> {
  %w = kiln.constant dense<0.5> : tensor<32x32xf32>
  %m = kiln.matmul %x, %w : (tensor<8x32xf32>, tensor<32x32xf32>) -> tensor<8x32xf32>
  %r = kiln.relu %m : tensor<8x32xf32>
  return %r : tensor<8x32xf32>
}
