// Fused softmax, logSoftmax, layerNorm, gelu and crossEntropy: one or two passes over each row
// instead of the chains of full-size temporaries the composites build. Sums and statistics
// accumulate in double; exp is the vector version of fused_simd.h. Special values (NaN, ±inf)
// come out as PyTorch and the CPU backend give them (see each kernel).
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "../dispatch.h"
#include "../strided.h"
#include "../threads.h"
#include "fused_args.h"
#include "fused_common.h"
#include "fused_simd.h"

namespace flint {
namespace {

using simd::V;

template <class T> constexpr T kInf = std::numeric_limits<T>::infinity();

// ---- softmax / logSoftmax ----

// One contiguous lane, shifted by lane_shift; a NaN reaches the sum through exp (or the shift,
// when row_max returns it) and makes the whole lane NaN.
template <class T> void softmax_row(const T* x, T* y, int64_t n, bool log) {
  const T shift = lane_shift(simd::row_max(x, n));
  if (!log) {
    const double sum = simd::exp_sum(x, shift, y, n);
    const T inv = static_cast<T>(1.0 / sum);
    for (int64_t i = 0; i < n; i++) y[i] *= inv;
  } else {
    // (x − shift) − log Σ: subtracting the log-sum from the shifted values keeps precision.
    const T lse = static_cast<T>(std::log(simd::exp_sum(x, shift, static_cast<T*>(nullptr), n)));
    for (int64_t i = 0; i < n; i++) y[i] = (x[i] - shift) - lse;
  }
}

// A block of `w` lanes that are columns of a contiguous [len, inner] slab (softmax along a
// non-last axis): the same arithmetic as softmax_row, run across the columns so that every
// access is contiguous and vectorised instead of striding by `inner` along each lane.
constexpr int64_t kColBlock = 256;

template <class T>
void softmax_cols(const T* x, T* y, int64_t len, int64_t inner, int64_t w, bool log) {
  using W = V<T>;
  constexpr int N = W::N;
  static_assert(kColBlock % N == 0, "whole vectors fit in a block");
  // Rounded up to whole vectors: the last, partial one is computed whole (its extra lanes from
  // 0s, their results unused), so every column goes through the same vector exp.
  const int64_t wv = (w + N - 1) / N * N;
  alignas(32) T shift[kColBlock];
  alignas(32) double sum[kColBlock];
  for (int64_t j = 0; j < wv; j++) {
    shift[j] = j < w ? -kInf<T> : T(0);
    sum[j] = 0;
  }
  // NaN: std::max keeps the running max, and the NaN reaches the sum through exp instead.
  for (int64_t k = 0; k < len; k++)
    for (int64_t j = 0; j < w; j++) shift[j] = std::max(shift[j], x[k * inner + j]);
  for (int64_t j = 0; j < w; j++) shift[j] = lane_shift(shift[j]);
  for (int64_t k = 0; k < len; k++) {
    const T* xk = x + k * inner;
    T* yk = y + k * inner;
    for (int64_t j = 0; j < w; j += N) {
      const int64_t m = std::min<int64_t>(N, w - j);
      const auto e = W::exp(W::sub(m == N ? W::load(xk + j) : W::load(xk + j, m, T(0)),
                                   W::load(shift + j)));
      if (!log) {
        if (m == N) W::store(yk + j, e);
        else W::store(yk + j, e, m);
      }
      W::add_to(sum + j, e);
    }
  }
  if (!log) {
    T inv[kColBlock];
    for (int64_t j = 0; j < w; j++) inv[j] = static_cast<T>(1.0 / sum[j]);
    for (int64_t k = 0; k < len; k++)
      for (int64_t j = 0; j < w; j++) y[k * inner + j] *= inv[j];
  } else {
    T lse[kColBlock];
    for (int64_t j = 0; j < w; j++) lse[j] = static_cast<T>(std::log(sum[j]));
    for (int64_t k = 0; k < len; k++)
      for (int64_t j = 0; j < w; j++) y[k * inner + j] = (x[k * inner + j] - shift[j]) - lse[j];
  }
}

// Offsets of the lanes of a strided tensor (every dim but the axis), in row-major lane order.
struct Lanes {
  int rank = 0;
  int64_t shape[kMaxRank] = {}, stride[kMaxRank] = {}, idx[kMaxRank] = {};
  int64_t off = 0;

  Lanes(const View& x, int axis) {
    for (int d = 0; d < x.rank; d++)
      if (d != axis && x.shape[d] != 1) {
        shape[rank] = x.shape[d];
        stride[rank++] = x.strides[d];
      }
  }
  void seek(int64_t lane) {
    off = 0;
    for (int d = rank - 1; d >= 0; d--) {
      idx[d] = lane % shape[d];
      lane /= shape[d];
      off += idx[d] * stride[d];
    }
  }
  void next() {
    for (int d = rank - 1; d >= 0; d--) {
      off += stride[d];
      if (++idx[d] < shape[d]) return;
      off -= shape[d] * stride[d];
      idx[d] = 0;
    }
  }
};

template <class T> void softmax_impl(Call& c, const View& x, int axis, bool log) {
  const int64_t n = x.numel();
  T* out = c.out(x.dtype, n)->as<T>();
  if (n == 0) return;
  const int64_t len = x.shape[axis];
  int64_t inner = 1;
  for (int d = axis + 1; d < x.rank; d++) inner *= x.shape[d];
  const int64_t lanes = n / len;
  const int64_t grain = std::max<int64_t>(1, kHeavyGrain / len);
  const T* xb = x.base<T>();
  if (inner == 1 && x.contiguous()) {  // rows of a contiguous tensor: the common case
    parallel_for(lanes, grain, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; r++) softmax_row(xb + r * len, out + r * len, len, log);
    });
    return;
  }
  if (x.contiguous()) {  // a non-last axis: blocks of columns of each [len, inner] slab
    const int64_t blocks = (inner + kColBlock - 1) / kColBlock, outer = lanes / inner;
    const int64_t task_grain = std::max<int64_t>(1, kHeavyGrain / (len * std::min(inner, kColBlock)));
    parallel_for(outer * blocks, task_grain, [&](int64_t begin, int64_t end) {
      for (int64_t t = begin; t < end; t++) {
        const int64_t o = t / blocks, j0 = (t % blocks) * kColBlock;
        const int64_t at = o * len * inner + j0;
        softmax_cols(xb + at, out + at, len, inner, std::min(kColBlock, inner - j0), log);
      }
    });
    return;
  }
  // Otherwise each lane is gathered into a contiguous scratch line and, unless the output lane
  // is contiguous (inner == 1), computed into a second one and scattered.
  const Lanes all(x, axis);
  const int64_t sa = x.strides[axis];
  parallel_for(lanes, grain, [&](int64_t begin, int64_t end) {
    std::vector<T> scratch(static_cast<size_t>(2 * len));
    Lanes it = all;
    it.seek(begin);
    for (int64_t l = begin; l < end; l++, it.next()) {
      const T* xl = xb + it.off;
      T* ol = out + (l / inner) * len * inner + l % inner;
      const T* src = xl;
      if (sa != 1) {
        for (int64_t k = 0; k < len; k++) scratch[k] = xl[k * sa];
        src = scratch.data();
      }
      T* dst = inner == 1 ? ol : scratch.data() + len;
      softmax_row(src, dst, len, log);
      if (inner != 1)
        for (int64_t k = 0; k < len; k++) ol[k * inner] = dst[k];
    }
  });
}

template <bool Log> void softmax_op(Call& c) {
  const View& x = c.input(0);
  const int64_t axis = c.iarg(0);
  if (axis < 0 || axis >= x.rank)
    c.fail("axis " + std::to_string(axis) + " is out of range for " + x.describe());
  FLINT_DISPATCH_FLOAT(c, x.dtype, T, softmax_impl<T>(c, x, static_cast<int>(axis), Log));
}

// ---- layerNorm ----

// y = (x − mean)·rstd [·w] [+ b] in double, rounded once; one instantiation per affine variant.
template <class T, class HasW, class HasB>
void normalize_row(const T* __restrict x, T* __restrict y, int64_t n, double mean, double rstd,
                   const T* __restrict w, const T* __restrict b) {
  for (int64_t k = 0; k < n; k++) {
    double v = (static_cast<double>(x[k]) - mean) * rstd;
    if constexpr (HasW::value) v *= static_cast<double>(w[k]);
    if constexpr (HasB::value) v += static_cast<double>(b[k]);
    y[k] = static_cast<T>(v);
  }
}

template <class T>
void layer_norm_impl(Call& c, const View& x, const View* w, const View* b, int64_t ns, double eps) {
  const int64_t size = x.numel(), rows = size / ns;
  std::vector<T> xt, wt, bt;
  const T* xv = dense(x, xt);
  const T* wv = w ? dense(*w, wt) : nullptr;
  const T* bv = b ? dense(*b, bt) : nullptr;
  T* Y = c.out(x.dtype, size)->as<T>();
  T* M = c.out(x.dtype, rows)->as<T>();
  T* R = c.out(x.dtype, rows)->as<T>();
  with_bool(wv != nullptr, [&](auto hw) {
    with_bool(bv != nullptr, [&](auto hb) {
      using HW = decltype(hw);
      using HB = decltype(hb);
      parallel_for(rows, std::max<int64_t>(1, kGrain / ns), [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; r++) {
          const T* xr = xv + r * ns;
          // Two passes in double (mean, then squared deviations): no cancellation for rows far
          // from zero, unlike E[x²] − E[x]².
          const double mean = simd::row_sum(xr, ns) / static_cast<double>(ns);
          const double var = simd::row_sq_dev(xr, mean, ns) / static_cast<double>(ns);
          const double rstd = 1.0 / std::sqrt(var + eps);
          M[r] = static_cast<T>(mean);
          R[r] = static_cast<T>(rstd);
          normalize_row<T, HW, HB>(xr, Y + r * ns, ns, mean, rstd, wv, bv);
        }
      });
    });
  });
}

void layer_norm(Call& c) {
  const LayerNormArgs a = layer_norm_args(c);
  const View& x = *a.x;
  FLINT_DISPATCH_FLOAT(c, x.dtype, T, layer_norm_impl<T>(c, x, a.w, a.b, a.ns, a.eps));
}

// ---- gelu ----

// torch's tanh approximation ½x(1 + tanh(√(2/π)(x + 0.044715x³))), with 1 + tanh(u) computed as
// 2/(1 + exp(−2u)): the same value without tanh, and ±inf still give the composite's inf / NaN
// (−inf·0). Vectorised, with a masked tail.
template <class T> void gelu_tanh(const T* x, T* y, int64_t n) {
  using W = V<T>;
  constexpr int N = W::N;
  const auto c3 = W::set1(T(0.044715)), k = W::set1(T(-2 * 0.7978845608028654)),
             half = W::set1(T(0.5)), one = W::set1(T(1)), two = W::set1(T(2));
  auto f = [&](typename W::R v) {
    auto inner = W::add(v, W::mul(W::mul(W::mul(v, v), v), c3));
    auto e = W::exp(W::mul(inner, k));
    return W::mul(W::mul(v, half), W::div(two, W::add(one, e)));
  };
  int64_t i = 0;
  for (; i + N <= n; i += N) W::store(y + i, f(W::load(x + i)));
  if (i < n) W::store(y + i, f(W::load(x + i, n - i, T(0))), n - i);
}

// Exact: x·½(1 + erf(x/√2)), in the composite's order (so −inf gives −inf·0 = NaN). float64
// uses the C library's erf, element by element.
template <class T> void gelu_erf(const T* x, T* y, int64_t n) {
  const T r2 = T(0.7071067811865476);
  for (int64_t i = 0; i < n; i++) y[i] = x[i] * T(0.5) * (std::erf(x[i] * r2) + T(1));
}

// float32, vectorised: 1 + erf(z) = erfc(−z), with erfc(a) for a = |z| ≥ 0 written as
// t·exp(f(t) − a²), t = 1/(1 + a/2). f is smooth on t ∈ [0, 1] (its limit at t → 0, a → ∞, is
// −log(2√π)); the degree-9 polynomial below is our least-squares fit to it on Chebyshev nodes of
// [0, 1] (reference values from mpmath): |error| ≤ 1.1e-7, i.e. a relative error in erfc. With
// float rounding the result is within ~4e-7 relative of x·Φ(x) everywhere — and, unlike
// 1 + erf(z), without cancellation for negative x. ±inf and NaN give what the composite does:
// +inf → inf, −inf → −inf·0 = NaN, NaN → NaN.
template <> void gelu_erf<float>(const float* x, float* y, int64_t n) {
  using W = V<float>;
  static constexpr float kF[10] = {
      -1.265512228012085f, 1.0000237226486206f,  0.3740919530391693f, 0.09678418934345245f,
      -0.18628805875778198f, 0.27886807918548584f, -1.1352039575576782f, 1.488515853881836f,
      -0.8221522569656372f,  0.1708727777004242f,
  };
  const __m256 r2 = W::set1(0.70710678f), half = W::set1(0.5f), one = W::set1(1.0f),
               two = W::set1(2.0f), sign = W::set1(-0.0f);
  auto f = [&](__m256 v) {
    const __m256 a = _mm256_andnot_ps(sign, _mm256_mul_ps(v, r2));  // |x|/√2
    const __m256 t = _mm256_div_ps(one, _mm256_fmadd_ps(a, half, one));
    __m256 p = W::set1(kF[9]);
    for (int i = 8; i >= 0; i--) p = _mm256_fmadd_ps(p, t, W::set1(kF[i]));
    const __m256 e = _mm256_mul_ps(t, W::exp(_mm256_fnmadd_ps(a, a, p)));  // erfc(a)
    // 1 + erf(x/√2) = erfc(a) for x < 0, 2 − erfc(a) otherwise.
    const __m256 g = _mm256_blendv_ps(_mm256_sub_ps(two, e), e, _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_LT_OQ));
    return _mm256_mul_ps(_mm256_mul_ps(v, half), g);
  };
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) W::store(y + i, f(W::load(x + i)));
  if (i < n) W::store(y + i, f(W::load(x + i, n - i, 0.0f)), n - i);
}

void gelu(Call& c) {
  const View& x = c.input(0);
  const bool tanh = c.iarg(0) != 0;
  FLINT_DISPATCH_FLOAT(c, x.dtype, T, {
    std::vector<T> xt;
    const T* xv = dense(x, xt);
    const int64_t n = x.numel();
    T* out = c.out(x.dtype, n)->as<T>();
    parallel_for(n, kHeavyGrain, [&](int64_t begin, int64_t end) {
      if (tanh)
        gelu_tanh(xv + begin, out + begin, end - begin);
      else
        gelu_erf(xv + begin, out + begin, end - begin);
    });
  });
}

// ---- crossEntropy ----

// −logSoftmax(row)[t] = −((x_t − shift) − log Σ exp(x − shift)), in double, rounded once; 0 exactly
// for ignored rows. Shift as softmax_row, so a row with +inf, NaN or only −inf gives NaN (as
// torch.nn.functional.cross_entropy does), and a −inf logit at the target gives +inf.
void cross_entropy(Call& c) {
  const CrossEntropyArgs a = cross_entropy_args(c);
  const View& x = *a.x;
  const View& t = *a.t;
  const int64_t ignore = a.ignore, rows = a.rows, classes = a.classes;
  std::vector<int32_t> tt;
  const int32_t* tv = dense(t, tt);
  // Checked before anything is allocated or read: a bad target must not index out of the row.
  for (int64_t i = 0; i < rows; i++)
    if (tv[i] != ignore && (tv[i] < 0 || tv[i] >= classes))
      c.fail("target " + std::to_string(tv[i]) + " at row " + std::to_string(i) +
             " is out of range for " + std::to_string(classes) + " classes (ignoreIndex " +
             std::to_string(ignore) + ")");
  FLINT_DISPATCH_FLOAT(c, x.dtype, T, {
    std::vector<T> xt;
    const T* xv = dense(x, xt);
    T* out = c.out(x.dtype, rows)->as<T>();
    const int64_t grain = std::max<int64_t>(1, kHeavyGrain / std::max<int64_t>(classes, 1));
    parallel_for(rows, grain, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; i++) {
        if (tv[i] == ignore) {
          out[i] = T(0);
          continue;
        }
        const T* row = xv + i * classes;
        const T shift = lane_shift(simd::row_max(row, classes));
        const double sum = simd::exp_sum(row, shift, static_cast<T*>(nullptr), classes);
        const double picked = static_cast<double>(row[tv[i]]) - static_cast<double>(shift);
        out[i] = static_cast<T>(-(picked - std::log(sum)));
      }
    });
  });
}

}  // namespace

void register_fused(Kernel* t) {
  t[O_softmax] = softmax_op<false>;
  t[O_logSoftmax] = softmax_op<true>;
  t[O_layerNorm] = layer_norm;
  t[O_gelu] = gelu;
  t[O_crossEntropy] = cross_entropy;
}

}  // namespace flint
