//===- WeightPanels.cpp - the packed layout of matmul weights (B panels) --===//
#include "compiler/Codegen/CPU/WeightPanels.h"

#include <algorithm>
#include <cassert>
#include <cstring>

llvm::SmallVector<int64_t> kiln::panelShape(llvm::ArrayRef<int64_t> shape, int64_t width,
                                            int64_t group) {
  assert(shape.size() >= 2 && width > 0 && group > 0 && shape.back() % group == 0);
  llvm::SmallVector<int64_t> out(shape.drop_back(2));
  out.append({shape.back() / group * panelsPerGroup(width, group), shape[shape.size() - 2], width});
  return out;
}

void kiln::packPanels(const char *src, char *dst, llvm::ArrayRef<int64_t> shape, int64_t width,
                      int64_t group, int64_t elementBytes) {
  int64_t k = shape[shape.size() - 2], n = shape.back(), batches = 1;
  for (int64_t d : shape.drop_back(2))
    batches *= d;
  int64_t panels = panelsPerGroup(width, group);
  int64_t rowBytes = width * elementBytes, matrixBytes = k * n * elementBytes;
  char *to = dst;
  for (int64_t b = 0; b < batches; ++b) {
    const char *from = src + b * matrixBytes;
    for (int64_t g = 0; g < n / group; ++g)
      for (int64_t p = 0; p < panels; ++p) {
        int64_t column = g * group + p * width;
        int64_t bytes = std::min(width, group - p * width) * elementBytes;
        for (int64_t r = 0; r < k; ++r, to += rowBytes) {
          std::memcpy(to, from + (r * n + column) * elementBytes, bytes);
          std::memset(to + bytes, 0, rowBytes - bytes);
        }
      }
  }
}
