//===- CPURunner.cpp - batch build + forked timing of kernel candidates ----===//
#include "autotune/measure/CPURunner.h"
#include "autotune/workload/Space.h"

#include "compiler/Codegen/CPU/Passes.h"
#include "compiler/Codegen/CPU/WeightPanels.h"
#include "compiler/Target/CPU/CPUTarget.h"
#include "compiler/Target/CPU/ParallelBuild.h"
#include "kiln/parallel.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/FileSystem.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstring>
#include <ctime>
#include <dlfcn.h>
#include <numeric>
#include <poll.h>
#include <random>
#include <signal.h>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

using namespace mlir;

namespace kiln::tune {
namespace {
/// Per built function: its weight arguments read as panels ([argument, W, ...]; see
/// compiler/Codegen/CPU/WeightPanels.h). Each candidate is timed on its own layout of the
/// same random weights, as the compiler lays them out for the schedule it deploys.
using PackedArgs = std::map<std::string, std::vector<int64_t>>;

/// Builds `cand_<i>` for the given candidates into `soPath`; returns the error text.
std::string buildLibrary(const Workload &w, const std::vector<Schedule> &schedules,
                         const std::vector<size_t> &which, const CPUTargetOptions &target,
                         const std::string &soPath, PackedArgs &packed, bool reference = false) {
  MLIRContext *ctx = w.kernel.getContext();
  std::string errors;
  ScopedDiagnosticHandler handler(ctx, [&](Diagnostic &d) {
    if (d.getSeverity() == DiagnosticSeverity::Error)
      errors += d.str() + "; ";
    return success();
  });
  OwningOpRef<ModuleOp> module = ModuleOp::create(w.kernel.getLoc());
  std::optional<ResolvedCPU> cpu = resolveCPU(target.cpu);
  if (!cpu)
    return "unknown CPU '" + target.cpu + "'";
  setTargetAttr(*module, *cpu);
  OpBuilder b(ctx);
  b.setInsertionPointToEnd(module->getBody());
  int anchor = anchorIndex(w);
  std::vector<std::string> names;
  if (reference) {
    auto fn = cast<func::FuncOp>(b.clone(*w.kernel));
    names.push_back("ref");
    fn.setSymName(names.back());
    fn.walk([&](linalg::LinalgOp op) { op->removeAttr(kScheduleAttr); });
  }
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
  std::map<std::string, CodegenNotes> notes;
  if (failed(runCPUCodegen(*module, notes)))
    return errors.empty() ? "build failed" : errors;
  for (const auto &[name, note] : notes)
    if (!note.packedArgs.empty())
      packed[name] = note.packedArgs;
  if (failed(emitKernelLibrary(*module, names, target, soPath)))
    return errors.empty() ? "build failed" : errors;
  return "";
}

/// The kernel's buffers: bytes, and for the inputs the shape and element size a packed
/// layout needs.
struct Buffers {
  std::vector<size_t> bytes;
  std::vector<std::vector<int64_t>> shapes;
  std::vector<int64_t> elementBytes;
  std::vector<bool> checked; ///< outputs compared with the reference
};

size_t bytesOf(Type t) {
  auto tensor = cast<RankedTensorType>(t);
  unsigned bits = tensor.getElementType().getIntOrFloatBitWidth();
  return tensor.getNumElements() * std::max(1u, bits / 8);
}

/// The argument pointers a function reading `packed` weights as panels is called with: the
/// random buffers, with each packed weight replaced by a copy in its layout (made once per
/// argument and layout, kept in `copies`).
std::vector<void *> argumentsFor(const std::vector<void *> &args, const Buffers &buffers,
                                 const std::vector<int64_t> &packed,
                                 std::map<std::array<int64_t, 3>, void *> &copies) {
  std::vector<void *> out = args;
  for (size_t i = 0; i + kPackedArgFields <= packed.size(); i += kPackedArgFields) {
    int64_t arg = packed[i], width = packed[i + 1], group = packed[i + 2];
    void *&copy = copies[{arg, width, group}];
    if (!copy) {
      int64_t bytes = buffers.elementBytes[arg];
      for (int64_t d : panelShape(buffers.shapes[arg], width, group))
        bytes *= d;
      copy = aligned_alloc(64, (bytes + 63) / 64 * 64);
      packPanels(static_cast<const char *>(args[arg]), static_cast<char *>(copy),
                 buffers.shapes[arg], width, group, buffers.elementBytes[arg]);
    }
    out[arg] = copy;
  }
  return out;
}

/// Seconds on `clock` (CLOCK_THREAD_CPUTIME_ID or CLOCK_MONOTONIC).
double now(clockid_t clock) {
  timespec t{};
  clock_gettime(clock, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

/// The `q` quantile (0..1, nearest rank) of `v` (reordered).
double quantileOf(std::vector<double> &v, double q) {
  size_t k = std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5));
  std::nth_element(v.begin(), v.begin() + k, v.end());
  return v[k];
}

/// Child process: times the candidates in interleaved rounds and reports on `fd`: "R i" once
/// candidate i survived its first round (so a crash or hang is pinned on the right one), then
/// "T i seconds noise" per candidate at the end.
[[noreturn]] void timeInChild(const std::string &soPath, const std::vector<size_t> &which,
                              const Buffers &buffers, const PackedArgs &packed,
                              const std::string &refPath, const PackedArgs &refPacked,
                              const RunnerOptions &o, int fd) {
  const std::vector<size_t> &bufferBytes = buffers.bytes;
  const std::vector<bool> &checkedOutputs = buffers.checked;
  // The libraries import kiln_parallel_for. When the runtime came in through a library opened
  // RTLD_LOCAL (Python's _kiln), its symbols are not global: make them so, as the runtime's
  // own loader does (runtime/README.md).
  Dl_info runtime;
  if (dladdr(reinterpret_cast<void *>(&kiln_parallel_for), &runtime) && runtime.dli_fname)
    (void)dlopen(runtime.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_GLOBAL);
  void *lib = dlopen(soPath.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!lib)
    _exit(3);
  void *refLib = refPath.empty() ? nullptr : dlopen(refPath.c_str(), RTLD_NOW | RTLD_LOCAL);
  kiln_set_num_threads(o.threads);
  bool cpuTime = o.clock == TimingClock::ThreadCPU ||
                 (o.clock == TimingClock::Auto && o.threads <= 1);
  clockid_t clock = cpuTime ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC;
  std::vector<void *> args;
  std::mt19937 rng(1234);
  for (size_t bytes : bufferBytes) {
    auto *p = static_cast<float *>(aligned_alloc(64, (bytes + 63) / 64 * 64));
    for (size_t i = 0; i < bytes / 4; ++i)
      p[i] = std::uniform_real_distribution<float>(-1, 1)(rng);
    args.push_back(p);
  }
  auto say = [&](const std::string &line) {
    if (write(fd, line.data(), line.size()) < 0)
      _exit(5);
  };
  using Fn = void (*)(void **);
  std::map<std::array<int64_t, 3>, void *> copies;
  auto packingOf = [](const PackedArgs &map, const std::string &name) {
    auto it = map.find(name);
    return it == map.end() ? std::vector<int64_t>{} : it->second;
  };
  // The reference outputs: the kernel under its default schedule, on the same inputs.
  std::vector<std::vector<float>> expected(bufferBytes.size());
  Fn ref = refLib ? reinterpret_cast<Fn>(dlsym(refLib, "ref")) : nullptr;
  if (ref) {
    std::vector<void *> refArgs = argumentsFor(args, buffers, packingOf(refPacked, "ref"), copies);
    ref(refArgs.data());
    for (size_t b = 0; b < bufferBytes.size(); ++b)
      if (checkedOutputs[b]) {
        const float *p = static_cast<const float *>(args[b]);
        expected[b].assign(p, p + bufferBytes[b] / 4);
        std::fill_n(static_cast<float *>(args[b]), bufferBytes[b] / 4, 0.f);
      }
  }
  /// Largest error of the outputs against the reference, relative to the largest reference
  /// value (summation orders differ between schedules: rounding, not wrong results).
  auto outputError = [&]() {
    double worst = 0;
    for (size_t b = 0; b < bufferBytes.size(); ++b) {
      if (expected[b].empty())
        continue;
      const float *p = static_cast<const float *>(args[b]);
      double scale = 1e-6, error = 0;
      for (size_t i = 0; i < expected[b].size(); ++i) {
        scale = std::max(scale, (double)std::abs(expected[b][i]));
        double e = std::abs((double)p[i] - expected[b][i]);
        error = std::isnan(e) ? INFINITY : std::max(error, e);
      }
      worst = std::max(worst, error / scale);
      std::fill_n(static_cast<float *>(args[b]), bufferBytes[b] / 4, 0.f);
    }
    return worst;
  };
  std::vector<Fn> fns;
  std::vector<std::vector<void *>> fnArgs;
  for (size_t i : which) {
    std::string name = "cand_" + std::to_string(i);
    auto fn = reinterpret_cast<Fn>(dlsym(lib, name.c_str()));
    if (!fn)
      _exit(4);
    fns.push_back(fn);
    fnArgs.push_back(argumentsFor(args, buffers, packingOf(packed, name), copies));
  }
  int rounds = std::max(1, o.rounds);
  int repeatsPerRound = std::max(1, (o.minRepeats + rounds - 1) / rounds);
  double secondsPerRound = o.minSeconds / rounds;
  std::vector<std::vector<double>> times(which.size());
  std::vector<bool> wrong(which.size(), false);
  for (int round = 0; round < rounds; ++round) {
    for (size_t step = 0; step < which.size(); ++step) {
      size_t c = (step + static_cast<size_t>(round)) % which.size(); // rotate the order
      Fn fn = fns[c];
      if (wrong[c])
        continue;
      if (round == 0 && ref) {
        fn(fnArgs[c].data());
        double error = outputError();
        if (!(error <= o.tolerance)) {
          char line[128];
          snprintf(line, sizeof(line), "W %zu %.3g\n", which[c], error);
          say(line);
          wrong[c] = true;
          continue;
        }
      }
      // Warm-up: the whole warm-up time in the first round, one run in later rounds (the
      // other candidates ran in between and evicted this one's data and code).
      double warm = now(CLOCK_MONOTONIC);
      for (int w = 0; w < (round == 0 ? 2 : 1) ||
                      (round == 0 && now(CLOCK_MONOTONIC) - warm < o.warmupSeconds);
           ++w)
        fn(fnArgs[c].data());
      double total = 0;
      for (int r = 0; r < repeatsPerRound || (total < secondsPerRound && r < 1000); ++r) {
        double t0 = now(clock);
        fn(fnArgs[c].data());
        double s = now(clock) - t0;
        times[c].push_back(s);
        total += s;
      }
      if (round == 0)
        say("R " + std::to_string(which[c]) + "\n");
    }
  }
  for (size_t c = 0; c < which.size(); ++c) {
    if (wrong[c])
      continue;
    double reported = quantileOf(times[c], o.quantile);
    double median = quantileOf(times[c], 0.5);
    double noise = reported > 0 ? (median - reported) / reported : 0;
    char line[128];
    snprintf(line, sizeof(line), "T %zu %.9g %.6g\n", which[c], reported, noise);
    say(line);
  }
  _exit(0);
}

/// Runs the child and fills `out` for `which`; candidates the child never reported get the
/// child's fate as their error.
void timeCandidates(const std::string &soPath, const std::vector<size_t> &which,
                    const Buffers &buffers, const PackedArgs &packed, const std::string &refPath,
                    const PackedArgs &refPacked, const RunnerOptions &o,
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
    timeInChild(soPath, which, buffers, packed, refPath, refPacked, o, fds[1]);
  }
  close(fds[1]);
  std::string buffer;
  std::vector<bool> survived(out.size(), false), done(out.size(), false);
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
      std::istringstream line(buffer.substr(0, eol));
      buffer.erase(0, eol + 1);
      char tag = 0;
      size_t index = 0;
      line >> tag >> index;
      if (!line || index >= out.size())
        continue;
      if (tag == 'R') {
        survived[index] = true;
      } else if (tag == 'W') {
        std::string error;
        line >> error;
        out[index].error = "wrong result: max error " + error + " of the largest output value "
                           "against the default schedule's (tolerance " +
                           std::to_string(o.tolerance) + ")";
        survived[index] = done[index] = true;
      } else if (tag == 'T') {
        double seconds = 0, noise = 0;
        line >> seconds >> noise;
        out[index].seconds = seconds;
        out[index].noise = noise;
        done[index] = true;
      }
    }
  }
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  std::string fate = timedOut ? "timed out" :
                     WIFSIGNALED(status) ? "crashed (signal " + std::to_string(WTERMSIG(status)) + ")" :
                     "timing process exited with " + std::to_string(WEXITSTATUS(status));
  // The culprit is the first candidate (in round-0 order) that never survived its first round;
  // if all survived, the failure came later and hits every unreported candidate alike.
  bool blamed = false;
  for (size_t i : which) {
    if (done[i])
      continue;
    if (!survived[i] && !blamed) {
      out[i].error = fate;
      blamed = true;
    } else {
      out[i].error = survived[i] ? "timing process " + fate + " after its first round"
                                 : "not run: an earlier candidate " + fate;
    }
  }
}
} // namespace

std::vector<Measurement> CPURunner::run(const Workload &w,
                                        const std::vector<Schedule> &schedules) {
  std::vector<Measurement> out(schedules.size());
  Buffers buffers;
  for (Type t : w.kernel.getArgumentTypes()) {
    auto tensor = cast<RankedTensorType>(t);
    buffers.bytes.push_back(bytesOf(t));
    buffers.shapes.emplace_back(tensor.getShape().begin(), tensor.getShape().end());
    buffers.elementBytes.push_back(
        std::max<int64_t>(1, tensor.getElementType().getIntOrFloatBitWidth() / 8));
    buffers.checked.push_back(false);
  }
  for (Type t : w.kernel.getResultTypes()) {
    buffers.bytes.push_back(bytesOf(t));
    buffers.checked.push_back(options.verify && cast<RankedTensorType>(t).getElementType().isF32());
  }
  Reference reference; // none: the candidates are timed unverified
  if (options.verify) {
    auto it = references_.find(w.key);
    if (it == references_.end()) {
      Reference ref;
      ref.path = options.workDir + "/kiln-tune-" + std::to_string(getpid()) + "-ref" +
                 std::to_string(references_.size()) + ".so";
      // A workload whose default schedule does not build is timed unverified.
      if (!buildLibrary(w, {}, {}, options.target, ref.path, ref.packed, /*reference=*/true)
               .empty())
        ref = Reference{};
      it = references_.emplace(w.key, std::move(ref)).first;
    }
    reference = it->second;
  }
  std::string soPath = options.workDir + "/kiln-tune-" + std::to_string(getpid()) + ".so";
  std::vector<size_t> all(schedules.size());
  std::iota(all.begin(), all.end(), 0);
  std::vector<size_t> built;
  PackedArgs packed;
  if (buildLibrary(w, schedules, all, options.target, soPath, packed).empty()) {
    built = all;
  } else {
    // Pin down which candidates fail: each alone, the good ones rebuilt together.
    for (size_t i : all) {
      std::string error = buildLibrary(w, schedules, {i}, options.target, soPath, packed);
      if (error.empty())
        built.push_back(i);
      else
        out[i].error = "build: " + error;
    }
    packed.clear();
    if (!built.empty() &&
        !buildLibrary(w, schedules, built, options.target, soPath, packed).empty()) {
      for (size_t i : built)
        out[i].error = "build failed in a batch";
      built.clear();
    }
  }
  if (!built.empty())
    timeCandidates(soPath, built, buffers, packed, reference.path, reference.packed, options, out);
  llvm::sys::fs::remove(soPath);
  for (Measurement &m : out)
    if (m.ok() && m.seconds > 0)
      m.gflops = w.flops / m.seconds / 1e9;
  return out;
}

CPURunner::~CPURunner() {
  for (const auto &[key, reference] : references_)
    if (!reference.path.empty())
      llvm::sys::fs::remove(reference.path);
}
} // namespace kiln::tune
