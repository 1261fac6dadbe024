// matmul's shape and dtype checks, shared by the CPU device (kernels/matmul.cc) and the 'cuda'
// device (cuda/kernels/matmul.cu): one rule and one message for both.
#pragma once

#include "../common.h"

namespace flint {

struct MatmulDims {
  int64_t batch, m, k, n;
};

// a [B,M,K] times b [B,K,N], of one dtype.
inline MatmulDims matmul_args(const Call& c, const View& a, const View& b) {
  if (a.rank != 3 || b.rank != 3 || a.shape[0] != b.shape[0] || a.shape[2] != b.shape[1])
    c.fail("expected [B,M,K] and [B,K,N], got " + a.describe() + " and " + b.describe());
  if (a.dtype != b.dtype) c.fail("dtypes differ: " + a.describe() + " and " + b.describe());
  return MatmulDims{a.shape[0], a.shape[1], a.shape[2], b.shape[2]};
}

}  // namespace flint
