// Element-wise kernels of the 'cuda' device: unary and binary math, comparisons, where and cast,
// op for op the CPU device's kernels/elementwise.cc (same argument checks and messages; the same
// functors, from kernels/elementwise_ops.h). Float math uses CUDA's libm, which may differ from the
// CPU's by an ulp or two: within every float tolerance of the conformance suite.
#include <string>

#include "cuda/dispatch_cuda.h"
#include "cuda/kernels/elementwise_map.cuh"
#include "kernels/elementwise_ops.h"

namespace flint {
namespace cuda {
namespace {

using namespace ::flint::ew;  // the functors and their table (kernels/elementwise_ops.h)

// run(T()) with x's element type T when A accepts the dtype d; else the CPU's message.
template <Accepts A, class F>
void dispatch_accepted(const Call& c, DType d, F&& run) {
  if constexpr (A == FLOATS) {
    FLINT_DISPATCH_FLOATS(c, d, T, run(T()));
  } else if constexpr (A == NUMERIC) {
    FLINT_DISPATCH_NUMERIC(c, d, T, run(T()));
  } else {
    FLINT_DISPATCH(d, T, run(T()));
  }
}

template <class Op, Accepts A>
void unary(Call& c) {
  const View& x = c.input(0);
  dispatch_accepted<A>(c, x.dtype, [&](auto tag) {
    using T = decltype(tag);
    map1<T, T, Op>(c, x, c.out(x.dtype, x.numel())->as<T>());
  });
}

template <class Op, Accepts A>
void binary(Call& c) {
  const View& a = c.input(0);
  const View& b = c.input(1);
  check_same(c, a, b);
  dispatch_accepted<A>(c, a.dtype, [&](auto tag) {
    using T = decltype(tag);
    map2<T, T, Op>(c, a, b, c.out(a.dtype, a.numel())->as<T>());
  });
}

template <class Op>
void compare(Call& c) {
  const View& a = c.input(0);
  const View& b = c.input(1);
  check_same(c, a, b);
  uint8_t* out = c.out(BOOL, a.numel())->as<uint8_t>();
  FLINT_DISPATCH(a.dtype, T, map2<T, uint8_t, Op>(c, a, b, out));
}

// ---- where, cast ----

// where only moves values: one kernel per element size serves every dtype.
template <class W>
__global__ void where_kernel(Nest nest, const uint8_t* __restrict__ k, const W* __restrict__ a,
                             const W* __restrict__ b, W* __restrict__ out) {
  FLINT_GRID_LOOP(i, nest.size) {
    int64_t off[3];
    offsets_of(nest, i, off);
    out[i] = k[off[0]] ? a[off[1]] : b[off[2]];
  }
}

template <class W>
void where_as(const Call& c, const View& cond, const View& a, const View& b, Buf* out) {
  const Nest nest = make_nest(a.rank, a.shape, {cond.strides, a.strides, b.strides});
  if (nest.size == 0) return;
  launch(c, grid_for(nest.size), kThreads, 0, where_kernel<W>, nest, cond.base<uint8_t>(),
         a.base<W>(), b.base<W>(), out->as<W>());
}

void where(Call& c) {
  const View& cond = c.input(0);
  const View& a = c.input(1);
  const View& b = c.input(2);
  if (cond.dtype != BOOL)
    c.fail(std::string("condition must be bool, got ") + dtype_name(cond.dtype));
  check_same(c, a, b);
  for (int d = 0; d < a.rank; d++)
    if (cond.rank != a.rank || cond.shape[d] != a.shape[d])
      c.fail("condition " + cond.describe() + " does not match " + a.describe());
  Buf* out = c.out(a.dtype, a.numel());
  switch (dtype_size(a.dtype)) {
    case 1: where_as<uint8_t>(c, cond, a, b, out); break;
    case 4: where_as<uint32_t>(c, cond, a, b, out); break;
    default: where_as<uint64_t>(c, cond, a, b, out); break;
  }
}

// Through double, as the CPU's cast: every source value is exact in double.
template <class To>
struct Cast {
  template <class S> static FLINT_HD To f(S v) { return convert<To>(static_cast<double>(v)); }
};

void cast(Call& c) {
  const View& x = c.input(0);
  const int64_t code = c.iarg(0);
  if (code < 0 || code > 3) c.fail("invalid target dtype");
  const DType to = static_cast<DType>(code);
  FLINT_DISPATCH(x.dtype, S, {
    FLINT_DISPATCH(to, T, map1<S, T, Cast<T>>(c, x, c.out(to, x.numel())->as<T>()));
  });
}

}  // namespace

void register_elementwise(Kernel* t) {
  FLINT_REGISTER_ELEMENTWISE_TABLE  // kernels/elementwise_ops.h
  t[P_where] = where;
  t[P_cast] = cast;
}

}  // namespace cuda
}  // namespace flint
