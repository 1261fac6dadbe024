// Small helpers shared by the fused kernels (fused.cc), the optimizer steps (optim.cc) and conv.cc.
#pragma once
#include <cstdint>
#include <type_traits>
#include <vector>

#include "../common.h"
#include "../strided.h"

namespace flint {

// Grain (elements per thread) for kernels that spend a transcendental or a division per element:
// a few times cheaper per element than kGrain assumes is not true of them, so they split sooner.
constexpr int64_t kHeavyGrain = kGrain / 4;

// x's elements in row-major order: x's own memory when it is contiguous (the usual case: core
// hands these kernels contiguous views), else a copy gathered into `tmp`.
template <class T> const T* dense(const View& x, std::vector<T>& tmp) {
  if (x.contiguous()) return x.base<T>();
  tmp.resize(static_cast<size_t>(x.numel()));
  if (tmp.empty()) return tmp.data();  // an empty view: nest_run would divide by its 0 dim
  int64_t cs[kMaxRank];
  contiguous_strides(x.rank, x.shape, cs);
  Nest nest = make_nest(x.rank, x.shape, {cs, x.strides});
  const T* src = x.base<T>();
  T* dst = tmp.data();
  nest_run(nest, 0, nest.size, [&](int64_t n, const int64_t* off, const int64_t* inner) {
    for (int64_t i = 0; i < n; i++) dst[off[0] + i] = src[off[1] + i * inner[1]];
  });
  return dst;
}

// Calls f(std::integral_constant<bool, b>{}) so that a loop-invariant flag becomes a template
// parameter: each combination of flags gets its own branch-free, vectorisable loop.
template <class F> void with_bool(bool b, F&& f) {
  if (b)
    f(std::true_type{});
  else
    f(std::false_type{});
}

}  // namespace flint
