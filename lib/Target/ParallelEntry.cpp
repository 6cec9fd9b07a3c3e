//===- ParallelEntry.cpp - The entry that splits loop kernels over threads ===//
//
// The lowered entry calls each loop kernel `<entry>_p<N>(args..., 0, n)` for
// its whole outermost range. The parallel entry is a clone that takes a
// `const kiln_parallel *` and turns each such call into a dispatch: the
// arguments go into a context on the stack, and the caller's parallel_for
// runs a trampoline once per chunk of the range. With no callback, or one
// thread, the trampoline runs once over the whole range on the calling
// thread, so the object itself never starts a thread.
//
//===----------------------------------------------------------------------===//
#include "kiln/Target/ParallelEntry.h"
#include "kiln/Target/FunctionMarks.h"
#include "kiln/Target/FloatMode.h"

#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Module.h"
#include "llvm/Transforms/Utils/Cloning.h"

namespace kiln {

namespace {

/// struct kiln_parallel { parallel_for, context, threads }, as in the header.
llvm::StructType *parallelType(llvm::LLVMContext &ctx) {
  auto *ptr = llvm::PointerType::getUnqual(ctx);
  return llvm::StructType::get(ctx, {ptr, ptr, llvm::Type::getInt32Ty(ctx)});
}

/// void dispatch(const kiln_parallel *par, void (*task)(void *, int),
///               void *ctx, int n): picks the chunk count, stores it in the
/// context (field 1), then runs the chunks.
llvm::Function *getDispatch(llvm::Module &module, llvm::IntegerType *index) {
  std::string name = "kiln_dispatch_i" + std::to_string(index->getBitWidth());
  if (llvm::Function *existing = module.getFunction(name))
    return existing;
  llvm::LLVMContext &ctx = module.getContext();
  llvm::IRBuilder<> b(ctx);
  auto *ptr = b.getPtrTy();
  auto *fn = llvm::Function::Create(
      llvm::FunctionType::get(b.getVoidTy(), {ptr, ptr, ptr, index}, false),
      llvm::GlobalValue::InternalLinkage, name, module);
  llvm::Value *par = fn->getArg(0), *task = fn->getArg(1),
              *context = fn->getArg(2), *n = fn->getArg(3);
  auto *entry = llvm::BasicBlock::Create(ctx, "entry", fn);
  auto *check = llvm::BasicBlock::Create(ctx, "check", fn);
  auto *split = llvm::BasicBlock::Create(ctx, "split", fn);
  auto *serial = llvm::BasicBlock::Create(ctx, "serial", fn);
  llvm::StructType *parType = parallelType(ctx);
  auto *ctxType = llvm::StructType::get(ctx, {index, index});

  b.SetInsertPoint(entry);
  b.CreateCondBr(b.CreateIsNull(par), serial, check);

  b.SetInsertPoint(check);
  llvm::Value *forEach = b.CreateLoad(ptr, b.CreateStructGEP(parType, par, 0));
  llvm::Value *threads =
      b.CreateLoad(b.getInt32Ty(), b.CreateStructGEP(parType, par, 2));
  // One chunk per thread: finer chunks measured slower (each kernel's
  // tiles then move between the cores' caches).
  llvm::Value *threadCount = b.CreateSExtOrTrunc(threads, index);
  llvm::Value *chunks = b.CreateSelect(b.CreateICmpSLT(threadCount, n),
                                       threadCount, n);
  // chunks > 1 implies both more than one thread and more than one
  // iteration.
  llvm::Value *worth =
      b.CreateAnd(b.CreateIsNotNull(forEach),
                  b.CreateICmpSGT(chunks, llvm::ConstantInt::get(index, 1)));
  b.CreateCondBr(worth, split, serial);

  b.SetInsertPoint(split);
  b.CreateStore(chunks, b.CreateStructGEP(ctxType, context, 1));
  llvm::Value *poolContext =
      b.CreateLoad(ptr, b.CreateStructGEP(parType, par, 1));
  auto *forEachType = llvm::FunctionType::get(
      b.getVoidTy(), {ptr, b.getInt32Ty(), ptr, ptr}, false);
  b.CreateCall(forEachType, forEach,
               {poolContext, b.CreateTrunc(chunks, b.getInt32Ty()), task,
                context});
  b.CreateRetVoid();

  b.SetInsertPoint(serial);
  b.CreateStore(b.getIntN(index->getBitWidth(), 1),
                b.CreateStructGEP(ctxType, context, 1));
  b.CreateCall(llvm::FunctionType::get(b.getVoidTy(), {ptr, b.getInt32Ty()},
                                       false),
               task, {context, b.getInt32(0)});
  b.CreateRetVoid();
  return fn;
}

/// a / b for unsigned `type` values by shift and subtract, as an internal
/// function: 32-bit ARM cores need not have a divide instruction, and LLVM
/// would call libgcc's, which the object must not depend on. One call per
/// chunk, so its 32 steps cost nothing next to the chunk's work.
llvm::Function *getUnsignedDivide(llvm::Module &module, llvm::IntegerType *type) {
  std::string name = "kiln_udiv_i" + std::to_string(type->getBitWidth());
  if (llvm::Function *existing = module.getFunction(name))
    return existing;
  llvm::LLVMContext &ctx = module.getContext();
  llvm::IRBuilder<> b(ctx);
  auto *fn = llvm::Function::Create(llvm::FunctionType::get(type, {type, type}, false),
                                    llvm::GlobalValue::InternalLinkage, name, module);
  fn->addFnAttr(llvm::Attribute::NoUnwind);
  auto *entry = llvm::BasicBlock::Create(ctx, "entry", fn);
  auto *loop = llvm::BasicBlock::Create(ctx, "loop", fn);
  auto *done = llvm::BasicBlock::Create(ctx, "done", fn);
  llvm::Value *a = fn->getArg(0), *d = fn->getArg(1);
  llvm::Constant *zero = llvm::ConstantInt::get(type, 0),
                 *one = llvm::ConstantInt::get(type, 1);
  b.SetInsertPoint(entry);
  b.CreateBr(loop);
  // Bit i from the top: the remainder takes a's bit; where it reaches d,
  // d comes off and the quotient gets the bit.
  b.SetInsertPoint(loop);
  llvm::PHINode *bit = b.CreatePHI(type, 2), *rem = b.CreatePHI(type, 2),
                *quot = b.CreatePHI(type, 2);
  llvm::Value *i = b.CreateSub(bit, one);
  llvm::Value *r = b.CreateOr(b.CreateShl(rem, one), b.CreateAnd(b.CreateLShr(a, i), one));
  llvm::Value *fits = b.CreateICmpUGE(r, d);
  llvm::Value *nextRem = b.CreateSelect(fits, b.CreateSub(r, d), r);
  llvm::Value *nextQuot =
      b.CreateSelect(fits, b.CreateOr(quot, b.CreateShl(one, i)), quot);
  b.CreateCondBr(b.CreateICmpEQ(i, zero), done, loop);
  bit->addIncoming(llvm::ConstantInt::get(type, type->getBitWidth()), entry);
  bit->addIncoming(i, loop);
  rem->addIncoming(zero, entry);
  rem->addIncoming(nextRem, loop);
  quot->addIncoming(zero, entry);
  quot->addIncoming(nextQuot, loop);
  b.SetInsertPoint(done);
  b.CreateRet(nextQuot);
  return fn;
}

/// void task(void *ctx, int chunk): runs chunk `chunk` of `kernel`'s range.
/// Context: { index n, index chunks, kernel arguments... }.
llvm::Function *getTrampoline(llvm::Module &module, llvm::Function *kernel,
                              llvm::StructType *ctxType) {
  std::string name = (kernel->getName() + "_task").str();
  if (llvm::Function *existing = module.getFunction(name))
    return existing;
  llvm::LLVMContext &ctx = module.getContext();
  llvm::IRBuilder<> b(ctx);
  auto *fn = llvm::Function::Create(
      llvm::FunctionType::get(b.getVoidTy(), {b.getPtrTy(), b.getInt32Ty()},
                              false),
      llvm::GlobalValue::InternalLinkage, name, module);
  b.SetInsertPoint(llvm::BasicBlock::Create(ctx, "entry", fn));
  llvm::Value *context = fn->getArg(0);
  auto *index = llvm::cast<llvm::IntegerType>(ctxType->getElementType(0));
  llvm::Value *n = b.CreateLoad(index, b.CreateStructGEP(ctxType, context, 0));
  llvm::Value *chunks =
      b.CreateLoad(index, b.CreateStructGEP(ctxType, context, 1));
  llvm::Value *chunk = b.CreateSExtOrTrunc(fn->getArg(1), index);
  // Bounds are never negative; 64-bit targets all divide in hardware.
  auto divide = [&](llvm::Value *x) -> llvm::Value * {
    if (index->getBitWidth() == 32)
      return b.CreateCall(getUnsignedDivide(module, index), {x, chunks});
    return b.CreateSDiv(x, chunks);
  };
  llvm::Value *first = divide(b.CreateMul(chunk, n));
  llvm::Value *last = divide(
      b.CreateMul(b.CreateAdd(chunk, llvm::ConstantInt::get(index, 1)), n));
  std::vector<llvm::Value *> args;
  for (unsigned i = 2; i < ctxType->getNumElements(); ++i)
    args.push_back(b.CreateLoad(ctxType->getElementType(i),
                                b.CreateStructGEP(ctxType, context, i)));
  args.push_back(first);
  args.push_back(last);
  // A copy of the kernel for ranges: the serial entry's calls pass constant
  // bounds, and the original stays specializable on them.
  llvm::ValueToValueMapTy map;
  llvm::Function *ranged = llvm::CloneFunction(kernel, map);
  ranged->setName(kernel->getName() + "_range");
  // A chunk may run on a worker thread, whose mode is its own.
  llvm::Value *mode = enterFlushDenormals(b);
  b.CreateCall(ranged, args);
  restoreFloatMode(b, mode);
  b.CreateRetVoid();
  return fn;
}

} // namespace

llvm::Function *addParallelEntry(llvm::Module &module, llvm::Function *impl) {
  llvm::LLVMContext &ctx = module.getContext();
  llvm::IRBuilder<> b(ctx);
  std::vector<llvm::Type *> params(impl->getFunctionType()->param_begin(),
                                   impl->getFunctionType()->param_end());
  params.push_back(b.getPtrTy());
  auto *fn = llvm::Function::Create(
      llvm::FunctionType::get(impl->getReturnType(), params, false),
      llvm::GlobalValue::InternalLinkage, impl->getName() + "_parallel",
      module);
  llvm::ValueToValueMapTy map;
  for (auto [from, to] : llvm::zip(impl->args(), fn->args()))
    map[&from] = &to;
  llvm::SmallVector<llvm::ReturnInst *> returns;
  llvm::CloneFunctionInto(fn, impl, map,
                          llvm::CloneFunctionChangeType::LocalChangesOnly,
                          returns);
  llvm::Value *par = fn->getArg(params.size() - 1);

  std::vector<llvm::CallInst *> calls;
  for (llvm::Instruction &inst : llvm::instructions(*fn))
    if (auto *call = llvm::dyn_cast<llvm::CallInst>(&inst))
      if (llvm::Function *callee = call->getCalledFunction())
        if (callee->hasFnAttribute(kLoopKernelFnAttr) && call->arg_size() >= 2)
          calls.push_back(call);
  llvm::BasicBlock &entry = fn->getEntryBlock();
  for (llvm::CallInst *call : calls) {
    llvm::Function *kernel = call->getCalledFunction();
    unsigned numArgs = call->arg_size() - 2;
    llvm::Value *n = call->getArgOperand(numArgs + 1);
    auto *index = llvm::cast<llvm::IntegerType>(n->getType());
    std::vector<llvm::Type *> fields = {index, index};
    for (unsigned i = 0; i < numArgs; ++i)
      fields.push_back(call->getArgOperand(i)->getType());
    auto *ctxType = llvm::StructType::get(ctx, fields);

    b.SetInsertPoint(&entry, entry.getFirstInsertionPt());
    llvm::Value *context = b.CreateAlloca(ctxType);
    b.SetInsertPoint(call);
    b.CreateStore(n, b.CreateStructGEP(ctxType, context, 0));
    for (unsigned i = 0; i < numArgs; ++i)
      b.CreateStore(call->getArgOperand(i),
                    b.CreateStructGEP(ctxType, context, 2 + i));
    b.CreateCall(getDispatch(module, index),
                 {par, getTrampoline(module, kernel, ctxType), context, n});
    call->eraseFromParent();
  }
  return fn;
}

} // namespace kiln
