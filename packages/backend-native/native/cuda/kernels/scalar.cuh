// Scalar semantics of the 'cuda' kernels, callable from device and host code: the same rules as
// the CPU device's ../../scalar.h (JS ToInt32 casts, wrapping int32 arithmetic, Python-style
// remainder, NaN-propagating maximum/minimum with signed zeros), written with C math functions
// that both nvcc's device library and the host libm provide (scalar.h's std:: calls are host-only).
// The casts and int32 arithmetic are the CPU device's own, from ../../scalar_int.h.
#pragma once
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "cuda/kernel.cuh"
#include "scalar_int.h"

namespace flint {
namespace cuda {

template <class T> constexpr bool is_float_v = std::is_floating_point<T>::value;

// One overload pair per math function, so functors write m_exp(x) for float and double alike
// (float calls the single-precision routine, as std::exp(float) does on the CPU).
#define FLINT_MATH1(NAME, F, D)                    \
  FLINT_HD float m_##NAME(float x) { return F(x); } \
  FLINT_HD double m_##NAME(double x) { return D(x); }
FLINT_MATH1(exp, expf, exp)
FLINT_MATH1(expm1, expm1f, expm1)
FLINT_MATH1(log, logf, log)
FLINT_MATH1(log1p, log1pf, log1p)
FLINT_MATH1(sqrt, sqrtf, sqrt)
FLINT_MATH1(sin, sinf, sin)
FLINT_MATH1(cos, cosf, cos)
FLINT_MATH1(tanh, tanhf, tanh)
FLINT_MATH1(erf, erff, erf)
FLINT_MATH1(floor, floorf, floor)
FLINT_MATH1(ceil, ceilf, ceil)
FLINT_MATH1(nearbyint, nearbyintf, nearbyint)  // round half to even (default rounding mode)
FLINT_MATH1(trunc, truncf, trunc)
FLINT_MATH1(fabs, fabsf, fabs)
#undef FLINT_MATH1
FLINT_HD float m_fmod(float a, float b) { return fmodf(a, b); }
FLINT_HD double m_fmod(double a, double b) { return fmod(a, b); }
FLINT_HD float m_pow(float a, float b) { return powf(a, b); }
FLINT_HD double m_pow(double a, double b) { return pow(a, b); }

// Comparisons instead of isnan/signbit: those are macros or std:: overloads on the host and
// global overloads on the device; these spellings mean the same on both (no fast-math anywhere).
template <class T> FLINT_HD bool is_nan(T x) { return x != x; }
template <class T> FLINT_HD bool sign_bit(T x) { return copysign(1.0, double(x)) < 0; }

// The positive quiet NaN that the CPU's NAN constant is (x86's 0/0 would be negative).
FLINT_HD float qnan(float) {
#if defined(__CUDA_ARCH__)
  return __int_as_float(0x7fc00000);
#else
  const uint32_t b = 0x7fc00000u;
  float f;
  std::memcpy(&f, &b, sizeof f);
  return f;
#endif
}
FLINT_HD double qnan(double) {
#if defined(__CUDA_ARCH__)
  return __longlong_as_double(0x7ff8000000000000LL);
#else
  const uint64_t b = 0x7ff8000000000000ull;
  double f;
  std::memcpy(&f, &b, sizeof f);
  return f;
#endif
}

// Python-style remainder: the result takes the divisor's sign; int32 x % 0 (and % −1) is 0.
template <class T> FLINT_HD T remainder(T a, T b) {
  if constexpr (is_float_v<T>) {
    const T r = m_fmod(a, b);
    return r != 0 && ((r < 0) != (b < 0)) ? r + b : r;
  } else {
    if (b == 0 || b == -1) return 0;  // b == -1 also avoids INT_MIN % -1 overflow
    const T r = a % b;
    return r != 0 && ((r < 0) != (b < 0)) ? T(r + b) : r;
  }
}

// maximum/minimum: NaN wins; max(+0, −0) is +0 and min(+0, −0) is −0 in either order.
template <class T> FLINT_HD T maximum(T a, T b) {
  if constexpr (is_float_v<T>) {
    if (is_nan(a) || is_nan(b)) return qnan(T(0));
    if (a > b) return a;
    if (a == b && a == 0 && !sign_bit(a)) return a;
    return b;
  } else {
    return a > b ? a : b;
  }
}
template <class T> FLINT_HD T minimum(T a, T b) {
  if constexpr (is_float_v<T>) {
    if (is_nan(a) || is_nan(b)) return qnan(T(0));
    if (a < b) return a;
    if (a == b && a == 0 && sign_bit(a)) return a;
    return b;
  } else {
    return a < b ? a : b;
  }
}

}  // namespace cuda
}  // namespace flint
