// The scalar rules that the CPU device (scalar.h) and the 'cuda' device (cuda/kernels/*.cu)
// share, written once with spellings that mean the same in host and device code: JS ToInt32
// casts, the dtype conversion built on it, and wrapping int32 arithmetic. No fast-math is used
// anywhere, so the `x - x == 0` finiteness test is exact.
#pragma once
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "host_device.h"

namespace flint {

// JS ToInt32: NaN/±Inf → 0, otherwise truncate and wrap modulo 2^32 (what storing into an
// Int32Array does, and so what the CPU backend's cast does).
FLINT_SHARED int32_t to_i32(double x) {
  if (!(x - x == 0)) return 0;  // ±Inf and NaN
  const double t = trunc(x);
  if (t >= -2147483648.0 && t <= 2147483647.0) return static_cast<int32_t>(t);
  double m = fmod(t, 4294967296.0);
  if (m < 0) m += 4294967296.0;
  return static_cast<int32_t>(static_cast<uint32_t>(m));
}

// Converts one element to dtype T with the cast rules above; bool is "≠ 0" (NaN is true).
template <class T> FLINT_SHARED T convert(double x) {
  if constexpr (std::is_same<T, float>::value) return static_cast<float>(x);
  else if constexpr (std::is_same<T, double>::value) return x;
  else if constexpr (std::is_same<T, int32_t>::value) return to_i32(x);
  else return x != 0 ? uint8_t(1) : uint8_t(0);
}

FLINT_SHARED int32_t wrap_add(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
}
FLINT_SHARED int32_t wrap_sub(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) - static_cast<uint32_t>(b));
}
FLINT_SHARED int32_t wrap_mul(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) * static_cast<uint32_t>(b));
}

// Integer power with wrap-around; negative exponents give 0 except for bases ±1.
FLINT_SHARED int32_t int_pow(int32_t a, int32_t b) {
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

}  // namespace flint
