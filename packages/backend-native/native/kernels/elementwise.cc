// Element-wise kernels: unary and binary math, comparisons, where and cast, over strided
// inputs. Each primitive is a small functor (elementwise_ops.h, shared with the 'cuda' device);
// one templated loop (strided.h) runs them all, in parallel for large tensors. Semantics
// transcribe core's PRIMS reference functions.
#include <algorithm>

#include "../dispatch.h"
#include "../scalar.h"
#include "../strided.h"
#include "../threads.h"
#include "elementwise_ops.h"
#include "fused_simd.h"

namespace flint {
namespace {

using namespace ::flint::ew;  // the functors and their table (elementwise_ops.h)

void check_dtype(const Call& c, DType d, Accepts a) {
  bool ok = a == ALL || (a == NUMERIC && d != BOOL) || (a == FLOATS && (d == F32 || d == F64));
  if (!ok) c.fail(std::string("does not accept dtype ") + dtype_name(d));
}

// out[i] = f(x[i]) for a contiguous out of x's shape.
template <class T, class U, class F>
void map1(const View& x, U* out, F f) {
  int64_t cs[kMaxRank];
  contiguous_strides(x.rank, x.shape, cs);
  Nest nest = make_nest(x.rank, x.shape, {cs, x.strides});
  const T* xb = x.base<T>();
  parallel_for(nest.size, kGrain, [&](int64_t begin, int64_t end) {
    nest_run(nest, begin, end, [&](int64_t n, const int64_t* off, const int64_t* inner) {
      U* o = out + off[0];
      const T* a = xb + off[1];
      const int64_t s = inner[1];
      if (s == 1)
        for (int64_t i = 0; i < n; i++) o[i] = f(a[i]);
      else
        for (int64_t i = 0; i < n; i++) o[i] = f(a[i * s]);
    });
  });
}

// out[i] = f(a[i], b[i]); a and b share a shape (broadcasts arrive as 0 strides).
template <class T, class U, class F>
void map2(const View& a, const View& b, U* out, F f) {
  int64_t cs[kMaxRank];
  contiguous_strides(a.rank, a.shape, cs);
  Nest nest = make_nest(a.rank, a.shape, {cs, a.strides, b.strides});
  const T* ab = a.base<T>();
  const T* bb = b.base<T>();
  parallel_for(nest.size, kGrain, [&](int64_t begin, int64_t end) {
    nest_run(nest, begin, end, [&](int64_t n, const int64_t* off, const int64_t* inner) {
      U* o = out + off[0];
      const T* x = ab + off[1];
      const T* y = bb + off[2];
      const int64_t sx = inner[1], sy = inner[2];
      if (sx == 1 && sy == 1)
        for (int64_t i = 0; i < n; i++) o[i] = f(x[i], y[i]);
      else if (sx == 1 && sy == 0)
        for (int64_t i = 0; i < n; i++) o[i] = f(x[i], y[0]);
      else if (sx == 0 && sy == 1)
        for (int64_t i = 0; i < n; i++) o[i] = f(x[0], y[i]);
      else
        for (int64_t i = 0; i < n; i++) o[i] = f(x[i * sx], y[i * sy]);
    });
  });
}

// ---- unary ----

template <class Op, Accepts A>
void unary(Call& c) {
  const View& x = c.input(0);
  check_dtype(c, x.dtype, A);
  FLINT_DISPATCH(x.dtype, T, {
    T* out = c.out(x.dtype, x.numel())->as<T>();
    map1<T>(x, out, [](T v) { return Op::template f<T>(v); });
  });
}

// exp and sigmoid of float tensors, 8 (float) or 4 (double) lanes at a time with the AVX2 exp of
// fused_simd.h: the compiler cannot vectorise std::exp without -ffast-math, and these two carry
// activations (sigmoid gates of an LSTM, softmax-like code). Every element goes through this
// same vector arithmetic — a run's tail through a masked load, a strided run gathered a vector
// at a time — so an element's result never depends on the tensor's size, layout or thread split
// (a scalar std::exp for the leftovers would round some of them differently).
template <class T, bool Sigmoid>
typename simd::V<T>::R vec_op(typename simd::V<T>::R x) {
  using W = simd::V<T>;
  if constexpr (!Sigmoid) {
    return W::exp(x);
  } else if constexpr (std::is_same<T, float>::value) {
    // e = exp(−|x|), s = 1/(1 + e): x ≥ 0 → s, else e·s (no overflow, no cancellation).
    __m256 e = W::exp(_mm256_sub_ps(_mm256_setzero_ps(), _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x)));
    __m256 sg = _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_add_ps(_mm256_set1_ps(1.0f), e));
    return _mm256_blendv_ps(_mm256_mul_ps(e, sg), sg, _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_GE_OQ));
  } else {
    __m256d e =
        W::exp(_mm256_sub_pd(_mm256_setzero_pd(), _mm256_andnot_pd(_mm256_set1_pd(-0.0), x)));
    __m256d sg = _mm256_div_pd(_mm256_set1_pd(1.0), _mm256_add_pd(_mm256_set1_pd(1.0), e));
    return _mm256_blendv_pd(_mm256_mul_pd(e, sg), sg, _mm256_cmp_pd(x, _mm256_setzero_pd(), _CMP_GE_OQ));
  }
}

template <bool Sigmoid>
void unary_vec(Call& c) {
  const View& x = c.input(0);
  check_dtype(c, x.dtype, FLOATS);
  FLINT_DISPATCH_FLOAT(c, x.dtype, T, {
    using W = simd::V<T>;
    constexpr int N = W::N;
    T* out = c.out(x.dtype, x.numel())->as<T>();
    int64_t cs[kMaxRank];
    contiguous_strides(x.rank, x.shape, cs);
    Nest nest = make_nest(x.rank, x.shape, {cs, x.strides});
    const T* xb = x.base<T>();
    parallel_for(nest.size, kGrain / 4, [&](int64_t begin, int64_t end) {
      nest_run(nest, begin, end, [&](int64_t n, const int64_t* off, const int64_t* inner) {
        T* o = out + off[0];
        const T* a = xb + off[1];
        const int64_t s = inner[1];
        if (s == 1) {
          int64_t i = 0;
          for (; i + N <= n; i += N) W::store(o + i, vec_op<T, Sigmoid>(W::load(a + i)));
          if (i < n) W::store(o + i, vec_op<T, Sigmoid>(W::load(a + i, n - i, T(0))), n - i);
          return;
        }
        alignas(32) T line[N];
        for (int64_t i = 0; i < n; i += N) {
          const int64_t m = std::min<int64_t>(N, n - i);
          for (int64_t j = 0; j < N; j++) line[j] = j < m ? a[(i + j) * s] : T(0);
          W::store(line, vec_op<T, Sigmoid>(W::load(line)));
          for (int64_t j = 0; j < m; j++) o[i + j] = line[j];
        }
      });
    });
  });
}

// ---- binary ----

template <class Op, Accepts A>
void binary(Call& c) {
  const View& a = c.input(0);
  const View& b = c.input(1);
  check_same(c, a, b);
  check_dtype(c, a.dtype, A);
  FLINT_DISPATCH(a.dtype, T, {
    T* out = c.out(a.dtype, a.numel())->as<T>();
    map2<T>(a, b, out, [](T x, T y) { return Op::template f<T>(x, y); });
  });
}

// ---- comparisons: bool output ----

template <class Op>
void compare(Call& c) {
  const View& a = c.input(0);
  const View& b = c.input(1);
  check_same(c, a, b);
  uint8_t* out = c.out(BOOL, a.numel())->as<uint8_t>();
  FLINT_DISPATCH(a.dtype, T, map2<T>(a, b, out, [](T x, T y) -> uint8_t { return Op::f(x, y); }));
}

// ---- where, cast ----

// Branch-free k ? a : b through the values' bits: a relu mask is random, so a branch per element
// mispredicts half the time (~5 ns each), while bit selects vectorise.
template <class T>
inline T select(uint8_t k, T a, T b) {
  using U = typename std::conditional<sizeof(T) == 8, uint64_t,
            typename std::conditional<sizeof(T) == 4, uint32_t, uint8_t>::type>::type;
  U m = static_cast<U>(0) - static_cast<U>(k != 0);
  U ua, ub;
  std::memcpy(&ua, &a, sizeof(T));
  std::memcpy(&ub, &b, sizeof(T));
  U r = (ua & m) | (ub & ~m);
  T out;
  std::memcpy(&out, &r, sizeof(T));
  return out;
}

void where(Call& c) {
  const View& cond = c.input(0);
  const View& a = c.input(1);
  const View& b = c.input(2);
  if (cond.dtype != BOOL) c.fail(std::string("condition must be bool, got ") + dtype_name(cond.dtype));
  check_same(c, a, b);
  for (int d = 0; d < a.rank; d++)
    if (cond.rank != a.rank || cond.shape[d] != a.shape[d])
      c.fail("condition " + cond.describe() + " does not match " + a.describe());
  int64_t cs[kMaxRank];
  contiguous_strides(a.rank, a.shape, cs);
  Nest nest = make_nest(a.rank, a.shape, {cs, cond.strides, a.strides, b.strides});
  FLINT_DISPATCH(a.dtype, T, {
    T* out = c.out(a.dtype, a.numel())->as<T>();
    const uint8_t* cb = cond.base<uint8_t>();
    const T* xb = a.base<T>();
    const T* yb = b.base<T>();
    parallel_for(nest.size, kGrain, [&](int64_t begin, int64_t end) {
      nest_run(nest, begin, end, [&](int64_t n, const int64_t* off, const int64_t* in) {
        T* o = out + off[0];
        const uint8_t* k = cb + off[1];
        const T* x = xb + off[2];
        const T* y = yb + off[3];
        // The common shapes (relu's backward: where(x > 0, g, 0)) get branch-free loops the
        // compiler vectorises; anything else takes the general strided loop.
        if (in[1] == 1 && in[2] == 1 && in[3] == 1)
          for (int64_t i = 0; i < n; i++) o[i] = select(k[i], x[i], y[i]);
        else if (in[1] == 1 && in[2] == 1 && in[3] == 0)
          for (int64_t i = 0; i < n; i++) o[i] = select(k[i], x[i], y[0]);
        else if (in[1] == 1 && in[2] == 0 && in[3] == 1)
          for (int64_t i = 0; i < n; i++) o[i] = select(k[i], x[0], y[i]);
        else
          for (int64_t i = 0; i < n; i++) o[i] = k[i * in[1]] ? x[i * in[2]] : y[i * in[3]];
      });
    });
  });
}

void cast(Call& c) {
  const View& x = c.input(0);
  int64_t code = c.iarg(0);
  if (code < 0 || code > 3) c.fail("invalid target dtype");
  DType to = static_cast<DType>(code);
  FLINT_DISPATCH(x.dtype, S, {
    FLINT_DISPATCH(to, T, {
      T* out = c.out(to, x.numel())->as<T>();
      map1<S>(x, out, [](S v) { return convert<T>(static_cast<double>(v)); });
    });
  });
}

}  // namespace

void register_elementwise(Kernel* t) {
  FLINT_REGISTER_ELEMENTWISE_TABLE  // elementwise_ops.h
  t[P_exp] = unary_vec<false>;  // the AVX2 versions of the table's Exp and Sigmoid
  t[P_sigmoid] = unary_vec<true>;
  t[P_where] = where;
  t[P_cast] = cast;
}

}  // namespace flint
