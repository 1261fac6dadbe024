// maxPool2d: x [N,C,H,W] → values [N,C,OH,OW] and int32 indices h·W + w of each maximum in its
// input plane (torch's return_indices), in one pass over each window, planes in parallel.
// Taps in the −∞ padding are skipped (each window starts at its first in-bounds tap, so
// padding never wins); taps are visited in row-major order and the first maximum wins; a NaN
// beats everything, an earlier NaN included (torch's CPU loop takes `v > best || isnan(v)`, so
// the gradient goes to the window's last NaN) — core's decomposition gives exactly these values
// and indices.
#include <algorithm>
#include <limits>
#include <vector>

#include "../dispatch.h"
#include "../strided.h"
#include "../threads.h"

namespace flint {
namespace {

// Output length along one axis, as core's windowCount: in ceil mode the last window must
// start inside the input or the left padding.
int64_t pool_out(int64_t size, int64_t k, int64_t s, int64_t pad, int64_t d, bool ceil) {
  const int64_t span = size + 2 * pad - d * (k - 1) - 1;
  if (span < 0) return 0;
  int64_t n = (ceil ? (span + s - 1) / s : span / s) + 1;
  if (ceil && (n - 1) * s >= size + pad) n--;
  return n;
}

// In-bounds taps of each window along one axis: taps [lo, hi) of window o read positions
// start + t·d.
struct Taps {
  std::vector<int64_t> start, lo, hi;
};

Taps axis_taps(int64_t size, int64_t outs, int64_t k, int64_t s, int64_t pad, int64_t d) {
  Taps t;
  for (int64_t o = 0; o < outs; o++) {
    const int64_t start = o * s - pad;
    int64_t lo = 0, hi = k;
    while (lo < k && start + lo * d < 0) lo++;
    while (hi > lo && start + (hi - 1) * d >= size) hi--;
    t.start.push_back(start);
    t.lo.push_back(lo);
    t.hi.push_back(hi);
  }
  return t;
}

struct PoolGeo {
  int64_t h, w, oh, ow, kh, kw, dh, dw;
  int64_t sy, sx;  // element strides of x's rows and columns
};

template <class T>
void pool_plane(const T* x, const PoolGeo& q, const Taps& rows, const Taps& cols, T* vals,
                int32_t* idx) {
  for (int64_t oy = 0; oy < q.oh; oy++) {
    const int64_t r0 = rows.start[oy], alo = rows.lo[oy], ahi = rows.hi[oy];
    for (int64_t ox = 0; ox < q.ow; ox++) {
      const int64_t s0 = cols.start[ox], blo = cols.lo[ox], bhi = cols.hi[ox];
      // First tap, then the rest in row-major order.
      int64_t r = r0 + alo * q.dh, s = s0 + blo * q.dw;
      T best = x[r * q.sy + s * q.sx];
      int64_t at = r * q.w + s;
      for (int64_t a = alo; a < ahi; a++) {
        r = r0 + a * q.dh;
        const T* row = x + r * q.sy;
        for (int64_t b = a == alo ? blo + 1 : blo; b < bhi; b++) {
          s = s0 + b * q.dw;
          const T v = row[s * q.sx];
          if (v > best || v != v) {
            best = v;
            at = r * q.w + s;
          }
        }
      }
      vals[oy * q.ow + ox] = best;
      idx[oy * q.ow + ox] = static_cast<int32_t>(at);
    }
  }
}

// The common 2×2, stride-2 pool of a contiguous plane without padding: no tap bookkeeping.
template <class T>
void pool_plane_2x2(const T* x, const PoolGeo& q, T* vals, int32_t* idx) {
  for (int64_t oy = 0; oy < q.oh; oy++) {
    const T* r0 = x + 2 * oy * q.w;
    const T* r1 = r0 + q.w;
    const int32_t base = static_cast<int32_t>(2 * oy * q.w);
    for (int64_t ox = 0; ox < q.ow; ox++) {
      const int64_t s = 2 * ox;
      T best = r0[s];
      int32_t at = base + static_cast<int32_t>(s);
      auto take = [&](T v, int32_t i) {
        if (v > best || v != v) {
          best = v;
          at = i;
        }
      };
      take(r0[s + 1], at + 1);
      take(r1[s], base + static_cast<int32_t>(q.w + s));
      take(r1[s + 1], base + static_cast<int32_t>(q.w + s + 1));
      vals[oy * q.ow + ox] = best;
      idx[oy * q.ow + ox] = at;
    }
  }
}

}  // namespace

void max_pool2d(Call& c) {
  const View& x = c.input(0);
  if (x.rank != 4) c.fail("expected x [N,C,H,W], got " + x.describe());
  const int64_t kh = c.iarg(0), kw = c.iarg(1), sh = c.iarg(2), sw = c.iarg(3);
  const int64_t ph = c.iarg(4), pw = c.iarg(5), dh = c.iarg(6), dw = c.iarg(7);
  const bool ceil = c.iarg(8) != 0;
  if (kh < 1 || kw < 1 || sh < 1 || sw < 1 || dh < 1 || dw < 1 || ph < 0 || pw < 0 ||
      2 * ph > kh || 2 * pw > kw)
    c.fail("invalid kernel, stride, padding or dilation");
  const int64_t n = x.shape[0], ch = x.shape[1], h = x.shape[2], w = x.shape[3];
  if (h * w > std::numeric_limits<int32_t>::max()) c.fail("plane too large for int32 indices");
  PoolGeo q{h, w, pool_out(h, kh, sh, ph, dh, ceil), pool_out(w, kw, sw, pw, dw, ceil),
            kh, kw, dh, dw, x.strides[2], x.strides[3]};
  const Taps rows = axis_taps(h, q.oh, kh, sh, ph, dh), cols = axis_taps(w, q.ow, kw, sw, pw, dw);
  const int64_t planes = n * ch, plane_out = q.oh * q.ow;
  if (planes > 0)
    for (const Taps* t : {&rows, &cols})
      for (size_t i = 0; i < t->lo.size(); i++)
        if (t->lo[i] >= t->hi[i]) c.fail("a pooling window has no input element");
  const bool fast = kh == 2 && kw == 2 && sh == 2 && sw == 2 && ph == 0 && pw == 0 &&
                    dh == 1 && dw == 1 && q.sx == 1 && q.sy == w && 2 * q.oh <= h &&
                    2 * q.ow <= w;
  FLINT_DISPATCH_FLOAT(c, x.dtype, T, {
    T* vals = c.out(x.dtype, planes * plane_out)->as<T>();
    int32_t* idx = c.out(I32, planes * plane_out)->as<int32_t>();
    const T* base = x.base<T>();
    const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(1, plane_out * kh * kw));
    parallel_for(planes, grain, [&](int64_t p0, int64_t p1) {
      for (int64_t p = p0; p < p1; p++) {
        const T* plane = base + (p / ch) * x.strides[0] + (p % ch) * x.strides[1];
        if (fast) pool_plane_2x2(plane, q, vals + p * plane_out, idx + p * plane_out);
        else pool_plane(plane, q, rows, cols, vals + p * plane_out, idx + p * plane_out);
      }
    });
  });
}

}  // namespace flint
