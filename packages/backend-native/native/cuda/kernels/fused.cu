// Fused softmax, logSoftmax, layerNorm, gelu and crossEntropy of the 'cuda' device, with the
// arithmetic of the CPU device's fused.cc: exp in the dtype, sums and statistics in float64,
// each result rounded once; special values (NaN, ±inf) come out as there (see each kernel).
// Rows are reduced by a block each (block.h, deterministic), or by a thread each when they are
// short or, along a non-last axis, when neighbouring lanes are neighbours in memory.
#include <cmath>
#include <string>

#include "block.h"
#include "dispatch_cuda.h"
#include "kernels/fused_args.h"
#include "reduce_ops.h"

namespace flint {
namespace cuda {
namespace {

// Statistics accumulate in float64 (block sums with SumOp<double>, reduce_ops.h); exp is m_exp
// (scalar_float.h) and each lane's shift lane_shift (kernels/fused_args.h, shared with the CPU).
using SumD = SumOp<double>;

// ---- softmax / logSoftmax ----

// Offset in the contiguous output of element r of lane o (lanes row-major over [outer, inner]).
FLINT_D int64_t lane_out(int64_t o, int64_t r, int64_t len, int64_t inner) {
  return (o / inner) * len * inner + r * inner + o % inner;
}

template <class T, bool kLog>
FLINT_D void softmax_finish(const T* x, const Lines& p, T* y, int64_t inner, int64_t r, T shift,
                            double sum) {
  const T v = x[lines_along(p, r)];
  if (kLog) y[r * inner] = (v - shift) - static_cast<T>(log(sum));
  else y[r * inner] = m_exp(v - shift) * static_cast<T>(1.0 / sum);
}

template <class T, bool kLog>
__global__ void softmax_thread(Lines p, int64_t inner, const T* __restrict__ x, T* __restrict__ y) {
  using Max = ExtremeOp<T, true>;
  FLINT_GRID_LOOP(o, p.lines) {
    const T* xo = x + lines_kept(p, o);
    T mx = Max::identity();
    for (int64_t r = 0; r < p.len; r++) mx = Max::combine(mx, xo[lines_along(p, r)]);
    const T shift = lane_shift(mx);
    double sum = 0;
    for (int64_t r = 0; r < p.len; r++)
      sum += static_cast<double>(m_exp(xo[lines_along(p, r)] - shift));
    T* yo = y + lane_out(o, 0, p.len, inner);
    for (int64_t r = 0; r < p.len; r++) softmax_finish<T, kLog>(xo, p, yo, inner, r, shift, sum);
  }
}

template <class T, bool kLog>
__global__ void softmax_block(Lines p, int64_t inner, const T* __restrict__ x, T* __restrict__ y) {
  using Max = ExtremeOp<T, true>;
  __shared__ T tslots[32];
  __shared__ double dslots[32];
  for (int64_t o = blockIdx.x; o < p.lines; o += gridDim.x) {
    const T* xo = x + lines_kept(p, o);
    T mx = Max::identity();
    for (int64_t r = threadIdx.x; r < p.len; r += blockDim.x)
      mx = Max::combine(mx, xo[lines_along(p, r)]);
    const T shift = lane_shift(block_all_reduce<Max>(mx, tslots));
    double sum = 0;
    for (int64_t r = threadIdx.x; r < p.len; r += blockDim.x)
      sum += static_cast<double>(m_exp(xo[lines_along(p, r)] - shift));
    sum = block_all_reduce<SumD>(sum, dslots);
    T* yo = y + lane_out(o, 0, p.len, inner);
    for (int64_t r = threadIdx.x; r < p.len; r += blockDim.x)
      softmax_finish<T, kLog>(xo, p, yo, inner, r, shift, sum);
  }
}

template <class T, bool kLog> void softmax_impl(Call& c, const View& x, int axis) {
  const int64_t n = x.numel();
  T* out = c.out(x.dtype, n)->as<T>();
  if (n == 0) return;
  bool along[kMaxRank] = {};
  along[axis] = true;
  int64_t inner = 1;
  for (int d = axis + 1; d < x.rank; d++) inner *= x.shape[d];
  const Lines p = make_lines(x, along);
  if (p.len <= 32 || (inner > 1 && p.lines >= 1024))
    launch(c, grid_for(p.lines), kThreads, 0, softmax_thread<T, kLog>, p, inner, x.base<T>(), out);
  else
    launch(c, blocks_for(p.lines), kBlock, 0, softmax_block<T, kLog>, p, inner, x.base<T>(), out);
}

template <bool kLog> void softmax_op(Call& c) {
  const View& x = c.input(0);
  const int64_t axis = c.iarg(0);
  if (axis < 0 || axis >= x.rank)
    c.fail("axis " + std::to_string(axis) + " is out of range for " + x.describe());
  FLINT_DISPATCH_FLOAT(c, x.dtype, T, (softmax_impl<T, kLog>(c, x, static_cast<int>(axis))));
}

// ---- layerNorm ----

// One block per row of ns elements: two passes in float64 (mean, then squared deviations — no
// cancellation for rows far from zero), then y = (x − mean)·rstd [·w] [+ b], rounded once.
template <class T>
__global__ void layer_norm_rows(const T* __restrict__ x, const T* __restrict__ w,
                                const T* __restrict__ b, T* __restrict__ y,
                                T* __restrict__ mean_out, T* __restrict__ rstd_out, int64_t rows,
                                int64_t ns, double eps) {
  __shared__ double slots[32];
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const T* xr = x + r * ns;
    double s = 0;
    for (int64_t k = threadIdx.x; k < ns; k += blockDim.x) s += static_cast<double>(xr[k]);
    const double mean = block_all_reduce<SumD>(s, slots) / static_cast<double>(ns);
    double q = 0;
    for (int64_t k = threadIdx.x; k < ns; k += blockDim.x) {
      const double d = static_cast<double>(xr[k]) - mean;
      q += d * d;
    }
    const double var = block_all_reduce<SumD>(q, slots) / static_cast<double>(ns);
    const double rstd = 1.0 / sqrt(var + eps);
    if (threadIdx.x == 0) {
      mean_out[r] = static_cast<T>(mean);
      rstd_out[r] = static_cast<T>(rstd);
    }
    for (int64_t k = threadIdx.x; k < ns; k += blockDim.x) {
      double v = (static_cast<double>(xr[k]) - mean) * rstd;
      if (w) v *= static_cast<double>(w[k]);
      if (b) v += static_cast<double>(b[k]);
      y[r * ns + k] = static_cast<T>(v);
    }
  }
}

template <class T>
void layer_norm_impl(Call& c, const View& x, const View* w, const View* b, int64_t ns, double eps) {
  const int64_t size = x.numel(), rows = size / ns;
  std::unique_ptr<Scratch> hx, hw, hb;
  const T* xv = dense<T>(c, x, hx);
  const T* wv = w ? dense<T>(c, *w, hw) : nullptr;
  const T* bv = b ? dense<T>(c, *b, hb) : nullptr;
  T* Y = c.out(x.dtype, size)->as<T>();
  T* M = c.out(x.dtype, rows)->as<T>();
  T* R = c.out(x.dtype, rows)->as<T>();
  if (rows == 0) return;
  launch(c, blocks_for(rows), kBlock, 0, layer_norm_rows<T>, xv, wv, bv, Y, M, R, rows, ns, eps);
}

void layer_norm(Call& c) {
  const LayerNormArgs a = layer_norm_args(c);
  const View& x = *a.x;
  FLINT_DISPATCH_FLOAT(c, x.dtype, T, layer_norm_impl<T>(c, x, a.w, a.b, a.ns, a.eps));
}

// ---- gelu ----

// tanh: ½x(1 + tanh(√(2/π)(x + 0.044715x³))) with 1 + tanh(u) = 2/(1 + exp(−2u)), as the CPU
// kernel (±inf give inf / NaN as the composite). erf: x·½(1 + erf(x/√2)); float32 writes
// 1 + erf(z) as erfc(−z), which avoids the cancellation for negative x that the CPU's float32
// kernel avoids with its own erfc fit; float64 is the composite's formula, as on the CPU.
template <class T> FLINT_D T gelu_tanh(T v) {
  const T u = (v + v * v * v * T(0.044715)) * T(-2 * 0.7978845608028654);
  return v * T(0.5) * (T(2) / (T(1) + m_exp(u)));
}
FLINT_D float gelu_erf(float v) { return v * 0.5f * erfcf(-v * 0.70710678f); }
FLINT_D double gelu_erf(double v) { return v * 0.5 * (erf(v * 0.7071067811865476) + 1.0); }

template <class T, bool kTanh>
__global__ void gelu_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t n) {
  FLINT_GRID_LOOP(i, n) y[i] = kTanh ? gelu_tanh(x[i]) : gelu_erf(x[i]);
}

void gelu(Call& c) {
  const View& x = c.input(0);
  const bool tanh_approx = c.iarg(0) != 0;
  FLINT_DISPATCH_FLOAT(c, x.dtype, T, {
    std::unique_ptr<Scratch> hx;
    const T* xv = dense<T>(c, x, hx);
    const int64_t n = x.numel();
    T* out = c.out(x.dtype, n)->as<T>();
    if (n == 0) break;
    if (tanh_approx) launch(c, grid_for(n), kThreads, 0, gelu_kernel<T, true>, xv, out, n);
    else launch(c, grid_for(n), kThreads, 0, gelu_kernel<T, false>, xv, out, n);
  });
}

}  // namespace

void register_cross_entropy(Kernel* t);  // fused_loss.cu

void register_fused(Kernel* t) {
  t[O_softmax] = softmax_op<false>;
  t[O_logSoftmax] = softmax_op<true>;
  t[O_layerNorm] = layer_norm;
  t[O_gelu] = gelu;
  register_cross_entropy(t);
}

}  // namespace cuda
}  // namespace flint
