// Scalar semantics shared by kernels: conversions with JS/torch rules and the element-wise
// math of core's PRIMS reference functions (int32 wraps around, NaN propagates, ±0 handled).
#pragma once
#include <cmath>
#include <cstdint>

namespace flint {

// JS ToInt32: NaN/±Inf → 0, otherwise truncate and wrap modulo 2^32 (what storing into an
// Int32Array does, and so what the CPU backend's cast does).
inline int32_t to_i32(double x) {
  if (!std::isfinite(x)) return 0;
  double t = std::trunc(x);
  if (t >= -2147483648.0 && t <= 2147483647.0) return static_cast<int32_t>(t);
  double m = std::fmod(t, 4294967296.0);
  if (m < 0) m += 4294967296.0;
  return static_cast<int32_t>(static_cast<uint32_t>(m));
}

// Converts one element to dtype T with the cast rules above; bool is "≠ 0" (NaN is true).
template <class T> inline T convert(double x);
template <> inline float convert<float>(double x) { return static_cast<float>(x); }
template <> inline double convert<double>(double x) { return x; }
template <> inline int32_t convert<int32_t>(double x) { return to_i32(x); }
template <> inline uint8_t convert<uint8_t>(double x) { return x != 0 ? 1 : 0; }

template <class T> constexpr bool is_float_v = std::is_floating_point<T>::value;

inline int32_t wrap_add(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
}
inline int32_t wrap_sub(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) - static_cast<uint32_t>(b));
}
inline int32_t wrap_mul(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) * static_cast<uint32_t>(b));
}

// Python-style remainder: the result takes the divisor's sign; int32 x % 0 is 0.
template <class T> inline T remainder(T a, T b) {
  if constexpr (is_float_v<T>) {
    T r = std::fmod(a, b);
    return r != 0 && ((r < 0) != (b < 0)) ? r + b : r;
  } else {
    if (b == 0 || b == -1) return 0;  // b == -1 also avoids INT_MIN % -1 overflow
    T r = a % b;
    return r != 0 && ((r < 0) != (b < 0)) ? r + b : r;
  }
}

// Integer power with wrap-around; negative exponents give 0 except for bases ±1.
inline int32_t int_pow(int32_t a, int32_t b) {
  if (b < 0) return a == 1 ? 1 : a == -1 ? (b % 2 == 0 ? 1 : -1) : 0;
  uint32_t r = 1, base = static_cast<uint32_t>(a);
  uint32_t e = static_cast<uint32_t>(b);
  while (e > 0) {
    if (e & 1) r *= base;
    base *= base;
    e >>= 1;
  }
  return static_cast<int32_t>(r);
}

// maximum/minimum: NaN wins; max(+0, −0) is +0 and min(+0, −0) is −0 in either order.
template <class T> inline T maximum(T a, T b) {
  if constexpr (is_float_v<T>) {
    if (std::isnan(a) || std::isnan(b)) return NAN;
    if (a > b) return a;
    if (a == b && a == 0 && !std::signbit(a)) return a;
    return b;
  } else {
    return a > b ? a : b;
  }
}
template <class T> inline T minimum(T a, T b) {
  if constexpr (is_float_v<T>) {
    if (std::isnan(a) || std::isnan(b)) return NAN;
    if (a < b) return a;
    if (a == b && a == 0 && std::signbit(a)) return a;
    return b;
  } else {
    return a < b ? a : b;
  }
}

template <class T> inline T sigmoid(T x) {
  return x >= 0 ? T(1) / (T(1) + std::exp(-x)) : std::exp(x) / (T(1) + std::exp(x));
}

}  // namespace flint
