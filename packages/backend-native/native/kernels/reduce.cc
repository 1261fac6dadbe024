// Reductions over a set of axes (sum, prod, max, min); argmax/argmin/cumsum live in
// reduce_axis.h. x is walked once in memory order and each element folded into an
// accumulator laid out as the output, whose strides are 0 on the reduced axes: a row
// reduction folds runs into one scalar (split into lanes so it vectorises), a column reduction
// adds whole rows into the accumulator row — both stream memory in order. Float sums and
// products accumulate in float64 and round once into a float32 output; int32 wraps.
#include <algorithm>
#include <limits>
#include <vector>

#include "../dispatch.h"
#include "../scalar.h"
#include "../strided.h"
#include "../threads.h"
#include "reduce_axis.h"

namespace flint {
namespace {

template <class T> using is_f = std::is_floating_point<T>;

// Each fold: accumulator A and output O for input T, its identity and its step. Sum and
// prod accumulate floats in double; bool and int32 in int32.
struct SumOp {
  template <class T> using Acc = std::conditional_t<is_f<T>::value, double, int32_t>;
  template <class T> using Out = std::conditional_t<std::is_same<T, uint8_t>::value, int32_t, T>;
  static constexpr bool kLanes = true;  // reassociating only moves float64 rounding
  static constexpr int kExtreme = 0;     // 1: max, -1: min (key lanes, reduce_axis.h)
  template <class A> static A init() { return A(0); }  // +0, as torch: a sum of −0s is +0
  template <class A, class T> static A step(A s, T v) {
    if constexpr (is_f<A>::value) return s + static_cast<A>(v);
    else return wrap_add(s, static_cast<int32_t>(v));
  }
};
struct ProdOp {
  template <class T> using Acc = SumOp::Acc<T>;
  template <class T> using Out = SumOp::Out<T>;
  static constexpr bool kLanes = true;  // as for sums: only float64 rounding moves
  static constexpr int kExtreme = 0;
  template <class A> static A init() { return A(1); }
  template <class A, class T> static A step(A s, T v) {
    if constexpr (is_f<A>::value) return s * static_cast<A>(v);
    else return wrap_mul(s, static_cast<int32_t>(v));
  }
};
// max/min keep the dtype. NaN wins and sticks, +0 beats −0 for max and −0 beats +0 for min,
// as scalar.h's maximum/minimum — written as selects, without branches, so loops vectorise.
// Both are commutative and associative, so lanes change nothing.
template <class F> inline F max_select(F a, F v) {
  F m = v > a ? v : a;
  m = v == a ? (std::signbit(a) ? v : a) : m;  // equal: only ±0 differ; prefer +0
  return v != v ? v : m;                        // a NaN `a` already survives both selects
}
template <class F> inline F min_select(F a, F v) {
  F m = v < a ? v : a;
  m = v == a ? (std::signbit(a) ? a : v) : m;
  return v != v ? v : m;
}
struct MaxOp {
  template <class T> using Acc = T;
  template <class T> using Out = T;
  static constexpr bool kLanes = true;
  static constexpr int kExtreme = 1;
  template <class A> static A init() {
    if constexpr (is_f<A>::value) return -INFINITY;
    else return std::numeric_limits<A>::lowest();
  }
  template <class A> static A step(A s, A v) {
    if constexpr (is_f<A>::value) return max_select(s, v);
    else return v > s ? v : s;
  }
};
struct MinOp {
  template <class T> using Acc = T;
  template <class T> using Out = T;
  static constexpr bool kLanes = true;
  static constexpr int kExtreme = -1;
  template <class A> static A init() {
    if constexpr (is_f<A>::value) return INFINITY;
    else if constexpr (std::is_same<A, uint8_t>::value) return A(1);  // bool: true
    else return std::numeric_limits<A>::max();
  }
  template <class A> static A step(A s, A v) {
    if constexpr (is_f<A>::value) return min_select(s, v);
    else return v < s ? v : s;
  }
};

// Folds x[0], x[sx], … (n of them) into s. Contiguous runs use 8 independent lanes so the
// compiler can vectorise the loop-carried fold. Not for bool → int32: GCC 12 -O3 miscompiles
// lanes that widen narrow integers when inlined into a loop (bool sums came out 1/4 or 1/2 of
// the truth); its plain vectorised loop is correct and as fast there.
template <class Op, class A, class T>
A fold_run(A s, const T* x, int64_t n, int64_t sx) {
  if constexpr (Op::kExtreme != 0)
    if (sx == 1) return reduce_axis::extreme_run<(Op::kExtreme > 0)>(s, x, n);
  constexpr int L = 8;
  constexpr bool lanes = Op::kLanes && (is_f<A>::value || sizeof(T) == sizeof(A));
  int64_t i = 0;
  if (lanes && sx == 1 && n >= 2 * L) {
    A lane[L];
    for (int l = 0; l < L; l++) lane[l] = Op::template init<A>();
    for (; i + L <= n; i += L)
      for (int l = 0; l < L; l++) lane[l] = Op::step(lane[l], static_cast<A>(x[i + l]));
    for (int l = 0; l < L; l++) s = Op::step(s, lane[l]);
  }
  for (; i < n; i++) s = Op::step(s, static_cast<A>(x[i * sx]));
  return s;
}

// acc[i·sa] = step(acc[i·sa], x[i·sx]): an output row folded with an input row.
template <class Op, class A, class T>
void fold_row(A* acc, int64_t sa, const T* x, int64_t sx, int64_t n) {
  if (sa == 1 && sx == 1)
    for (int64_t i = 0; i < n; i++) acc[i] = Op::step(acc[i], static_cast<A>(x[i]));
  else
    for (int64_t i = 0; i < n; i++) acc[i * sa] = Op::step(acc[i * sa], static_cast<A>(x[i * sx]));
}

// The iteration space: x's dims in walking order with x's and the accumulator's strides.
struct Space {
  int rank;
  int64_t shape[kMaxRank], xs[kMaxRank], as[kMaxRank];
};

Space make_space(const View& x, const bool* reduced) {
  int64_t kept[kMaxRank], ks[kMaxRank];
  int nk = 0;
  for (int d = 0; d < x.rank; d++)
    if (!reduced[d]) kept[nk++] = x.shape[d];
  contiguous_strides(nk, kept, ks);
  int order[kMaxRank];
  for (int d = 0; d < x.rank; d++) order[d] = d;
  // Row-major views keep their order; others walk their smallest stride innermost.
  if (!x.contiguous())
    std::stable_sort(order, order + x.rank, [&](int a, int b) {
      return std::llabs(x.strides[a]) > std::llabs(x.strides[b]);
    });
  int64_t as[kMaxRank];
  for (int d = 0, k = 0; d < x.rank; d++) as[d] = reduced[d] ? 0 : ks[k++];
  Space s;
  s.rank = x.rank;
  for (int i = 0; i < x.rank; i++) {
    s.shape[i] = x.shape[order[i]];
    s.xs[i] = x.strides[order[i]];
    s.as[i] = as[order[i]];
  }
  return s;
}

// Folds the part of x with index in [b, e) along space dim p (all of x when p < 0) into acc.
template <class Op, class A, class T>
void fold_part(const Space& sp, const T* xb, A* acc, int p, int64_t b, int64_t e) {
  int64_t shape[kMaxRank];
  std::copy(sp.shape, sp.shape + sp.rank, shape);
  if (p >= 0) {
    shape[p] = e - b;
    xb += b * sp.xs[p];
    acc += b * sp.as[p];
  }
  Nest nest = make_nest(sp.rank, shape, {sp.as, sp.xs});
  nest_run(nest, 0, nest.size, [&](int64_t n, const int64_t* off, const int64_t* in) {
    if (in[0] == 0) acc[off[0]] = fold_run<Op>(acc[off[0]], xb + off[1], n, in[1]);
    else fold_row<Op>(acc + off[0], in[0], xb + off[1], in[1], n);
  });
}

// Below this many bytes read a reduction runs on the calling thread alone. A reduction streams
// memory (tens of GB/s), so 8 MiB is a few hundred µs of one thread's work: less gained too
// little from a second thread on the 2-vCPU benchmark VMs to pay for waking it and sharing the
// memory bus (sum rows of 1024×1024 floats, 4 MiB: 2 threads were 0.79× of 1). Counted in bytes,
// not elements, so float64 inputs split at half the element count of float32 ones.
constexpr int64_t kReduceParallelBytes = int64_t(8) << 20;

// Reduces x into acc[0, m) (already set to the identity). Large inputs are split so each
// thread streams its own contiguous stretch of x: along an outer kept dim (disjoint outputs),
// or along a reduced dim in fixed blocks whose partial results are combined in order. Blocks
// depend on sizes only, never on the thread count, so results are reproducible. Splitting the
// innermost kept dim (column sums) would interleave the threads' reads row by row, which is
// slower than one thread when rows are short, so it is the last resort.
template <class Op, class A, class T>
void fold_all(const View& x, const bool* reduced, A* acc, int64_t m) {
  const Space sp = make_space(x, reduced);
  const T* xb = x.base<T>();
  const int64_t total = x.numel();
  const int threads = num_threads();
  int kp = -1, rp = -1, inner = -1;  // outermost sizeable kept dim; largest reduced dim
  for (int d = 0; d < sp.rank; d++) {
    if (sp.shape[d] > 1) inner = d;
    if (sp.as[d] != 0 && kp < 0 && sp.shape[d] >= 2 * threads) kp = d;
    if (sp.as[d] == 0 && sp.shape[d] > 1 && (rp < 0 || sp.shape[d] > sp.shape[rp])) rp = d;
  }
  const bool kept_ok = kp >= 0 && (kp != inner || sp.shape[kp] / threads >= 4096);
  const int64_t blocks = rp < 0 ? 0 : std::min<int64_t>({sp.shape[rp], total / kGrain, 64});
  const bool blocks_ok = blocks >= 2 && blocks * m <= total;
  const bool small = total * static_cast<int64_t>(sizeof(T)) < kReduceParallelBytes;
  if (small || threads == 1 || (kp < 0 && !blocks_ok)) {
    fold_part<Op>(sp, xb, acc, -1, 0, 0);
  } else if (kept_ok || !blocks_ok) {
    const int64_t grain = std::max<int64_t>(1, kGrain / (total / sp.shape[kp]));
    parallel_for(sp.shape[kp], grain, [&](int64_t b, int64_t e) { fold_part<Op>(sp, xb, acc, kp, b, e); });
  } else {
    const int64_t len = sp.shape[rp];
    std::vector<A> part(static_cast<size_t>(blocks * m), Op::template init<A>());
    parallel_for(blocks, 1, [&](int64_t b0, int64_t b1) {
      for (int64_t k = b0; k < b1; k++)
        fold_part<Op>(sp, xb, part.data() + k * m, rp, len * k / blocks, len * (k + 1) / blocks);
    });
    for (int64_t k = 0; k < blocks; k++)
      for (int64_t j = 0; j < m; j++) acc[j] = Op::step(acc[j], part[k * m + j]);
  }
}

// Parses axes (sorted, unique, within x's rank) into a per-dim flag; false for a copy.
bool parse_axes(const Call& c, const View& x, bool* reduced) {
  std::fill(reduced, reduced + kMaxRank, false);
  for (int i = 0; i < c.nargs; i++) {
    const int64_t a = c.iarg(i);
    // A 0-d x accepts axis 0 (as torch does): still one element, so still a copy.
    if (x.rank == 0 && a == 0 && c.nargs == 1) return false;
    if (a < 0 || a >= x.rank || (i > 0 && a <= c.iarg(i - 1)))
      c.fail("axes must be sorted, unique and within rank " + std::to_string(x.rank));
    reduced[a] = true;
  }
  return c.nargs > 0;
}

template <class Op>
void reduce(Call& c) {
  const View& x = c.input(0);
  bool reduced[kMaxRank];
  const bool any = parse_axes(c, x, reduced);
  FLINT_DISPATCH(x.dtype, T, {
    using A = typename Op::template Acc<T>;
    using O = typename Op::template Out<T>;
    const DType od = std::is_same<O, int32_t>::value ? I32 : x.dtype;
    if (!any) {  // no axes: a copy, widened for bool sums
      reduce_axis::reduce_copy<T, O>(x, c.out(od, x.numel())->as<O>());
      return;
    }
    int64_t m = 1;
    for (int d = 0; d < x.rank; d++) m *= reduced[d] ? 1 : x.shape[d];
    O* out = c.out(od, m)->as<O>();
    if constexpr (std::is_same<A, O>::value) {
      std::fill(out, out + m, Op::template init<A>());
      if (x.numel() > 0) fold_all<Op, A, T>(x, reduced, out, m);
    } else {  // float32 sums and products: a float64 accumulator, rounded once
      std::vector<A> acc(static_cast<size_t>(m), Op::template init<A>());
      if (x.numel() > 0) fold_all<Op, A, T>(x, reduced, acc.data(), m);
      for (int64_t j = 0; j < m; j++) out[j] = static_cast<O>(acc[j]);
    }
  });
}

}  // namespace

void register_reduce(Kernel* t) {
  t[P_sum] = reduce<SumOp>;
  t[P_prod] = reduce<ProdOp>;
  t[P_max] = reduce<MaxOp>;
  t[P_min] = reduce<MinOp>;
  t[P_argmax] = reduce_axis::arg_reduce<true>;
  t[P_argmin] = reduce_axis::arg_reduce<false>;
  t[P_cumsum] = reduce_axis::cumsum;
}

}  // namespace flint
