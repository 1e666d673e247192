// The GEMM peer of bench/tuning: times oneDNN's dnnl_sgemm (C = A * B, f32, row-major N x N)
// and prints one JSON object. Built by run.py with clang++-19 into bench/out (not committed).
//
// usage: dnnl_sgemm N REPEAT WARMUP
// Threads: Debian's oneDNN 2.6 uses OpenMP (libgomp); run it with OMP_NUM_THREADS=T. The JSON
// reports what the process really used: omp_get_max_threads, the OS threads alive after the
// runs, and the process CPU time over the wall time of the timed runs (about T when busy).
#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <dirent.h>
#include <random>
#include <string>
#include <vector>

// libgomp, which libdnnl loads (no omp.h needed: clang-19 has none for libgomp here).
extern "C" int omp_get_max_threads();

namespace {
double cpuSeconds(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t h = v.size() / 2;
  return v.size() % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
}

int osThreads() {
  int count = 0;
  if (DIR *dir = opendir("/proc/self/task")) {
    while (dirent *e = readdir(dir))
      count += e->d_name[0] != '.';
    closedir(dir);
  }
  return count;
}

const char *isaName(dnnl_cpu_isa_t isa) {
  switch (isa) {
  case dnnl_cpu_isa_avx512_core: return "avx512_core";
  case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni";
  case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16";
  case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx";
  case dnnl_cpu_isa_avx2: return "avx2";
  case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni";
  case dnnl_cpu_isa_avx: return "avx";
  case dnnl_cpu_isa_sse41: return "sse41";
  default: return "other";
  }
}
} // namespace

int main(int argc, char **argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s N REPEAT WARMUP\n", argv[0]);
    return 2;
  }
  const long n = std::atol(argv[1]);
  const int repeat = std::atoi(argv[2]), warmup = std::atoi(argv[3]);
  if (n < 1 || repeat < 1 || warmup < 0) {
    std::fprintf(stderr, "dnnl_sgemm: bad arguments\n");
    return 2;
  }
  std::mt19937 rng(0);
  std::uniform_real_distribution<float> uniform(-1, 1);
  std::vector<float> a(n * n), b(n * n), c(n * n);
  for (float &x : a)
    x = uniform(rng);
  for (float &x : b)
    x = uniform(rng);
  auto sgemm = [&] {
    dnnl_status_t st = dnnl_sgemm('N', 'N', n, n, n, 1.f, a.data(), n, b.data(), n, 0.f,
                                  c.data(), n);
    if (st != dnnl_success) {
      std::fprintf(stderr, "dnnl_sgemm failed: status %d\n", int(st));
      std::exit(1);
    }
  };
  for (int i = 0; i < warmup; ++i)
    sgemm();
  // Wall time per call, and the calling thread's CPU time (with one thread all the work runs
  // on it, so a pause or preemption of the process does not count there).
  std::vector<double> ms, threadMs;
  double cpu0 = cpuSeconds(CLOCK_PROCESS_CPUTIME_ID);
  auto wall0 = std::chrono::steady_clock::now();
  for (int i = 0; i < repeat; ++i) {
    double c0 = cpuSeconds(CLOCK_THREAD_CPUTIME_ID);
    auto t0 = std::chrono::steady_clock::now();
    sgemm();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                     .count());
    threadMs.push_back((cpuSeconds(CLOCK_THREAD_CPUTIME_ID) - c0) * 1e3);
  }
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  double cpuPerWall = (cpuSeconds(CLOCK_PROCESS_CPUTIME_ID) - cpu0) / wall;
  // Spot-check 64 entries of C against a float64 dot product.
  double maxErr = 0;
  for (int s = 0; s < 64; ++s) {
    long i = (s * 7919) % n, j = (s * 104729) % n;
    double want = 0;
    for (long k = 0; k < n; ++k)
      want += double(a[i * n + k]) * b[k * n + j];
    maxErr = std::max(maxErr, std::abs(want - c[i * n + j]));
  }
  const dnnl_version_t *v = dnnl_version();
  std::printf("{\"median_ms\": %.4f, \"min_ms\": %.4f, \"thread_cpu_median_ms\": %.4f, "
              "\"times_ms\": [",
              median(ms), *std::min_element(ms.begin(), ms.end()), median(threadMs));
  for (size_t i = 0; i < ms.size(); ++i)
    std::printf("%s%.4f", i ? ", " : "", ms[i]);
  std::printf("], \"omp_max_threads\": %d, \"os_threads\": %d, \"cpu_per_wall\": %.3f, "
              "\"isa\": \"%s\", \"dnnl\": \"%d.%d.%d\", \"cpu_runtime\": %u, "
              "\"max_abs_error\": %.3g}\n",
              omp_get_max_threads(), osThreads(), cpuPerWall, isaName(dnnl_get_effective_cpu_isa()),
              v->major, v->minor, v->patch, v->cpu_runtime, maxErr);
  return 0;
}
