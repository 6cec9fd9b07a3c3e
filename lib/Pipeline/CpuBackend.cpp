//===- CpuBackend.cpp - The CPU backend's pass order, in one place --------===//
#include "kiln/Pipeline/Pipelines.h"
#include "kiln/Target/TargetDescription.h"
#include "kiln/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

#include "llvm/Target/TargetMachine.h"

using namespace mlir;

namespace kiln {

CpuBackendOptions cpuBackendOptionsFor(const TargetDescription &target,
                                       const std::string &entry) {
  CpuBackendOptions options;
  options.entry = entry;
  options.indexBitwidth = target.machine->getPointerSizeInBits(0);
  options.tileRows = target.tile.rows;
  options.tileLanes = target.tile.lanes;
  options.wideRows = target.tile.wideRows;
  options.wideLanes = target.tile.wideLanes;
  options.tallRows = target.tile.tallRows;
  options.pairIntrinsic = target.pairMultiply.intrinsic;
  options.pairLanes = target.pairMultiply.i16Lanes;
  options.quadIntrinsic = target.quadMultiply.intrinsic;
  options.quadLanes = target.quadMultiply.i8Lanes;
  options.quadUnsignedInput = target.quadMultiply.unsignedInput;
  options.quadWidenIntrinsic = target.quadMultiply.widenIntrinsic;
  options.quadMaxWeight = target.quadMultiply.maxWeight;
  options.halideKernels = target.hasHalideKernels();
  options.mlirDepthwise = target.mlirDepthwise;
  return options;
}

void buildCpuBackend(OpPassManager &pm, const CpuBackendOptions &options) {
  // Kernel choice on kiln ops (Halide calls, packed weights), then
  // value-semantic linalg with elementwise chains fused into one loop nest
  // each.
  KilnSelectCpuKernelsOptions select;
  select.rows = options.tileRows;
  select.lanes = options.tileLanes;
  select.wideRows = options.wideRows;
  select.wideLanes = options.wideLanes;
  select.tallRows = options.tallRows;
  select.packRows = options.packRows;
  select.packLanes = options.packLanes;
  select.packWideRows = options.packWideRows;
  select.packWideLanes = options.packWideLanes;
  select.halideDepthwise = options.halideKernels;
  select.mlirDepthwise.assign(options.mlirDepthwise.begin(),
                              options.mlirDepthwise.end());
  select.channelGroup = options.quadIntrinsic.empty() ? 2 : 4;
  select.unsignedQuads = options.quadUnsignedInput;
  select.quadMaxWeight = options.quadMaxWeight;
  pm.addNestedPass<func::FuncOp>(createKilnSelectCpuKernels(select));
  pm.addPass(createKilnLowerToLinalg());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createKilnOutputDims(KilnOutputDimsOptions{options.entry}));
  pm.addNestedPass<func::FuncOp>(createKilnFuseElementwise());

  // Register tiles of vector code, still on tensors.
  KilnTileAndVectorizeOptions tile;
  tile.rows = options.tileRows;
  tile.tallRows = options.tallRows;
  tile.contractionLanes = options.tileLanes;
  tile.lanes = options.stripLanes;
  tile.unroll = options.unroll;
  tile.pairIntrinsic = options.pairIntrinsic;
  tile.pairLanes = options.pairLanes;
  tile.quadIntrinsic = options.quadIntrinsic;
  tile.quadLanes = options.quadLanes;
  tile.quadUnsignedInput = options.quadUnsignedInput;
  tile.quadWidenIntrinsic = options.quadWidenIntrinsic;
  OpPassManager &tiles = pm.nest<func::FuncOp>();
  tiles.addPass(createKilnTileAndVectorize(tile));
  tiles.addPass(createKilnApproximateMath());
  pm.addPass(createCanonicalizerPass());

  buildArenaBuffers(pm, options.entry, options.arenaAlignment,
                    /*expandCopies=*/true);

  // Kernel calls: channel blocks for threads, then calls.
  KilnSplitHalideCallsOptions split;
  split.minBlockWork = options.minBlockWork;
  pm.addNestedPass<func::FuncOp>(createKilnSplitHalideCalls(split));
  pm.addPass(
      createKilnOutlineKernels(KilnOutlineKernelsOptions{options.entry}));
  pm.addPass(createKilnLowerHalideCalls());

  buildLoopsToLLVM(pm, options.indexBitwidth);
}

void buildLoopsToLLVM(OpPassManager &pm, unsigned indexBitwidth) {
  // Loops, then the LLVM dialect with bare-pointer arguments.
  pm.addPass(createConvertVectorToSCFPass(
      VectorTransferToSCFOptions().enableFullUnroll(true)));
  pm.addPass(createConvertLinalgToLoopsPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  FinalizeMemRefToLLVMConversionPassOptions memrefToLLVM;
  memrefToLLVM.indexBitwidth = indexBitwidth;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefToLLVM));
  // libm for what LLVM has no intrinsic for (erf, tanh, expm1).
  pm.addPass(createConvertMathToFuncs());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createKilnVectorToLLVM(
      KilnVectorToLLVMOptions{indexBitwidth}));
  UBToLLVMConversionPassOptions ubToLLVM;
  ubToLLVM.indexBitwidth = indexBitwidth;
  pm.addPass(createUBToLLVMConversionPass(ubToLLVM));
  ArithToLLVMConversionPassOptions arithToLLVM;
  arithToLLVM.indexBitwidth = indexBitwidth;
  pm.addPass(createArithToLLVMConversionPass(arithToLLVM));
  ConvertControlFlowToLLVMPassOptions cfToLLVM;
  cfToLLVM.indexBitwidth = indexBitwidth;
  pm.addPass(createConvertControlFlowToLLVMPass(cfToLLVM));
  ConvertFuncToLLVMPassOptions funcToLLVM;
  funcToLLVM.useBarePtrCallConv = true;
  funcToLLVM.indexBitwidth = indexBitwidth;
  pm.addPass(createConvertFuncToLLVMPass(funcToLLVM));
  pm.addPass(createReconcileUnrealizedCastsPass());
  // No libm fmaf calls where the CPU lacks FMA.
  pm.addPass(createKilnRelaxFma());
}

} // namespace kiln
