//===- ModelInterface.cpp - Header text and C entry points ----------------===//
#include "kiln/Target/ModelInterface.h"
#include "Kiln/DataTypes.h"
#include "kiln/Target/FloatMode.h"
#include "kiln/Target/FunctionMarks.h"
#include "kiln/Target/ParallelEntry.h"

#include "mlir/IR/BuiltinTypes.h"

#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FormatVariadic.h"

#include <cctype>

using namespace mlir;

namespace kiln {

bool describeModel(func::FuncOp entry, const std::string &name,
                   ModelInterface &out, std::string &error) {
  out = ModelInterface();
  out.name = name;
  auto names = [&](StringRef attr, size_t i) -> std::string {
    auto list = entry->getAttrOfType<ArrayAttr>(attr);
    if (list && i < list.size())
      if (auto s = dyn_cast<StringAttr>(list[i]))
        return s.str();
    return (attr.contains("input") ? "input_" : "output_") + std::to_string(i);
  };
  auto describe = [&](Type type, std::string valueName, TensorDesc &desc) {
    auto tensor = dyn_cast<RankedTensorType>(type);
    if (!tensor || !dtypeFor(tensor.getElementType())) {
      error = "'" + valueName + "' has no supported tensor type";
      return false;
    }
    desc.name = std::move(valueName);
    desc.dtype = dtypeFor(tensor.getElementType());
    for (int64_t d : tensor.getShape())
      desc.dims.push_back(ShapedType::isDynamic(d) ? -1 : d);
    return true;
  };
  FunctionType type = entry.getFunctionType();
  for (auto [i, t] : llvm::enumerate(type.getInputs())) {
    if (!describe(t, names("kiln.input_names", i), out.inputs.emplace_back()))
      return false;
    auto ranges = entry.getArgAttrOfType<DenseI64ArrayAttr>(i, "kiln.dim_ranges");
    auto tensor = cast<RankedTensorType>(t);
    for (int64_t d = 0; d < tensor.getRank(); ++d) {
      if (!tensor.isDynamicDim(d))
        continue;
      if (!ranges || ranges.size() != 2 * tensor.getRank()) {
        error = "input '" + out.inputs.back().name + "' has a dynamic dim " +
                "without a range";
        return false;
      }
      out.ranged.push_back({static_cast<int32_t>(i), static_cast<int32_t>(d),
                            ranges[2 * d], ranges[2 * d + 1]});
    }
  }
  for (auto [i, t] : llvm::enumerate(type.getResults()))
    if (!describe(t, names("kiln.output_names", i), out.outputs.emplace_back()))
      return false;
  for (const TensorDesc &o : out.outputs)
    if (llvm::is_contained(o.dims, -1) && out.ranged.empty()) {
      error = "output '" + o.name + "' has a dynamic dim";
      return false;
    }
  return true;
}

std::string sanitizeSymbol(const std::string &stem) {
  std::string out;
  for (char c : stem)
    out += std::isalnum(static_cast<unsigned char>(c)) || c == '_' ? c : '_';
  if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0])))
    out = "_" + out;
  return out;
}

static std::string cString(const std::string &text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\')
      out += '\\', out += c;
    else if (c < 0x20 || c >= 0x7f)
      out += llvm::formatv("\\{0:o3}", c).str();
    else
      out += c;
  }
  return out + "\"";
}

std::string renderHeader(const ModelInterface &m) {
  std::string upper;
  for (char c : m.name)
    upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string io;
  auto list = [&](const char *what, const std::vector<TensorDesc> &descs) {
    for (auto [i, d] : llvm::enumerate(descs)) {
      std::string dims;
      for (int64_t v : d.dims)
        dims += (dims.empty() ? "" : "x") + std::to_string(v);
      io += llvm::formatv(" *   {0} {1}: {2} dtype {3} [{4}]\n", what, i,
                          cString(d.name), d.dtype, dims.empty() ? "scalar" : dims);
    }
  };
  list("input ", m.inputs);
  list("output", m.outputs);
  std::string ranged;
  if (!m.ranged.empty()) {
    std::string rows;
    for (const RangedDim &r : m.ranged)
      rows += llvm::formatv("  {{{0}, {1}, {2}, {3}},\n", r.input, r.axis, r.min, r.max).str();
    ranged = llvm::formatv(R"(
/* Ranged dims: input dims that take any size in [min, max] at run time.
   Their kiln_tensor_desc dims hold -1, and so do the output dims that follow
   them. {0}_ARENA_BYTES is the arena at every maximum; {1}_run and
   {1}_run_parallel run at every maximum. */
#ifndef KILN_DIM_RANGE_DEFINED
#define KILN_DIM_RANGE_DEFINED
typedef struct kiln_dim_range {{
  int32_t input;         /* input index */
  int32_t axis;          /* dim of that input */
  int64_t min, max;
} kiln_dim_range;
#endif

#define {0}_NUM_RANGED_DIMS {2}
/* The ranged dims, in input order, then axis order:
{3} */
const kiln_dim_range *{1}_ranged_dim(int index);

/* Output `index`'s dims when sizes[i] is the size of ranged dim i: rank
   entries into dims. Returns 0, 1 on a bad argument, 2 when a size is out of
   its range. */
int {1}_output_dims(const int64_t *sizes, int index, int64_t *dims);

/* Runs the model with sizes[i] the size of ranged dim i: inputs dense at
   those sizes, outputs dense at {1}_output_dims. Returns 0, 1 on a null
   pointer, 2 (nothing written) when a size is out of its range. par as for
   {1}_run_parallel (NULL: the calling thread). */
int {1}_run_sized(const int64_t *sizes, const void *const *inputs,
                  void *const *outputs, void *arena, const kiln_parallel *par);
)",
                           upper, m.name, m.ranged.size(), rows)
                 .str();
  }
  return llvm::formatv(R"(/* Generated by kilnc. Model '{0}'.
{1} */
#ifndef KILN_MODEL_{2}_H
#define KILN_MODEL_{2}_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {{
#endif

#ifndef KILN_TENSOR_DESC_DEFINED
#define KILN_TENSOR_DESC_DEFINED
typedef struct kiln_tensor_desc {{
  const char *name;      /* ONNX value name */
  int32_t dtype;         /* ONNX TensorProto.DataType code: 1 float, 7 int64, 3 int8, ... */
  int32_t rank;
  const int64_t *dims;   /* rank entries, all static */
} kiln_tensor_desc;
#endif

#ifndef KILN_PARALLEL_DEFINED
#define KILN_PARALLEL_DEFINED
/* How a model may use threads the caller owns. parallel_for must call
   fn(arg, i) once for every i in [0, n), on any threads, and return only
   when all calls are done. libkiln_runtime's kiln_pool provides one. */
typedef struct kiln_parallel {{
  void (*parallel_for)(void *context, int n, void (*fn)(void *arg, int i), void *arg);
  void *context;         /* passed back to parallel_for */
  int threads;           /* how many calls may usefully run at once */
} kiln_parallel;
#endif

#define {2}_ARENA_BYTES {3}u   /* activation workspace the caller provides */
#define {2}_ARENA_ALIGN 64

size_t {0}_arena_bytes(void);
int {0}_num_inputs(void);
int {0}_num_outputs(void);
const kiln_tensor_desc *{0}_input(int index);
const kiln_tensor_desc *{0}_output(int index);

/* Runs the model once. inputs/outputs: dense row-major buffers in ONNX order.
   arena: {0}_arena_bytes() bytes, {2}_ARENA_ALIGN-aligned, owned by the caller.
   Returns 0 on success. Reentrant: concurrent calls need distinct arenas. */
int {0}_run(const void *const *inputs, void *const *outputs, void *arena);

/* Same as {0}_run, with each kernel's outer loop split into up to
   par->threads chunks run through par->parallel_for. par == NULL or
   par->threads <= 1 runs on the calling thread. Results are identical to
   {0}_run. */
int {0}_run_parallel(const void *const *inputs, void *const *outputs, void *arena,
                     const kiln_parallel *par);
{4}
#ifdef __cplusplus
}
#endif

#endif /* KILN_MODEL_{2}_H */
)",
                       m.name, io, upper, m.arenaBytes, ranged)
      .str();
}

namespace {

/// Emits `TYPE NAME_<what>(int index)` returning &table[index] or NULL.
void emitDescAccessor(llvm::Module &module, const std::string &fnName,
                      llvm::GlobalVariable *table, size_t count) {
  llvm::LLVMContext &ctx = module.getContext();
  llvm::IRBuilder<> b(ctx);
  auto *fn = llvm::Function::Create(
      llvm::FunctionType::get(b.getPtrTy(), {b.getInt32Ty()}, false),
      llvm::GlobalValue::ExternalLinkage, fnName, module);
  fn->addFnAttr(kExportFnAttr);
  auto *entry = llvm::BasicBlock::Create(ctx, "entry", fn);
  auto *inRange = llvm::BasicBlock::Create(ctx, "in_range", fn);
  auto *outOfRange = llvm::BasicBlock::Create(ctx, "out_of_range", fn);
  b.SetInsertPoint(entry);
  llvm::Value *index = fn->getArg(0);
  b.CreateCondBr(b.CreateICmpULT(index, b.getInt32(count)), inRange,
                 outOfRange);
  b.SetInsertPoint(inRange);
  llvm::Value *elem = b.CreateInBoundsGEP(
      table->getValueType(), table,
      {b.getInt32(0), b.CreateZExt(index, b.getInt64Ty())});
  b.CreateRet(elem);
  b.SetInsertPoint(outOfRange);
  b.CreateRet(llvm::ConstantPointerNull::get(b.getPtrTy()));
}

void emitConstantFn(llvm::Module &module, const std::string &fnName,
                    llvm::Constant *value) {
  llvm::IRBuilder<> b(module.getContext());
  auto *fn = llvm::Function::Create(
      llvm::FunctionType::get(value->getType(), {}, false),
      llvm::GlobalValue::ExternalLinkage, fnName, module);
  fn->addFnAttr(kExportFnAttr);
  b.SetInsertPoint(llvm::BasicBlock::Create(module.getContext(), "entry", fn));
  b.CreateRet(value);
}

/// Emits an exported run function: checks the pointers (1 when one is
/// null) and, with `sizedRun`, the ranged sizes (2 when one is outside its
/// range), unpacks the input/output arrays and calls the lowered entry.
/// Without `sizedRun` a ranged model runs at every range's maximum.
void emitRun(llvm::Module &module, const ModelInterface &m,
             const std::string &name, llvm::Function *impl,
             bool withParallel, bool sizedRun) {
  llvm::LLVMContext &ctx = module.getContext();
  llvm::IRBuilder<> b(ctx);
  std::vector<llvm::Type *> params = {b.getPtrTy(), b.getPtrTy(), b.getPtrTy()};
  if (sizedRun)
    params.insert(params.begin(), b.getPtrTy());
  if (withParallel)
    params.push_back(b.getPtrTy());
  auto *run = llvm::Function::Create(
      llvm::FunctionType::get(b.getInt32Ty(), params, false),
      llvm::GlobalValue::ExternalLinkage, name, module);
  run->addFnAttr(kExportFnAttr);
  auto *entry = llvm::BasicBlock::Create(ctx, "entry", run);
  auto *call = llvm::BasicBlock::Create(ctx, "call", run);
  auto *bad = llvm::BasicBlock::Create(ctx, "bad_args", run);
  b.SetInsertPoint(entry);
  unsigned first = sizedRun ? 1 : 0;
  llvm::Value *inputs = run->getArg(first), *outputs = run->getArg(first + 1),
              *arena = run->getArg(first + 2);
  llvm::Value *anyNull = b.CreateOr(
      {b.CreateIsNull(outputs), b.CreateIsNull(arena),
       m.inputs.empty() ? b.getFalse() : b.CreateIsNull(inputs)});
  if (sizedRun)
    anyNull = b.CreateOr(anyNull, b.CreateIsNull(run->getArg(0)));
  b.CreateCondBr(anyNull, bad, call);
  b.SetInsertPoint(bad);
  b.CreateRet(b.getInt32(1));
  b.SetInsertPoint(call);
  std::vector<llvm::Value *> args;
  llvm::Value *inRange = b.getTrue();
  auto *indexType = llvm::cast<llvm::IntegerType>(impl->getArg(0)->getType());
  for (auto [i, r] : llvm::enumerate(m.ranged)) {
    llvm::Value *size = b.getInt64(r.max);
    if (sizedRun) {
      size = b.CreateLoad(b.getInt64Ty(),
                          b.CreateConstInBoundsGEP1_64(b.getInt64Ty(), run->getArg(0), i));
      inRange = b.CreateAnd({inRange, b.CreateICmpSGE(size, b.getInt64(r.min)),
                             b.CreateICmpSLE(size, b.getInt64(r.max))});
    }
    args.push_back(b.CreateTrunc(size, indexType));
  }
  if (sizedRun) {
    auto *sized = llvm::BasicBlock::Create(ctx, "sized", run);
    auto *outOfRange = llvm::BasicBlock::Create(ctx, "out_of_range", run);
    b.CreateCondBr(inRange, sized, outOfRange);
    b.SetInsertPoint(outOfRange);
    b.CreateRet(b.getInt32(2));
    b.SetInsertPoint(sized);
  }
  auto loadPointers = [&](llvm::Value *array, size_t n) {
    for (size_t i = 0; i < n; ++i)
      args.push_back(b.CreateLoad(
          b.getPtrTy(), b.CreateConstInBoundsGEP1_64(b.getPtrTy(), array, i)));
  };
  loadPointers(inputs, m.inputs.size());
  loadPointers(outputs, m.outputs.size());
  args.push_back(arena);
  if (withParallel)
    args.push_back(run->getArg(run->arg_size() - 1));
  llvm::Value *mode = enterFlushDenormals(b);
  b.CreateCall(impl, args);
  restoreFloatMode(b, mode);
  b.CreateRet(b.getInt32(0));
}

/// int NAME_output_dims(const int64_t *sizes, int index, int64_t *dims):
/// output `index`'s dims at the given ranged sizes, from `dimsFn` (the
/// entry's shape computation, see kiln-output-dims) where they are dynamic.
void emitOutputDims(llvm::Module &module, const ModelInterface &m,
                    llvm::Function *dimsFn) {
  llvm::LLVMContext &ctx = module.getContext();
  llvm::IRBuilder<> b(ctx);
  auto *fn = llvm::Function::Create(
      llvm::FunctionType::get(b.getInt32Ty(),
                              {b.getPtrTy(), b.getInt32Ty(), b.getPtrTy()}, false),
      llvm::GlobalValue::ExternalLinkage, m.name + "_output_dims", module);
  fn->addFnAttr(kExportFnAttr);
  llvm::Value *sizes = fn->getArg(0), *index = fn->getArg(1), *dims = fn->getArg(2);
  auto *entry = llvm::BasicBlock::Create(ctx, "entry", fn);
  auto *bad = llvm::BasicBlock::Create(ctx, "bad_args", fn);
  auto *check = llvm::BasicBlock::Create(ctx, "check", fn);
  auto *outOfRange = llvm::BasicBlock::Create(ctx, "out_of_range", fn);
  auto *compute = llvm::BasicBlock::Create(ctx, "compute", fn);
  b.SetInsertPoint(entry);
  llvm::Value *badArgs = b.CreateOr(
      {b.CreateIsNull(sizes), b.CreateIsNull(dims),
       b.CreateICmpUGE(index, b.getInt32(m.outputs.size()))});
  b.CreateCondBr(badArgs, bad, check);
  b.SetInsertPoint(bad);
  b.CreateRet(b.getInt32(1));
  b.SetInsertPoint(outOfRange);
  b.CreateRet(b.getInt32(2));

  b.SetInsertPoint(check);
  llvm::Value *inRange = b.getTrue();
  std::vector<llvm::Value *> args;
  unsigned numDynamic = 0;
  for (const TensorDesc &o : m.outputs)
    numDynamic += llvm::count(o.dims, -1);
  llvm::Type *indexType =
      dimsFn ? dimsFn->getArg(0)->getType() : b.getInt64Ty();
  for (auto [i, r] : llvm::enumerate(m.ranged)) {
    llvm::Value *size = b.CreateLoad(
        b.getInt64Ty(), b.CreateConstInBoundsGEP1_64(b.getInt64Ty(), sizes, i));
    inRange = b.CreateAnd({inRange, b.CreateICmpSGE(size, b.getInt64(r.min)),
                           b.CreateICmpSLE(size, b.getInt64(r.max))});
    args.push_back(b.CreateTrunc(size, indexType));
  }
  b.CreateCondBr(inRange, compute, outOfRange);

  b.SetInsertPoint(compute);
  auto *slotsType = llvm::ArrayType::get(b.getInt64Ty(), std::max(numDynamic, 1u));
  llvm::Value *slots = b.CreateAlloca(slotsType);
  if (dimsFn) {
    args.push_back(slots);
    b.CreateCall(dimsFn, args);
  }
  unsigned slot = 0;
  for (auto [k, o] : llvm::enumerate(m.outputs)) {
    auto *write = llvm::BasicBlock::Create(ctx, "output", fn);
    auto *next = llvm::BasicBlock::Create(ctx, "next", fn);
    b.CreateCondBr(b.CreateICmpEQ(index, b.getInt32(k)), write, next);
    b.SetInsertPoint(write);
    for (auto [d, v] : llvm::enumerate(o.dims)) {
      llvm::Value *value = b.getInt64(v);
      if (v == -1)
        value = b.CreateLoad(b.getInt64Ty(),
                             b.CreateConstInBoundsGEP2_64(slotsType, slots, 0, slot++));
      b.CreateStore(value, b.CreateConstInBoundsGEP1_64(b.getInt64Ty(), dims, d));
    }
    b.CreateRet(b.getInt32(0));
    b.SetInsertPoint(next);
  }
  b.CreateRet(b.getInt32(1));
}

/// The function marked `mark`, or null.
llvm::Function *findMarked(llvm::Module &module, llvm::StringRef mark) {
  for (llvm::Function &fn : module)
    if (fn.hasFnAttribute(mark))
      return &fn;
  return nullptr;
}

} // namespace

bool addCInterface(llvm::Module &module, const ModelInterface &m,
                   llvm::Function &entry, std::string &error) {
  llvm::LLVMContext &ctx = module.getContext();
  llvm::IRBuilder<> b(ctx);
  llvm::Function *impl = &entry;
  size_t numArgs = m.ranged.size() + m.inputs.size() + m.outputs.size() + 1;
  if (impl->arg_size() != numArgs) {
    error = "internal: lowered entry '" + impl->getName().str() +
            "' has an unexpected signature";
    return false;
  }
  impl->setLinkage(llvm::GlobalValue::InternalLinkage);
  impl->setName(m.name + "_kiln_entry");

  // Descriptor tables: struct { ptr name; i32 dtype; i32 rank; ptr dims }.
  auto *descType = llvm::StructType::get(
      ctx, {b.getPtrTy(), b.getInt32Ty(), b.getInt32Ty(), b.getPtrTy()});
  auto makeTable = [&](const std::vector<TensorDesc> &descs,
                       const std::string &what) {
    std::vector<llvm::Constant *> entries;
    for (auto [i, d] : llvm::enumerate(descs)) {
      std::string prefix = m.name + "_" + what + std::to_string(i);
      auto *nameInit = llvm::ConstantDataArray::getString(ctx, d.name);
      auto *nameVar = new llvm::GlobalVariable(
          module, nameInit->getType(), true, llvm::GlobalValue::PrivateLinkage,
          nameInit, prefix + "_name");
      auto *dimsInit = llvm::ConstantDataArray::get(
          ctx, llvm::ArrayRef<uint64_t>(reinterpret_cast<const uint64_t *>(d.dims.data()),
                                        d.dims.size()));
      auto *dimsVar = new llvm::GlobalVariable(
          module, dimsInit->getType(), true, llvm::GlobalValue::PrivateLinkage,
          dimsInit, prefix + "_dims");
      dimsVar->setAlignment(llvm::Align(8));
      entries.push_back(llvm::ConstantStruct::get(
          descType, {nameVar, b.getInt32(d.dtype),
                     b.getInt32(static_cast<int32_t>(d.dims.size())), dimsVar}));
    }
    auto *arrayType = llvm::ArrayType::get(descType, entries.size());
    return new llvm::GlobalVariable(
        module, arrayType, true, llvm::GlobalValue::PrivateLinkage,
        llvm::ConstantArray::get(arrayType, entries), m.name + "_" + what + "s");
  };
  emitDescAccessor(module, m.name + "_input", makeTable(m.inputs, "input"),
                   m.inputs.size());
  emitDescAccessor(module, m.name + "_output", makeTable(m.outputs, "output"),
                   m.outputs.size());
  unsigned ptrBits = module.getDataLayout().getPointerSizeInBits();
  emitConstantFn(module, m.name + "_arena_bytes",
                 b.getIntN(ptrBits, m.arenaBytes));
  emitConstantFn(module, m.name + "_num_inputs", b.getInt32(m.inputs.size()));
  emitConstantFn(module, m.name + "_num_outputs", b.getInt32(m.outputs.size()));

  // int NAME_run(inputs, outputs, arena) and
  // int NAME_run_parallel(inputs, outputs, arena, const kiln_parallel *par).
  llvm::Function *parallelImpl = addParallelEntry(module, impl);
  emitRun(module, m, m.name + "_run", impl, /*withParallel=*/false, false);
  emitRun(module, m, m.name + "_run_parallel", parallelImpl,
          /*withParallel=*/true, false);
  if (!m.ranged.empty()) {
    auto *rangeType = llvm::StructType::get(
        ctx, {b.getInt32Ty(), b.getInt32Ty(), b.getInt64Ty(), b.getInt64Ty()});
    std::vector<llvm::Constant *> rows;
    for (const RangedDim &r : m.ranged)
      rows.push_back(llvm::ConstantStruct::get(
          rangeType, {b.getInt32(r.input), b.getInt32(r.axis),
                      b.getInt64(r.min), b.getInt64(r.max)}));
    auto *rangesType = llvm::ArrayType::get(rangeType, rows.size());
    auto *ranges = new llvm::GlobalVariable(
        module, rangesType, true, llvm::GlobalValue::PrivateLinkage,
        llvm::ConstantArray::get(rangesType, rows), m.name + "_ranged_dims");
    emitDescAccessor(module, m.name + "_ranged_dim", ranges, rows.size());
    emitRun(module, m, m.name + "_run_sized", parallelImpl,
            /*withParallel=*/true, /*sizedRun=*/true);
    llvm::Function *dimsFn = findMarked(module, kOutputDimsFnAttr);
    bool dynamicOutputs = llvm::any_of(m.outputs, [](const TensorDesc &o) {
      return llvm::is_contained(o.dims, -1);
    });
    if (dynamicOutputs && !dimsFn) {
      error = "internal: the output dims function is missing";
      return false;
    }
    if (dimsFn) {
      dimsFn->removeFnAttr(kOutputDimsFnAttr);
      dimsFn->setLinkage(llvm::GlobalValue::InternalLinkage);
    }
    emitOutputDims(module, m, dimsFn);
  }
  return true;
}

} // namespace kiln
