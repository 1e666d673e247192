/* Hand-written kernels for the runtime tests: the kernels.so of a tiny test
 * artifact. */
#include "kiln/parallel.h"

#include <stdint.h>

/* Every tensor of the test plan holds this many float32 elements ([4, 256]). */
#define KILN_TEST_ELEMENTS 1024

typedef struct {
  const float *lhs;
  const float *rhs;
  float *out;
} BinaryArgs;

static void addRange(void *ctx, int64_t begin, int64_t end) {
  BinaryArgs *args = (BinaryArgs *)ctx;
  for (int64_t i = begin; i < end; ++i)
    args->out[i] = args->lhs[i] + args->rhs[i];
}

static void mulRange(void *ctx, int64_t begin, int64_t end) {
  BinaryArgs *args = (BinaryArgs *)ctx;
  for (int64_t i = begin; i < end; ++i)
    args->out[i] = args->lhs[i] * args->rhs[i];
}

/* args: x, y, out. out = x + y, on the runtime's thread pool. */
void kiln_k0(void **args) {
  BinaryArgs ctx = {(const float *)args[0], (const float *)args[1],
                    (float *)args[2]};
  kiln_parallel_for(addRange, &ctx, KILN_TEST_ELEMENTS);
}

/* args: x, w, out. out = x * w, on the runtime's thread pool. */
void kiln_k1(void **args) {
  BinaryArgs ctx = {(const float *)args[0], (const float *)args[1],
                    (float *)args[2]};
  kiln_parallel_for(mulRange, &ctx, KILN_TEST_ELEMENTS);
}
