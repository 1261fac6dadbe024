// Element-wise kernels of the 'cuda' device: unary and binary math, comparisons, where and cast,
// op for op the CPU device's kernels/elementwise.cc (same argument checks and messages, same
// scalar semantics through scalar.cuh). Float math uses CUDA's libm, which may differ from the
// CPU's by an ulp or two: within every float tolerance of the conformance suite.
#include <string>

#include "cuda/dispatch_cuda.h"
#include "cuda/kernels/elementwise_map.cuh"
#include "cuda/kernels/scalar.cuh"

namespace flint {
namespace cuda {
namespace {

void check_same(const Call& c, const View& a, const View& b) {
  if (a.dtype != b.dtype || a.rank != b.rank)
    c.fail("inputs differ: " + a.describe() + " vs " + b.describe());
  for (int d = 0; d < a.rank; d++)
    if (a.shape[d] != b.shape[d]) c.fail("inputs differ: " + a.describe() + " vs " + b.describe());
}

// ---- unary ----

#define FLOAT_UNARY(NAME, EXPR) \
  struct NAME {                 \
    template <class T>          \
    static FLINT_HD T f(T x) {  \
      return EXPR;              \
    }                           \
  };
FLOAT_UNARY(Exp, m_exp(x))
FLOAT_UNARY(Expm1, m_expm1(x))
FLOAT_UNARY(Log, m_log(x))
FLOAT_UNARY(Log1p, m_log1p(x))
FLOAT_UNARY(Sqrt, m_sqrt(x))
FLOAT_UNARY(Sin, m_sin(x))
FLOAT_UNARY(Cos, m_cos(x))
FLOAT_UNARY(Tanh, m_tanh(x))
FLOAT_UNARY(Erf, m_erf(x))
FLOAT_UNARY(Floor, m_floor(x))
FLOAT_UNARY(Ceil, m_ceil(x))
FLOAT_UNARY(Round, m_nearbyint(x))  // half to even, as torch.round
FLOAT_UNARY(Trunc, m_trunc(x))
#undef FLOAT_UNARY

// The CPU's formula: e = exp(−|x|), s = 1/(1 + e), x ≥ 0 → s, else e·s (no overflow, no
// cancellation; NaN falls to e·s = NaN).
struct Sigmoid {
  template <class T> static FLINT_HD T f(T x) {
    const T e = m_exp(-m_fabs(x));
    const T s = T(1) / (T(1) + e);
    return x >= T(0) ? s : e * s;
  }
};
struct Neg {
  template <class T> static FLINT_HD T f(T x) {
    if constexpr (std::is_same<T, int32_t>::value) return wrap_sub(0, x);
    else return -x;
  }
};
struct Abs {
  template <class T> static FLINT_HD T f(T x) {
    if constexpr (std::is_same<T, int32_t>::value) return x < 0 ? wrap_sub(0, x) : x;
    else return m_fabs(x);
  }
};
struct Sign {
  // torch: sign(NaN) = 0 and sign(−0) = +0.
  template <class T> static FLINT_HD T f(T x) { return x > 0 ? T(1) : x < 0 ? T(-1) : T(0); }
};

template <class Op>
void unary_float(Call& c) {
  const View& x = c.input(0);
  FLINT_DISPATCH_FLOATS(c, x.dtype, T, map1<T, T, Op>(c, x, c.out(x.dtype, x.numel())->as<T>()));
}

template <class Op>
void unary_numeric(Call& c) {
  const View& x = c.input(0);
  FLINT_DISPATCH_NUMERIC(c, x.dtype, T,
                         map1<T, T, Op>(c, x, c.out(x.dtype, x.numel())->as<T>()));
}

// ---- binary ----

struct Add {
  template <class T> static FLINT_HD T f(T a, T b) {
    if constexpr (std::is_same<T, int32_t>::value) return wrap_add(a, b);
    else return a + b;
  }
};
struct Sub {
  template <class T> static FLINT_HD T f(T a, T b) {
    if constexpr (std::is_same<T, int32_t>::value) return wrap_sub(a, b);
    else return a - b;
  }
};
struct Mul {
  template <class T> static FLINT_HD T f(T a, T b) {
    if constexpr (std::is_same<T, int32_t>::value) return wrap_mul(a, b);
    else return a * b;
  }
};
struct Div {
  template <class T> static FLINT_HD T f(T a, T b) { return a / b; }
};
struct Rem {
  template <class T> static FLINT_HD T f(T a, T b) { return remainder<T>(a, b); }
};
struct Pow {
  template <class T> static FLINT_HD T f(T a, T b) {
    if constexpr (std::is_same<T, int32_t>::value) return int_pow(a, b);
    // x² as one multiply, as the CPU does (the correctly rounded square either way).
    else return b == T(2) ? a * a : m_pow(a, b);
  }
};
struct Max {
  template <class T> static FLINT_HD T f(T a, T b) { return maximum<T>(a, b); }
};
struct Min {
  template <class T> static FLINT_HD T f(T a, T b) { return minimum<T>(a, b); }
};
struct And {
  template <class T> static FLINT_HD T f(T a, T b) { return a != 0 && b != 0 ? T(1) : T(0); }
};
struct Or {
  template <class T> static FLINT_HD T f(T a, T b) { return a != 0 || b != 0 ? T(1) : T(0); }
};

// Which dtypes a binary op accepts, as in PRIMS ('float' | 'numeric' | 'all').
enum Accepts { FLOATS, NUMERIC, ALL };

template <class Op, Accepts A>
void binary(Call& c) {
  const View& a = c.input(0);
  const View& b = c.input(1);
  check_same(c, a, b);
  auto run = [&](auto tag) {
    using T = decltype(tag);
    map2<T, T, Op>(c, a, b, c.out(a.dtype, a.numel())->as<T>());
  };
  if constexpr (A == FLOATS) {
    FLINT_DISPATCH_FLOATS(c, a.dtype, T, run(T()));
  } else if constexpr (A == NUMERIC) {
    FLINT_DISPATCH_NUMERIC(c, a.dtype, T, run(T()));
  } else {
    FLINT_DISPATCH(a.dtype, T, run(T()));
  }
}

// ---- comparisons: bool output ----

struct Eq { template <class T> static FLINT_HD bool f(T a, T b) { return a == b; } };
struct Ne { template <class T> static FLINT_HD bool f(T a, T b) { return a != b; } };
struct Lt { template <class T> static FLINT_HD bool f(T a, T b) { return a < b; } };
struct Le { template <class T> static FLINT_HD bool f(T a, T b) { return a <= b; } };
struct Gt { template <class T> static FLINT_HD bool f(T a, T b) { return a > b; } };
struct Ge { template <class T> static FLINT_HD bool f(T a, T b) { return a >= b; } };

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
  t[P_neg] = unary_numeric<Neg>;
  t[P_abs] = unary_numeric<Abs>;
  t[P_sign] = unary_numeric<Sign>;
  t[P_exp] = unary_float<Exp>;
  t[P_expm1] = unary_float<Expm1>;
  t[P_log] = unary_float<Log>;
  t[P_log1p] = unary_float<Log1p>;
  t[P_sqrt] = unary_float<Sqrt>;
  t[P_sin] = unary_float<Sin>;
  t[P_cos] = unary_float<Cos>;
  t[P_tanh] = unary_float<Tanh>;
  t[P_sigmoid] = unary_float<Sigmoid>;
  t[P_erf] = unary_float<Erf>;
  t[P_floor] = unary_float<Floor>;
  t[P_ceil] = unary_float<Ceil>;
  t[P_round] = unary_float<Round>;
  t[P_trunc] = unary_float<Trunc>;
  t[P_add] = binary<Add, NUMERIC>;
  t[P_sub] = binary<Sub, NUMERIC>;
  t[P_mul] = binary<Mul, NUMERIC>;
  t[P_div] = binary<Div, FLOATS>;
  t[P_remainder] = binary<Rem, NUMERIC>;
  t[P_pow] = binary<Pow, NUMERIC>;
  t[P_maximum] = binary<Max, NUMERIC>;
  t[P_minimum] = binary<Min, NUMERIC>;
  t[P_logicalAnd] = binary<And, ALL>;
  t[P_logicalOr] = binary<Or, ALL>;
  t[P_eq] = compare<Eq>;
  t[P_ne] = compare<Ne>;
  t[P_lt] = compare<Lt>;
  t[P_le] = compare<Le>;
  t[P_gt] = compare<Gt>;
  t[P_ge] = compare<Ge>;
  t[P_where] = where;
  t[P_cast] = cast;
}

}  // namespace cuda
}  // namespace flint
