// Layout kernels: contiguous (materialise a strided view), fill, constant pad and stridedWrite
// (a copy with a view replaced). All are a parallel fill and/or the strided copy of
// layout_copy.h; values are stored with the dtype's cast rules (scalar.h), as the CPU backend's
// `coerce` does.
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

// A copy of the whole base (contiguous) in which the view with values' shape, element strides
// args[1..] and offset args[0] holds values: in-place writes through views, without writing
// into an input. Core checks the geometry; it is checked again here (exactly, in int64) because
// a write outside the copy would corrupt another buffer.
void strided_write(Call& c) {
  const View& base = c.input(0);
  const View& values = c.input(1);
  if (values.dtype != base.dtype)
    c.fail("values " + values.describe() + " must have the dtype of base " + base.describe());
  if (c.nargs != 1 + values.rank)
    c.fail("expected an offset and " + std::to_string(values.rank) + " strides");
  const int64_t n = base.numel();
  const int64_t offset = c.iarg(0);
  int64_t st[kMaxRank];
  int64_t lo = offset, hi = offset;
  bool empty = false;
  for (int d = 0; d < values.rank; d++) {
    st[d] = c.iarg(1 + d);
    int64_t span = 0;
    if (values.shape[d] == 0) empty = true;
    else if (__builtin_mul_overflow(values.shape[d] - 1, st[d], &span) ||
             __builtin_add_overflow(span < 0 ? lo : hi, span, span < 0 ? &lo : &hi))
      c.fail("view strides overflow");
  }
  if (!empty && (lo < 0 || hi >= n))
    c.fail("view (offset " + std::to_string(offset) + ") reaches outside a base of " +
           std::to_string(n) + " elements");
  int64_t cs[kMaxRank];
  contiguous_strides(base.rank, base.shape, cs);
  Buf* out = c.out(base.dtype, n);
  layout_copy(base, out->data, cs);
  if (!empty)
    layout_copy(values, static_cast<char*>(out->data) + offset * dtype_size(base.dtype), st);
}

}  // namespace

void register_layout(Kernel* t) {
  t[P_contiguous] = contiguous;
  t[P_fill] = fill;
  t[P_pad] = pad;
  t[P_stridedWrite] = strided_write;
}

}  // namespace flint
