// Strided iteration: a loop nest over a shape for a few operands with their own strides.
// Adjacent dims are merged wherever every operand allows it and size-1 dims are dropped, so
// contiguous and broadcast-row inputs become one long inner loop that the compiler vectorises.
#pragma once
#include <cstdint>
#include <initializer_list>

#include "common.h"

namespace flint {

constexpr int kMaxOps = 4;
// Elements per thread below which a kernel runs on the calling thread only.
constexpr int64_t kGrain = 32768;

struct Nest {
  int rank = 1;
  int nops = 0;
  int64_t size = 1;
  // Only [0, rank) is meaningful (make_nest sets it): not zeroed, as at kMaxRank = 64 that
  // would be 2.5 KiB of stores per kernel call.
  int64_t shape[kMaxRank];
  int64_t st[kMaxOps][kMaxRank];
};

// Row-major strides of `shape` into `out`.
void contiguous_strides(int rank, const int64_t* shape, int64_t* out);

// Operand 0 is usually the (contiguous) output; the others are input views' strides.
Nest make_nest(int rank, const int64_t* shape, std::initializer_list<const int64_t*> strides);

// Calls f(n, off, inner) for each innermost run of the flat range [begin, end): `off[k]` is
// operand k's element offset at the run's start, `inner[k]` its stride along the run.
template <class F>
void nest_run(const Nest& nest, int64_t begin, int64_t end, F&& f) {
  const int r = nest.rank, last = r - 1;
  int64_t idx[kMaxRank];
  int64_t rem = begin;
  for (int d = last; d >= 0; d--) {
    idx[d] = rem % nest.shape[d];
    rem /= nest.shape[d];
  }
  int64_t inner[kMaxOps], off[kMaxOps];
  for (int k = 0; k < nest.nops; k++) inner[k] = nest.st[k][last];
  int64_t pos = begin;
  while (pos < end) {
    for (int k = 0; k < nest.nops; k++) {
      int64_t o = 0;
      for (int d = 0; d < r; d++) o += idx[d] * nest.st[k][d];
      off[k] = o;
    }
    int64_t run = nest.shape[last] - idx[last];
    if (run > end - pos) run = end - pos;
    f(run, off, inner);
    pos += run;
    idx[last] += run;
    for (int d = last; d > 0 && idx[d] >= nest.shape[d]; d--) {
      idx[d] = 0;
      idx[d - 1]++;
    }
  }
}

// Type dispatch over the four dtypes: FLINT_DISPATCH(d, T, body) runs body with T bound;
// FLINT_DISPATCH_FLOAT(call, d, T, body) only for float32/float64 and fails the call otherwise.
#define FLINT_CASE(code, type, T, ...) \
  case code: {                         \
    using T = type;                    \
    __VA_ARGS__;                       \
    break;                             \
  }

#define FLINT_DISPATCH(d, T, ...)                          \
  switch (d) {                                             \
    FLINT_CASE(::flint::F32, float, T, __VA_ARGS__)        \
    FLINT_CASE(::flint::F64, double, T, __VA_ARGS__)       \
    FLINT_CASE(::flint::I32, int32_t, T, __VA_ARGS__)      \
    FLINT_CASE(::flint::BOOL, uint8_t, T, __VA_ARGS__)     \
  }

#define FLINT_DISPATCH_FLOAT(call, d, T, ...)                                            \
  switch (d) {                                                                           \
    FLINT_CASE(::flint::F32, float, T, __VA_ARGS__)                                      \
    FLINT_CASE(::flint::F64, double, T, __VA_ARGS__)                                     \
    default:                                                                             \
      (call).fail(std::string("needs a float tensor, got ") + ::flint::dtype_name(d)); \
  }

}  // namespace flint
