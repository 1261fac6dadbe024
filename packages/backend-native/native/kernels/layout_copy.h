// Strided copy of a view into a strided window of a fresh buffer: contiguous, pad's interior
// and scatterAdd's starting copy all reduce to it. Elements are moved as raw bytes, so one
// instantiation per element size serves every dtype.
#pragma once
#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "../strided.h"
#include "../threads.h"

namespace flint {

// The dim (other than the innermost) along which x is densest, when reading x along it beats
// reading along the innermost dim (e.g. a transposed view); -1 otherwise.
inline int layout_dense_dim(const Nest& nest) {
  const int last = nest.rank - 1;
  const int64_t inner = std::llabs(nest.st[1][last]);
  if (last == 0 || inner <= 1) return -1;
  int q = -1;
  for (int d = 0; d < last; d++)
    if (nest.st[1][d] != 0 && std::llabs(nest.st[1][d]) < inner &&
        (q < 0 || std::llabs(nest.st[1][d]) < std::llabs(nest.st[1][q])))
      q = d;
  return q;
}

// Copies through tiles of (dim q × innermost dim), so that both x's and out's cache lines are
// used whole: a plain loop over a transposed view would touch one element per line read. Only
// 8 x lines are live per tile: power-of-two strides map them to one L1 set, which holds 8.
template <class T>
void layout_copy_tiled(const Nest& nest, int q, const T* xb, T* out) {
  constexpr int64_t kTileJ = 8, kTileI = 64;
  const int last = nest.rank - 1;
  const int64_t nq = nest.shape[q], nl = nest.shape[last];
  const int64_t oq = nest.st[0][q], ol = nest.st[0][last];
  const int64_t xq = nest.st[1][q], xl = nest.st[1][last];
  // The remaining dims, walked as a nest of their own (size 1 in place of q and last).
  int64_t shape[kMaxRank], os[kMaxRank], xs[kMaxRank];
  for (int d = 0; d < nest.rank; d++) {
    const bool tiled = d == q || d == last;
    shape[d] = tiled ? 1 : nest.shape[d];
    os[d] = tiled ? 0 : nest.st[0][d];
    xs[d] = tiled ? 0 : nest.st[1][d];
  }
  const Nest rest = make_nest(nest.rank, shape, {os, xs});
  const int64_t qtiles = (nq + kTileI - 1) / kTileI;
  parallel_for(rest.size * qtiles, kGrain / (kTileI * nl) + 1, [&](int64_t begin, int64_t end) {
    for (int64_t u = begin; u < end; u++) {
      int64_t ro = 0, rx = 0;
      nest_run(rest, u / qtiles, u / qtiles + 1, [&](int64_t, const int64_t* off, const int64_t*) {
        ro = off[0];
        rx = off[1];
      });
      const int64_t i0 = u % qtiles * kTileI, i1 = std::min(i0 + kTileI, nq);
      for (int64_t j0 = 0; j0 < nl; j0 += kTileJ) {
        const int64_t j1 = std::min(j0 + kTileJ, nl);
        for (int64_t i = i0; i < i1; i++) {
          T* o = out + ro + i * oq;
          const T* a = xb + rx + i * xq;
          for (int64_t j = j0; j < j1; j++) o[j * ol] = a[j * xl];
        }
      }
    }
  });
}

// out[window position of i] = x[i] where the window steps by `ost` along each of x's dims.
template <class T>
void layout_copy_as(const View& x, T* out, const int64_t* ost) {
  Nest nest = make_nest(x.rank, x.shape, {ost, x.strides});
  if (nest.size == 0) return;
  const T* xb = x.base<T>();  // raw elements of x's dtype, read as same-size words
  const int q = layout_dense_dim(nest);
  if (q >= 0 && nest.size >= 4096) return layout_copy_tiled(nest, q, xb, out);
  parallel_for(nest.size, kGrain, [&](int64_t begin, int64_t end) {
    nest_run(nest, begin, end, [&](int64_t n, const int64_t* off, const int64_t* in) {
      T* o = out + off[0];
      const T* a = xb + off[1];
      if (in[0] == 1 && in[1] == 1) {
        std::memcpy(o, a, static_cast<size_t>(n) * sizeof(T));
      } else if (in[0] == 1 && in[1] == 0) {
        std::fill(o, o + n, a[0]);  // a broadcast row
      } else if (in[0] == 1 && in[1] == -1) {
        for (int64_t i = 0; i < n; i++) o[i] = a[-i];  // a flipped row
      } else {
        const int64_t so = in[0], sx = in[1];
        for (int64_t i = 0; i < n; i++) o[i * so] = a[i * sx];
      }
    });
  });
}

// Dispatches on the element size of x's dtype (x and out share the dtype).
inline void layout_copy(const View& x, void* out, const int64_t* ost) {
  switch (dtype_size(x.dtype)) {
    case 1: layout_copy_as<uint8_t>(x, static_cast<uint8_t*>(out), ost); break;
    case 4: layout_copy_as<uint32_t>(x, static_cast<uint32_t*>(out), ost); break;
    default: layout_copy_as<uint64_t>(x, static_cast<uint64_t*>(out), ost); break;
  }
}

}  // namespace flint
