//===- kilnc.cpp - Compile an ONNX model into an object file and header ---===//
//
//   kilnc MODEL.onnx -o OUT.o [--name NAME] [--target TRIPLE] [--cpu CPU]
//                    [--shape INPUT=D0xD1x...]... [--emit obj|asm|llvm|mlir|onnx]
//                    [--report DIR] [--verbose]
//
// Options are llvm::cl options, declared once below; `--help` lists them,
// `--help-hidden` adds the developer knobs and LLVM's own options. Every
// failure prints one `error:` line and exits 1; outputs are written to
// temporary files and renamed only when everything succeeded.
//
//===----------------------------------------------------------------------===//
#include "Kiln/KilnDialect.h"
#include "Kiln/KilnOps.h"
#include "kiln/Importer/OnnxImporter.h"
#include "kiln/Pipeline/Pipelines.h"

#include "CompilerStage.h"
#include "kiln/Support/ArenaReport.h"
#include "kiln/Quantize/PostTrainingQuantization.h"
#include "kiln/Target/CpuVariants.h"
#include "kiln/Target/GpuArtifact.h"
#include "kiln/Target/ModelInterface.h"
#include "kiln/Target/ObjectEmitter.h"
#include "kiln/Target/TargetDescription.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Signals.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Triple.h"

#include <fmt/core.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <new>
#include <unistd.h>

using namespace mlir;
namespace cl = llvm::cl;

namespace {

cl::OptionCategory kilnCategory("Kiln options");

cl::list<std::string> inputFiles(cl::Positional, cl::desc("MODEL.onnx"),
                                 cl::cat(kilnCategory));
cl::opt<std::string> outputFile("o", cl::desc("Output object (OUT.h beside it)"),
                                cl::value_desc("OUT.o"), cl::cat(kilnCategory));
cl::opt<std::string> symbolName(
    "name", cl::desc("C symbol prefix (default: the model file's stem)"),
    cl::value_desc("NAME"), cl::cat(kilnCategory));
cl::opt<std::string> targetTriple("target",
                                  cl::desc("Target triple (default: the host)"),
                                  cl::value_desc("TRIPLE"),
                                  cl::cat(kilnCategory));
cl::opt<std::string> targetCpu(
    "cpu", cl::desc("Target CPU: generic, native or an LLVM CPU name"),
    cl::value_desc("CPU"), cl::init("generic"), cl::cat(kilnCategory));
cl::list<std::string> inputShapes(
    "shape", cl::desc("Binds an input's dynamic dimensions (repeatable)"),
    cl::value_desc("INPUT=D0xD1x..."), cl::cat(kilnCategory));
cl::opt<std::string> emitKind("emit",
                              cl::desc("What to write: obj, asm, llvm, mlir, or onnx (the "
                                       "model as --quantize made it, in QDQ form)"),
                              cl::value_desc("KIND"), cl::init("obj"),
                              cl::cat(kilnCategory));
cl::opt<std::string> reportDir(
    "report", cl::desc("Write the arena plan as csv, svg and html to DIR"),
    cl::value_desc("DIR"), cl::cat(kilnCategory));
cl::opt<bool> verbose("verbose", cl::desc("Print a summary of the compile"),
                      cl::cat(kilnCategory));
cl::opt<std::string> quantizeKind(
    "quantize", cl::desc("int8: post-training quantization (needs --calibrate)"),
    cl::value_desc("int8"), cl::cat(kilnCategory));
cl::opt<std::string> calibrationDir(
    "calibrate",
    cl::desc("Calibration samples: *.npy (one input) or <sample>/<input>.npy"),
    cl::value_desc("DIR"), cl::cat(kilnCategory));
cl::opt<double> int8Tolerance(
    "int8-tolerance",
    cl::desc("Keep the most sensitive layers float until the outputs' relative "
             "error on the calibration set is at most E"),
    cl::value_desc("E"), cl::init(0), cl::cat(kilnCategory));
cl::list<std::string> int8FloatNodes(
    "int8-float",
    cl::desc("Keep these ONNX nodes (convs, Gemms, MatMuls) float under "
             "--quantize"),
    cl::value_desc("NODE,..."), cl::CommaSeparated, cl::cat(kilnCategory));
cl::opt<std::string> calibrationMethod(
    "calibration", cl::desc("How ranges are chosen: minmax, percentile, entropy"),
    cl::value_desc("METHOD"), cl::init("minmax"), cl::cat(kilnCategory));
// Developer knobs: in --help-hidden only.
cl::opt<std::string> kernelChoice(
    "kernels",
    cl::desc("measured: the Halide kernels where they measured faster on "
             "the CPU's class (the default); halide: wherever the target has "
             "them; mlir: every op with MLIR (to compare the two)"),
    cl::init("measured"), cl::Hidden, cl::cat(kilnCategory));
cl::opt<bool> int8Depthwise(
    "int8-depthwise",
    cl::desc("Quantize depthwise convs even where the float kernel is faster"),
    cl::Hidden, cl::cat(kilnCategory));
cl::opt<double> int8MinIntensity(
    "int8-min-intensity",
    cl::desc("Layers of fewer multiply-adds per input and output element "
             "stay float under --quantize"),
    cl::init(-1), cl::Hidden, cl::cat(kilnCategory));
cl::opt<int> int8BiasCorrection(
    "int8-bias-correction",
    cl::desc("Passes of bias correction under --quantize (0: none)"),
    cl::init(1), cl::Hidden, cl::cat(kilnCategory));
cl::opt<unsigned> int8WeightBits(
    "int8-weight-bits",
    cl::desc("Bits of the weights --quantize makes: 8 (the default), or 7, "
             "which x86 without VNNI multiplies on pmaddubsw (faster, less "
             "accurate; like ONNX Runtime's reduce_range)"),
    cl::value_desc("N"), cl::init(8), cl::cat(kilnCategory));
cl::opt<std::string> libdevicePath(
    "libdevice",
    cl::desc("GPU targets: the CUDA toolkit's libdevice.10.bc (default: "
             "found under $CUDA_HOME, $CUDA_PATH or /usr/local/cuda)"),
    cl::value_desc("FILE"), cl::Hidden, cl::cat(kilnCategory));
cl::opt<bool> gpuEmulate(
    "gpu-emulate",
    cl::desc("Compile through the GPU backend's kernels, each launch run as "
             "loops on this CPU target (tests the GPU mapping without a GPU)"),
    cl::Hidden, cl::cat(kilnCategory));
cl::opt<std::string> packFor(
    "pack-for",
    cl::desc("Pack float weights for this CPU's tiles, as the variants of a "
             "portable object do (to time one variant alone)"),
    cl::value_desc("CPU"), cl::Hidden, cl::cat(kilnCategory));
cl::opt<bool> timePhases("time-phases",
                         cl::desc("Print the seconds each phase takes"),
                         cl::Hidden, cl::cat(kilnCategory));

/// The arena sizes kiln-plan-arena recorded on the lowered entry (either
/// backend's).
void readArenaSizes(Operation *entry, kiln::ModelInterface &model) {
  if (auto bytes = entry->getAttrOfType<IntegerAttr>("kiln.arena_bytes"))
    model.arenaBytes = bytes.getInt();
  if (auto bytes = entry->getAttrOfType<IntegerAttr>("kiln.naive_bytes"))
    model.naiveBytes = bytes.getInt();
}

/// The plan kiln-plan-arena recorded on the entry, for --report.
kiln::ArenaReport arenaReport(Operation *entry,
                              const kiln::ModelInterface &model) {
  kiln::ArenaReport report;
  report.model = model.name;
  report.arenaBytes = model.arenaBytes;
  report.naiveBytes = model.naiveBytes;
  if (auto steps = entry->getAttrOfType<IntegerAttr>("kiln.arena_steps"))
    report.steps = steps.getInt();
  auto plan = entry->getAttrOfType<ArrayAttr>("kiln.arena_plan");
  for (Attribute attr : plan ? plan.getValue() : ArrayRef<Attribute>()) {
    auto dict = cast<DictionaryAttr>(attr);
    auto integer = [&](StringRef key) {
      return cast<IntegerAttr>(dict.get(key)).getInt();
    };
    kiln::ArenaEntry e;
    e.name = cast<StringAttr>(dict.get("name")).str();
    e.type = cast<StringAttr>(dict.get("type")).str();
    e.offset = integer("offset");
    e.bytes = integer("bytes");
    e.firstStep = integer("first");
    e.lastStep = integer("last");
    report.entries.push_back(e);
  }
  return report;
}

int fail(const std::string &message) {
  fmt::print(stderr, "error: {}\n", message);
  return 1;
}

/// One line for a failure inside the compiler itself (an LLVM or MLIR fatal
/// error, memory exhausted, an uncaught exception), then exit non-zero:
/// the temporary output goes first (RunInterruptHandlers), so nothing
/// half-written is left.
[[noreturn]] void internalError(const char *what) {
  llvm::sys::RunInterruptHandlers();
  fmt::print(stderr, "error: internal compiler error: {} (in {})\n", what,
             kiln::compilerStage());
  std::fflush(stderr);
  std::_Exit(1);
}

void installInternalErrorHandlers() {
  llvm::install_fatal_error_handler(
      [](void *, const char *reason, bool) { internalError(reason); });
  std::set_new_handler([] { internalError("out of memory"); });
  std::set_terminate([] { internalError("uncaught exception"); });
  // A crash (SIGSEGV, SIGABRT, ...) says so in the same words; the signal
  // handler has already removed the temporary output.
  llvm::sys::AddSignalHandler(
      [](void *) {
        // write() only: this runs inside a signal handler.
        auto put = [](const char *text) {
          size_t n = 0;
          while (text[n])
            ++n;
          (void)!::write(2, text, n);
        };
        put("error: internal compiler error: kilnc crashed (in ");
        put(kiln::compilerStage());
        put(")\n");
      },
      nullptr);
}

void printVersion(llvm::raw_ostream &os) {
  os << "Kiln " KILN_VERSION " (LLVM " LLVM_VERSION_STRING ")\n";
}

/// llvm::cl's complaint, as one `error:` line in Kiln's words.
std::string commandLineError(std::string text) {
  text = text.substr(0, text.find('\n'));
  if (llvm::StringRef(text).starts_with("kilnc: "))
    text = text.substr(7);
  llvm::StringRef rest(text);
  if (rest.consume_front("Unknown command line argument '")) {
    std::string option = rest.substr(0, rest.find('\'')).str();
    return "unknown option '" + option + "' (kilnc --help lists them)";
  }
  // "for the --cpu option: requires a value!" and the like.
  while (!text.empty() && (text.back() == '!' || text.back() == '.' ||
                           text.back() == ' '))
    text.pop_back();
  if (!text.empty())
    text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

struct Options {
  std::string model, output, name;
  kiln::ImportOptions import;
  bool gpu = false;  // --target nvptx64-nvidia-cuda: an artifact, no header
  std::string chip;  // the GPU architecture (--cpu)
};

/// Whether `text` names an NVIDIA GPU (nvptx or nvptx64).
bool isGpuTriple(const std::string &text) {
  llvm::Triple triple(llvm::Triple::normalize(text));
  return triple.getArch() == llvm::Triple::nvptx64 ||
         triple.getArch() == llvm::Triple::nvptx;
}

/// The GPU options' checks; an error message, or empty.
std::string checkGpuOptions(Options &o) {
  if (llvm::Triple(llvm::Triple::normalize(targetTriple)).getArch() !=
      llvm::Triple::nvptx64)
    return "GPU target '" + targetTriple + "' is 32-bit; Kiln writes nvptx64-nvidia-cuda";
  o.chip = targetCpu == "generic" ? "sm_80" : std::string(targetCpu);
  if (kiln::gpuPtxFeatures(o.chip).empty())
    return "--cpu for a GPU target is an architecture from sm_75 to sm_121 "
           "(sm_80, sm_90, ...), not '" + o.chip + "'";
  if (emitKind != "obj" && emitKind != "asm" && emitKind != "mlir")
    return "--emit for a GPU target is obj (the artifact), asm (PTX) or mlir, "
           "not '" + emitKind + "'";
  if (quantizeKind.getNumOccurrences())
    return "--quantize int8 is not supported on GPU targets yet";
  if (kernelChoice.getNumOccurrences())
    return "--kernels is for CPU targets";
  return "";
}

/// Reads the parsed options into `o`; returns an error message, or empty.
std::string checkOptions(Options &o) {
  if (inputFiles.empty())
    return "no model given (kilnc --help lists the options)";
  if (inputFiles.size() > 1)
    return "more than one model given ('" + inputFiles[0] + "', '" +
           inputFiles[1] + "')";
  o.model = inputFiles[0];
  for (cl::opt<std::string> *opt :
       {&symbolName, &targetTriple, &targetCpu, &emitKind, &reportDir,
        &quantizeKind, &calibrationDir, &calibrationMethod})
    if (opt->getNumOccurrences() && opt->getValue().empty())
      return "--" + opt->ArgStr.str() + " needs a value";
  if (outputFile.getNumOccurrences() && outputFile.empty())
    return "-o needs a file name";
  for (const std::string &v : inputShapes) {
    auto eq = v.rfind('=');
    std::vector<kiln::DimRange> dims;
    if (eq == std::string::npos || eq == 0 ||
        !kiln::parseShapeRanges(v.substr(eq + 1), dims))
      return "bad --shape '" + v + "': expected INPUT=D0xD1x... with "
             "non-negative integer dimensions, or ranges MIN..MAX "
             "(1 <= MIN < MAX)";
    std::string input = v.substr(0, eq);
    if (o.import.inputShapes.count(input))
      return "--shape given twice for '" + input + "'";
    o.import.inputShapes[input] = dims;
  }
  if (outputFile.empty())
    return "no output file given (-o OUT.o)";
  o.output = outputFile;
  const std::string &emit = emitKind;
  if (emit != "obj" && emit != "asm" && emit != "llvm" && emit != "mlir" &&
      emit != "onnx")
    return "--emit must be obj, asm, llvm, mlir or onnx, not '" + emit + "'";
  if (o.output == "-" && (emit == "obj" || emit == "onnx"))
    return "-o - is only for textual output (--emit asm|llvm|mlir)";
  if (emit == "onnx" && !quantizeKind.getNumOccurrences())
    return "--emit onnx writes the model as --quantize made it; it needs --quantize int8";
  if (emit == "onnx" && reportDir.getNumOccurrences())
    return "--report describes a compiled object; it does not go with --emit onnx";
  if (quantizeKind.getNumOccurrences() && quantizeKind != "int8")
    return "--quantize must be int8, not '" + quantizeKind + "'";
  if (quantizeKind.getNumOccurrences() && calibrationDir.empty())
    return "--quantize int8 needs calibration samples (--calibrate DIR)";
  if (!quantizeKind.getNumOccurrences() &&
      (calibrationDir.getNumOccurrences() || calibrationMethod.getNumOccurrences() ||
       int8Tolerance.getNumOccurrences() || int8WeightBits.getNumOccurrences()))
    return "--calibrate, --calibration, --int8-tolerance and --int8-weight-bits go "
           "with --quantize int8";
  if (int8WeightBits != 7 && int8WeightBits != 8)
    return "--int8-weight-bits must be 7 or 8";
  if (int8Tolerance.getNumOccurrences() && !(int8Tolerance > 0 && int8Tolerance < 1))
    return "--int8-tolerance must be a relative error between 0 and 1";
  if (calibrationMethod != "minmax" && calibrationMethod != "percentile" &&
      calibrationMethod != "entropy")
    return "--calibration must be minmax, percentile or entropy, not '" +
           calibrationMethod + "'";
  if (kernelChoice != "measured" && kernelChoice != "halide" &&
      kernelChoice != "mlir")
    return "--kernels must be measured, halide or mlir, not '" + kernelChoice + "'";
  o.gpu = isGpuTriple(targetTriple);
  if (o.gpu)
    if (std::string err = checkGpuOptions(o); !err.empty())
      return err;
  if (gpuEmulate && (o.gpu || quantizeKind.getNumOccurrences()))
    return "--gpu-emulate compiles float models for a CPU target";
  if (libdevicePath.getNumOccurrences() && !o.gpu)
    return "--libdevice is for GPU targets";
  if (symbolName.empty())
    o.name = kiln::sanitizeSymbol(llvm::sys::path::stem(o.model).str());
  else if (kiln::sanitizeSymbol(symbolName) != symbolName)
    return "--name '" + symbolName + "' is not a C identifier";
  else
    o.name = symbolName;
  return "";
}

/// Names the node a diagnostic points at, if any.
std::string describeLocation(Location loc) {
  if (auto name = dyn_cast<NameLoc>(loc))
    return "node '" + name.getName().str() + "': ";
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location inner : fused.getLocations())
      if (std::string s = describeLocation(inner); !s.empty())
        return s;
  return "";
}

/// One line per op of a quantized model that stays float, and why
/// (kiln-fold-qdq marks them).
std::vector<std::string> floatNodes(ModuleOp module) {
  std::vector<std::string> lines;
  module.walk([&](Operation *op) {
    if (auto reason = op->getAttrOfType<StringAttr>("kiln.stays_float")) {
      std::string where = describeLocation(op->getLoc());
      if (!where.empty())
        where.resize(where.size() - 2); // drop ": "
      lines.push_back((where.empty() ? op->getName().getStringRef().str() : where) +
                      " (" + op->getName().stripDialect().str() +
                      ") stays float: " + reason.str());
    }
  });
  return lines;
}

/// Whether the graph holds integer kernels, from `--quantize` or a QDQ
/// model's own: their packing follows one CPU's multiply instructions.
bool hasIntegerKernels(ModuleOp module) {
  return module
      .walk([](Operation *op) {
        return isa<kiln::QConvOp, kiln::QMatMulOp>(op) ? WalkResult::interrupt()
                                                        : WalkResult::advance();
      })
      .wasInterrupted();
}

/// Writes `text` through a temporary file renamed into place on success.
class AtomicOutput {
public:
  explicit AtomicOutput(std::string path) : path(std::move(path)) {}
  ~AtomicOutput() {
    if (!committed && !temp.empty())
      llvm::sys::fs::remove(temp);
  }
  llvm::raw_pwrite_stream *open(std::string &error) {
    if (path == "-") { // textual output to stdout, for tests and pipes
      stream = std::make_unique<llvm::raw_fd_ostream>(1, /*shouldClose=*/false);
      return stream.get();
    }
    llvm::SmallString<256> model(path + ".tmp-%%%%%%");
    int fd;
    if (auto ec = llvm::sys::fs::createUniqueFile(model, fd, model)) {
      error = "cannot write '" + path + "': " + ec.message();
      return nullptr;
    }
    temp = std::string(model.str());
    // A crash or ^C must not leave the half-written file behind either.
    llvm::sys::RemoveFileOnSignal(temp);
    stream = std::make_unique<llvm::raw_fd_ostream>(fd, /*shouldClose=*/true);
    return stream.get();
  }
  bool commit(std::string &error) {
    stream->close();
    if (stream->has_error()) {
      error = "cannot write '" + path + "': " + stream->error().message();
      stream->clear_error();
      return false;
    }
    if (path == "-") {
      committed = true;
      return true;
    }
    if (auto ec = llvm::sys::fs::rename(temp, path)) {
      error = "cannot write '" + path + "': " + ec.message();
      return false;
    }
    llvm::sys::DontRemoveFileOnSignal(temp);
    committed = true;
    return true;
  }
  void discard() {
    if (committed && path != "-")
      llvm::sys::fs::remove(path);
    committed = false;
  }

private:
  std::string path, temp;
  std::unique_ptr<llvm::raw_fd_ostream> stream;
  bool committed = false;
};

/// Seconds since the last lap, printed with --time-phases.
class PhaseTimer {
public:
  void lap(const char *phase) {
    auto now = std::chrono::steady_clock::now();
    if (timePhases)
      fmt::print(stderr, "kilnc: {} {:.3f} s\n", phase,
                 std::chrono::duration<double>(now - last).count());
    last = now;
  }

private:
  std::chrono::steady_clock::time_point last = std::chrono::steady_clock::now();
};

/// Where kilnc finds the Halide kernels: lib/kiln/kernels beside bin/.
std::string halideKernelRoot(const char *argv0) {
  llvm::SmallString<256> root(llvm::sys::path::parent_path(
      llvm::sys::fs::getMainExecutable(argv0, (void *)&fail)));
  llvm::sys::path::append(root, "..", "lib", "kiln", "kernels");
  return std::string(root);
}

/// libdevice.10.bc of the CUDA toolkit, if one is installed.
std::string findLibdevice() {
  if (libdevicePath.getNumOccurrences())
    return libdevicePath;
  const char *roots[] = {std::getenv("CUDA_HOME"), std::getenv("CUDA_PATH"),
                         "/usr/local/cuda"};
  for (const char *root : roots) {
    if (!root || !*root)
      continue;
    llvm::SmallString<256> path(root);
    llvm::sys::path::append(path, "nvvm", "libdevice", "libdevice.10.bc");
    if (llvm::sys::fs::exists(path))
      return std::string(path);
  }
  return "";
}

/// The GPU path after the frontend: PTX kernels and their launch list in
/// one artifact (--emit obj) or the PTX alone (--emit asm). No header: the
/// runtime reads the I/O descriptions from the artifact.
int compileForGpu(ModuleOp module, const Options &o, kiln::ModelInterface &model,
                  AtomicOutput &output, llvm::raw_pwrite_stream &os,
                  const std::string &diagnostic) {
  std::string error;
  kiln::GpuBackendOptions gpu;
  gpu.entry = o.import.entry;
  gpu.chip = o.chip;
  gpu.libdevice = findLibdevice();
  if (!gpu.libdevice.empty() && !llvm::sys::fs::exists(gpu.libdevice))
    return fail("cannot read libdevice '" + gpu.libdevice + "'");
  PassManager pm(module.getContext());
  kiln::trackPassStages(pm);
  kiln::buildGpuBackend(pm, gpu);
  if (failed(pm.run(module)))
    return fail(o.model + ": " +
                (diagnostic.empty() ? "compilation failed" : diagnostic));
  auto entry = module.lookupSymbol<func::FuncOp>(o.import.entry);
  if (!entry)
    return fail(o.model + ": internal: the GPU entry function is missing");
  readArenaSizes(entry, model);
  if (!reportDir.empty() &&
      !kiln::writeArenaReport(arenaReport(entry, model), reportDir, error))
    return fail(error);
  kiln::setCompilerStage("GPU artifact");
  if (emitKind == "asm") {
    std::string ptx;
    if (!kiln::gpuKernelsPtx(module, ptx, error))
      return fail(o.model + ": " + error);
    os << ptx;
  } else if (!kiln::writeGpuArtifact(module, o.import.entry, model, o.chip, os,
                                     error)) {
    return fail(o.model + ": " + error);
  }
  if (!output.commit(error))
    return fail(error);
  if (verbose)
    fmt::print(stderr,
               "kilnc: {}: {} inputs, {} outputs, {} kernels for {}, device "
               "arena {} bytes (naive sum {} bytes)\n",
               o.model, model.inputs.size(), model.outputs.size(),
               llvm::range_size(entry.getOps<gpu::LaunchFuncOp>()), o.chip,
               model.arenaBytes, model.naiveBytes);
  return 0;
}

/// Parses argv with llvm::cl. Its complaints go to `errors`, also those it
/// writes straight to stderr (a missing value, for one), so that kilnc can
/// say them as its one `error:` line. --help and --version exit here.
bool parseCommandLine(int argc, char **argv, std::string &errors) {
  llvm::raw_string_ostream errorStream(errors);
  llvm::errs().flush();
  std::FILE *captured = std::tmpfile();
  int savedStderr = captured ? dup(2) : -1;
  if (savedStderr >= 0)
    dup2(fileno(captured), 2);
  bool ok = cl::ParseCommandLineOptions(
      argc, argv,
      "Kiln: compiles an ONNX model into an object file and a C header\n",
      &errorStream);
  llvm::errs().flush();
  if (savedStderr >= 0) {
    dup2(savedStderr, 2);
    close(savedStderr);
    std::string direct;
    std::rewind(captured);
    for (int c; (c = std::fgetc(captured)) != EOF;)
      direct += static_cast<char>(c);
    errors = direct + errors;
  }
  if (captured)
    std::fclose(captured);
  return ok;
}

} // namespace

int main(int argc, char **argv) {
  auto start = std::chrono::steady_clock::now();
  installInternalErrorHandlers();
  PhaseTimer timer;
  cl::HideUnrelatedOptions(kilnCategory);
  cl::SetVersionPrinter(printVersion);
  if (std::string clErrors; !parseCommandLine(argc, argv, clErrors))
    return fail(commandLineError(clErrors));
  Options o;
  if (std::string err = checkOptions(o); !err.empty())
    return fail(err);
  if (verbose) // where a crash happened, for a bug report
    llvm::sys::PrintStackTraceOnErrorSignal(argv[0]);

  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registry.insert<kiln::KilnDialect>();
  kiln::registerGpuBackendDependencies(registry);
  MLIRContext context(registry);
  context.disableMultithreading(); // two cores; the pipeline is sequential

  std::string error;
  kiln::setCompilerStage("import");
  OwningOpRef<ModuleOp> module =
      kiln::importOnnxFile(context, o.model, o.import, error);
  if (!module)
    return fail(error);
  // Every size in a range must make a valid graph; output sizes grow with
  // the input's, so the smallest is where a kernel stops fitting. Importing
  // the graph at the minima checks it with the static shape rules.
  if (llvm::any_of(o.import.inputShapes, [](const auto &input) {
        return llvm::any_of(input.second,
                            [](const kiln::DimRange &r) { return r.ranged(); });
      })) {
    kiln::ImportOptions smallest = o.import;
    std::string shapes;
    for (auto &[name, dims] : smallest.inputShapes) {
      std::string text;
      for (kiln::DimRange &r : dims) {
        r.max = r.min;
        text += (text.empty() ? "" : "x") + std::to_string(r.min);
      }
      shapes += (shapes.empty() ? "" : ", ") + name + "=" + text;
    }
    MLIRContext check(registry);
    if (!kiln::importOnnxFile(check, o.model, smallest, error))
      return fail("at the smallest sizes of the ranges (" + shapes + "): " + error);
  }
  auto entry = module->lookupSymbol<func::FuncOp>(o.import.entry);
  kiln::ModelInterface model;
  if (!kiln::describeModel(entry, o.name, model, error))
    return fail(o.model + ": " + error);
  timer.lap("import");

  AtomicOutput output(o.output);
  llvm::raw_pwrite_stream *os = output.open(error);
  if (!os)
    return fail(error);
  if (emitKind == "mlir") {
    module->print(*os);
    return output.commit(error) ? 0 : fail(error);
  }

  std::string diagnostic;
  ScopedDiagnosticHandler capture(&context, [&](Diagnostic &d) {
    if (d.getSeverity() == DiagnosticSeverity::Error && diagnostic.empty())
      diagnostic = describeLocation(d.getLocation()) + d.str();
    return success();
  });
  // Target-neutral graph passes, the same for every backend.
  auto runFrontend = [&] {
    PassManager frontend(&context);
    kiln::trackPassStages(frontend);
    kiln::buildFrontend(frontend, kiln::FrontendOptions());
    if (succeeded(frontend.run(*module)))
      return true;
    fail(o.model + ": " + (diagnostic.empty() ? "compilation failed" : diagnostic));
    return false;
  };
  if (o.gpu)
    return runFrontend() ? compileForGpu(*module, o, model, output, *os, diagnostic)
                         : 1;
  // The target, described once: the backend's tiles and kernel set, and
  // the code generator that emits the object.
  kiln::CodegenOptions codegen;
  codegen.triple = targetTriple;
  codegen.cpu = targetCpu;
  auto describe = [&](const kiln::CodegenOptions &options) {
    std::unique_ptr<kiln::TargetDescription> t = kiln::describeTarget(
        options, kernelChoice == "mlir" ? "" : halideKernelRoot(argv[0]), error);
    if (t && kernelChoice == "halide")
      t->mlirDepthwise.clear();
    if (t && verbose)
      fmt::print(stderr, "kilnc: {}: target {}, cpu {}, Halide kernels {}{}\n",
                 o.model, t->triple.str(), t->cpu,
                 t->hasHalideKernels() ? t->kernelSet : "none",
                 t->hasHalideKernels() && !t->mlirDepthwise.empty()
                     ? " (depthwise " + llvm::join(t->mlirDepthwise, ", ") +
                           " on MLIR: measured faster)"
                     : "");
    return t;
  };
  std::unique_ptr<kiln::TargetDescription> target = describe(codegen);
  if (!target)
    return fail(o.model + ": " + error);

  if (!runFrontend())
    return 1;
  std::vector<std::string> floatLines; // ops of a quantized model left float
  kiln::QuantizationSummary summary;
  if (!quantizeKind.empty()) {
    kiln::QuantizationOptions q;
    q.calibrationDir = calibrationDir;
    q.method = calibrationMethod == "percentile" ? kiln::CalibrationMethod::Percentile
               : calibrationMethod == "entropy"  ? kiln::CalibrationMethod::Entropy
                                                 : kiln::CalibrationMethod::MinMax;
    q.evaluate = !reportDir.empty(); // a third compile: only when asked for
    q.tolerance = int8Tolerance;
    // Kiln's int8 depthwise conv multiplies in 32-bit lanes; where the
    // target has tuned float depthwise kernels (Halide's, or MLIR's for the
    // shapes DepthwiseChoices.def moves), those are faster (README, int8:
    // det int8/fp32 0.83 with them, 1.11 without), so the conv stays float
    // between int8 layers. 16-bit products gain nothing either: their
    // accumulators take as many 32-bit lanes as float's (bench/RESULTS.md).
    if (!target->kernelSet.empty() && !int8Depthwise)
      q.floatDepthwise = "faster in float on this CPU (" + target->kernelSet +
                         " float depthwise kernels; int8 depthwise multiplies in "
                         "32-bit lanes)";
    // A layer with little work per element gains less from the pair kernels
    // than converting its input and output costs: on x86-64 (AVX2) the
    // classifier's int8/fp32 latency is 1.49 with every layer int8, 1.03
    // with those under 32 multiply-adds per element float (README, int8).
    // With VNNI quads (Zen 4) the rule still pays: cls 0.36-0.40 ms with it,
    // 0.46-0.64 ms every layer int8, fp32 0.38-0.49 ms (bench/timing.c).
    // Not measured on other targets, so they quantize every layer.
    constexpr double kPairKernelMinIntensity = 32;
    q.minMultiplyAddsPerElement =
        int8MinIntensity >= 0                     ? int8MinIntensity
        : !target->pairMultiply.intrinsic.empty() ? kPairKernelMinIntensity
                                                  : 0;
    // Without VNNI, x86's byte dot product (pmaddubsw) saturates 16-bit
    // sums: its quads take 7-bit weights, 8-bit ones run on pairs (rec on
    // x86-64-v3: int8/fp32 0.68 with 7 bits, 0.82 with 8, but greedy CTC
    // equal to fp32 on 80% of lines rather than 88%; README, int8).
    q.maxWeight = int8WeightBits == 7 ? 64 : 127;
    q.biasCorrectionPasses = int8BiasCorrection;
    q.floatNodes.assign(int8FloatNodes.begin(), int8FloatNodes.end());
    kiln::setCompilerStage("post-training quantization");
    if (!kiln::quantizePostTraining(*module, o.import.entry, model, q, summary,
                                    error))
      return fail(o.model + ": " + error);
    if (emitKind == "onnx") {
      std::vector<kiln::QdqLayer> layers;
      for (const kiln::LayerDecision &d : summary.layers)
        if (d.quantized)
          layers.push_back({d.name, d.input, d.output, d.weightScales,
                            d.biasCorrection});
      if (!kiln::writeQdqModel(o.model, o.import, layers, *os, error))
        return fail(error);
      return output.commit(error) ? 0 : fail(error);
    }
    PassManager fold(&context);
    kiln::trackPassStages(fold);
    kiln::buildQuantizedFold(fold);
    if (failed(fold.run(*module)))
      return fail(o.model + ": " +
                  (diagnostic.empty() ? "quantization failed" : diagnostic));
    timer.lap("calibrate+quantize");
    if (verbose) {
      size_t quantized = llvm::count_if(
          summary.layers, [](const kiln::LayerDecision &d) { return d.quantized; });
      fmt::print(stderr,
                 "kilnc: {}: int8: {} of {} conv/Gemm/MatMul layers quantized "
                 "(calibrated on {} samples, {})\n",
                 o.model, quantized, summary.layers.size(), summary.samples,
                 std::string(calibrationMethod));
      if (summary.evaluated)
        fmt::print(stderr,
                   "kilnc: {}: int8: relative L2 error of the outputs on the "
                   "calibration set {:.4f}\n",
                   o.model, summary.outputError);
      for (const kiln::LayerDecision &d : summary.layers)
        if (!d.quantized)
          floatLines.push_back("node '" + d.name + "' (" + d.op +
                               ") stays float: " + d.reason);
    }
  }
  if (verbose) {
    // One reason per node: quantization's own, if it gave one.
    for (std::string &line : floatNodes(*module))
      if (llvm::none_of(floatLines, [&](const std::string &known) {
            return known.substr(0, known.find(" (")) == line.substr(0, line.find(" ("));
          }))
        floatLines.push_back(std::move(line));
    for (const std::string &line : floatLines)
      fmt::print(stderr, "kilnc: {}: {}\n", o.model, line);
  }
  // One backend run per CPU the object carries: the target's, or each level
  // of a portable object (float models; an int8 model's kernels and weights,
  // quantized here or imported from QDQ, follow one CPU's multiply
  // instructions), all packing float weights for the richest level so that
  // the levels share them.
  std::vector<std::string> variantCpus;
  if (quantizeKind.empty() && !gpuEmulate && !hasIntegerKernels(*module))
    variantCpus = kiln::portableCpuVariants(target->triple, target->cpu);
  std::vector<std::unique_ptr<kiln::TargetDescription>> variantTargets;
  for (const std::string &cpu : variantCpus) {
    kiln::CodegenOptions level = codegen;
    level.cpu = cpu;
    variantTargets.push_back(describe(level));
    if (!variantTargets.back())
      return fail(o.model + ": " + error);
  }
  std::vector<const kiln::TargetDescription *> backends;
  for (const auto &t : variantTargets)
    backends.push_back(t.get());
  if (backends.empty())
    backends.push_back(target.get());
  std::unique_ptr<kiln::TargetDescription> packTarget;
  if (!packFor.empty()) {
    kiln::CodegenOptions pack = codegen;
    pack.cpu = packFor;
    if (!(packTarget = kiln::describeTarget(pack, "", error)))
      return fail(o.model + ": --pack-for: " + error);
  }
  const bool sharedPacking = backends.size() > 1 || packTarget;
  const kiln::CpuBackendOptions richest = kiln::cpuBackendOptionsFor(
      packTarget ? *packTarget : *backends.back(), o.import.entry);
  std::vector<OwningOpRef<ModuleOp>> loweredModules;
  Operation *reportEntry = nullptr;
  for (const kiln::TargetDescription *backend : backends) {
    OwningOpRef<ModuleOp> lowering =
        backends.size() == 1 ? std::move(module) : module->clone();
    PassManager pm(&context);
    kiln::trackPassStages(pm);
    kiln::CpuBackendOptions cpu = kiln::cpuBackendOptionsFor(*backend, o.import.entry);
    if (gpuEmulate) {
      kiln::GpuBackendOptions gpu;
      gpu.entry = o.import.entry;
      kiln::buildGpuEmulation(pm, gpu, cpu.indexBitwidth);
    } else {
      if (sharedPacking) {
        cpu.packRows = richest.tileRows;
        cpu.packLanes = richest.tileLanes;
        cpu.packWideRows = richest.wideRows;
        cpu.packWideLanes = richest.wideLanes;
      }
      kiln::buildCpuBackend(pm, cpu);
    }
    if (failed(pm.run(*lowering)))
      return fail(o.model + ": " +
                  (diagnostic.empty() ? "compilation failed" : diagnostic));
    auto lowered = lowering->lookupSymbol<LLVM::LLVMFuncOp>(o.import.entry);
    if (!lowered)
      return fail(o.model + ": internal: lowered entry function is missing");
    // The header's arena serves every variant: the largest plan.
    kiln::ModelInterface sizes = model;
    readArenaSizes(lowered, sizes);
    if (!reportEntry || sizes.arenaBytes > model.arenaBytes) {
      model.arenaBytes = sizes.arenaBytes;
      model.naiveBytes = sizes.naiveBytes;
      reportEntry = lowered;
    }
    loweredModules.push_back(std::move(lowering));
  }
  timer.lap("passes");
  if (!reportDir.empty()) {
    kiln::ArenaReport report = arenaReport(reportEntry, model);
    if (!quantizeKind.empty()) {
      report.extraHtml = kiln::renderQuantizationHtml(summary);
      report.extraFiles.push_back(
          {"quantization.csv", kiln::renderQuantizationCsv(summary)});
    }
    if (!kiln::writeArenaReport(report, reportDir, error))
      return fail(error);
  }

  llvm::LLVMContext llvmContext;
  kiln::setCompilerStage("translation to LLVM IR");
  std::vector<std::unique_ptr<llvm::Module>> llvmModules;
  for (auto [backend, lowering] : llvm::zip(backends, loweredModules)) {
    llvmModules.push_back(
        kiln::buildLLVMModule(*lowering, model, *backend, llvmContext, error));
    if (!llvmModules.back())
      return fail(o.model + ": " + error);
  }
  std::unique_ptr<llvm::Module> llvmModule =
      llvmModules.size() == 1
          ? std::move(llvmModules.front())
          : kiln::linkCpuVariants(std::move(llvmModules), variantCpus, model, error);
  if (!llvmModule)
    return fail(o.model + ": " + error);
  timer.lap("llvm module");
  kiln::EmitKind kind = emitKind == "obj"   ? kiln::EmitKind::Object
                        : emitKind == "asm" ? kiln::EmitKind::Assembly
                                            : kiln::EmitKind::LLVMIR;
  kiln::setCompilerStage("LLVM code generation");
  if (!kiln::writeObject(*llvmModule, *target, kind, *os, error))
    return fail(o.model + ": " + error);
  timer.lap("optimize+codegen");
  if (!output.commit(error))
    return fail(error);
  if (o.output == "-")
    return 0;

  llvm::SmallString<256> headerPath(o.output);
  llvm::sys::path::replace_extension(headerPath, "h");
  AtomicOutput header(std::string(headerPath.str()));
  llvm::raw_pwrite_stream *hs = header.open(error);
  if (!hs) {
    output.discard();
    return fail(error);
  }
  *hs << kiln::renderHeader(model);
  if (!header.commit(error)) {
    output.discard();
    return fail(error);
  }
  if (verbose) {
    double seconds = std::chrono::duration<double>(
                         std::chrono::steady_clock::now() - start)
                         .count();
    fmt::print(stderr,
               "kilnc: {}: {} inputs, {} outputs, arena {} bytes (naive sum "
               "{} bytes), compiled in {:.2f} s\n",
               o.model, model.inputs.size(), model.outputs.size(),
               model.arenaBytes, model.naiveBytes, seconds);
  }
  return 0;
}
