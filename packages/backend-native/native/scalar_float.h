// The float rules that the CPU device (scalar.h) and the 'cuda' device share, written once with
// spellings that mean the same in host and device code (scalar_int.h holds the integer ones):
// math calls through C functions that both nvcc's device library and the host libm provide
// (std:: overloads are host-only under nvcc), Python-style remainder, and maximum/minimum that
// let NaN win and order signed zeros. No fast-math is used anywhere, so `x != x` is a NaN test.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "host_device.h"

namespace flint {

template <class T> constexpr bool is_float_v = std::is_floating_point<T>::value;

// One overload pair per math function, so code writes m_exp(x) for float and double alike
// (float calls the single-precision routine, as std::exp(float) does).
#define FLINT_MATH1(NAME, F, D)                         \
  FLINT_SHARED float m_##NAME(float x) { return F(x); } \
  FLINT_SHARED double m_##NAME(double x) { return D(x); }
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
FLINT_SHARED float m_fmod(float a, float b) { return fmodf(a, b); }
FLINT_SHARED double m_fmod(double a, double b) { return fmod(a, b); }
FLINT_SHARED float m_pow(float a, float b) { return powf(a, b); }
FLINT_SHARED double m_pow(double a, double b) { return pow(a, b); }

// isnan and signbit are std:: overloads on the host and global overloads on the device: the
// device spells them as a comparison and a copysign, the host keeps std:: (GCC vectorises the
// CPU's loops around those better, keeping float32 loops in float32 lanes). False for integers.
template <class T> FLINT_SHARED bool is_nan(T x) {
#if defined(__CUDA_ARCH__)
  return x != x;
#else
  if constexpr (std::is_floating_point<T>::value) return std::isnan(x);
  else return false;
#endif
}
template <class T> FLINT_SHARED bool sign_bit(T x) {
#if defined(__CUDA_ARCH__)
  return copysign(1.0, double(x)) < 0;
#else
  return std::signbit(x);
#endif
}

// The value whose bit pattern is b: memcpy means the same in host and device code (compilers
// fold it into a register move), where __int_as_float and friends are device-only.
template <class T, class B> FLINT_SHARED T from_bits(B b) {
  static_assert(sizeof(T) == sizeof(B), "from_bits needs a same-sized pattern");
  T f;
  memcpy(&f, &b, sizeof f);
  return f;
}

// The positive quiet NaN that C's NAN is (x86's 0/0 would be negative).
FLINT_SHARED float qnan(float) { return from_bits<float>(uint32_t(0x7fc00000u)); }
FLINT_SHARED double qnan(double) { return from_bits<double>(uint64_t(0x7ff8000000000000ull)); }

// Python-style remainder: the result takes the divisor's sign; int32 x % 0 (and % −1) is 0.
template <class T> FLINT_SHARED T remainder(T a, T b) {
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
template <class T> FLINT_SHARED T maximum(T a, T b) {
  if constexpr (is_float_v<T>) {
    if (is_nan(a) || is_nan(b)) return qnan(T(0));
    if (a > b) return a;
    if (a == b && a == 0 && !sign_bit(a)) return a;
    return b;
  } else {
    return a > b ? a : b;
  }
}
template <class T> FLINT_SHARED T minimum(T a, T b) {
  if constexpr (is_float_v<T>) {
    if (is_nan(a) || is_nan(b)) return qnan(T(0));
    if (a < b) return a;
    if (a == b && a == 0 && sign_bit(a)) return a;
    return b;
  } else {
    return a < b ? a : b;
  }
}

}  // namespace flint
