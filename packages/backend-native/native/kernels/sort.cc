// sort: a stable sort of every row along the last axis of a row-major input (core makes it
// contiguous), giving the sorted values and their int32 source indices. Each row sorts an index
// array with std::stable_sort under torch's order — NaN above +inf (last ascending, first
// descending), -0 equal to +0 — and rows are spread over the thread pool.
#include <algorithm>
#include <numeric>
#include <vector>

#include "../dispatch.h"
#include "../strided.h"
#include "../threads.h"
#include "sort_args.h"

namespace flint {
namespace {

template <class T> inline bool is_nan(T v) {
  if constexpr (std::is_floating_point<T>::value) return std::isnan(v);
  else return false;
}

// Strict weak orders (all NaNs equivalent), so std::stable_sort keeps ties in input order.
template <class T> inline bool before_ascending(T a, T b) {
  return !is_nan(a) && (is_nan(b) || a < b);
}
template <class T> inline bool before_descending(T a, T b) {
  return is_nan(a) ? !is_nan(b) : (!is_nan(b) && a > b);
}

template <class T>
void sort_rows(const T* x, T* values, int32_t* indices, int64_t n, int64_t begin, int64_t end,
               bool descending) {
  std::vector<int32_t> order(static_cast<size_t>(n));
  for (int64_t r = begin; r < end; r++) {
    const T* row = x + r * n;
    std::iota(order.begin(), order.end(), 0);
    if (descending)
      std::stable_sort(order.begin(), order.end(),
                       [row](int32_t i, int32_t j) { return before_descending(row[i], row[j]); });
    else
      std::stable_sort(order.begin(), order.end(),
                       [row](int32_t i, int32_t j) { return before_ascending(row[i], row[j]); });
    for (int64_t j = 0; j < n; j++) {
      indices[r * n + j] = order[static_cast<size_t>(j)];
      values[r * n + j] = row[order[static_cast<size_t>(j)]];
    }
  }
}

void sort_kernel(Call& c) {
  const View& x = c.input(0);
  const SortArgs a = sort_args(c, x);
  const bool descending = a.descending;
  const int64_t size = a.size, n = a.n;
  Buf* vb = c.out(x.dtype, size);
  int32_t* indices = c.out(I32, size)->as<int32_t>();
  if (size == 0) return;
  const int64_t rows = size / n;
  // n log n work per row: a few thousand elements per thread make waking workers worth it
  const int64_t grain = std::max<int64_t>(1, 4096 / n);
  FLINT_DISPATCH(x.dtype, T, {
    const T* xb = x.base<T>();
    T* values = vb->as<T>();
    parallel_for(rows, grain, [&](int64_t b, int64_t e) {
      sort_rows<T>(xb, values, indices, n, b, e, descending);
    });
  });
}

}  // namespace

void register_sort(Kernel* t) { t[P_sort] = sort_kernel; }

}  // namespace flint
