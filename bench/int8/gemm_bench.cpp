// gemm_bench.cpp - int8 GEMM: Kiln (kiln.matmul_int8: vpdpbusd, or AMX tiles where the CPU
// has them) vs oneDNN's dnnl_gemm_u8s8s32 (its BLAS-like API, AVX-512 VNNI kernels) and its
// matmul primitive (u8 x s8 -> s32, the weights reordered once to the layout it picks: the
// primitive oneDNN uses for inference, AMX where it can; its implementation is printed), and
// Kiln's fp32 matmul vs dnnl_sgemm, in one process: same inputs, interleaved repeats,
// medians. Checks Kiln's int32 result equals both oneDNN ones exactly before timing.
//
// usage: gemm_bench INT8_ARTIFACT FP32_ARTIFACT WEIGHTS_I8.bin WEIGHTS_F32.bin M N K REPEATS
// (the weights are the models' constant B, row-major K x N, written by gemm.py; A is
// generated here). Threads: Kiln's pool and oneDNN's OpenMP both at 1 unless KILN_THREADS /
// OMP_NUM_THREADS say otherwise.
#include "kiln/runtime.h"

#include <oneapi/dnnl/dnnl.h>
#include <oneapi/dnnl/dnnl.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <random>
#include <vector>

namespace {
double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

template <typename T> std::vector<T> readFile(const char *path, size_t count) {
  std::vector<T> v(count);
  std::ifstream f(path, std::ios::binary);
  if (!f.read(reinterpret_cast<char *>(v.data()), count * sizeof(T))) {
    std::fprintf(stderr, "gemm_bench: cannot read %zu values from %s\n", count, path);
    std::exit(2);
  }
  return v;
}

kiln_model *load(const char *path, int threads) {
  kiln_options options{};
  options.num_threads = threads;
  kiln_model *model = nullptr;
  if (kiln_model_load(path, &options, &model) != KILN_OK) {
    std::fprintf(stderr, "gemm_bench: %s\n", kiln_last_error());
    std::exit(2);
  }
  return model;
}

void check(kiln_status s) {
  if (s != KILN_OK) {
    std::fprintf(stderr, "gemm_bench: %s\n", kiln_last_error());
    std::exit(2);
  }
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}
} // namespace

int main(int argc, char **argv) {
  if (argc != 9) {
    std::fprintf(stderr, "usage: %s INT8_ART FP32_ART W_I8 W_F32 M N K REPEATS\n", argv[0]);
    return 2;
  }
  long m = std::atol(argv[5]), n = std::atol(argv[6]), k = std::atol(argv[7]);
  int repeats = std::atoi(argv[8]);
  int threads = std::getenv("KILN_THREADS") ? std::atoi(std::getenv("KILN_THREADS")) : 1;
  std::vector<int8_t> wq = readFile<int8_t>(argv[3], k * n);
  std::vector<float> wf = readFile<float>(argv[4], k * n);
  std::mt19937 rng(7);
  std::vector<uint8_t> aq(m * k);
  std::vector<float> af(m * k);
  for (auto &x : aq)
    x = uint8_t(rng() & 0xff);
  for (auto &x : af)
    x = float(int(rng() % 2001) - 1000) / 1000.0f;

  kiln_model *q = load(argv[1], threads), *f = load(argv[2], threads);
  check(kiln_model_set_input(q, 0, aq.data(), aq.size()));
  check(kiln_model_set_input(f, 0, af.data(), af.size() * sizeof(float)));
  std::vector<int32_t> cq(m * n);
  std::vector<float> cf(m * n);
  const int32_t co = 0;

  auto kilnInt8 = [&] { check(kiln_model_run(q)); };
  auto kilnFp32 = [&] { check(kiln_model_run(f)); };
  auto dnnlInt8 = [&] {
    dnnl_gemm_u8s8s32('N', 'N', 'F', m, n, k, 1.0f, aq.data(), k, 0, wq.data(), n, 0, 0.0f,
                      cq.data(), n, &co);
  };
  // The matmul primitive: weights in the layout it asks for, reordered outside the timing.
  using dt = dnnl::memory::data_type;
  using tag = dnnl::memory::format_tag;
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  dnnl::memory::desc aDesc({m, k}, dt::u8, tag::ab), bUserDesc({k, n}, dt::s8, tag::ab),
      bAnyDesc({k, n}, dt::s8, tag::any), cDesc({m, n}, dt::s32, tag::ab);
  dnnl::matmul::primitive_desc matmulDesc(dnnl::matmul::desc(aDesc, bAnyDesc, cDesc), engine);
  std::vector<int32_t> cm(m * n);
  dnnl::memory aMem(aDesc, engine, aq.data()), cMem(cDesc, engine, cm.data()),
      bUser(bUserDesc, engine, wq.data()), bMem(matmulDesc.weights_desc(), engine);
  dnnl::reorder(bUser, bMem).execute(stream, bUser, bMem);
  stream.wait();
  dnnl::matmul matmul(matmulDesc);
  auto dnnlMatmul = [&] {
    matmul.execute(stream, {{DNNL_ARG_SRC, aMem}, {DNNL_ARG_WEIGHTS, bMem}, {DNNL_ARG_DST, cMem}});
    stream.wait();
  };
  auto dnnlFp32 = [&] {
    dnnl_sgemm('N', 'N', m, n, k, 1.0f, af.data(), k, wf.data(), n, 0.0f, cf.data(), n);
  };

  // Correctness first: Kiln's int32 result is oneDNN's, element for element.
  kilnInt8();
  dnnlInt8();
  const void *out = nullptr;
  size_t bytes = 0;
  check(kiln_model_get_output(q, 0, &out, &bytes));
  if (bytes != cq.size() * sizeof(int32_t) || std::memcmp(out, cq.data(), bytes) != 0) {
    std::fprintf(stderr, "gemm_bench: Kiln's int8 GEMM differs from oneDNN's\n");
    return 1;
  }
  dnnlMatmul();
  if (std::memcmp(cm.data(), cq.data(), bytes) != 0) {
    std::fprintf(stderr, "gemm_bench: oneDNN's matmul primitive differs from its gemm\n");
    return 1;
  }
  kilnFp32();
  dnnlFp32();

  std::vector<std::function<void()>> runs{kilnInt8, dnnlInt8, kilnFp32, dnnlFp32, dnnlMatmul};
  std::vector<std::vector<double>> times(runs.size());
  for (int r = 0; r < repeats; ++r)
    for (size_t i = 0; i < runs.size(); ++i) {
      double t0 = now();
      runs[i]();
      times[i].push_back(now() - t0);
    }
  double ops = 2.0 * m * n * k;
  const char *names[] = {"kiln int8 (u8s8s32)", "onednn gemm_u8s8s32", "kiln fp32 matmul",
                         "onednn sgemm", "onednn matmul u8s8s32"};
  std::printf("GEMM %ldx%ldx%ld, %d thread(s), %d interleaved repeats, median\n", m, n, k,
              threads, repeats);
  std::vector<double> med;
  for (size_t i = 0; i < runs.size(); ++i) {
    med.push_back(median(times[i]));
    std::printf("  %-22s %9.3f ms  %7.1f GOP/s\n", names[i], med[i] * 1e3, ops / med[i] * 1e-9);
  }
  std::printf("  kiln int8 / onednn int8 speed: %.2fx\n", med[1] / med[0]);
  std::printf("  kiln int8 / onednn matmul primitive speed: %.2fx (oneDNN implementation: %s)\n",
              med[4] / med[0], matmulDesc.impl_info_str());
  std::printf("  kiln fp32 / onednn fp32 speed: %.2fx\n", med[3] / med[2]);
  std::printf("  kiln int8 vs kiln fp32 speed:  %.2fx\n", med[2] / med[0]);
  kiln_model_free(q);
  kiln_model_free(f);
  return 0;
}
