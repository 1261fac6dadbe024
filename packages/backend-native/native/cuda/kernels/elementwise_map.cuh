// The element-wise loops of the 'cuda' device: out[i] = f(x[i]) and out[i] = f(a[i], b[i]) over
// strided inputs, one grid-stride kernel each, shared by elementwise.cu (math, comparisons,
// cast). The nest holds the inputs' strides only: the output is contiguous over the same shape,
// so the flat index i is its offset, and merging dims (make_nest) keeps the row-major order.
#pragma once
#include <string>

#include "cuda/kernel.cuh"
#include "cuda/kernels/offsets.cuh"

namespace flint {
namespace cuda {

// FLINT_DISPATCH without bool (PRIMS' 'numeric' ops): no bool kernel is compiled for them.
#define FLINT_DISPATCH_NUMERIC(call, d, T, ...)                                         \
  switch (d) {                                                                          \
    FLINT_CASE(::flint::F32, float, T, __VA_ARGS__)                                     \
    FLINT_CASE(::flint::F64, double, T, __VA_ARGS__)                                    \
    FLINT_CASE(::flint::I32, int32_t, T, __VA_ARGS__)                                   \
    default:                                                                            \
      (call).fail(std::string("does not accept dtype ") + ::flint::dtype_name(d));    \
  }

// FLINT_DISPATCH_FLOAT with the CPU elementwise kernels' message (PRIMS' 'float' ops).
#define FLINT_DISPATCH_FLOATS(call, d, T, ...)                                          \
  switch (d) {                                                                          \
    FLINT_CASE(::flint::F32, float, T, __VA_ARGS__)                                     \
    FLINT_CASE(::flint::F64, double, T, __VA_ARGS__)                                    \
    default:                                                                            \
      (call).fail(std::string("does not accept dtype ") + ::flint::dtype_name(d));    \
  }

// Rank 1 (contiguous, a strided row or a broadcast scalar after merging) needs no div/mod.
template <class T, class U, class Op>
__global__ void map1_kernel(Nest nest, const T* __restrict__ x, U* __restrict__ out) {
  if (nest.rank == 1) {
    const int64_t s = nest.st[0][0];
    if (s == 1) {
      FLINT_GRID_LOOP(i, nest.size) out[i] = static_cast<U>(Op::f(x[i]));
    } else {
      FLINT_GRID_LOOP(i, nest.size) out[i] = static_cast<U>(Op::f(x[i * s]));
    }
    return;
  }
  FLINT_GRID_LOOP(i, nest.size) {
    int64_t off[1];
    offsets_of(nest, i, off);
    out[i] = static_cast<U>(Op::f(x[off[0]]));
  }
}

template <class T, class U, class Op>
__global__ void map2_kernel(Nest nest, const T* __restrict__ a, const T* __restrict__ b,
                            U* __restrict__ out) {
  if (nest.rank == 1) {
    const int64_t sa = nest.st[0][0], sb = nest.st[1][0];
    if (sa == 1 && sb == 1) {
      FLINT_GRID_LOOP(i, nest.size) out[i] = static_cast<U>(Op::f(a[i], b[i]));
    } else {
      FLINT_GRID_LOOP(i, nest.size) out[i] = static_cast<U>(Op::f(a[i * sa], b[i * sb]));
    }
    return;
  }
  FLINT_GRID_LOOP(i, nest.size) {
    int64_t off[2];
    offsets_of(nest, i, off);
    out[i] = static_cast<U>(Op::f(a[off[0]], b[off[1]]));
  }
}

// out (contiguous, x.numel() elements of U) = Op::f over x.
template <class T, class U, class Op>
void map1(const Call& c, const View& x, U* out) {
  const Nest nest = make_nest(x.rank, x.shape, {x.strides});
  if (nest.size == 0) return;
  launch(c, grid_for(nest.size), kThreads, 0, map1_kernel<T, U, Op>, nest, x.base<T>(), out);
}

// a and b share a shape (core broadcasts with 0 strides before the call).
template <class T, class U, class Op>
void map2(const Call& c, const View& a, const View& b, U* out) {
  const Nest nest = make_nest(a.rank, a.shape, {a.strides, b.strides});
  if (nest.size == 0) return;
  launch(c, grid_for(nest.size), kThreads, 0, map2_kernel<T, U, Op>, nest, a.base<T>(),
         b.base<T>(), out);
}

}  // namespace cuda
}  // namespace flint
