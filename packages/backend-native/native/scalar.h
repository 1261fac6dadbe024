// Scalar semantics shared by kernels: conversions with JS/torch rules and the element-wise
// math of core's PRIMS reference functions (int32 wraps around, NaN propagates, ±0 handled).
// The rules the 'cuda' device shares live in scalar_int.h (casts, int32 arithmetic) and
// scalar_float.h (remainder, maximum, minimum, the math spellings).
#pragma once
#include <cmath>
#include <cstdint>

#include "scalar_float.h"
#include "scalar_int.h"

namespace flint {

template <class T> inline T sigmoid(T x) {
  return x >= 0 ? T(1) / (T(1) + std::exp(-x)) : std::exp(x) / (T(1) + std::exp(x));
}

}  // namespace flint
