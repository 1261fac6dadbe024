// conv2d and its gradients as im2col + GEMM, one image (and group) at a time.
//
// Work is split over images: each thread unfolds one image into a column buffer small enough
// to stay in its L2 (large images go in bands of output rows) and runs a single-threaded GEMM
// on it, writing straight into the NCHW output. That keeps every intermediate in cache and
// needs no transpose, unlike one big GEMM over the batch. With fewer images than threads the
// GEMM itself is split instead. The GEMM is always the built-in one (gemm_builtin.cc): it can
// run on the calling thread inside a parallel_for chunk, it reads the weights packed once per
// call and the columns in place, and it uses AVX-512 where the CPU has it (on the AMD Zen 5
// machine this was tuned on, Debian's OpenBLAS 0.3.21 picks its AVX2 Haswell kernels instead).
//   forward  out[n, g] = W_g [O/g, C/g·kH·kW] · cols(x[n, g])      (+ bias, preloaded into out)
//   gx       gx[n, g]  = col2im(W_gᵀ · grad[n, g])
//   gw       gw_g     += grad[n, g] · cols(x[n, g])ᵀ              (per-thread partial sums;
//                         computed as gw_gᵀ += cols · gradᵀ when C/g·kH·kW > O/g, see weight_grad)
// A 1×1 kernel with unit stride and no padding needs no im2col: x itself is the column matrix.
#include <algorithm>
#include <cstdlib>
#include <new>
#include <vector>

#include "../dispatch.h"
#include "../strided.h"
#include "../threads.h"
#include "conv_im2col.h"
#include "fused_common.h"
#include "gemm.h"

namespace flint {

void max_pool2d(Call& c);  // conv_pool.cc

namespace {

// Elements of one column band (512 KiB of float32), so that it stays in a 1 MiB L2.
constexpr int64_t kColsBudget = 1 << 17;

// Per-thread 64-byte-aligned buffers kept between calls: slot 0 holds a padded band, slot 1
// its columns.
template <class T, int Slot> T* scratch_of(int64_t n) {
  struct Buf {
    void* p = nullptr;
    int64_t n = 0;
    ~Buf() { std::free(p); }
  };
  thread_local Buf b;
  if (b.n < n) {
    std::free(b.p);
    b.p = std::aligned_alloc(64, (static_cast<size_t>(n) * sizeof(T) + 63) / 64 * 64);
    b.n = b.p ? n : 0;
    if (!b.p) throw std::bad_alloc();
  }
  return static_cast<T*>(b.p);
}

// The columns of one band of image n's group g: x itself for a pointwise convolution (as a
// strided [ckk, len] matrix), else unfolded into the thread's buffer.
template <class T>
MatRef<T> columns(const T* xg, const View& x, const ConvGeo& q, bool direct, const Band& b) {
  if (direct) return MatRef<T>{xg + b.y0 * q.ow * x.strides[3], x.strides[1], x.strides[3]};
  T* p = scratch_of<T, 0>(b.padded_size(q));
  pad_band(xg, x.strides[1], x.strides[2], x.strides[3], x.buf->as<T>() + x.buf->size, q, b, p);
  T* cols = scratch_of<T, 1>(b.cols_size(q));
  im2col(p, q, b, cols);
  return MatRef<T>{cols, b.ld(q), 1};
}

ConvGeo geometry(const Call& c, const View& x, const View& w) {
  if (x.rank != 4 || w.rank != 4)
    c.fail("expected x [N,C,H,W] and weight [O,C/groups,kH,kW], got " + x.describe() + " and " +
           w.describe());
  if (x.dtype != w.dtype) c.fail("dtypes differ: " + x.describe() + " and " + w.describe());
  ConvGeo q;
  q.n = x.shape[0], q.c = x.shape[1], q.h = x.shape[2], q.w = x.shape[3];
  q.o = w.shape[0], q.cg = w.shape[1], q.kh = w.shape[2], q.kw = w.shape[3];
  q.sh = c.iarg(0), q.sw = c.iarg(1), q.pt = c.iarg(2), q.pl = c.iarg(4);
  const int64_t pb = c.iarg(3), pr = c.iarg(5);
  q.dh = c.iarg(6), q.dw = c.iarg(7), q.groups = c.iarg(8);
  if (q.sh < 1 || q.sw < 1 || q.dh < 1 || q.dw < 1 || q.pt < 0 || pb < 0 || q.pl < 0 || pr < 0)
    c.fail("invalid stride, padding or dilation");
  if (q.groups < 1 || q.o % q.groups != 0 || q.cg * q.groups != q.c)
    c.fail("weight " + w.describe() + " does not fit input " + x.describe() + " with groups=" +
           std::to_string(q.groups));
  q.og = q.o / q.groups;
  const int64_t span_h = q.h + q.pt + pb - q.dh * (q.kh - 1) - 1;
  const int64_t span_w = q.w + q.pl + pr - q.dw * (q.kw - 1) - 1;
  if (span_h < 0 || span_w < 0) c.fail("kernel is larger than the padded input");
  q.oh = span_h / q.sh + 1;
  q.ow = span_w / q.sw + 1;
  return q;
}

// Output rows per band, so that one band's columns fit kColsBudget.
int64_t band_rows(const ConvGeo& q) {
  const int64_t per_row = std::max<int64_t>(1, q.ckk() * q.ow);
  return std::max<int64_t>(1, std::min<int64_t>(q.oh, kColsBudget / per_row));
}

// Whether x (channel, spatial) is already the column matrix: 1×1, unit stride, no padding.
bool pointwise(const ConvGeo& q, const View& x) {
  return q.kh == 1 && q.kw == 1 && q.sh == 1 && q.sw == 1 && q.pt == 0 && q.pl == 0 &&
         q.oh == q.h && q.ow == q.w && x.strides[2] == q.w * x.strides[3];
}

// Runs fn(i) for i in [0, items): over threads when there are at least as many items as
// threads (each fn then runs its GEMMs on its own thread), else in order (GEMMs split).
template <class F> void for_items(int64_t items, F&& fn) {
  if (items >= num_threads() && items > 1) {
    parallel_for(items, 1, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; i++) fn(i);
    });
  } else {
    for (int64_t i = 0; i < items; i++) fn(i);
  }
}

// Each group's slice of W [O/g, C/g·kH·kW] (or its transpose), packed once for all images.
template <class T>
std::vector<std::vector<T>> pack_weights(const T* w, const ConvGeo& q, bool transpose) {
  std::vector<std::vector<T>> packs(static_cast<size_t>(q.groups));
  const int64_t ckk = q.ckk();
  for (int64_t g = 0; g < q.groups; g++) {
    const T* wg = w + g * q.og * ckk;
    if (transpose) gemm_pack_a(ckk, q.og, MatRef<T>{wg, 1, ckk}, packs[g]);
    else gemm_pack_a(q.og, ckk, MatRef<T>{wg, ckk, 1}, packs[g]);
  }
  return packs;
}

template <class T>
void forward(const View& x, const View& wv, const View* bias, const ConvGeo& q, T* out) {
  std::vector<T> wstore;
  const auto packs = pack_weights(dense<T>(wv, wstore), q, false);
  const int64_t L = q.l(), ckk = q.ckk(), rows = band_rows(q);
  const int64_t bands = (q.oh + rows - 1) / rows;
  const bool direct = pointwise(q, x);
  for_items(q.n * q.groups * bands, [&](int64_t it) {
    const int64_t n = it / (q.groups * bands), g = it / bands % q.groups, band = it % bands;
    const int64_t y0 = band * rows, y1 = std::min(q.oh, y0 + rows), len = (y1 - y0) * q.ow;
    T* o = out + (n * q.o + g * q.og) * L + y0 * q.ow;
    if (bias) {
      const T* bb = bias->base<T>();
      for (int64_t r = 0; r < q.og; r++)
        std::fill(o + r * L, o + r * L + len, bb[(g * q.og + r) * bias->strides[0]]);
    }
    const T* xg = x.base<T>() + n * x.strides[0] + g * q.cg * x.strides[1];
    const MatRef<T> cols = columns(xg, x, q, direct, Band(q, y0, y1));
    // Unfolded columns have padded rows, which GEMM reads in place.
    gemm_builtin_packed(q.og, len, ckk, packs[g].data(), cols, o, L, bias != nullptr, !direct);
  });
}

// Weight gradient of one image and group over output rows [y0, y1), accumulated into gwp.
// Both operands are contiguous along the summed pixels, so both get transposed by packing
// either way; `wide` (gwᵀ [ckk, O/g] += cols · gradᵀ) is chosen when it needs fewer vector
// FMAs: a tile's columns are whole vectors, so the narrow side should be the rows.
template <class T>
void weight_grad(const T* gn, const T* xg, const View& x, const ConvGeo& q, bool direct,
                 bool wide, int64_t y0, int64_t y1, T* gwp) {
  const int64_t L = q.l(), ckk = q.ckk(), len = (y1 - y0) * q.ow;
  const MatRef<T> cols = columns(xg, x, q, direct, Band(q, y0, y1));
  const T* g0 = gn + y0 * q.ow;
  if (wide)
    gemm_builtin(ckk, q.og, len, cols, MatRef<T>{g0, 1, L}, gwp, q.og, true);
  else
    gemm_builtin(q.og, ckk, len, MatRef<T>{g0, L, 1}, MatRef<T>{cols.p, cols.cs, cols.rs}, gwp,
                 ckk, true);
}

template <class T>
void backward(const View& x, const View& wv, const View& gv, const ConvGeo& q, T* gx, T* gw) {
  std::vector<T> wstore, gstore;
  const T* w = dense<T>(wv, wstore);
  const T* grad = dense<T>(gv, gstore);
  const auto packs = gx ? pack_weights(w, q, true) : std::vector<std::vector<T>>();
  const int64_t L = q.l(), ckk = q.ckk(), rows = band_rows(q);
  const bool direct = pointwise(q, x);
  const auto vectors = [](int64_t n) { return (n + kGemmPad - 1) / kGemmPad; };
  const bool wide = ckk * vectors(q.og) <= q.og * vectors(ckk);
  // Images are split into `parts` runs; each accumulates its own weight gradient.
  const int64_t parts = std::max<int64_t>(1, std::min<int64_t>(num_threads(), q.n));
  const int64_t wsize = q.o * ckk;
  std::vector<T> partial(gw ? static_cast<size_t>(parts * wsize) : 0, T(0));
  for_items(parts, [&](int64_t p) {
    for (int64_t n = q.n * p / parts; n < q.n * (p + 1) / parts; n++)
      for (int64_t g = 0; g < q.groups; g++) {
        const T* gn = grad + (n * q.o + g * q.og) * L;  // [O/g, L]
        const T* xg = x.base<T>() + n * x.strides[0] + g * q.cg * x.strides[1];
        if (gw) {
          T* gwp = partial.data() + p * wsize + g * q.og * ckk;
          for (int64_t y0 = 0; y0 < q.oh; y0 += rows)
            weight_grad(gn, xg, x, q, direct, wide, y0, std::min(q.oh, y0 + rows), gwp);
        }
        if (gx) {
          T* gxg = gx + (n * q.c + g * q.cg) * q.h * q.w;
          if (direct) {
            gemm_builtin_packed(q.cg, L, q.og, packs[g].data(), MatRef<T>{gn, L, 1}, gxg, L, false);
            continue;
          }
          std::fill(gxg, gxg + q.cg * q.h * q.w, T(0));
          for (int64_t y0 = 0; y0 < q.oh; y0 += rows) {
            const Band b(q, y0, std::min(q.oh, y0 + rows));
            T* cols = scratch_of<T, 1>(b.cols_size(q));
            gemm_builtin_packed(ckk, b.len(q), q.og, packs[g].data(),
                                MatRef<T>{gn + y0 * q.ow, L, 1}, cols, b.ld(q), false);
            T* p = scratch_of<T, 0>(b.padded_size(q));
            col2im(cols, q, b, p);
            unpad_add(p, q, b, gxg);
          }
        }
      }
  });
  if (!gw) return;
  // Sum the partials, transposing each group's gwᵀ back when the products were wide.
  for (int64_t g = 0; g < q.groups; g++)
    for (int64_t o = 0; o < q.og; o++)
      for (int64_t kk = 0; kk < ckk; kk++) {
        const int64_t at = wide ? kk * q.og + o : o * ckk + kk;
        T s = T(0);
        for (int64_t p = 0; p < parts; p++) s += partial[p * wsize + g * q.og * ckk + at];
        gw[(g * q.og + o) * ckk + kk] = s;
      }
}

void conv2d(Call& c) {
  const View& x = c.input(0);
  const View& w = c.input(1);
  const View* bias = c.nin > 2 && c.in[2].present() ? &c.in[2] : nullptr;
  const ConvGeo q = geometry(c, x, w);
  if (bias && (bias->rank != 1 || bias->shape[0] != q.o || bias->dtype != x.dtype))
    c.fail("bias must be [" + std::to_string(q.o) + "] of the input's dtype, got " + bias->describe());
  FLINT_DISPATCH_FLOAT(c, x.dtype, T, {
    T* out = c.out(x.dtype, q.n * q.o * q.l())->as<T>();
    forward<T>(x, w, bias, q, out);
  });
}

void conv2d_backward(Call& c) {
  const View& x = c.input(0);
  const View& w = c.input(1);
  const View& g = c.input(2);
  const ConvGeo q = geometry(c, x, w);
  const bool needs_x = c.iarg(9) != 0, needs_w = c.iarg(10) != 0;
  if (g.rank != 4 || g.dtype != x.dtype || g.shape[0] != q.n || g.shape[1] != q.o ||
      g.shape[2] != q.oh || g.shape[3] != q.ow)
    c.fail("grad " + g.describe() + " does not match the convolution's output [" +
           std::to_string(q.n) + ", " + std::to_string(q.o) + ", " + std::to_string(q.oh) +
           ", " + std::to_string(q.ow) + "]");
  FLINT_DISPATCH_FLOAT(c, x.dtype, T, {
    T* gx = nullptr;
    T* gw = nullptr;
    if (needs_x) gx = c.out(x.dtype, q.n * q.c * q.h * q.w)->as<T>();
    else c.none();
    if (needs_w) gw = c.out(x.dtype, q.o * q.ckk())->as<T>();
    else c.none();
    if (gx || gw) backward<T>(x, w, g, q, gx, gw);
  });
}

}  // namespace

void register_conv(Kernel* t) {
  t[O_conv2d] = conv2d;
  t[O_conv2dBackward] = conv2d_backward;
  t[O_maxPool2d] = max_pool2d;
}

}  // namespace flint
