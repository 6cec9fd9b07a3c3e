//===- CompilerStage.cpp - What kilnc is doing, for internal errors ------===//
#include "CompilerStage.h"

#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassInstrumentation.h"
#include "mlir/Pass/PassManager.h"

#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace kiln {
namespace {

std::atomic<const char *> stage{"startup"};

/// Interned "pass 'NAME'" strings: never freed, so a signal handler may
/// read the one `stage` points to at any time.
const char *passStage(llvm::StringRef argument) {
  static std::mutex lock;
  static std::set<std::string> names;
  std::lock_guard<std::mutex> guard(lock);
  return names.insert("pass '" + argument.str() + "'").first->c_str();
}

class StageTracker : public mlir::PassInstrumentation {
public:
  void runBeforePass(mlir::Pass *pass, mlir::Operation *) override {
    outer().push_back(stage.load());
    llvm::StringRef name = pass->getArgument();
    stage = passStage(name.empty() ? pass->getName() : name);
  }
  void runAfterPass(mlir::Pass *, mlir::Operation *) override { restore(); }
  void runAfterPassFailed(mlir::Pass *, mlir::Operation *) override { restore(); }

private:
  // Nested pass managers run passes inside passes, on this thread.
  static std::vector<const char *> &outer() {
    thread_local std::vector<const char *> stack;
    return stack;
  }
  void restore() {
    if (!outer().empty()) {
      stage = outer().back();
      outer().pop_back();
    }
  }
};

} // namespace

void setCompilerStage(const char *s) { stage = s; }

const char *compilerStage() { return stage.load(); }

void trackPassStages(mlir::PassManager &pm) {
  pm.addInstrumentation(std::make_unique<StageTracker>());
}

} // namespace kiln
