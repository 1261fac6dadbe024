// Layout kernels of the 'cuda' device: contiguous, fill, constant pad and stridedWrite, with the
// CPU device's argument checks (kernels/layout.cc). Each is a fill kernel and/or the strided
// copy of layout_copy.cuh, queued on the context's stream in order.
#include <string>

#include "cuda/dispatch_cuda.h"
#include "cuda/kernels/layout_copy.cuh"
#include "kernels/layout_args.h"
#include "scalar_int.h"

namespace flint {
namespace cuda {
namespace {

// Values are stored as words of the element's size: the value is converted on the host.
template <class W>
__global__ void fill_kernel(W* __restrict__ out, int64_t n, W v) {
  FLINT_GRID_LOOP(i, n) out[i] = v;
}

template <class T>
void fill_range(const Call& c, T* out, int64_t n, T v) {
  if (n > 0) launch(c, grid_for(n), kThreads, 0, fill_kernel<T>, out, n, v);
}

// Fills with convert<T>(value) for the dtype d.
void fill_value(const Call& c, DType d, void* out, int64_t n, double value) {
  FLINT_DISPATCH(d, T, fill_range<T>(c, static_cast<T*>(out), n, convert<T>(value)));
}

void contiguous(Call& c) {
  const View& x = c.input(0);
  Buf* out = c.out(x.dtype, x.numel());
  int64_t cs[kMaxRank];
  contiguous_strides(x.rank, x.shape, cs);
  layout_copy(c, x, out->data, cs);
}

void fill(Call& c) {
  const FillArgs f = fill_args(c);
  fill_value(c, f.dtype, c.out(f.dtype, f.n)->data, f.n, f.value);
}

// Output = value everywhere, then x copied into the window that starts `before` in each dim.
void pad(Call& c) {
  const View& x = c.input(0);
  const PadArgs p = pad_args(c, x);
  Buf* out = c.out(x.dtype, p.n);
  fill_value(c, x.dtype, out->data, p.n, p.value);  // the copy below runs after it on the stream
  layout_copy(c, x, static_cast<char*>(out->data) + p.start * dtype_size(x.dtype), p.ost);
}

// A copy of the whole base (contiguous) in which the view with values' shape, element strides
// args[1..] and offset args[0] holds values (in-place writes through views).
void strided_write(Call& c) {
  const View& base = c.input(0);
  const View& values = c.input(1);
  const WindowArgs w = strided_write_args(c, base, values);
  const int64_t* st = w.st;
  Buf* out = c.out(base.dtype, w.n);
  layout_copy(c, base, out->data, w.cs);
  if (!w.any) return;
  // A window dim of stride 0 writes one element many times; on the CPU the last write wins.
  // Threads would race, so only the last position along such a dim is copied.
  View last = values;
  for (int d = 0; d < values.rank; d++)
    if (st[d] == 0 && values.shape[d] > 1) {
      last.offset += (values.shape[d] - 1) * values.strides[d];
      last.shape[d] = 1;
    }
  layout_copy(c, last, static_cast<char*>(out->data) + w.offset * dtype_size(base.dtype), st);
}

}  // namespace

void register_layout(Kernel* t) {
  t[P_contiguous] = contiguous;
  t[P_fill] = fill;
  t[P_pad] = pad;
  t[P_stridedWrite] = strided_write;
}

}  // namespace cuda
}  // namespace flint
