// The folds of the 'cuda' reductions (reduce.cu), with the CPU device's semantics
// (native/kernels/reduce.cc, reduce_axis.h): float sums and products accumulate in float64 and
// round once into a float32 output; int32 and bool accumulate in wrapping int32 (bool sums give
// int32); max/min keep the dtype, NaN wins and sticks, +0 beats −0 for max and −0 beats +0 for
// min; argmax/argmin give the first index of the extreme, a NaN counting as the extreme.
// Every combine is commutative and associative (up to float64 rounding for sums), which the
// block tree of block.h needs.
#pragma once
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "block.h"
#include "scalar_float.h"  // is_nan (false for integers), m_exp for the fused kernels

namespace flint {
namespace cuda {

FLINT_HD bool neg_bit(float v) {
  uint32_t b;
  memcpy(&b, &v, sizeof b);
  return (b >> 31) != 0;
}
FLINT_HD bool neg_bit(double v) {
  uint64_t b;
  memcpy(&b, &v, sizeof b);
  return (b >> 63) != 0;
}
template <class T> FLINT_HD bool neg_bit(T) { return false; }

template <class T>
using FloatAcc = std::conditional_t<std::is_floating_point<T>::value, double, int32_t>;
template <class T>
using WidenBool = std::conditional_t<std::is_same<T, uint8_t>::value, int32_t, T>;

template <class T> struct SumOp {
  using Acc = FloatAcc<T>;
  using Out = WidenBool<T>;
  static FLINT_HD Acc identity() { return Acc(0); }  // +0, as torch: a sum of −0s is +0
  static FLINT_HD Acc load(T v, int64_t) { return static_cast<Acc>(v); }
  static FLINT_HD Acc combine(Acc a, Acc b) {
    if constexpr (std::is_floating_point<Acc>::value) return a + b;
    else return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
  }
};
template <class T> struct ProdOp {
  using Acc = FloatAcc<T>;
  using Out = WidenBool<T>;
  static FLINT_HD Acc identity() { return Acc(1); }
  static FLINT_HD Acc load(T v, int64_t) { return static_cast<Acc>(v); }
  static FLINT_HD Acc combine(Acc a, Acc b) {
    if constexpr (std::is_floating_point<Acc>::value) return a * b;
    else return static_cast<int32_t>(static_cast<uint32_t>(a) * static_cast<uint32_t>(b));
  }
};

// kMax: max, else min. Ties between ±0 resolve by sign whatever the order, so the combine is
// commutative.
template <class T, bool kMax> struct ExtremeOp {
  using Acc = T;
  using Out = T;
  static FLINT_HD Acc identity() {
    if constexpr (std::is_floating_point<T>::value) return kMax ? -T(INFINITY) : T(INFINITY);
    else if constexpr (std::is_same<T, uint8_t>::value) return kMax ? T(0) : T(1);
    else return kMax ? T(INT32_MIN) : T(INT32_MAX);
  }
  static FLINT_HD Acc load(T v, int64_t) { return v; }
  static FLINT_HD Acc combine(Acc a, Acc b) {
    if (is_nan(a)) return a;
    if (is_nan(b)) return b;
    if (kMax ? a > b : a < b) return a;
    if (kMax ? b > a : b < a) return b;
    // equal: only ±0 can differ; max prefers +0, min prefers −0
    return (neg_bit(a) == kMax) ? b : a;
  }
};

// First index of the extreme; a NaN is the extreme (the first NaN wins).
template <class T, bool kMax> struct ArgOp {
  using Acc = Arg<T>;
  using Out = int32_t;
  static FLINT_HD Acc identity() { return Acc{T(0), -1}; }
  static FLINT_HD Acc load(T v, int64_t r) { return Acc{v, static_cast<int32_t>(r)}; }
  static FLINT_HD Acc combine(Acc a, Acc b) {
    if (a.i < 0) return b;
    if (b.i < 0) return a;
    const bool an = is_nan(a.v), bn = is_nan(b.v);
    if (an != bn) return an ? a : b;
    if (!an) {
      if (kMax ? a.v > b.v : a.v < b.v) return a;
      if (kMax ? b.v > a.v : b.v < a.v) return b;
    }
    return a.i < b.i ? a : b;  // equal values (±0 included) or both NaN: the first
  }
};

// An accumulator as the destination type: the value itself, or an Arg's index.
template <class D, class A> FLINT_HD D acc_to(A a) { return static_cast<D>(a); }
template <class D, class T> FLINT_HD D acc_to(Arg<T> a) {
  if constexpr (std::is_same<D, Arg<T>>::value) return a;
  else return static_cast<D>(a.i);
}

}  // namespace cuda
}  // namespace flint
