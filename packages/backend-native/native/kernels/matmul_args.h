// matmul's shape and dtype checks, shared by the CPU device (kernels/matmul.cc) and the 'cuda'
// device (cuda/kernels/matmul.cu): one rule and one message for both.
#pragma once

#include <string>

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

// The matmul primitive up to its arithmetic: checks inputs (a, b), allocates the [B,M,N] output
// and calls run(T(), a, b, dims, out) with the element type T of the dtypes matmul accepts
// (float32, float64, int32); any other fails with one message.
template <class F>
void matmul_frame(Call& c, F&& run) {
  const View& a = c.input(0);
  const View& b = c.input(1);
  const MatmulDims d = matmul_args(c, a, b);
  const int64_t size = d.batch * d.m * d.n;
  switch (a.dtype) {
    case F32: run(float(), a, b, d, c.out(F32, size)->as<float>()); break;
    case F64: run(double(), a, b, d, c.out(F64, size)->as<double>()); break;
    case I32: run(int32_t(), a, b, d, c.out(I32, size)->as<int32_t>()); break;
    default: c.fail(std::string("has no kernel for dtype ") + dtype_name(a.dtype));
  }
}

}  // namespace flint
