//===- kilnc.cpp - Compile an ONNX model into an object file and header ---===//
//
//   kilnc MODEL.onnx -o OUT.o [--name NAME] [--target TRIPLE] [--cpu CPU]
//                    [--shape INPUT=D0xD1x...]... [--emit obj|asm|llvm|mlir]
//
// Every failure prints one `error:` line and exits non-zero; outputs are
// written to temporary files and renamed only when everything succeeded.
//
//===----------------------------------------------------------------------===//
#include "Kiln/KilnDialect.h"
#include "kiln/Importer/OnnxImporter.h"
#include "kiln/Target/ModelInterface.h"
#include "kiln/Target/ObjectEmitter.h"
#include "kiln/Transforms/Passes.h"

#include "kiln/Support/ArenaReport.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"

#include <fmt/core.h>

#include <chrono>
#include <cstdio>

using namespace mlir;

namespace {

struct Options {
  std::string model, output, name, target, cpu = "generic", emit = "obj";
  std::string reportDir; // --report DIR: the arena plan as csv/svg/html
  kiln::ImportOptions import;
  bool verbose = false;
};

/// The plan kiln-plan-arena recorded on the entry, for --report.
kiln::ArenaReport arenaReport(LLVM::LLVMFuncOp entry,
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

const char *kUsage =
    "usage: kilnc MODEL.onnx -o OUT.o [--name NAME] [--target TRIPLE] "
    "[--cpu CPU] [--shape INPUT=D0xD1x...]... [--emit obj|asm|llvm|mlir] "
    "[--report DIR] [--verbose]\n";

/// Returns an error message, or empty on success.
std::string parseArgs(int argc, char **argv, Options &o) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](std::string &out) {
      if (auto eq = arg.find('='); eq != std::string::npos && arg.rfind("--", 0) == 0) {
        out = arg.substr(eq + 1);
        return true;
      }
      if (i + 1 >= argc)
        return false;
      out = argv[++i];
      return true;
    };
    auto is = [&](const char *flag) {
      return arg == flag || arg.rfind(std::string(flag) + "=", 0) == 0;
    };
    std::string v;
    if (arg == "-h" || arg == "--help") {
      fmt::print("{}", kUsage);
      std::exit(0);
    } else if (arg == "-o") {
      if (!value(o.output))
        return "-o needs a file name";
    } else if (is("--name") || is("--target") || is("--cpu") || is("--emit") ||
               is("--report")) {
      std::string flag = arg.substr(0, arg.find('='));
      if (!value(v) || v.empty())
        return flag + " needs a value";
      (flag == "--name"     ? o.name
       : flag == "--target" ? o.target
       : flag == "--cpu"    ? o.cpu
       : flag == "--report" ? o.reportDir
                            : o.emit) = v;
    } else if (is("--shape")) {
      if (!value(v))
        return "--shape needs INPUT=D0xD1x...";
      auto eq = v.rfind('=');
      std::vector<int64_t> dims;
      if (eq == std::string::npos || eq == 0 ||
          !kiln::parseShapeText(v.substr(eq + 1), dims))
        return "bad --shape '" + v + "': expected INPUT=D0xD1x... with "
               "non-negative integer dimensions";
      std::string input = v.substr(0, eq);
      if (o.import.inputShapes.count(input))
        return "--shape given twice for '" + input + "'";
      o.import.inputShapes[input] = dims;
    } else if (arg == "--verbose") {
      o.verbose = true;
    } else if (!arg.empty() && arg[0] == '-') {
      return "unknown option '" + arg + "'";
    } else if (o.model.empty()) {
      o.model = arg;
    } else {
      return "more than one model given ('" + o.model + "', '" + arg + "')";
    }
  }
  if (o.model.empty())
    return "no model given\n" + std::string(kUsage);
  if (o.output.empty())
    return "no output file given (-o OUT.o)";
  if (o.emit != "obj" && o.emit != "asm" && o.emit != "llvm" && o.emit != "mlir")
    return "--emit must be obj, asm, llvm or mlir, not '" + o.emit + "'";
  if (o.output == "-" && o.emit == "obj")
    return "-o - is only for textual output (--emit asm|llvm|mlir)";
  if (o.name.empty())
    o.name = kiln::sanitizeSymbol(llvm::sys::path::stem(o.model).str());
  else if (kiln::sanitizeSymbol(o.name) != o.name)
    return "--name '" + o.name + "' is not a C identifier";
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

} // namespace

int main(int argc, char **argv) {
  auto start = std::chrono::steady_clock::now();
  Options o;
  if (std::string err = parseArgs(argc, argv, o); !err.empty())
    return fail(err);

  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registry.insert<kiln::KilnDialect>();
  MLIRContext context(registry);
  context.disableMultithreading(); // two cores; the pipeline is sequential
  kiln::registerKilnPipelines();

  std::string error;
  OwningOpRef<ModuleOp> module =
      kiln::importOnnxFile(context, o.model, o.import, error);
  if (!module)
    return fail(error);
  auto entry = module->lookupSymbol<func::FuncOp>(o.import.entry);
  kiln::ModelInterface model;
  if (!kiln::describeModel(entry, o.name, model, error))
    return fail(o.model + ": " + error);

  AtomicOutput output(o.output);
  llvm::raw_pwrite_stream *os = output.open(error);
  if (!os)
    return fail(error);
  if (o.emit == "mlir") {
    module->print(*os);
    return output.commit(error) ? 0 : fail(error);
  }

  std::string diagnostic;
  ScopedDiagnosticHandler capture(&context, [&](Diagnostic &d) {
    if (d.getSeverity() == DiagnosticSeverity::Error && diagnostic.empty())
      diagnostic = describeLocation(d.getLocation()) + d.str();
    return success();
  });
  kiln::CodegenOptions codegen;
  codegen.triple = o.target;
  codegen.cpu = o.cpu;
  // One code generator: it decides the register tile and the kernel set,
  // then emits the object.
  std::unique_ptr<llvm::TargetMachine> tm =
      kiln::createTargetMachine(codegen, error);
  if (!tm)
    return fail(o.model + ": " + error);
  kiln::RegisterTile tile = kiln::registerTileFor(*tm);

  // Halide kernels live in lib/kiln/kernels beside bin/; KILN_KERNELS=mlir
  // compiles every op with MLIR instead (to compare the two).
  std::string halideKernels;
  const char *kernels = getenv("KILN_KERNELS");
  if (!kernels || std::string(kernels) != "mlir") {
    llvm::SmallString<256> root(llvm::sys::path::parent_path(
        llvm::sys::fs::getMainExecutable(argv[0], (void *)&fail)));
    llvm::sys::path::append(root, "..", "lib", "kiln", "kernels");
    halideKernels = kiln::halideKernelDir(*tm, std::string(root));
  }

  PassManager pm(&context);
  kiln::CpuPipelineOptions pipelineOptions;
  pipelineOptions.halideKernels = !halideKernels.empty();
  pipelineOptions.entry = o.import.entry;
  pipelineOptions.tileRows = tile.rows;
  pipelineOptions.tileLanes = tile.lanes;
  pipelineOptions.wideRows = tile.wideRows;
  pipelineOptions.wideLanes = tile.wideLanes;
  kiln::buildCpuPipeline(pm, pipelineOptions);
  if (failed(pm.run(*module)))
    return fail(o.model + ": " +
                (diagnostic.empty() ? "compilation failed" : diagnostic));
  auto lowered = module->lookupSymbol<LLVM::LLVMFuncOp>(o.import.entry);
  if (!lowered)
    return fail(o.model + ": internal: lowered entry function is missing");
  if (auto bytes = lowered->getAttrOfType<IntegerAttr>("kiln.arena_bytes"))
    model.arenaBytes = bytes.getInt();
  if (auto bytes = lowered->getAttrOfType<IntegerAttr>("kiln.naive_bytes"))
    model.naiveBytes = bytes.getInt();
  if (!o.reportDir.empty()) {
    kiln::ArenaReport report = arenaReport(lowered, model);
    if (!kiln::writeArenaReport(report, o.reportDir, error))
      return fail(error);
  }

  kiln::EmitKind kind = o.emit == "obj"   ? kiln::EmitKind::Object
                        : o.emit == "asm" ? kiln::EmitKind::Assembly
                                          : kiln::EmitKind::LLVMIR;
  if (!kiln::emitModel(*module, model, o.import.entry, *tm, halideKernels, kind,
                       *os, error))
    return fail(o.model + ": " + error);
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
  if (o.verbose) {
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
