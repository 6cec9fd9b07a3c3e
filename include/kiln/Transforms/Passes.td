#ifndef KILN_TRANSFORMS_PASSES_TD
#define KILN_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def KilnLowerToLinalg : Pass<"kiln-lower-to-linalg", "mlir::ModuleOp"> {
  let summary = "Lower kiln ops to linalg, tensor, arith and math";
  let description = [{
    Every kiln op becomes value-semantic linalg/tensor IR: elementwise ops and
    windowed ops as `linalg.generic` with broadcasting or strided/dilated
    indexing maps, padding as a border fill plus an inserted interior,
    reshapes as collapse/expand. The lowering is target-neutral: it makes no
    choice of its own. A contraction a backend marked with
    `kiln.pack_tile = array<i64: rows, lanes>` gets its constant operand
    packed at compile time into the blocks that tile reads (pointwise conv
    weights into blocks of `rows` filters, matmul B into panels of `lanes`
    columns); a `kiln.register_tile` on the op moves to the packed generic.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::math::MathDialect"];
}

def KilnSelectCpuKernels
    : Pass<"kiln-select-cpu-kernels", "mlir::func::FuncOp"> {
  let summary = "Choose the CPU kernel of each conv and matmul";
  let description = [{
    The first pass of the CPU backend, on kiln ops. Depthwise convs the
    Halide kernels cover (with `halide-depthwise`) become
    kiln.halide_depthwise on the padded input, with a Relu, Clip or HardSwish
    that is the conv's only user fused into the kernel; the shapes
    `mlir-depthwise` names (`k5_s1`, `k3_s1x2`: kernel size and strides, as
    the kernels' variants spell them), whose MLIR kernel measured faster on
    the CPU, stay kiln.convs. Convs, MatMuls and
    Gemms with a constant weight are marked with the register tile their
    weight is packed for (`kiln.pack_tile`): `rows` x `lanes`, or the wide
    tile for large matmuls when the target has one (then also
    `kiln.register_tile`, which kiln-tile-and-vectorize follows). Packed
    qconvs and qmatmuls also get `kiln.channel_group` when `channel-group`
    is 4, and `kiln.unsigned_quads` with `unsigned-quads` (a dot product
    that reads the inputs as unsigned bytes, x86's vpdpbusd), and
    `kiln.quad_max_weight` with `quad-max-weight` below 128 (a dot product
    whose pair sums saturate, x86's pmaddubsw: quads only for weights that
    fit).

    With `tall-rows`, a float pointwise conv whose filters fill whole blocks
    of that many rows is packed for, and tiled on, `tall-rows` x `lanes`
    (with `kiln.register_tile`): more accumulators per broadcast where the
    registers hold them, without partial blocks.

    With `pack-lanes` (and `pack-rows`, `pack-wide-rows`, `pack-wide-lanes`),
    float weights are packed for that tile instead, another CPU's: an object
    with kernel variants for several CPUs then holds one copy of each weight.
    The op keeps this CPU's register tile (its lanes divide the packed
    panel's, so a tile reads part of a panel), and takes the wide tile only
    where the packing is wide and this CPU has one that divides it.
  }];
  let options = [
    Option<"rows", "rows", "int64_t", /*default=*/"8",
           "Rows of the contraction register tile (filters per packed block)">,
    Option<"lanes", "lanes", "int64_t", /*default=*/"32",
           "Lanes of the contraction register tile (columns per packed panel)">,
    Option<"wideRows", "wide-rows", "int64_t", /*default=*/"0",
           "Rows of the wide tile large matmuls use (0: none)">,
    Option<"wideLanes", "wide-lanes", "int64_t", /*default=*/"0",
           "Lanes of the wide tile large matmuls use (0: no wide tile)">,
    Option<"tallRows", "tall-rows", "int64_t", /*default=*/"0",
           "Rows of the tall tile: float pointwise convs whose filter count "
           "it divides take it (0: none)">,
    Option<"packRows", "pack-rows", "int64_t", /*default=*/"0",
           "Rows float weights are packed for (0: this CPU's tile)">,
    Option<"packLanes", "pack-lanes", "int64_t", /*default=*/"0",
           "Lanes float weights are packed for (0: this CPU's tiles; then "
           "pack-rows and the pack-wide options are ignored)">,
    Option<"packWideRows", "pack-wide-rows", "int64_t", /*default=*/"0",
           "Rows of the wide packing of large matmuls">,
    Option<"packWideLanes", "pack-wide-lanes", "int64_t", /*default=*/"0",
           "Lanes of the wide packing of large matmuls (0: none)">,
    Option<"halideDepthwise", "halide-depthwise", "bool", /*default=*/"false",
           "Depthwise convs the Halide kernels cover call them">,
    ListOption<"mlirDepthwise", "mlir-depthwise", "std::string",
               "Depthwise shapes (k5_s1, k3_s1x2, ...) that stay on MLIR "
               "although a Halide kernel covers them">,
    Option<"channelGroup", "channel-group", "int64_t", /*default=*/"2",
           "Input channels a packed integer contraction takes per step: 2 "
           "(i16 pairs) or 4 (i8 quads, for a dot product instruction)">,
    Option<"unsignedQuads", "unsigned-quads", "bool", /*default=*/"false",
           "The dot product reads the quads' inputs as unsigned bytes">,
    Option<"quadMaxWeight", "quad-max-weight", "int64_t", /*default=*/"128",
           "Quads only where every weight's magnitude is at most this (128: "
           "any signed byte)">
  ];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::linalg::LinalgDialect"];
}

def KilnOutputDims : Pass<"kiln-output-dims", "mlir::ModuleOp"> {
  let summary = "A function that computes the ranged model's output dims";
  let description = [{
    For an entry whose results have dynamic dims (they follow ranged input
    dims), adds `func.func @<entry>_output_dims(index..., memref<Nxi64>)`: it
    takes one size per ranged input dim (input order, then axis order) and
    stores the N dynamic dims of the results (result order, then axis order).
    It is the entry's shape computation alone, resolved from the linalg ops'
    reified result shapes, so it reads no data. Marked `kiln-output-dims`.
  }];
  let options = [
    Option<"entry", "entry", "std::string", /*default=*/"\"main\"",
           "Name of the model's entry function">
  ];
  let dependentDialects = ["mlir::memref::MemRefDialect",
                           "mlir::arith::ArithDialect"];
}

def KilnEntryToBuffers : Pass<"kiln-entry-to-buffers", "mlir::ModuleOp"> {
  let summary = "Give the model entry function caller-owned input/output buffers";
  let description = [{
    Rewrites `func.func @<entry>(tensors) -> tensors` into a function taking
    one memref per input and one per output and returning nothing. Inputs are
    read-only (`bufferization.to_tensor restrict`); results are materialized
    into the output memrefs so the last op writes there directly. The
    function is marked `kiln-entry` (an LLVM `passthrough` attribute) for
    code generation.
  }];
  let options = [
    Option<"entry", "entry", "std::string", /*default=*/"\"main\"",
           "Name of the model's entry function">
  ];
  let dependentDialects = ["mlir::bufferization::BufferizationDialect",
                           "mlir::memref::MemRefDialect"];
}

def KilnExpandCopies : Pass<"kiln-expand-copies", "mlir::ModuleOp"> {
  let summary = "Turn memref.copy into vector loops (or linalg.copy)";
  let description = [{
    `memref.copy` between strided views lowers to a call into MLIR's C runner
    library. Copies whose rows are contiguous become loops over the rows with
    16-lane vector transfers (the last one masked); others `linalg.copy`.
    Vector transfers of several contiguous rows (a stride-phase tile before
    its register transpose) become one flat transfer.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::scf::SCFDialect",
                           "mlir::vector::VectorDialect",
                           "mlir::ub::UBDialect"];
}

def KilnPlanArena : Pass<"kiln-plan-arena", "mlir::ModuleOp"> {
  let summary = "Place every intermediate buffer at a static offset in one arena";
  let description = [{
    Replaces each `memref.alloc` in the entry function with a `memref.view`
    into a new trailing `memref<Nxi8>` argument. Offsets come from live
    intervals over the entry block, so buffers that are never alive together
    share memory. Records `kiln.arena_bytes` and `kiln.naive_bytes` on the
    function.
  }];
  let options = [
    Option<"entry", "entry", "std::string", /*default=*/"\"main\"",
           "Name of the model's entry function">,
    Option<"alignment", "alignment", "uint64_t", /*default=*/"64",
           "Alignment of every buffer in the arena">
  ];
  let dependentDialects = ["mlir::memref::MemRefDialect",
                           "mlir::arith::ArithDialect"];
}

def KilnOutlineKernels : Pass<"kiln-outline-kernels", "mlir::ModuleOp"> {
  let summary = "Move each linalg op of the entry into a function of its own";
  let description = [{
    Every linalg op of the entry block becomes a private function taking the
    entry's arguments it needs (inputs, outputs, arena); the constants, views
    and globals it reads are re-created inside. LLVM optimizes many small
    functions in linear time where one function with hundreds of loop nests
    is superlinear, and profiles show one symbol per kernel.

    A kernel whose root is a loop with a constant trip count is marked
    `kiln-loop-kernel` (an LLVM `passthrough` attribute) and takes two more
    index arguments, the first and last (exclusive) iteration of that loop to
    run; the entry passes the whole range, and a parallel caller can split
    it. Kernels are named `<entry>_p<N>` (loop kernels) and `<entry>_k<N>`
    for profiles; nothing reads the names.
  }];
  let options = [
    Option<"entry", "entry", "std::string", /*default=*/"\"main\"",
           "Name of the model's entry function">
  ];
  let dependentDialects = ["mlir::func::FuncDialect"];
}

def KilnSplitHalideCalls : Pass<"kiln-split-halide-calls", "mlir::func::FuncOp"> {
  let summary = "Split Halide kernel calls on buffers into channel blocks";
  let description = [{
    A kiln.halide_depthwise on buffers that does enough work becomes a loop
    over blocks of channels, one call per block with its channel range, so
    kiln-outline-kernels makes it a splittable kernel and the parallel entry
    spreads the blocks over threads. Blocks hold at least `min-block-work`
    multiply-adds, which keeps the per-call cost (building four buffer
    descriptors) negligible.
  }];
  let options = [
    Option<"minBlockWork", "min-block-work", "int64_t", /*default=*/"16384",
           "Multiply-adds per channel block, at least">
  ];
  let dependentDialects = ["mlir::scf::SCFDialect", "mlir::arith::ArithDialect"];
}

def KilnLowerHalideCalls : Pass<"kiln-lower-halide-calls", "mlir::ModuleOp"> {
  let summary = "Turn Halide kernel ops on buffers into calls";
  let description = [{
    Each kiln.halide_depthwise on buffers becomes a call to
    `kiln_hl_call_<kernel>` with every buffer passed as its element address,
    sizes and strides (index values) and the channel range, then the clip
    bounds. The callee comes from the kernel bitcode kilnc links into the
    object (kernels/halide/calls.c).
  }];
  let dependentDialects = ["mlir::func::FuncDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::arith::ArithDialect"];
}

def KilnFoldIntoConv : Pass<"kiln-fold-into-conv", "mlir::func::FuncOp"> {
  let summary = "Fold BatchNorm and per-channel scale/shift into conv weights";
  let description = [{
    `conv -> batch_norm`, `conv -> mul/add/sub` with a per-output-channel
    constant become one conv whose weights and bias are recomputed at compile
    time (when the conv has no other user). Division by a float constant
    becomes multiplication by its reciprocal.
  }];
}

def KilnFoldQuantizedOps : Pass<"kiln-fold-qdq", "mlir::func::FuncOp"> {
  let summary = "Fold dequantize -> conv/matmul/gemm -> quantize into integer ops";
  let description = [{
    `quantize(act?(conv(dequantize(x), dequantize(w), bias)))` becomes
    `kiln.qconv` (and MatMul or Gemm `kiln.qmatmul`), with a Relu or Clip
    `act` as the output clamp and the bias requantized to int32 at scale
    x_scale * w_scale. The input must be 8-bit per tensor, the weight 8-bit
    per tensor or per output channel, the output 8-bit per tensor. A float
    op that reads dequantized values and does not fold gets a
    `kiln.stays_float` attribute saying why.
  }];
}

def KilnFuseElementwise : Pass<"kiln-fuse-elementwise", "mlir::func::FuncOp"> {
  let summary = "Fuse elementwise producers into all-parallel consumers";
  let description = [{
    A chain of elementwise linalg ops becomes one loop nest, so intermediate
    tensors are never written. Producers are only fused into consumers
    without reduction loops, and only when they have no other user.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def KilnFoldWeightTransforms
    : Pass<"kiln-fold-weight-transforms", "mlir::func::FuncOp"> {
  let summary = "Compute at compile time what linalg derives from weights alone";
  let description = [{
    On linalg on tensors: a chain of fills, slice insertions and extractions,
    reshapes and all-parallel linalg ops whose every input is a constant
    (a padded or transposed filter, a scaled bias) is evaluated on the host
    and replaced by one f32 constant, so no kernel recomputes it on every
    run. A chain folds only when it reads a real weight and its result is at
    most twice the weights it reads (plus `slack-elements`): a bias broadcast
    over an image stays a loop. The arithmetic is f32 as the kernels do it;
    a body op outside the supported set leaves its chain as it is.
  }];
  let options = [
    Option<"slackElements", "slack-elements", "int64_t", /*default=*/"1024",
           "Elements a folded constant may hold beyond twice the weights it reads">,
  ];
  let dependentDialects = ["mlir::arith::ArithDialect"];
}

def KilnApproximateMath : Pass<"kiln-approximate-math", "mlir::func::FuncOp"> {
  let summary = "Replace exp/log/tanh/erf with polynomial approximations";
  let description = [{
    Uses MLIR's f32 polynomial approximations so that vectorized
    transcendentals stay vector code instead of one libm call per lane.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::math::MathDialect",
                           "mlir::vector::VectorDialect"];
}

def KilnVectorToLLVM : Pass<"kiln-vector-to-llvm", "mlir::ModuleOp"> {
  let summary = "Lower vector ops to the LLVM dialect with the target's index width";
  let description = [{
    MLIR's convert-vector-to-llvm with a type converter whose index type has
    `index-bitwidth` bits, as the other conversions to LLVM are given, so a
    32-bit target's memref descriptors and address arithmetic are 32-bit
    throughout (upstream's pass always uses 64). First the vector ops are
    lowered to the forms that convert (contractions, masks, transfers of
    rank 1, strided slices, shape casts, gathers, n-D from/to_elements),
    then converted.
  }];
  let options = [
    Option<"indexBitwidth", "index-bitwidth", "unsigned", /*default=*/"64",
           "Bits of the index type">
  ];
  let dependentDialects = ["mlir::LLVM::LLVMDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::memref::MemRefDialect"];
}

def KilnMapToGpu : Pass<"kiln-map-to-gpu", "mlir::func::FuncOp"> {
  let summary = "Turn each loop nest of a buffer-form entry into one GPU launch";
  let description = [{
    On the entry function after bufferization and the arena plan, with every
    linalg op lowered to `scf.parallel`: each top-level parallel nest becomes
    one `gpu.launch` of `block-size` threads per block, one thread per point
    of the nest's iteration space (its dims linearized; the thread past the
    end does nothing), its reductions sequential per thread. Memory writes
    outside any parallel nest (a rank-0 result) become a launch of one
    thread. What stays in the host function is views, constants and
    launches, which is what the launch list is made of.
  }];
  let options = [
    Option<"blockSize", "block-size", "int64_t", /*default=*/"256",
           "Threads per block">
  ];
  let dependentDialects = ["mlir::gpu::GPUDialect",
                           "mlir::affine::AffineDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::scf::SCFDialect"];
}

def KilnEmulateGpuLaunches
    : Pass<"kiln-emulate-gpu-launches", "mlir::func::FuncOp"> {
  let summary = "Run each gpu.launch as loops over its blocks and threads";
  let description = [{
    For testing the GPU mapping on a machine without a GPU: every
    `gpu.launch` becomes `scf.for` loops over its grid and block, the body
    run once per (block, thread) with the ids, block and grid sizes it
    would read on the device. The function then lowers like the CPU's, so
    the conformance tests check kiln-map-to-gpu's index arithmetic and the
    GPU pipeline's graph passes numerically. Kernels that synchronize
    threads (gpu.barrier) or use shared memory are refused: sequential
    threads cannot run them.
  }];
  let dependentDialects = ["mlir::scf::SCFDialect", "mlir::arith::ArithDialect"];
}

def KilnRelaxFma : Pass<"kiln-relax-fma", "mlir::ModuleOp"> {
  let summary = "Make every fused multiply-add one that may fuse";
  let description = [{
    On the LLVM dialect, last: `llvm.intr.fma` (from math.fma, vector.fma
    and the polynomial approximations) becomes `llvm.intr.fmuladd`, which
    is one FMA instruction where the CPU has one and a multiply and an add
    where it does not. A required fusion has no instruction on baseline
    x86-64 or ARMv7 VFP, so LLVM would scalarize each vector FMA into calls
    to libm's fmaf. Operands, results and fastmath flags stay as they are.
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect"];
}

def KilnTileAndVectorize
    : Pass<"kiln-tile-and-vectorize", "mlir::func::FuncOp"> {
  let summary = "Tile linalg ops into register blocks and vectorize them";
  let description = [{
    Contractions (convolutions, matmuls) become loops over R x V output
    blocks with every reduction loop stepping by one, so each step is R
    broadcast-FMAs over V lanes with the accumulators hoisted into registers
    (starting from their fill or bias, fused into the tile); other reductions
    over the contiguous dim keep V partial results; all-parallel ops become
    V-lane strips. Partial tiles are peeled so every tile is static, and
    masked when their width is not a power of two. The innermost loops that
    carry accumulators are marked for LLVM to unroll (by the factor, or
    completely when shorter than two unrolled steps), so loop control does
    not take issue slots from the FMAs. Runs on tensors, before bufferization.
  }];
  let options = [
    Option<"lanes", "lanes", "int64_t", /*default=*/"32",
           "Output elements per tile along the contiguous dim">,
    Option<"rows", "rows", "int64_t", /*default=*/"8",
           "Output rows per contraction tile (the register block)">,
    Option<"contractionLanes", "contraction-lanes", "int64_t",
           /*default=*/"32",
           "Output elements per contraction tile along the contiguous dim">,
    Option<"tallRows", "tall-rows", "int64_t", /*default=*/"0",
           "Rows of the tall register block: an f32 contraction without a "
           "packed tile whose block loop they divide takes it (0: none)">,
    Option<"unroll", "unroll", "int64_t", /*default=*/"4",
           "Unroll factor of the innermost accumulator loops (1: none)">,
    Option<"pairIntrinsic", "pair-intrinsic", "std::string", /*default=*/"",
           "LLVM intrinsic multiplying adjacent i16 pairs into i32 sums, for "
           "integer contractions marked kiln.group_reduction over pairs (\"\": none)">,
    Option<"pairLanes", "pair-lanes", "int64_t", /*default=*/"0",
           "i16 inputs per call of the pair intrinsic">,
    Option<"quadIntrinsic", "quad-intrinsic", "std::string", /*default=*/"",
           "LLVM intrinsic adding the products of adjacent i8 quads into its "
           "i32 accumulator operand, for integer contractions marked "
           "kiln.group_reduction over quads (\"\": none)">,
    Option<"quadLanes", "quad-lanes", "int64_t", /*default=*/"0",
           "i8 inputs per call of the quad intrinsic">,
    Option<"quadUnsignedInput", "quad-unsigned-input", "bool",
           /*default=*/"false",
           "The quad intrinsic reads its input (not weight) bytes as unsigned">,
    Option<"quadWidenIntrinsic", "quad-widen-intrinsic", "std::string",
           /*default=*/"",
           "Non-empty: the quad intrinsic returns 16-bit pair sums (no "
           "accumulator operand), which this pair intrinsic widens into i32 "
           "quad sums against ones">
  ];
  let dependentDialects = ["mlir::scf::SCFDialect",
                           "mlir::vector::VectorDialect",
                           "mlir::affine::AffineDialect",
                           "mlir::LLVM::LLVMDialect"];
}

#endif // KILN_TRANSFORMS_PASSES_TD
