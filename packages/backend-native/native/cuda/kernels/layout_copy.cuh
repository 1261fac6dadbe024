// Strided copy of a view into a strided window of a device buffer (the CPU's layout_copy.h):
// contiguous, pad's interior, stridedWrite and scatterAdd's starting copy all reduce to it.
// Elements move as raw words, so one kernel per element size serves every dtype.
#pragma once
#include "cuda/kernel.cuh"
#include "cuda/kernels/offsets.cuh"

namespace flint {
namespace cuda {

// Operand 0 of the nest is the destination window, operand 1 the source view.
template <class W>
__global__ void copy_kernel(Nest nest, const W* __restrict__ x, W* __restrict__ out) {
  if (nest.rank == 1) {
    const int64_t so = nest.st[0][0], sx = nest.st[1][0];
    if (so == 1 && sx == 1) {
      FLINT_GRID_LOOP(i, nest.size) out[i] = x[i];
    } else {
      FLINT_GRID_LOOP(i, nest.size) out[i * so] = x[i * sx];
    }
    return;
  }
  FLINT_GRID_LOOP(i, nest.size) {
    int64_t off[2];
    offsets_of(nest, i, off);
    out[off[0]] = x[off[1]];
  }
}

template <class W>
void layout_copy_as(const Call& c, const View& x, W* out, const int64_t* ost) {
  const Nest nest = make_nest(x.rank, x.shape, {ost, x.strides});
  if (nest.size == 0) return;
  launch(c, grid_for(nest.size), kThreads, 0, copy_kernel<W>, nest, x.base<W>(), out);
}

// out[window position of i] = x[i], the window stepping by `ost` (elements) along x's dims.
inline void layout_copy(const Call& c, const View& x, void* out, const int64_t* ost) {
  switch (dtype_size(x.dtype)) {
    case 1: layout_copy_as<uint8_t>(c, x, static_cast<uint8_t*>(out), ost); break;
    case 4: layout_copy_as<uint32_t>(c, x, static_cast<uint32_t*>(out), ost); break;
    default: layout_copy_as<uint64_t>(c, x, static_cast<uint64_t*>(out), ost); break;
  }
}

}  // namespace cuda
}  // namespace flint
