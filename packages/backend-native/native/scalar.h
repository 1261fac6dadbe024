// Scalar semantics shared by kernels: conversions with JS/torch rules and the element-wise
// math of core's PRIMS reference functions (int32 wraps around, NaN propagates, ±0 handled).
// The rules the 'cuda' device shares (casts, int32 arithmetic) live in scalar_int.h.
#pragma once
#include <cmath>
#include <cstdint>

#include "scalar_int.h"

namespace flint {

template <class T> constexpr bool is_float_v = std::is_floating_point<T>::value;

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
