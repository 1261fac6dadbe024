// Operand offsets of flat index i of a Nest, as kernel.cuh's nest_offsets computes them, but
// cheaper on a GPU: a 64-bit division is a long software sequence there, so when the whole
// nest has fewer than 2^31 elements (nearly always) coordinates come from 32-bit division,
// and a rank-1 nest (after merging) needs none. The offsets are the same numbers either way.
// K is the nest's operand count, a constant so that `off` stays in registers.
#pragma once
#include "cuda/kernel.cuh"

namespace flint {
namespace cuda {

template <int K>
FLINT_HD void offsets_of(const Nest& n, int64_t i, int64_t (&off)[K]) {
  if (n.rank == 1) {
    for (int k = 0; k < K; k++) off[k] = i * n.st[k][0];
    return;
  }
  for (int k = 0; k < K; k++) off[k] = 0;
  if (n.size > 0x7fffffff) {
    for (int d = n.rank - 1; d >= 0; d--) {
      const int64_t c = i % n.shape[d];
      i /= n.shape[d];
      for (int k = 0; k < K; k++) off[k] += c * n.st[k][d];
    }
    return;
  }
  uint32_t j = static_cast<uint32_t>(i);
  for (int d = n.rank - 1; d >= 0; d--) {
    const uint32_t s = static_cast<uint32_t>(n.shape[d]);
    const uint32_t c = j % s;
    j /= s;
    for (int k = 0; k < K; k++) off[k] += int64_t(c) * n.st[k][d];
  }
}

}  // namespace cuda
}  // namespace flint
