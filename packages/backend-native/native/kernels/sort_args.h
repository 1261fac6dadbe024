// sort's argument decoding and checks, shared by the CPU device (kernels/sort.cc) and the 'cuda'
// device (cuda/kernels/sort.cu).
#pragma once

#include "../common.h"

namespace flint {

// Sorts the last dim of x: `size` elements in rows of n (a scalar is one row of one).
struct SortArgs {
  bool descending;
  int64_t size, n;
};

// Args: (descending).
inline SortArgs sort_args(const Call& c, const View& x) {
  if (!x.contiguous()) c.fail("expects a row-major contiguous input, got " + x.describe());
  const bool descending = c.iarg(0) != 0;
  return SortArgs{descending, x.numel(), x.rank == 0 ? 1 : x.shape[x.rank - 1]};
}

}  // namespace flint
