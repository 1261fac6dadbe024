// Layout kernels: contiguous (materialise a strided view), fill, constant pad and stridedWrite
// (a copy with a view replaced). All are a parallel fill and/or the strided copy of
// layout_copy.h; values are stored with the dtype's cast rules (scalar.h), as the CPU backend's
// `coerce` does.
#include "../dispatch.h"
#include "../scalar.h"
#include "../strided.h"
#include "../threads.h"
#include "layout_args.h"
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
  const FillArgs f = fill_args(c);
  FLINT_DISPATCH(f.dtype, T, fill_range<T>(c.out(f.dtype, f.n)->as<T>(), f.n, convert<T>(f.value)));
}

// Output = value everywhere, then x copied into the window that starts `before` in each dim.
void pad(Call& c) {
  const View& x = c.input(0);
  const PadArgs p = pad_args(c, x);
  FLINT_DISPATCH(x.dtype, T, {
    T* out = c.out(x.dtype, p.n)->as<T>();
    fill_range<T>(out, p.n, convert<T>(p.value));
    layout_copy(x, out + p.start, p.ost);
  });
}

// A copy of the whole base (contiguous) in which the view with values' shape, element strides
// args[1..] and offset args[0] holds values: in-place writes through views, without writing
// into an input. Core checks the geometry; it is checked again here (exactly, in int64) because
// a write outside the copy would corrupt another buffer.
void strided_write(Call& c) {
  const View& base = c.input(0);
  const View& values = c.input(1);
  const WindowArgs w = strided_write_args(c, base, values);
  Buf* out = c.out(base.dtype, w.n);
  layout_copy(base, out->data, w.cs);
  if (w.any)
    layout_copy(values, static_cast<char*>(out->data) + w.offset * dtype_size(base.dtype), w.st);
}

}  // namespace

void register_layout(Kernel* t) {
  t[P_contiguous] = contiguous;
  t[P_fill] = fill;
  t[P_pad] = pad;
  t[P_stridedWrite] = strided_write;
}

}  // namespace flint
