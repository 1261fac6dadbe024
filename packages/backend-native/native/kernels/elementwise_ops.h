// The element-wise primitives' scalar functors and their table, shared by the CPU device
// (kernels/elementwise.cc) and the 'cuda' device (cuda/kernels/elementwise.cu): one
// transcription of core's PRIMS reference functions for both. Each functor's f is FLINT_SHARED
// (always inlined on the CPU, so its loops still vectorise). The CPU instantiates every functor
// for every dtype and checks the dtype at run time, so float-only math is guarded by is_float_v
// and passes other dtypes through unchanged (those instantiations never run).
#pragma once
#include <cstdint>
#include <string>
#include <type_traits>

#include "../common.h"
#include "../host_device.h"
#include "../scalar_float.h"
#include "../scalar_int.h"

namespace flint {
namespace ew {

// Which dtypes a primitive accepts, as in PRIMS ('float' | 'numeric' | 'all').
enum Accepts { FLOATS, NUMERIC, ALL };

// The operands of a binary op, comparison or where arrive with one dtype and one shape (core
// promotes and broadcasts); anything else is refused with one message on both devices.
inline void check_same(const Call& c, const View& a, const View& b) {
  if (a.dtype != b.dtype || a.rank != b.rank)
    c.fail("inputs differ: " + a.describe() + " vs " + b.describe());
  for (int d = 0; d < a.rank; d++)
    if (a.shape[d] != b.shape[d]) c.fail("inputs differ: " + a.describe() + " vs " + b.describe());
}

// ---- unary ----

#define FLINT_FLOAT_UNARY(NAME, EXPR)             \
  struct NAME {                                   \
    template <class T> static FLINT_SHARED T f(T x) { \
      if constexpr (is_float_v<T>) return EXPR;   \
      else return x;                              \
    }                                             \
  };
FLINT_FLOAT_UNARY(Exp, m_exp(x))
FLINT_FLOAT_UNARY(Expm1, m_expm1(x))
FLINT_FLOAT_UNARY(Log, m_log(x))
FLINT_FLOAT_UNARY(Log1p, m_log1p(x))
FLINT_FLOAT_UNARY(Sqrt, m_sqrt(x))
FLINT_FLOAT_UNARY(Sin, m_sin(x))
FLINT_FLOAT_UNARY(Cos, m_cos(x))
FLINT_FLOAT_UNARY(Tanh, m_tanh(x))
FLINT_FLOAT_UNARY(Erf, m_erf(x))
FLINT_FLOAT_UNARY(Floor, m_floor(x))
FLINT_FLOAT_UNARY(Ceil, m_ceil(x))
FLINT_FLOAT_UNARY(Round, m_nearbyint(x))  // default rounding mode: half to even, as torch.round
FLINT_FLOAT_UNARY(Trunc, m_trunc(x))
#undef FLINT_FLOAT_UNARY

// e = exp(−|x|), s = 1/(1 + e): x ≥ 0 → s, else e·s (no overflow, no cancellation; NaN falls to
// e·s = NaN). The CPU runs the same formula in AVX2 lanes (elementwise.cc's vec_op).
struct Sigmoid {
  template <class T> static FLINT_SHARED T f(T x) {
    if constexpr (is_float_v<T>) {
      const T e = m_exp(-m_fabs(x));
      const T s = T(1) / (T(1) + e);
      return x >= T(0) ? s : e * s;
    } else {
      return x;
    }
  }
};
struct Neg {
  template <class T> static FLINT_SHARED T f(T x) {
    if constexpr (std::is_same<T, int32_t>::value) return wrap_sub(0, x);
    else return -x;
  }
};
struct Abs {
  template <class T> static FLINT_SHARED T f(T x) {
    if constexpr (std::is_same<T, int32_t>::value) return x < 0 ? wrap_sub(0, x) : x;
    else if constexpr (is_float_v<T>) return m_fabs(x);
    else return x;
  }
};
struct Sign {
  // torch: sign(NaN) = 0 and sign(−0) = +0.
  template <class T> static FLINT_SHARED T f(T x) { return x > 0 ? T(1) : x < 0 ? T(-1) : T(0); }
};

// ---- binary ----

struct Add {
  template <class T> static FLINT_SHARED T f(T a, T b) {
    if constexpr (std::is_same<T, int32_t>::value) return wrap_add(a, b);
    else return a + b;
  }
};
struct Sub {
  template <class T> static FLINT_SHARED T f(T a, T b) {
    if constexpr (std::is_same<T, int32_t>::value) return wrap_sub(a, b);
    else return a - b;
  }
};
struct Mul {
  template <class T> static FLINT_SHARED T f(T a, T b) {
    if constexpr (std::is_same<T, int32_t>::value) return wrap_mul(a, b);
    else return a * b;
  }
};
struct Div {
  template <class T> static FLINT_SHARED T f(T a, T b) { return a / b; }
};
struct Rem {
  template <class T> static FLINT_SHARED T f(T a, T b) { return remainder<T>(a, b); }
};
struct Pow {
  template <class T> static FLINT_SHARED T f(T a, T b) {
    if constexpr (std::is_same<T, int32_t>::value) return int_pow(a, b);
    // x² (square, tanh's and many losses' gradients) as one multiply instead of a libm call:
    // both are the correctly rounded square, and NaN, ±inf and −0 come out the same.
    else if constexpr (is_float_v<T>) return b == T(2) ? a * a : m_pow(a, b);
    else return a;
  }
};
struct Max {
  template <class T> static FLINT_SHARED T f(T a, T b) { return maximum<T>(a, b); }
};
struct Min {
  template <class T> static FLINT_SHARED T f(T a, T b) { return minimum<T>(a, b); }
};
struct And {
  template <class T> static FLINT_SHARED T f(T a, T b) { return a != 0 && b != 0 ? T(1) : T(0); }
};
struct Or {
  template <class T> static FLINT_SHARED T f(T a, T b) { return a != 0 || b != 0 ? T(1) : T(0); }
};

// ---- comparisons: bool output ----

struct Eq { template <class T> static FLINT_SHARED bool f(T a, T b) { return a == b; } };
struct Ne { template <class T> static FLINT_SHARED bool f(T a, T b) { return a != b; } };
struct Lt { template <class T> static FLINT_SHARED bool f(T a, T b) { return a < b; } };
struct Le { template <class T> static FLINT_SHARED bool f(T a, T b) { return a <= b; } };
struct Gt { template <class T> static FLINT_SHARED bool f(T a, T b) { return a > b; } };
struct Ge { template <class T> static FLINT_SHARED bool f(T a, T b) { return a >= b; } };

}  // namespace ew
}  // namespace flint

// The table both devices register from: X(primitive, functor, accepted dtypes) for the unary and
// binary math, X(primitive, functor) for the comparisons. A device may register a faster kernel
// for a primitive afterwards (the CPU's AVX2 exp and sigmoid) without changing its semantics.
#define FLINT_UNARY_PRIMS(X)                                                              \
  X(neg, Neg, NUMERIC) X(abs, Abs, NUMERIC) X(sign, Sign, NUMERIC) X(exp, Exp, FLOATS)    \
  X(expm1, Expm1, FLOATS) X(log, Log, FLOATS) X(log1p, Log1p, FLOATS) X(sqrt, Sqrt, FLOATS) \
  X(sin, Sin, FLOATS) X(cos, Cos, FLOATS) X(tanh, Tanh, FLOATS) X(sigmoid, Sigmoid, FLOATS) \
  X(erf, Erf, FLOATS) X(floor, Floor, FLOATS) X(ceil, Ceil, FLOATS) X(round, Round, FLOATS) \
  X(trunc, Trunc, FLOATS)
#define FLINT_BINARY_PRIMS(X)                                                             \
  X(add, Add, NUMERIC) X(sub, Sub, NUMERIC) X(mul, Mul, NUMERIC) X(div, Div, FLOATS)      \
  X(remainder, Rem, NUMERIC) X(pow, Pow, NUMERIC) X(maximum, Max, NUMERIC)                \
  X(minimum, Min, NUMERIC) X(logicalAnd, And, ALL) X(logicalOr, Or, ALL)
#define FLINT_COMPARE_PRIMS(X) X(eq, Eq) X(ne, Ne) X(lt, Lt) X(le, Le) X(gt, Gt) X(ge, Ge)

// Inside a device's register_elementwise(Kernel* t): fills t from the table with that file's
// kernel templates unary<Op, A>, binary<Op, A> and compare<Op>.
#define FLINT_EW_UNARY_ENTRY(P, OP, A) t[P_##P] = unary<OP, A>;
#define FLINT_EW_BINARY_ENTRY(P, OP, A) t[P_##P] = binary<OP, A>;
#define FLINT_EW_COMPARE_ENTRY(P, OP) t[P_##P] = compare<OP>;
#define FLINT_REGISTER_ELEMENTWISE_TABLE       \
  FLINT_UNARY_PRIMS(FLINT_EW_UNARY_ENTRY)      \
  FLINT_BINARY_PRIMS(FLINT_EW_BINARY_ENTRY)    \
  FLINT_COMPARE_PRIMS(FLINT_EW_COMPARE_ENTRY)
