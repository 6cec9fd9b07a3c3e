// RUN: kiln-opt %s -kiln-plan-arena -cse | FileCheck %s

// %a dies after %b is computed, so %c takes its place; %b (alive with both)
// sits elsewhere. Views of an allocation extend its lifetime.
// CHECK-LABEL: func.func @main
// CHECK-SAME: (%[[IN:.*]]: memref<16xf32>, %[[OUT:.*]]: memref<16xf32>, %[[ARENA:.*]]: memref<128xi8>)
// CHECK-SAME: kiln.arena_bytes = 128 : i64
// The plan, for kilnc --report: offsets and lifetimes in compute steps.
// CHECK-SAME: kiln.arena_plan = [{bytes = 64 : i64, first = 0 : i64, last = 1 : i64, name = "?", offset = 0 : i64, type = "16xf32"}, {bytes = 64 : i64, first = 1 : i64, last = 4 : i64, name = "?", offset = 64 : i64, type = "16xf32"}, {bytes = 64 : i64, first = 2 : i64, last = 3 : i64, name = "?", offset = 0 : i64, type = "16xf32"}]
// CHECK-SAME: kiln.arena_steps = 5 : i64, kiln.naive_bytes = 192 : i64
// CHECK-NOT: memref.alloc
// CHECK: %[[A:.*]] = memref.view %[[ARENA]][%{{.*}}][] : memref<128xi8> to memref<16xf32>
// CHECK: memref.copy %[[IN]], %[[A]]
// CHECK: %[[B:.*]] = memref.view %[[ARENA]][%{{.*}}][] : memref<128xi8> to memref<16xf32>
// %c lands on %a's offset, so after CSE it is the same view.
// CHECK: memref.copy %[[B]], %[[A]]
// CHECK: memref.copy %[[A]], %[[B]]
func.func @main(%in: memref<16xf32>, %out: memref<16xf32>) {
  %a = memref.alloc() {alignment = 64 : i64} : memref<16xf32>
  memref.copy %in, %a : memref<16xf32> to memref<16xf32>
  %b = memref.alloc() {alignment = 64 : i64} : memref<16xf32>
  %av = memref.subview %a[0] [16] [1] : memref<16xf32> to memref<16xf32, strided<[1]>>
  memref.copy %av, %b : memref<16xf32, strided<[1]>> to memref<16xf32>
  %c = memref.alloc() {alignment = 64 : i64} : memref<16xf32>
  memref.copy %b, %c : memref<16xf32> to memref<16xf32>
  memref.copy %c, %b : memref<16xf32> to memref<16xf32>
  memref.copy %b, %out : memref<16xf32> to memref<16xf32>
  return
}
