//===- CpuVariants.cpp - Kernel variants per CPU level, picked at run time ===//
//
// x86-64 objects compiled for `generic` carry three variants: the baseline
// (SSE2, what every x86-64 runs), x86-64-v3 (AVX2, FMA: Haswell, Zen 1-3)
// and x86-64-v4 (AVX-512: Skylake-X, Ice Lake, Zen 4). The run functions
// ask CPUID (and XGETBV: the OS must save the wider registers) for every
// feature LLVM's definition of a level includes, because a variant's code
// may use any of them.
//
//===----------------------------------------------------------------------===//
#include "kiln/Target/CpuVariants.h"
#include "kiln/Target/ModelInterface.h"

#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/InlineAsm.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/PassManager.h"
#include "llvm/Linker/Linker.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Transforms/IPO/ConstantMerge.h"
#include "llvm/TargetParser/Triple.h"

namespace kiln {
namespace {

/// What a CPU level needs: bits of CPUID leaf 1 ECX, leaf 7 EBX, leaf
/// 0x80000001 ECX, and of XCR0 (register state the OS saves).
struct LevelFeatures {
  const char *cpu;
  uint32_t leaf1Ecx, leaf7Ebx, extLeaf1Ecx, xcr0;
};

constexpr uint32_t bit(unsigned n) { return uint32_t(1) << n; }

// SSE3 SSSE3 FMA CX16 SSE4.1 SSE4.2 MOVBE POPCNT XSAVE OSXSAVE AVX F16C.
constexpr uint32_t kV3Leaf1Ecx = bit(0) | bit(9) | bit(12) | bit(13) | bit(19) |
                                 bit(20) | bit(22) | bit(23) | bit(26) |
                                 bit(27) | bit(28) | bit(29);
// BMI1 AVX2 BMI2; LAHF/SAHF LZCNT; XMM and YMM state.
constexpr uint32_t kV3Leaf7Ebx = bit(3) | bit(5) | bit(8);
constexpr uint32_t kV3ExtEcx = bit(0) | bit(5);
constexpr uint32_t kV3Xcr0 = bit(1) | bit(2);
// AVX512F DQ CD BW VL; opmask and ZMM state.
constexpr uint32_t kV4Leaf7Ebx = bit(16) | bit(17) | bit(28) | bit(30) | bit(31);
constexpr uint32_t kV4Xcr0 = bit(5) | bit(6) | bit(7);

constexpr LevelFeatures kX86Levels[] = {
    {"x86-64", 0, 0, 0, 0},
    {"x86-64-v3", kV3Leaf1Ecx, kV3Leaf7Ebx, kV3ExtEcx, kV3Xcr0},
    {"x86-64-v4", kV3Leaf1Ecx, kV3Leaf7Ebx | kV4Leaf7Ebx, kV3ExtEcx,
     kV3Xcr0 | kV4Xcr0},
};

const LevelFeatures *levelOf(const std::string &cpu) {
  for (const LevelFeatures &level : kX86Levels)
    if (cpu == level.cpu)
      return &level;
  return nullptr;
}

std::string symbolTag(const std::string &cpu) {
  std::string tag = cpu;
  for (char &c : tag)
    if (c == '-')
      c = '_';
  return tag;
}

/// {eax, ebx, ecx, edx} of CPUID `leaf`, `subleaf`.
llvm::Value *cpuid(llvm::IRBuilderBase &b, uint32_t leaf, uint32_t subleaf) {
  llvm::Type *i32 = b.getInt32Ty();
  auto *type = llvm::FunctionType::get(llvm::StructType::get(i32, i32, i32, i32),
                                       {i32, i32}, false);
  auto *asmCall = llvm::InlineAsm::get(
      type, "cpuid", "={ax},={bx},={cx},={dx},0,2,~{dirflag},~{fpsr},~{flags}",
      /*hasSideEffects=*/true);
  return b.CreateCall(type, asmCall, {b.getInt32(leaf), b.getInt32(subleaf)});
}

llvm::Value *hasAll(llvm::IRBuilderBase &b, llvm::Value *word, uint32_t mask) {
  return b.CreateICmpEQ(b.CreateAnd(word, mask), b.getInt32(mask));
}

/// `i32 NAME_cpu_level()`: the index in `levels` of the richest level the
/// running CPU supports (0: the baseline).
llvm::Function *emitLevelTest(llvm::Module &module, const std::string &name,
                              const std::vector<const LevelFeatures *> &levels) {
  llvm::LLVMContext &ctx = module.getContext();
  llvm::IRBuilder<> b(ctx);
  auto *fn = llvm::Function::Create(llvm::FunctionType::get(b.getInt32Ty(), false),
                                    llvm::GlobalValue::InternalLinkage,
                                    name + "_cpu_level", module);
  fn->addFnAttr(llvm::Attribute::NoInline);
  fn->addFnAttr(llvm::Attribute::NoUnwind);
  auto *entry = llvm::BasicBlock::Create(ctx, "entry", fn);
  auto *readXcr0 = llvm::BasicBlock::Create(ctx, "read_xcr0", fn);
  auto *decide = llvm::BasicBlock::Create(ctx, "decide", fn);
  b.SetInsertPoint(entry);
  // Leaves past the maximum return another leaf's data: read as none.
  auto leafWord = [&](llvm::Value *max, uint32_t leaf, unsigned reg) {
    llvm::Value *word = b.CreateExtractValue(cpuid(b, leaf, 0), reg);
    return b.CreateSelect(b.CreateICmpUGE(max, b.getInt32(leaf)), word,
                          b.getInt32(0));
  };
  llvm::Value *maxLeaf = b.CreateExtractValue(cpuid(b, 0, 0), 0);
  llvm::Value *maxExt = b.CreateExtractValue(cpuid(b, 0x80000000u, 0), 0);
  llvm::Value *leaf1Ecx = leafWord(maxLeaf, 1, 2);
  llvm::Value *leaf7Ebx = leafWord(maxLeaf, 7, 1);
  llvm::Value *extEcx = leafWord(maxExt, 0x80000001u, 2);
  // XGETBV faults unless the OS enabled it (OSXSAVE).
  b.CreateCondBr(hasAll(b, leaf1Ecx, bit(27)), readXcr0, decide);
  b.SetInsertPoint(readXcr0);
  auto *xgetbvType = llvm::FunctionType::get(
      llvm::StructType::get(b.getInt32Ty(), b.getInt32Ty()), {b.getInt32Ty()}, false);
  auto *xgetbv = llvm::InlineAsm::get(xgetbvType, "xgetbv",
                                      "={ax},={dx},{cx},~{dirflag},~{fpsr},~{flags}",
                                      /*hasSideEffects=*/true);
  llvm::Value *xcr0Read =
      b.CreateExtractValue(b.CreateCall(xgetbvType, xgetbv, {b.getInt32(0)}), 0);
  b.CreateBr(decide);
  b.SetInsertPoint(decide);
  llvm::PHINode *xcr0 = b.CreatePHI(b.getInt32Ty(), 2);
  xcr0->addIncoming(b.getInt32(0), entry);
  xcr0->addIncoming(xcr0Read, readXcr0);
  llvm::Value *level = b.getInt32(0);
  for (auto [i, features] : llvm::enumerate(levels)) {
    if (i == 0)
      continue;
    llvm::Value *has = b.CreateAnd(
        {hasAll(b, leaf1Ecx, features->leaf1Ecx), hasAll(b, leaf7Ebx, features->leaf7Ebx),
         hasAll(b, extEcx, features->extLeaf1Ecx), hasAll(b, xcr0, features->xcr0)});
    level = b.CreateSelect(has, b.getInt32(i), level);
  }
  b.CreateRet(level);
  return fn;
}

/// `NAME_run...`, external, calling `impls[level]` with its own arguments;
/// the level is asked once and kept in `cache` (-1: not yet).
void emitDispatch(llvm::Module &module, const std::string &name,
                  const std::vector<llvm::Function *> &impls,
                  llvm::Function *levelTest, llvm::GlobalVariable *cache) {
  llvm::LLVMContext &ctx = module.getContext();
  llvm::IRBuilder<> b(ctx);
  llvm::FunctionType *type = impls.front()->getFunctionType();
  auto *fn = llvm::Function::Create(type, llvm::GlobalValue::ExternalLinkage,
                                    name, module);
  fn->addFnAttr(llvm::Attribute::NoUnwind);
  auto *entry = llvm::BasicBlock::Create(ctx, "entry", fn);
  auto *ask = llvm::BasicBlock::Create(ctx, "ask", fn);
  auto *pick = llvm::BasicBlock::Create(ctx, "pick", fn);
  b.SetInsertPoint(entry);
  // Concurrent first runs each ask and store the same answer.
  llvm::LoadInst *known = b.CreateLoad(b.getInt32Ty(), cache);
  known->setAtomic(llvm::AtomicOrdering::Monotonic);
  known->setAlignment(llvm::Align(4));
  b.CreateCondBr(b.CreateICmpSLT(known, b.getInt32(0)), ask, pick);
  b.SetInsertPoint(ask);
  llvm::Value *asked = b.CreateCall(levelTest);
  llvm::StoreInst *store = b.CreateStore(asked, cache);
  store->setAtomic(llvm::AtomicOrdering::Monotonic);
  store->setAlignment(llvm::Align(4));
  b.CreateBr(pick);
  b.SetInsertPoint(pick);
  llvm::PHINode *level = b.CreatePHI(b.getInt32Ty(), 2);
  level->addIncoming(known, entry);
  level->addIncoming(asked, ask);
  std::vector<llvm::Value *> args;
  for (llvm::Argument &arg : fn->args())
    args.push_back(&arg);
  auto callBlock = [&](llvm::Function *impl) {
    auto *block = llvm::BasicBlock::Create(ctx, impl->getName(), fn);
    llvm::IRBuilder<> call(block);
    call.CreateRet(call.CreateCall(impl, args));
    return block;
  };
  llvm::SwitchInst *choose =
      b.CreateSwitch(level, callBlock(impls.front()), impls.size() - 1);
  for (size_t i = 1; i < impls.size(); ++i)
    choose->addCase(b.getInt32(static_cast<uint32_t>(i)), callBlock(impls[i]));
}

/// Halide records the CPU it compiled for as module flags, which differ
/// between variants and would conflict when linked; the first's stay.
void dropHalideFlags(llvm::Module &module) {
  llvm::NamedMDNode *flags = module.getModuleFlagsMetadata();
  if (!flags)
    return;
  std::vector<llvm::MDNode *> kept;
  for (llvm::MDNode *flag : flags->operands()) {
    auto *key = flag->getNumOperands() >= 2
                    ? llvm::dyn_cast<llvm::MDString>(flag->getOperand(1))
                    : nullptr;
    if (!key || !key->getString().starts_with("halide_"))
      kept.push_back(flag);
  }
  flags->clearOperands();
  for (llvm::MDNode *flag : kept)
    flags->addOperand(flag);
}

} // namespace

std::vector<std::string> portableCpuVariants(const llvm::Triple &triple,
                                             const std::string &cpu) {
  if (triple.getArch() != llvm::Triple::x86_64 || cpu != "generic")
    return {};
  std::vector<std::string> cpus;
  for (const LevelFeatures &level : kX86Levels)
    cpus.push_back(level.cpu);
  return cpus;
}

std::unique_ptr<llvm::Module>
linkCpuVariants(std::vector<std::unique_ptr<llvm::Module>> variants,
                const std::vector<std::string> &cpus,
                const ModelInterface &model, std::string &error) {
  std::vector<const LevelFeatures *> levels;
  for (const std::string &cpu : cpus) {
    levels.push_back(levelOf(cpu));
    if (!levels.back()) {
      error = "internal: no CPU test for variant '" + cpu + "'";
      return nullptr;
    }
  }
  if (variants.empty() || variants.size() != cpus.size()) {
    error = "internal: CPU variants and their modules do not match";
    return nullptr;
  }
  const std::string runNames[] = {model.name + "_run", model.name + "_run_parallel"};
  std::vector<std::vector<std::string>> implNames(std::size(runNames));
  for (auto [i, module] : llvm::enumerate(variants)) {
    std::string tag = symbolTag(cpus[i]);
    std::vector<llvm::Function *> drop;
    for (llvm::Function &fn : *module) {
      if (fn.isDeclaration())
        continue;
      fn.addFnAttr("target-cpu", cpus[i]);
      fn.removeFnAttr("target-features");
      fn.removeFnAttr("tune-cpu");
      if (fn.hasLocalLinkage())
        continue;
      auto run = llvm::find(runNames, fn.getName());
      if (run != std::end(runNames)) {
        // External until linked: the linker keeps what others could call.
        fn.setName(fn.getName() + "_" + tag);
        implNames[run - std::begin(runNames)].push_back(fn.getName().str());
      } else if (i > 0) {
        drop.push_back(&fn); // the descriptors: the first variant's serve
      }
    }
    for (llvm::Function *fn : drop)
      fn->eraseFromParent();
    if (i > 0)
      dropHalideFlags(*module);
    // Nothing compares the addresses of constants: identical weights of
    // two variants may become one.
    for (llvm::GlobalVariable &global : module->globals())
      if (global.isConstant() && global.hasLocalLinkage())
        global.setUnnamedAddr(llvm::GlobalValue::UnnamedAddr::Global);
  }
  std::unique_ptr<llvm::Module> linked = std::move(variants.front());
  llvm::Linker linker(*linked);
  for (size_t i = 1; i < variants.size(); ++i)
    if (linker.linkInModule(std::move(variants[i]))) {
      error = "internal: linking the CPU variants failed";
      return nullptr;
    }

  llvm::Function *levelTest = emitLevelTest(*linked, model.name, levels);
  auto *cache = new llvm::GlobalVariable(
      *linked, llvm::Type::getInt32Ty(linked->getContext()), false,
      llvm::GlobalValue::InternalLinkage,
      llvm::ConstantInt::getSigned(llvm::Type::getInt32Ty(linked->getContext()), -1),
      model.name + "_cpu_level_cache");
  cache->setAlignment(llvm::Align(4));
  for (auto [run, names] : llvm::zip(runNames, implNames)) {
    std::vector<llvm::Function *> impls;
    for (const std::string &implName : names) {
      llvm::Function *impl = linked->getFunction(implName);
      if (!impl) {
        error = "internal: CPU variant '" + implName + "' is missing";
        return nullptr;
      }
      impl->setLinkage(llvm::GlobalValue::InternalLinkage);
      impls.push_back(impl);
    }
    emitDispatch(*linked, run, impls, levelTest, cache);
  }

  llvm::ModuleAnalysisManager analyses;
  llvm::PassBuilder().registerModuleAnalyses(analyses);
  llvm::ConstantMergePass().run(*linked, analyses);
  return linked;
}

} // namespace kiln
