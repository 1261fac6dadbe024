// Indexing kernels of the 'cuda' device: gather and scatterAdd along one axis, with the CPU
// device's shape checks (kernels/indexing.cc). Index VALUES are range-checked by core before
// the call (ops/indexing.ts: at once, or deferred and the index clamped on asynchronous
// devices). The kernels are the last guard: a value out of range never touches memory (gather
// writes 0 for it, scatterAdd skips it) and is reported in the context's error word
// (device_error.h), which the next read raises, since a kernel cannot throw or synchronise.
//
// scatterAdd's order: threads add with atomics, so the order in which duplicates reach one
// output element is NOT deterministic. int32 (wrapping add) and bool (or) are exact in any
// order; float32/float64 sums may differ from the CPU's index-order sums by rounding (within the
// float tolerances) and from run to run.
#include <algorithm>
#include <string>

#include "cuda/dispatch_cuda.h"
#include "cuda/kernels/layout_copy.cuh"
#include "kernels/indexing_args.h"

namespace flint {
namespace cuda {
namespace {

// Geometry shared by gather and scatterAdd: `axis` of x, whose length bounds the index values.
using Axis = IndexAxis;

// out[i] = x[off_x(i) + index[off_i(i)] * sa]; operands: 0 index, 1 x with the axis dropped.
// gather only moves values: one kernel per element size.
template <class W>
__global__ void gather_kernel(Nest nest, const int32_t* __restrict__ index,
                              const W* __restrict__ x, int64_t sa, int64_t len, int axis,
                              ErrorSlot err, W* __restrict__ out) {
  FLINT_GRID_LOOP(i, nest.size) {
    int64_t off[2];
    offsets_of(nest, i, off);
    const int64_t v = index[off[0]];
    const bool ok = v >= 0 && v < len;
    if (!ok) report_error(err, kDeviceErrIndex, v, len, axis, i);
    out[i] = ok ? x[off[1] + v * sa] : W(0);
  }
}

template <class W>
void gather_as(const Call& c, const View& x, const View& index, Axis ax, W* out) {
  int64_t xs[kMaxRank];
  drop_axis(x.strides, x.rank, ax.axis, xs);
  const int64_t sa = x.rank == 0 ? 0 : x.strides[ax.axis];
  const Nest nest = make_nest(index.rank, index.shape, {index.strides, xs});
  launch(c, grid_for(nest.size), kThreads, 0, gather_kernel<W>, nest, index.base<int32_t>(),
         x.base<W>(), sa, ax.len, ax.axis, error_word(c), out);
}

void gather(Call& c) {
  const View& x = c.input(0);
  const View& index = c.input(1);
  const Axis ax = check_index(c, x, index, "input");
  Buf* out = c.out(x.dtype, index.numel());
  if (index.numel() == 0) return;
  switch (dtype_size(x.dtype)) {
    case 1: gather_as<uint8_t>(c, x, index, ax, out->as<uint8_t>()); break;
    case 4: gather_as<uint32_t>(c, x, index, ax, out->as<uint32_t>()); break;
    default: gather_as<uint64_t>(c, x, index, ax, out->as<uint64_t>()); break;
  }
}

// The element-wise combine of scatterAdd, as one atomic: float add, int32 wrapping add (done
// on uint32, where wrap-around is defined), bool or — a plain store of 1, which every racing
// writer agrees on (bytes have no atomics, and the or of 0/1 values only ever sets 1).
FLINT_D void accumulate(float* p, float v) { atomicAdd(p, v); }
FLINT_D void accumulate(double* p, double v) { atomicAdd(p, v); }
FLINT_D void accumulate(int32_t* p, int32_t v) {
  atomicAdd(reinterpret_cast<unsigned int*>(p), static_cast<unsigned int>(v));
}
FLINT_D void accumulate(uint8_t* p, uint8_t v) {
  if (v != 0) *p = 1;
}

// Operands: 0 index, 1 src, 2 out (contiguous, axis dropped); out is x's shape.
template <class T>
__global__ void scatter_kernel(Nest nest, const int32_t* __restrict__ index,
                               const T* __restrict__ src, int64_t sa, int64_t len, int axis,
                               ErrorSlot err, T* out) {
  FLINT_GRID_LOOP(i, nest.size) {
    int64_t off[3];
    offsets_of(nest, i, off);
    const int64_t v = index[off[0]];
    if (v >= 0 && v < len)
      accumulate(out + off[2] + v * sa, src[off[1]]);
    else
      report_error(err, kDeviceErrIndex, v, len, axis, i);
  }
}

void scatter_add(Call& c) {
  const View& x = c.input(0);
  const View& index = c.input(1);
  const View& src = c.input(2);
  const ScatterGeometry g = scatter_add_args(c, x, index, src);
  Buf* out = c.out(x.dtype, x.numel());
  layout_copy(c, x, out->data, g.cs);  // the adds below run after the copy on the stream
  if (index.numel() == 0) return;
  const Nest nest = make_nest(index.rank, index.shape, {index.strides, src.strides, g.os});
  FLINT_DISPATCH(x.dtype, T, {
    launch(c, grid_for(nest.size), kThreads, 0, scatter_kernel<T>, nest,
           index.base<int32_t>(), src.base<T>(), g.sa, g.ax.len, g.ax.axis, error_word(c),
           out->as<T>());
  });
}

}  // namespace

void register_indexing(Kernel* t) {
  t[P_gather] = gather;
  t[P_scatterAdd] = scatter_add;
}

}  // namespace cuda
}  // namespace flint
