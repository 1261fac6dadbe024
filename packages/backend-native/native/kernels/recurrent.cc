// Fused LSTM and GRU sequences (overrides lstmSequence, gruSequence and their backwards): one layer
// in one direction over an input already projected by x·W_ihᵀ + b. Each step is one GEMM by
// W_hh for the gates of the whole batch plus one pointwise pass; the backward walks the steps in
// reverse with one GEMM by W_hh per step and gets dW_hh from two GEMMs over all steps at the end.
// The products use the built-in packed GEMM whatever the build's BLAS: at these shapes (a batch
// of rows times W_hh) it measured about twice as fast as Debian's OpenBLAS on the bench's CPU.
// The composite does the same arithmetic in ~30 separate kernels per step, each with its JS and
// N-API cost, and autograd's bookkeeping around every one of them.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "../dispatch.h"
#include "../strided.h"
#include "../threads.h"
#include "fused_common.h"
#include "fused_simd.h"
#include "gemm.h"

namespace flint {
namespace {

// σ over p[0, n) in place, with the vector arithmetic of the sigmoid primitive (elementwise.cc):
// e = exp(−|x|), s = 1/(1 + e), e·s for x < 0 — so the gates round as the composite's do.
template <class T> typename simd::V<T>::R sigmoid_vec(typename simd::V<T>::R x) {
  using W = simd::V<T>;
  const auto zero = W::set1(T(0)), one = W::set1(T(1));
  const auto e = W::exp(W::sub(zero, W::max(x, W::sub(zero, x))));
  const auto s = W::div(one, W::add(one, e));
  if constexpr (std::is_same<T, float>::value)
    return _mm256_blendv_ps(W::mul(e, s), s, _mm256_cmp_ps(x, zero, _CMP_GE_OQ));
  else
    return _mm256_blendv_pd(W::mul(e, s), s, _mm256_cmp_pd(x, zero, _CMP_GE_OQ));
}

template <class T> void sigmoid_row(T* p, int64_t n) {
  using W = simd::V<T>;
  int64_t i = 0;
  for (; i + W::N <= n; i += W::N) W::store(p + i, sigmoid_vec<T>(W::load(p + i)));
  if (i < n) W::store(p + i, sigmoid_vec<T>(W::load(p + i, n - i, T(0))), n - i);
}

// tanh(x) = sign(x)·(1 − e)/(1 + e) with e = exp(−2|x|): one vector exp instead of a scalar
// std::tanh per element (the step's costliest part otherwise). 1 − e is exact for small |x|
// (Sterbenz), so the absolute error stays within a few ulp of 1; ±inf give ±1, NaN stays NaN.
template <class T> typename simd::V<T>::R tanh_vec(typename simd::V<T>::R x) {
  using W = simd::V<T>;
  const auto one = W::set1(T(1)), sign = W::set1(T(-0.0));
  if constexpr (std::is_same<T, float>::value) {
    const __m256 a = _mm256_andnot_ps(sign, x);
    const __m256 e = W::exp(W::mul(a, W::set1(-2.0f)));
    const __m256 t = W::div(W::sub(one, e), W::add(one, e));
    return _mm256_or_ps(t, _mm256_and_ps(sign, x));
  } else {
    const __m256d a = _mm256_andnot_pd(sign, x);
    const __m256d e = W::exp(W::mul(a, W::set1(-2.0)));
    const __m256d t = W::div(W::sub(one, e), W::add(one, e));
    return _mm256_or_pd(t, _mm256_and_pd(sign, x));
  }
}

// dst[0, n) = tanh(src[0, n)); dst may be src.
template <class T> void tanh_row(const T* src, T* dst, int64_t n) {
  using W = simd::V<T>;
  int64_t i = 0;
  for (; i + W::N <= n; i += W::N) W::store(dst + i, tanh_vec<T>(W::load(src + i)));
  if (i < n) W::store(dst + i, tanh_vec<T>(W::load(src + i, n - i, T(0))), n - i);
}

// Shapes every kernel here checks: gi [T,B,G·H], W_hh [G·H,H], state [B,H].
struct Dims {
  int64_t T, B, H;
};

Dims check_dims(Call& c, const View& gi, const View& whh, int gates) {
  if (gi.rank != 3 || whh.rank != 2 || gi.shape[2] % gates != 0)
    c.fail("expects gi [T,B," + std::to_string(gates) + "·H] and weightHh [" +
           std::to_string(gates) + "·H,H], got " + gi.describe() + " and " + whh.describe());
  const Dims d{gi.shape[0], gi.shape[1], gi.shape[2] / gates};
  if (whh.shape[0] != gates * d.H || whh.shape[1] != d.H || whh.dtype != gi.dtype)
    c.fail("weightHh " + whh.describe() + " does not match gi " + gi.describe());
  return d;
}

void check_state(Call& c, const View& s, const View& gi, const Dims& d, const char* what) {
  if (s.dtype != gi.dtype || s.rank != 2 || s.shape[0] != d.B || s.shape[1] != d.H)
    c.fail(std::string(what) + " " + s.describe() + " does not match gi " + gi.describe());
}

// Row chunks of the batch for a pointwise pass over `per_row` elements of each row. A step's pass
// is vectorised and short (a batch of 32 × 4·128 gates takes a few µs), so it splits only when
// it is large: waking the pool twice per step cost more than it saved at 2 threads.
inline int64_t row_grain(int64_t per_row) {
  return std::max<int64_t>(1, 2 * kGrain / std::max<int64_t>(1, per_row));
}

// h_{t−1} of step t in walking order: the state before the first step, else the previous output.
template <class T> const T* prev_of(const T* seq, const T* init, int64_t t, const Dims& d, bool rev) {
  const int64_t p = rev ? t + 1 : t - 1;
  return (p < 0 || p >= d.T) ? init : seq + p * d.B * d.H;
}

// dW_hh = Σ_t dGh[t]ᵀ·h_{t−1}: the steps whose h_{t−1} is an output form one contiguous block of
// hs, so two GEMMs cover all T steps.
template <class T>
void weight_grad(const T* dgh, const T* hs, const T* h0, const Dims& d, int64_t G, bool rev,
                 T* dw) {
  const int64_t BH = d.B * d.H, rows = (d.T - 1) * d.B;
  const int64_t t0 = rev ? d.T - 1 : 0;  // the step that reads h0
  gemm_builtin(G, d.H, d.B, MatRef<T>{dgh + t0 * d.B * G, 1, G}, MatRef<T>{h0, d.H, 1}, dw, d.H, false);
  if (rows == 0) return;
  // Forward: steps 1..T−1 read hs[0..T−2]; reverse: steps 0..T−2 read hs[1..T−1].
  const T* g = dgh + (rev ? 0 : d.B * G);
  const T* h = hs + (rev ? BH : 0);
  gemm_builtin(G, d.H, rows, MatRef<T>{g, 1, G}, MatRef<T>{h, d.H, 1}, dw, d.H, true);
}

// ---- LSTM ----

template <class T> void lstm_forward(Call& c, const View& giv, const View& wv, bool rev) {
  const Dims d = check_dims(c, giv, wv, 4);
  check_state(c, c.input(2), giv, d, "h0");
  check_state(c, c.input(3), giv, d, "c0");
  std::vector<T> t0, t1, t2, t3;
  const T* gi = dense(giv, t0);
  const T* w = dense(wv, t1);
  const T* h0 = dense(c.input(2), t2);
  const T* c0 = dense(c.input(3), t3);
  const int64_t BH = d.B * d.H, H = d.H, G = 4 * H;
  T* Y = c.out(giv.dtype, 2 * d.T * BH)->as<T>();
  T* gates = c.out(giv.dtype, d.T * d.B * G)->as<T>();
  T* hs = Y;
  T* cs = Y + d.T * BH;
  for (int64_t i = 0; i < d.T; i++) {
    const int64_t t = rev ? d.T - 1 - i : i;
    const T* hp = prev_of(hs, h0, t, d, rev);
    const T* cp = prev_of(cs, c0, t, d, rev);
    T* gt = gates + t * d.B * G;
    std::memcpy(gt, gi + t * d.B * G, sizeof(T) * d.B * G);
    gemm_builtin(d.B, G, H, MatRef<T>{hp, H, 1}, MatRef<T>{w, 1, H}, gt, G, true);
    T* ht = hs + t * BH;
    T* ct = cs + t * BH;
    parallel_for(d.B, row_grain(G), [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; b++) {
        T* g = gt + b * G;
        sigmoid_row(g, 2 * H);  // i and f
        sigmoid_row(g + 3 * H, H);
        tanh_row(g + 2 * H, g + 2 * H, H);
        T *cr = ct + b * H, *hr = ht + b * H;
        for (int64_t k = 0; k < H; k++) cr[k] = g[H + k] * cp[b * H + k] + g[k] * g[2 * H + k];
        tanh_row(cr, hr, H);
        for (int64_t k = 0; k < H; k++) hr[k] *= g[3 * H + k];
      }
    });
  }
}

// Inputs gates, y, W_hh, h0, c0, gy → dGi, dW_hh, dh0, dc0.
template <class T> void lstm_backward(Call& c, bool rev) {
  const View &gv = c.input(0), &wv = c.input(2);
  const Dims d = check_dims(c, gv, wv, 4);
  for (int i : {1, 5})
    if (c.input(i).numel() != 2 * d.T * d.B * d.H || c.input(i).dtype != gv.dtype)
      c.fail("y and gy must be [2,T,B,H] like gates " + gv.describe() + ", got " +
             c.input(i).describe());
  check_state(c, c.input(3), gv, d, "h0");
  check_state(c, c.input(4), gv, d, "c0");
  std::vector<T> tmp[6];
  const T* gates = dense(gv, tmp[0]);
  const T* Y = dense(c.input(1), tmp[1]);
  const T* w = dense(wv, tmp[2]);
  const T* h0 = dense(c.input(3), tmp[3]);
  const T* c0 = dense(c.input(4), tmp[4]);
  const T* gy = dense(c.input(5), tmp[5]);
  const int64_t BH = d.B * d.H, H = d.H, G = 4 * H;
  T* dgi = c.out(gv.dtype, d.T * d.B * G)->as<T>();
  T* dw = c.out(gv.dtype, G * H)->as<T>();
  T* dh = c.out(gv.dtype, BH)->as<T>();
  T* dc = c.out(gv.dtype, BH)->as<T>();
  std::fill(dh, dh + BH, T(0));
  std::fill(dc, dc + BH, T(0));
  const T* cs = Y + d.T * BH;
  for (int64_t i = d.T - 1; i >= 0; i--) {
    const int64_t t = rev ? d.T - 1 - i : i;
    const T* cp = prev_of(cs, c0, t, d, rev);
    const T *gt = gates + t * d.B * G, *ct = cs + t * BH;
    const T *gh = gy + t * BH, *gc = gy + d.T * BH + t * BH;
    T* dg = dgi + t * d.B * G;
    parallel_for(d.B, row_grain(G), [&](int64_t b0, int64_t b1) {
      std::vector<T> tcs(static_cast<size_t>(H));
      for (int64_t b = b0; b < b1; b++) {
        tanh_row(ct + b * H, tcs.data(), H);
        for (int64_t k = 0; k < H; k++) {
          const int64_t j = b * H + k;
          const T* g = gt + b * G;
          const T ig = g[k], fg = g[H + k], gg = g[2 * H + k], og = g[3 * H + k];
          const T dht = dh[j] + gh[j], tc = tcs[k];
          const T dct = dc[j] + gc[j] + dht * og * (T(1) - tc * tc);
          T* o = dg + b * G;
          o[k] = dct * gg * ig * (T(1) - ig);
          o[H + k] = dct * cp[j] * fg * (T(1) - fg);
          o[2 * H + k] = dct * ig * (T(1) - gg * gg);
          o[3 * H + k] = dht * tc * og * (T(1) - og);
          dc[j] = dct * fg;
        }
      }
    });
    // dh_{t−1} = dGates·W_hh.
    gemm_builtin(d.B, H, G, MatRef<T>{dg, G, 1}, MatRef<T>{w, H, 1}, dh, H, false);
  }
  weight_grad(dgi, Y, h0, d, G, rev, dw);
}

void lstm_sequence(Call& c) {
  const View &gi = c.input(0), &w = c.input(1);
  const bool rev = c.iarg(0) != 0;
  FLINT_DISPATCH_FLOAT(c, gi.dtype, T, lstm_forward<T>(c, gi, w, rev));
}

void lstm_sequence_backward(Call& c) {
  const bool rev = c.iarg(0) != 0;
  FLINT_DISPATCH_FLOAT(c, c.input(0).dtype, T, lstm_backward<T>(c, rev));
}

// ---- GRU ----

// Inputs gi, W_hh, b_hh|absent, h0 → hs [T,B,H], saved [T,B,4H] (r, z, n, h·W_hnᵀ + b_hn).
template <class T> void gru_forward(Call& c, bool rev) {
  const View &giv = c.input(0), &wv = c.input(1);
  const Dims d = check_dims(c, giv, wv, 3);
  const View* bv = c.in[2].present() ? &c.in[2] : nullptr;
  if (bv && (bv->dtype != giv.dtype || bv->numel() != 3 * d.H))
    c.fail("biasHh must have 3·H elements like gi " + giv.describe() + ", got " + bv->describe());
  check_state(c, c.input(3), giv, d, "h0");
  std::vector<T> tmp[4];
  const T* gi = dense(giv, tmp[0]);
  const T* w = dense(wv, tmp[1]);
  const T* bias = bv ? dense(*bv, tmp[2]) : nullptr;
  const T* h0 = dense(c.input(3), tmp[3]);
  const int64_t BH = d.B * d.H, H = d.H, G = 3 * H;
  T* hs = c.out(giv.dtype, d.T * BH)->as<T>();
  T* saved = c.out(giv.dtype, d.T * d.B * 4 * H)->as<T>();
  std::vector<T> ghv(static_cast<size_t>(d.B * G));
  T* gh = ghv.data();
  for (int64_t i = 0; i < d.T; i++) {
    const int64_t t = rev ? d.T - 1 - i : i;
    const T* hp = prev_of(hs, h0, t, d, rev);
    for (int64_t b = 0; b < d.B; b++)
      if (bias)
        std::memcpy(gh + b * G, bias, sizeof(T) * G);
      else
        std::fill(gh + b * G, gh + (b + 1) * G, T(0));
    gemm_builtin(d.B, G, H, MatRef<T>{hp, H, 1}, MatRef<T>{w, 1, H}, gh, G, true);
    const T* git = gi + t * d.B * G;
    T *ht = hs + t * BH, *st = saved + t * d.B * 4 * H;
    parallel_for(d.B, row_grain(G), [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; b++) {
        const T *x = git + b * G, *g = gh + b * G;
        T* s = st + b * 4 * H;
        for (int64_t k = 0; k < 2 * H; k++) s[k] = x[k] + g[k];
        sigmoid_row(s, 2 * H);  // r and z
        for (int64_t k = 0; k < H; k++) {
          s[3 * H + k] = g[2 * H + k];  // h·W_hnᵀ + b_hn, which the reset gate scales
          s[2 * H + k] = x[2 * H + k] + s[k] * g[2 * H + k];
        }
        tanh_row(s + 2 * H, s + 2 * H, H);  // n
        for (int64_t k = 0; k < H; k++) {
          const T z = s[H + k], n = s[2 * H + k], h = hp[b * H + k];
          ht[b * H + k] = n + z * (h - n);
        }
      }
    });
  }
}

// Inputs saved, hs, W_hh, h0, ghs → dGi, dW_hh, dB_hh|absent, dh0; args [reverse, hasBias].
template <class T> void gru_backward(Call& c, bool rev, bool has_bias) {
  const View &sv = c.input(0), &wv = c.input(2);
  const int64_t H = wv.rank == 2 ? wv.shape[1] : 0;
  const int64_t T_ = sv.rank == 3 ? sv.shape[0] : 0, B = sv.rank == 3 ? sv.shape[1] : 0;
  if (sv.rank != 3 || wv.rank != 2 || sv.shape[2] != 4 * H || wv.shape[0] != 3 * H || wv.dtype != sv.dtype)
    c.fail("saved " + sv.describe() + " does not match weightHh " + wv.describe());
  const Dims dd{T_, B, H};
  for (int i : {1, 4})
    if (c.input(i).numel() != T_ * B * H || c.input(i).dtype != sv.dtype)
      c.fail("hs and ghs must be [T,B,H] like saved " + sv.describe() + ", got " +
             c.input(i).describe());
  check_state(c, c.input(3), sv, dd, "h0");
  std::vector<T> tmp[5];
  const T* saved = dense(sv, tmp[0]);
  const T* hs = dense(c.input(1), tmp[1]);
  const T* w = dense(wv, tmp[2]);
  const T* h0 = dense(c.input(3), tmp[3]);
  const T* ghs = dense(c.input(4), tmp[4]);
  const int64_t BH = B * H, G = 3 * H;
  T* dgi = c.out(sv.dtype, T_ * B * G)->as<T>();
  T* dw = c.out(sv.dtype, G * H)->as<T>();
  T* db = has_bias ? c.out(sv.dtype, G)->as<T>() : (c.none(), nullptr);
  T* dh = c.out(sv.dtype, BH)->as<T>();
  std::vector<T> dghv(static_cast<size_t>(T_ * B * G)), carry(static_cast<size_t>(BH), T(0));
  T* dgh = dghv.data();
  for (int64_t i = T_ - 1; i >= 0; i--) {
    const int64_t t = rev ? T_ - 1 - i : i;
    const T* hp = prev_of(hs, h0, t, dd, rev);
    const T *st = saved + t * B * 4 * H, *gt = ghs + t * BH;
    T *dx = dgi + t * B * G, *dg = dgh + t * B * G;
    parallel_for(B, row_grain(G), [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; b++)
        for (int64_t k = 0; k < H; k++) {
          const int64_t j = b * H + k;
          const T* s = st + b * 4 * H;
          const T r = s[k], z = s[H + k], n = s[2 * H + k], hn = s[3 * H + k];
          const T dht = carry[j] + gt[j];
          const T dpn = dht * (T(1) - z) * (T(1) - n * n);
          const T dpr = dpn * hn * r * (T(1) - r);
          const T dpz = dht * (hp[j] - n) * z * (T(1) - z);
          T *x = dx + b * G, *g = dg + b * G;
          x[k] = dpr, x[H + k] = dpz, x[2 * H + k] = dpn;
          g[k] = dpr, g[H + k] = dpz, g[2 * H + k] = dpn * r;
          dh[j] = dht * z;
        }
    });
    // dh_{t−1} = dht·z + dGh·W_hh.
    gemm_builtin(B, H, G, MatRef<T>{dg, G, 1}, MatRef<T>{w, H, 1}, dh, H, true);
    std::copy(dh, dh + BH, carry.begin());
  }
  if (T_ == 0) std::fill(dh, dh + BH, T(0));
  weight_grad(dgh, hs, h0, dd, G, rev, dw);
  if (db) {
    std::fill(db, db + G, T(0));
    for (int64_t r = 0; r < T_ * B; r++)
      for (int64_t k = 0; k < G; k++) db[k] += dgh[r * G + k];
  }
}

void gru_sequence(Call& c) {
  const bool rev = c.iarg(0) != 0;
  FLINT_DISPATCH_FLOAT(c, c.input(0).dtype, T, gru_forward<T>(c, rev));
}

void gru_sequence_backward(Call& c) {
  const bool rev = c.iarg(0) != 0, has_bias = c.iarg(1) != 0;
  FLINT_DISPATCH_FLOAT(c, c.input(0).dtype, T, gru_backward<T>(c, rev, has_bias));
}

}  // namespace

void register_recurrent(Kernel* t) {
  t[O_lstmSequence] = lstm_sequence;
  t[O_lstmSequenceBackward] = lstm_sequence_backward;
  t[O_gruSequence] = gru_sequence;
  t[O_gruSequenceBackward] = gru_sequence_backward;
}

}  // namespace flint
