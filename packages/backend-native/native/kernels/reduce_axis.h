// Kernels along one axis for reduce.cc: argmax/argmin (first index of the extreme; NaN counts
// as the extreme) and cumsum (inclusive scan). x is seen as [outer, axis, inner]: when inner
// is 1 each line is scanned on its own; otherwise a whole inner block is carried along the
// axis at once (per-position accumulators), so a scan down a leading axis streams rows in
// memory order instead of striding down columns.
#pragma once
#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

#include "../dispatch.h"
#include "../scalar.h"
#include "../strided.h"
#include "../threads.h"

namespace flint {
namespace reduce_axis {

// out (contiguous, x's shape) = x converted to O: what reducing over no axes returns.
template <class T, class O>
void reduce_copy(const View& x, O* out) {
  int64_t cs[kMaxRank];
  contiguous_strides(x.rank, x.shape, cs);
  Nest nest = make_nest(x.rank, x.shape, {cs, x.strides});
  if (nest.size == 0) return;
  const T* xb = x.base<T>();
  parallel_for(nest.size, kGrain, [&](int64_t begin, int64_t end) {
    nest_run(nest, begin, end, [&](int64_t n, const int64_t* off, const int64_t* in) {
      for (int64_t i = 0; i < n; i++) out[off[0] + i * in[0]] = static_cast<O>(xb[off[1] + i * in[1]]);
    });
  });
}

struct AxisPlan {
  int64_t len = 1, sa = 0;            // x's size and stride along the axis
  int64_t outer_n = 1, inner_n = 1;   // elements before / after the axis
  Nest outer;  // dims before the axis: {output, x}
  Nest inner;  // dims after the axis: {output (contiguous, so its offset is the position), x}
};

// keep_axis: the output has x's shape (cumsum) rather than x's shape without the axis.
inline AxisPlan plan_axis(const Call& c, const View& x, bool keep_axis) {
  const int64_t axis = c.iarg(0);
  if (axis < 0 || axis >= std::max(x.rank, 1))
    c.fail("axis " + std::to_string(axis) + " is out of range for " + x.describe());
  AxisPlan p;
  // A 0-d x is one line of length 1 (torch accepts dim 0 on scalars).
  const int ro = x.rank == 0 ? 0 : static_cast<int>(axis);
  const int ri = x.rank == 0 ? 0 : x.rank - ro - 1;
  if (x.rank > 0) {
    p.len = x.shape[axis];
    p.sa = x.strides[axis];
  }
  const int64_t* ishape = x.shape + ro + (x.rank > 0);
  const int64_t* istrides = x.strides + ro + (x.rank > 0);
  for (int d = 0; d < ri; d++) p.inner_n *= ishape[d];
  for (int d = 0; d < ro; d++) p.outer_n *= x.shape[d];
  int64_t ics[kMaxRank], ocs[kMaxRank];
  contiguous_strides(ri, ishape, ics);
  p.inner = make_nest(ri, ishape, {ics, istrides});
  contiguous_strides(ro, x.shape, ocs);
  const int64_t step = keep_axis ? p.len * p.inner_n : p.inner_n;
  for (int d = 0; d < ro; d++) ocs[d] *= step;
  p.outer = make_nest(ro, x.shape, {ocs, x.strides});
  return p;
}

// Calls block(xo, oo, jb, je) for every outer index (x offset xo, output offset oo) over the
// inner positions [jb, je); each output element is computed by one call. Large work is split
// by outer index, each thread then streaming its own stretch of x; by inner range only when
// each thread's share of a row is long, since short shares interleave the threads' reads row
// by row, which is slower than one thread.
template <class F>
void for_blocks(const AxisPlan& p, F&& block) {
  const int64_t work = p.outer_n * p.len * p.inner_n;
  if (work == 0) return;
  auto outer_range = [&](int64_t b, int64_t e, int64_t jb, int64_t je) {
    nest_run(p.outer, b, e, [&](int64_t n, const int64_t* off, const int64_t* in) {
      for (int64_t i = 0; i < n; i++) block(off[1] + i * in[1], off[0] + i * in[0], jb, je);
    });
  };
  constexpr int64_t kShare = 4096;
  const int threads = num_threads();
  const bool by_outer = p.inner_n == 1 || p.outer_n >= 4 * threads ||
                        (p.outer_n >= threads && p.inner_n < threads * kShare);
  if (work < 2 * kGrain || threads == 1 || (!by_outer && p.inner_n < 2 * kShare)) {
    outer_range(0, p.outer_n, 0, p.inner_n);
  } else if (by_outer) {
    const int64_t grain = std::max<int64_t>(1, kGrain / (p.len * p.inner_n));
    parallel_for(p.outer_n, grain, [&](int64_t b, int64_t e) { outer_range(b, e, 0, p.inner_n); });
  } else {
    const int64_t grain = std::max<int64_t>(kShare, kGrain / p.len);
    nest_run(p.outer, 0, p.outer_n, [&](int64_t n, const int64_t* off, const int64_t* in) {
      for (int64_t i = 0; i < n; i++)
        parallel_for(p.inner_n, grain, [&](int64_t jb, int64_t je) {
          block(off[1] + i * in[1], off[0] + i * in[0], jb, je);
        });
    });
  }
}

// ---- argmax / argmin ----

// Floats as order-preserving signed integers: −NaN < −∞ < … < −0 < +0 < … < +∞ < +NaN, so
// max/min with +0 above −0 become integer max/min, one cheap op per lane. NaNs are mapped to
// the winning end (the integers no float maps to), so they win and stick. Ints are their own
// keys.
template <class T> struct Keys {
  using K = T;
  template <bool kMax> static K key(T v) { return v; }
  static T value(K k) { return k; }
};
template <class F, class I> struct FloatKeys {
  using K = I;
  static constexpr I kTop = std::numeric_limits<I>::max(), kBottom = std::numeric_limits<I>::min();
  static I flip(I b) { return b ^ ((b >> (sizeof(I) * 8 - 1)) & kTop); }  // an involution
  template <bool kMax> static I key(F v) {
    I b;
    std::memcpy(&b, &v, sizeof b);
    return v != v ? (kMax ? kTop : kBottom) : flip(b);
  }
  static F value(I k) {
    if (k == kTop || k == kBottom) return NAN;
    const I b = flip(k);
    F v;
    std::memcpy(&v, &b, sizeof v);
    return v;
  }
};
template <> struct Keys<float> : FloatKeys<float, int32_t> {};
template <> struct Keys<double> : FloatKeys<double, int64_t> {};

// max (kMax) or min of s and x[0, n): NaN wins, +0 beats −0 for max and −0 for min — the
// semantics of scalar.h's maximum/minimum — in independent lanes that vectorise.
template <bool kMax, class T>
T extreme_run(T s, const T* x, int64_t n) {
  using KT = Keys<T>;
  using K = typename KT::K;
  constexpr int L = 32;
  auto pick = [](K a, K b) { return kMax ? (b > a ? b : a) : (b < a ? b : a); };
  K lane[L];
  const K k0 = KT::template key<kMax>(s);
  for (int l = 0; l < L; l++) lane[l] = k0;
  int64_t i = 0;
  for (; i + L <= n; i += L)
    for (int l = 0; l < L; l++) lane[l] = pick(lane[l], KT::template key<kMax>(x[i + l]));
  K m = lane[0];
  for (int l = 1; l < L; l++) m = pick(m, lane[l]);
  for (; i < n; i++) m = pick(m, KT::template key<kMax>(x[i]));
  return KT::value(m);
}

// Whether v replaces best: strictly better, or the first NaN; nothing replaces a NaN.
template <bool kMax, class T> inline bool better(T v, T best) {
  if constexpr (std::is_floating_point<T>::value)
    return best == best && ((kMax ? v > best : v < best) || v != v);
  else
    return kMax ? v > best : v < best;
}

// First index of the extreme of a contiguous line: one vectorised pass for the extreme value,
// then a search for its first match (ties and ±0 compare equal; NaN is the extreme) — the
// index the sequential scan picks, without its loop-carried branch.
template <bool kMax, class T>
int32_t arg_line(const T* x, int64_t len) {
  const T m = extreme_run<kMax>(x[0], x, len);
  const bool nan = m != m;
  // Blocks of 32 are tested whole (vectorisable), and only the block holding a match is
  // searched element by element; the match exists, so the scan always stops.
  constexpr int B = 32;
  int64_t k = 0;
  auto match = [&](T v) { return nan ? v != v : v == m; };
  for (; k + B <= len; k += B) {
    int hits = 0;
    for (int l = 0; l < B; l++) hits += match(x[k + l]);
    if (hits) break;
  }
  while (!match(x[k])) k++;
  return static_cast<int32_t>(k);
}

// One step along the axis for a run of positions: selects, not branches, so it vectorises.
template <bool kMax, class T>
void arg_update(T* __restrict b, int32_t* __restrict o, const T* __restrict x, int64_t sx,
                int64_t n, int32_t k) {
  auto step = [&](int64_t i, T v) {
    const T cur = b[i];
    const bool u = better<kMax>(v, cur);
    b[i] = u ? v : cur;
    o[i] = u ? k : o[i];
  };
  if (sx == 1)
    for (int64_t i = 0; i < n; i++) step(i, x[i]);
  else
    for (int64_t i = 0; i < n; i++) step(i, x[i * sx]);
}

template <bool kMax, class T>
void arg_block(const AxisPlan& p, const T* xb, int32_t* out, int64_t xo, int64_t oo, int64_t jb,
               int64_t je) {
  if (p.inner_n == 1) {
    const T* x = xb + xo;
    if (p.sa == 1) {
      out[oo] = arg_line<kMax>(x, p.len);
      return;
    }
    T best = x[0];
    int32_t bi = 0;
    for (int64_t k = 1; k < p.len; k++)
      if (better<kMax>(x[k * p.sa], best)) {
        best = x[k * p.sa];
        bi = static_cast<int32_t>(k);
      }
    out[oo] = bi;
    return;
  }
  // A block of lines carried along the axis: running extreme and index per position.
  std::vector<T> best(static_cast<size_t>(je - jb));
  for (int64_t k = 0; k < p.len; k++) {
    const T* xk = xb + xo + k * p.sa;
    const int32_t kk = static_cast<int32_t>(k);
    nest_run(p.inner, jb, je, [&](int64_t n, const int64_t* off, const int64_t* in) {
      T* b = best.data() + (off[0] - jb);
      int32_t* o = out + oo + off[0];
      const T* x = xk + off[1];
      const int64_t sx = in[1];
      if (k == 0) {
        for (int64_t i = 0; i < n; i++) b[i] = x[i * sx], o[i] = 0;
        return;
      }
      arg_update<kMax>(b, o, x, sx, n, kk);
    });
  }
}

template <bool kMax>
void arg_reduce(Call& c) {
  const View& x = c.input(0);
  const AxisPlan p = plan_axis(c, x, false);
  const int64_t m = p.outer_n * p.inner_n;
  int32_t* out = c.out(I32, m)->as<int32_t>();
  if (p.len == 0) {  // rejected by core; defined anyway rather than recycled memory
    std::fill(out, out + m, 0);
    return;
  }
  FLINT_DISPATCH(x.dtype, T, {
    const T* xb = x.base<T>();
    for_blocks(p, [&](int64_t xo, int64_t oo, int64_t jb, int64_t je) {
      arg_block<kMax, T>(p, xb, out, xo, oo, jb, je);
    });
  });
}

// ---- cumsum ----

// Running sums: float64 for floats (rounded on each store into float32), wrapping int32 for
// int32 and bool. They start from +0, as torch's (a running sum of −0s is +0).
template <class A, class T> inline A scan_add(A s, T v) {
  if constexpr (std::is_floating_point<A>::value) return s + static_cast<A>(v);
  else return wrap_add(s, static_cast<int32_t>(v));
}

template <class T, class A, class O>
void scan_block(const AxisPlan& p, const T* xb, O* out, int64_t xo, int64_t oo, int64_t jb,
                int64_t je) {
  const A init = A(0);
  if (p.inner_n == 1) {
    const T* x = xb + xo;
    O* o = out + oo;
    A s = init;
    for (int64_t k = 0; k < p.len; k++) {
      s = scan_add(s, x[k * p.sa]);
      o[k] = static_cast<O>(s);
    }
    return;
  }
  std::vector<A> acc(static_cast<size_t>(je - jb), init);
  for (int64_t k = 0; k < p.len; k++) {
    const T* xk = xb + xo + k * p.sa;
    O* ok = out + oo + k * p.inner_n;
    nest_run(p.inner, jb, je, [&](int64_t n, const int64_t* off, const int64_t* in) {
      A* a = acc.data() + (off[0] - jb);
      O* o = ok + off[0];
      const T* x = xk + off[1];
      const int64_t sx = in[1];
      if (sx == 1)
        for (int64_t i = 0; i < n; i++) o[i] = static_cast<O>(a[i] = scan_add(a[i], x[i]));
      else
        for (int64_t i = 0; i < n; i++) o[i] = static_cast<O>(a[i] = scan_add(a[i], x[i * sx]));
    });
  }
}

inline void cumsum(Call& c) {
  const View& x = c.input(0);
  const AxisPlan p = plan_axis(c, x, true);
  FLINT_DISPATCH(x.dtype, T, {
    using A = std::conditional_t<std::is_floating_point<T>::value, double, int32_t>;
    using O = std::conditional_t<std::is_same<T, uint8_t>::value, int32_t, T>;
    O* out = c.out(x.dtype == BOOL ? I32 : x.dtype, x.numel())->as<O>();
    const T* xb = x.base<T>();
    for_blocks(p, [&](int64_t xo, int64_t oo, int64_t jb, int64_t je) {
      scan_block<T, A, O>(p, xb, out, xo, oo, jb, je);
    });
  });
}

}  // namespace reduce_axis
}  // namespace flint
