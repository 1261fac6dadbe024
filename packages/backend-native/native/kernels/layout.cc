// Layout kernels: contiguous (materialise a strided view), fill and constant pad. All three
// are a parallel fill and/or the strided copy of layout_copy.h; values are stored with the
// dtype's cast rules (scalar.h), as the CPU backend's `coerce` does.
#include "../dispatch.h"
#include "../scalar.h"
#include "../strided.h"
#include "../threads.h"
#include "layout_copy.h"

namespace flint {
namespace {

// Sets out[0, n) to v, in parallel for large buffers (fill is memory-bound).
template <class T>
void fill_range(T* out, int64_t n, T v) {
  parallel_for(n, kGrain, [&](int64_t begin, int64_t end) { std::fill(out + begin, out + end, v); });
}

void contiguous(Call& c) {
  const View& x = c.input(0);
  Buf* out = c.out(x.dtype, x.numel());
  int64_t cs[kMaxRank];
  contiguous_strides(x.rank, x.shape, cs);
  layout_copy(x, out->data, cs);
}

void fill(Call& c) {
  int64_t code = c.iarg(0);
  if (code < 0 || code > 3) c.fail("invalid dtype code " + std::to_string(code));
  const DType d = static_cast<DType>(code);
  const double value = c.arg(1);
  const int64_t rank = c.iarg(2);
  if (rank < 0 || rank > kMaxRank)
    c.fail("rank " + std::to_string(rank) + " is outside 0.." + std::to_string(kMaxRank));
  if (c.nargs != 3 + rank) c.fail("expected " + std::to_string(3 + rank) + " arguments");
  int64_t n = 1;
  for (int i = 0; i < rank; i++) {
    int64_t s = c.iarg(3 + i);
    if (s < 0 || s > (int64_t(1) << 40)) c.fail("invalid dimension " + std::to_string(s));
    if (__builtin_mul_overflow(n, s, &n) || n > (int64_t(1) << 40))
      c.fail("fill of more than 2^40 elements");
  }
  FLINT_DISPATCH(d, T, fill_range<T>(c.out(d, n)->as<T>(), n, convert<T>(value)));
}

// Output = value everywhere, then x copied into the window that starts `before` in each dim.
void pad(Call& c) {
  const View& x = c.input(0);
  if (c.nargs != 1 + 2 * x.rank)
    c.fail("expected a value and " + std::to_string(x.rank) + " (before, after) pairs");
  const double value = c.arg(0);
  int64_t shape[kMaxRank], before[kMaxRank];
  int64_t n = 1;
  for (int d = 0; d < x.rank; d++) {
    before[d] = c.iarg(1 + 2 * d);
    const int64_t after = c.iarg(2 + 2 * d);
    if (before[d] < 0 || after < 0 || before[d] > (int64_t(1) << 40) || after > (int64_t(1) << 40))
      c.fail("pad widths must be non-negative, got (" + std::to_string(before[d]) + ", " +
             std::to_string(after) + ") for dim " + std::to_string(d));
    shape[d] = before[d] + x.shape[d] + after;
    if (__builtin_mul_overflow(n, shape[d], &n) || n > (int64_t(1) << 40))
      c.fail("padded tensor of more than 2^40 elements");
  }
  int64_t ost[kMaxRank];
  contiguous_strides(x.rank, shape, ost);
  int64_t start = 0;
  for (int d = 0; d < x.rank; d++) start += before[d] * ost[d];
  FLINT_DISPATCH(x.dtype, T, {
    T* out = c.out(x.dtype, n)->as<T>();
    fill_range<T>(out, n, convert<T>(value));
    layout_copy(x, out + start, ost);
  });
}

}  // namespace

void register_layout(Kernel* t) {
  t[P_contiguous] = contiguous;
  t[P_fill] = fill;
  t[P_pad] = pad;
}

}  // namespace flint
