//===- CPURunner.cpp - batch build + forked timing of kernel candidates ----===//
#include "autotune/measure/CPURunner.h"
#include "autotune/workload/Space.h"

#include "compiler/Codegen/CPU/Passes.h"
#include "kiln/parallel.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FileSystem.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <numeric>
#include <dlfcn.h>
#include <poll.h>
#include <random>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace mlir;

namespace kiln::tune {
namespace {
/// Position of the anchor among the kernel's linalg ops (to find it again in clones).
int anchorIndex(const Workload &w) {
  int i = 0, found = -1;
  w.kernel.walk([&](linalg::LinalgOp op) {
    if (op == w.anchor)
      found = i;
    ++i;
  });
  return found;
}

/// Builds `cand_<i>` for the given candidates into `soPath`; returns the error text.
std::string buildLibrary(const Workload &w, const std::vector<Schedule> &schedules,
                         const std::vector<size_t> &which, const CPUTargetOptions &target,
                         const std::string &soPath) {
  MLIRContext *ctx = w.kernel.getContext();
  std::string errors;
  ScopedDiagnosticHandler handler(ctx, [&](Diagnostic &d) {
    if (d.getSeverity() == DiagnosticSeverity::Error)
      errors += d.str() + "; ";
    return success();
  });
  OwningOpRef<ModuleOp> module = ModuleOp::create(w.kernel.getLoc());
  OpBuilder b(ctx);
  b.setInsertionPointToEnd(module->getBody());
  int anchor = anchorIndex(w);
  std::vector<std::string> names;
  for (size_t i : which) {
    auto fn = cast<func::FuncOp>(b.clone(*w.kernel));
    names.push_back("cand_" + std::to_string(i));
    fn.setSymName(names.back());
    int j = 0;
    fn.walk([&](linalg::LinalgOp op) {
      if (j++ == anchor)
        op->setAttr(kScheduleAttr, scheduleAttr(ctx, schedules[i]));
    });
  }
  PassManager pm(ctx);
  buildCPUCodegenPipeline(pm);
  if (failed(pm.run(*module)) || failed(emitKernelLibrary(*module, names, target, soPath)))
    return errors.empty() ? "build failed" : errors;
  return "";
}

size_t bytesOf(Type t) {
  auto tensor = cast<RankedTensorType>(t);
  unsigned bits = tensor.getElementType().getIntOrFloatBitWidth();
  return tensor.getNumElements() * std::max(1u, bits / 8);
}

/// Child process: time each candidate, one "index seconds" line per candidate on `fd`.
[[noreturn]] void timeInChild(const std::string &soPath, const std::vector<size_t> &which,
                              const std::vector<size_t> &bufferBytes, const RunnerOptions &o,
                              int fd) {
  void *lib = dlopen(soPath.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!lib)
    _exit(3);
  kiln_set_num_threads(o.threads);
  std::vector<void *> args;
  std::mt19937 rng(1234);
  for (size_t bytes : bufferBytes) {
    auto *p = static_cast<float *>(aligned_alloc(64, (bytes + 63) / 64 * 64));
    for (size_t i = 0; i < bytes / 4; ++i)
      p[i] = std::uniform_real_distribution<float>(-1, 1)(rng);
    args.push_back(p);
  }
  for (size_t i : which) {
    auto fn = reinterpret_cast<void (*)(void **)>(dlsym(lib, ("cand_" + std::to_string(i)).c_str()));
    if (!fn)
      _exit(4);
    auto warm = std::chrono::steady_clock::now();
    for (int w = 0; w < 2 || std::chrono::duration<double>(std::chrono::steady_clock::now() - warm)
                                     .count() < o.warmupSeconds;
         ++w)
      fn(args.data());
    std::vector<double> times;
    double total = 0;
    while ((int)times.size() < o.minRepeats || (total < o.minSeconds && times.size() < 1000)) {
      auto t0 = std::chrono::steady_clock::now();
      fn(args.data());
      double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      times.push_back(s);
      total += s;
    }
    std::nth_element(times.begin(), times.begin() + times.size() / 2, times.end());
    std::string line = std::to_string(i) + " " + std::to_string(times[times.size() / 2]) + "\n";
    if (write(fd, line.data(), line.size()) < 0)
      _exit(5);
  }
  _exit(0);
}

/// Runs the child and fills `out` for `which`; candidates the child never reported get the
/// child's fate as their error.
void timeCandidates(const std::string &soPath, const std::vector<size_t> &which,
                    const std::vector<size_t> &bufferBytes, const RunnerOptions &o,
                    std::vector<Measurement> &out) {
  int fds[2];
  if (pipe(fds) != 0) {
    for (size_t i : which)
      out[i].error = "cannot create a pipe to the timing process";
    return;
  }
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    timeInChild(soPath, which, bufferBytes, o, fds[1]);
  }
  close(fds[1]);
  std::string buffer;
  std::vector<bool> done(out.size(), false);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(o.timeoutSeconds);
  bool timedOut = false;
  while (true) {
    int left = (int)std::chrono::duration_cast<std::chrono::milliseconds>(
                   deadline - std::chrono::steady_clock::now()).count();
    pollfd p{fds[0], POLLIN, 0};
    if (left <= 0 || poll(&p, 1, left) <= 0) {
      timedOut = true;
      kill(pid, SIGKILL);
      break;
    }
    char chunk[512];
    ssize_t n = read(fds[0], chunk, sizeof(chunk));
    if (n <= 0)
      break;
    buffer.append(chunk, n);
    size_t eol;
    while ((eol = buffer.find('\n')) != std::string::npos) {
      size_t index = std::stoul(buffer.substr(0, eol));
      double seconds = std::stod(buffer.substr(buffer.find(' ') + 1, eol));
      out[index].seconds = seconds;
      done[index] = true;
      buffer.erase(0, eol + 1);
    }
  }
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  std::string fate = timedOut ? "timed out" :
                     WIFSIGNALED(status) ? "crashed (signal " + std::to_string(WTERMSIG(status)) + ")" :
                     "timing process exited with " + std::to_string(WEXITSTATUS(status));
  bool first = true;
  for (size_t i : which)
    if (!done[i]) {
      out[i].error = first ? fate : "not run: an earlier candidate " + fate;
      first = false;
    }
}
} // namespace

std::vector<Measurement> CPURunner::run(const Workload &w,
                                        const std::vector<Schedule> &schedules) {
  std::vector<Measurement> out(schedules.size());
  std::vector<size_t> bufferBytes;
  for (Type t : w.kernel.getArgumentTypes())
    bufferBytes.push_back(bytesOf(t));
  for (Type t : w.kernel.getResultTypes())
    bufferBytes.push_back(bytesOf(t));
  std::string soPath = options.workDir + "/kiln-tune-" + std::to_string(getpid()) + ".so";
  std::vector<size_t> all(schedules.size());
  std::iota(all.begin(), all.end(), 0);
  std::vector<size_t> built;
  if (buildLibrary(w, schedules, all, options.target, soPath).empty()) {
    built = all;
  } else {
    // Pin down which candidates fail: each alone, the good ones rebuilt together.
    for (size_t i : all) {
      std::string error = buildLibrary(w, schedules, {i}, options.target, soPath);
      if (error.empty())
        built.push_back(i);
      else
        out[i].error = "build: " + error;
    }
    if (!built.empty() && !buildLibrary(w, schedules, built, options.target, soPath).empty()) {
      for (size_t i : built)
        out[i].error = "build failed in a batch";
      built.clear();
    }
  }
  if (!built.empty())
    timeCandidates(soPath, built, bufferBytes, options, out);
  llvm::sys::fs::remove(soPath);
  for (Measurement &m : out)
    if (m.ok() && m.seconds > 0)
      m.gflops = w.flops / m.seconds / 1e9;
  return out;
}
} // namespace kiln::tune
