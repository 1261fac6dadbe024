// Argument decoding and checks of the layout ops (fill, pad, stridedWrite), shared by the CPU
// device (kernels/layout.cc) and the 'cuda' device (cuda/kernels/layout.cu): one set of rules
// and error messages for both. Plain host code; the kernels only consume the results.
#pragma once

#include <string>

#include "../common.h"
#include "../strided.h"

namespace flint {

// fill: args (dtype code, value, rank, ...shape).
struct FillArgs {
  DType dtype;
  double value;
  int64_t n;
};

inline FillArgs fill_args(const Call& c) {
  const int64_t code = c.iarg(0);
  if (code < 0 || code > 3) c.fail("invalid dtype code " + std::to_string(code));
  FillArgs f{static_cast<DType>(code), c.arg(1), 1};
  const int64_t rank = c.iarg(2);
  if (rank < 0 || rank > kMaxRank)
    c.fail("rank " + std::to_string(rank) + " is outside 0.." + std::to_string(kMaxRank));
  if (c.nargs != 3 + rank) c.fail("expected " + std::to_string(3 + rank) + " arguments");
  for (int i = 0; i < rank; i++) {
    const int64_t s = c.iarg(3 + i);
    if (s < 0 || s > (int64_t(1) << 40)) c.fail("invalid dimension " + std::to_string(s));
    if (__builtin_mul_overflow(f.n, s, &f.n) || f.n > (int64_t(1) << 40))
      c.fail("fill of more than 2^40 elements");
  }
  return f;
}

// pad: args (value, ...(before, after) per dim of x). The output has n elements, contiguous
// strides ost, and x's window starts at element `start`.
struct PadArgs {
  double value;
  int64_t n, start;
  int64_t ost[kMaxRank];
};

inline PadArgs pad_args(const Call& c, const View& x) {
  if (c.nargs != 1 + 2 * x.rank)
    c.fail("expected a value and " + std::to_string(x.rank) + " (before, after) pairs");
  PadArgs p;
  p.value = c.arg(0);
  p.n = 1;
  int64_t shape[kMaxRank], before[kMaxRank];
  for (int d = 0; d < x.rank; d++) {
    before[d] = c.iarg(1 + 2 * d);
    const int64_t after = c.iarg(2 + 2 * d);
    if (before[d] < 0 || after < 0 || before[d] > (int64_t(1) << 40) || after > (int64_t(1) << 40))
      c.fail("pad widths must be non-negative, got (" + std::to_string(before[d]) + ", " +
             std::to_string(after) + ") for dim " + std::to_string(d));
    shape[d] = before[d] + x.shape[d] + after;
    if (__builtin_mul_overflow(p.n, shape[d], &p.n) || p.n > (int64_t(1) << 40))
      c.fail("padded tensor of more than 2^40 elements");
  }
  contiguous_strides(x.rank, shape, p.ost);
  p.start = 0;
  for (int d = 0; d < x.rank; d++) p.start += before[d] * p.ost[d];
  return p;
}

// stridedWrite: args (offset, ...element strides of the window), checked exactly in int64
// because a write outside the copy would corrupt another buffer. `any` is false when the window
// is empty (then nothing is written into the copy). The output is a contiguous copy of base
// (strides cs, n elements) with the window written over it.
struct WindowArgs {
  int64_t n, offset;
  int64_t st[kMaxRank];
  int64_t cs[kMaxRank];
  bool any;
};

inline WindowArgs strided_write_args(const Call& c, const View& base, const View& values) {
  if (values.dtype != base.dtype)
    c.fail("values " + values.describe() + " must have the dtype of base " + base.describe());
  if (c.nargs != 1 + values.rank)
    c.fail("expected an offset and " + std::to_string(values.rank) + " strides");
  WindowArgs w;
  w.n = base.numel();
  w.offset = c.iarg(0);
  int64_t lo = w.offset, hi = w.offset;
  bool empty = false;
  for (int d = 0; d < values.rank; d++) {
    w.st[d] = c.iarg(1 + d);
    int64_t span = 0;
    if (values.shape[d] == 0) empty = true;
    else if (__builtin_mul_overflow(values.shape[d] - 1, w.st[d], &span) ||
             __builtin_add_overflow(span < 0 ? lo : hi, span, span < 0 ? &lo : &hi))
      c.fail("view strides overflow");
  }
  if (!empty && (lo < 0 || hi >= w.n))
    c.fail("view (offset " + std::to_string(w.offset) + ") reaches outside a base of " +
           std::to_string(w.n) + " elements");
  w.any = !empty;
  contiguous_strides(base.rank, base.shape, w.cs);
  return w;
}

}  // namespace flint
