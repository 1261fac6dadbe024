// Indexing kernels: gather and scatterAdd along one axis. Core range-checks indices before
// calling, but the kernels check every index again (failing with a JS error, never touching
// memory out of bounds) because a bad write would corrupt an unrelated tensor. A broadcast
// index (stride 0 along the inner run: embedding rows, indexSelect) is checked once per run
// and its row moved as a block.
#include <algorithm>

#include "../dispatch.h"
#include "../scalar.h"
#include "../strided.h"
#include "../threads.h"
#include "indexing_args.h"
#include "layout_copy.h"

namespace flint {
namespace {

[[noreturn]] __attribute__((noinline, cold)) void bad_index(const Call& c, int64_t v, int64_t len,
                                                            int axis) {
  c.fail("index " + std::to_string(v) + " is out of range for axis " + std::to_string(axis) +
         " of size " + std::to_string(len) + " (valid: 0 to " + std::to_string(len - 1) + ")");
}

// Checks index values ip[0], ip[si], … (n of them) against [0, len): one vectorisable pass
// (negative values wrap to huge unsigned ones), then a search only if something is off.
void check_run(const Call& c, const int32_t* ip, int64_t si, int64_t n, int64_t len, int axis) {
  const uint32_t lim = static_cast<uint32_t>(std::min<int64_t>(len, int64_t(1) << 31));
  uint32_t bad = 0;
  for (int64_t i = 0; i < n; i++) bad |= static_cast<uint32_t>(ip[i * si]) >= lim;
  if (bad == 0) return;
  for (int64_t i = 0; i < n; i++)
    if (ip[i * si] < 0 || ip[i * si] >= len) bad_index(c, ip[i * si], len, axis);
}

// Geometry shared by gather and scatterAdd: `axis` of x, whose length bounds the index values.
using Axis = IndexAxis;

template <class T>
void gather_as(const Call& c, const View& x, const View& index, Axis ax, T* out) {
  int64_t cs[kMaxRank], xs[kMaxRank];
  contiguous_strides(index.rank, index.shape, cs);
  drop_axis(x.strides, x.rank, ax.axis, xs);
  const int64_t sa = x.rank == 0 ? 0 : x.strides[ax.axis];
  const T* xb = x.base<T>();
  const int32_t* ib = index.base<int32_t>();
  Nest nest = make_nest(index.rank, index.shape, {cs, index.strides, xs});
  parallel_for(nest.size, kGrain, [&](int64_t begin, int64_t end) {
    nest_run(nest, begin, end, [&](int64_t n, const int64_t* off, const int64_t* in) {
      T* o = out + off[0];  // the output is contiguous: in[0] is 1
      const int32_t* ip = ib + off[1];
      const T* xp = xb + off[2];
      const int64_t si = in[1], sx = in[2];
      if (si == 0) {  // one index for the whole run: copy a row of x
        const int64_t v = ip[0];
        if (v < 0 || v >= ax.len) bad_index(c, v, ax.len, ax.axis);
        const T* row = xp + v * sa;
        if (sx == 1) std::copy(row, row + n, o);
        else for (int64_t i = 0; i < n; i++) o[i] = row[i * sx];
        return;
      }
      check_run(c, ip, si, n, ax.len, ax.axis);
      for (int64_t i = 0; i < n; i++) o[i] = xp[i * sx + ip[i * si] * sa];
    });
  });
}

void gather(Call& c) {
  const View& x = c.input(0);
  const View& index = c.input(1);
  const Axis ax = check_index(c, x, index, "input");
  FLINT_DISPATCH(x.dtype, T, {
    T* out = c.out(x.dtype, index.numel())->as<T>();
    if (index.numel() > 0) gather_as<T>(c, x, index, ax, out);
  });
}

// The element-wise combine of scatterAdd: float add (rounded to T on store), int32 wrapping
// add, bool or.
template <class T> inline T accumulate(T a, T b) {
  if constexpr (std::is_same<T, int32_t>::value) return wrap_add(a, b);
  else if constexpr (std::is_same<T, uint8_t>::value) return a | b;
  else return a + b;
}

// Adds src into out (contiguous, strides `os` with the axis zeroed) for positions [b, e) of
// index dim p. Adds reach each output element in index order, as in the CPU backend.
template <class T>
void scatter_part(const Call& c, const View& index, const View& src, const int64_t* os,
                  int64_t sa, Axis ax, int p, int64_t b, int64_t e, T* out) {
  int64_t shape[kMaxRank];
  std::copy(index.shape, index.shape + index.rank, shape);
  if (p >= 0) shape[p] = e - b;
  const int64_t ioff = p >= 0 ? b * index.strides[p] : 0;
  const int64_t soff = p >= 0 ? b * src.strides[p] : 0;
  const int32_t* ib = index.base<int32_t>() + ioff;
  const T* sb = src.base<T>() + soff;
  T* ob = out + (p >= 0 ? b * os[p] : 0);
  Nest nest = make_nest(index.rank, shape, {index.strides, src.strides, os});
  nest_run(nest, 0, nest.size, [&](int64_t n, const int64_t* off, const int64_t* in) {
    const int32_t* ip = ib + off[0];
    const T* sp = sb + off[1];
    T* op = ob + off[2];
    const int64_t si = in[0], ss = in[1], so = in[2];
    if (si == 0 && so == 1 && ss == 1) {  // one index, distinct outputs: add a row of src
      const int64_t v = ip[0];
      if (v < 0 || v >= ax.len) bad_index(c, v, ax.len, ax.axis);
      T* row = op + v * sa;
      for (int64_t i = 0; i < n; i++) row[i] = accumulate(row[i], sp[i]);
      return;
    }
    check_run(c, ip, si, n, ax.len, ax.axis);
    for (int64_t i = 0; i < n; i++) {
      T& o = op[i * so + ip[i * si] * sa];
      o = accumulate(o, sp[i * ss]);
    }
  });
}

void scatter_add(Call& c) {
  const View& x = c.input(0);
  const View& index = c.input(1);
  const View& src = c.input(2);
  const ScatterGeometry g = scatter_add_args(c, x, index, src);
  Buf* out = c.out(x.dtype, x.numel());
  layout_copy(x, out->data, g.cs);
  const int64_t n = index.numel();
  if (n == 0) return;
  // Threads split a dim off the axis: positions there map to distinct outputs, so no two
  // threads add into the same element and each element's adds keep their order.
  int p = -1;
  for (int d = 0; d < index.rank; d++)
    if (d != g.ax.axis && index.shape[d] > 1 && (p < 0 || index.shape[d] > index.shape[p])) p = d;
  FLINT_DISPATCH(x.dtype, T, {
    T* o = out->as<T>();
    if (p < 0 || n < 2 * kGrain) {
      scatter_part<T>(c, index, src, g.os, g.sa, g.ax, p, 0, p < 0 ? 1 : index.shape[p], o);
    } else {
      const int64_t grain = std::max<int64_t>(1, kGrain / (n / index.shape[p]));
      parallel_for(index.shape[p], grain, [&](int64_t b, int64_t e) {
        scatter_part<T>(c, index, src, g.os, g.sa, g.ax, p, b, e, o);
      });
    }
  });
}

}  // namespace

void register_indexing(Kernel* t) {
  t[P_gather] = gather;
  t[P_scatterAdd] = scatter_add;
}

}  // namespace flint
