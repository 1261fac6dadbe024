// AVX2 helpers for the fused kernels (fused.cc): a vector exp accurate to about 1 ulp over the
// whole float/double range, and row reductions (max; sums accumulated in double). The compiler
// does not vectorise exp or floating-point reductions on its own (that would need -ffast-math,
// which breaks the NaN/inf semantics the kernels must keep), so these are written by hand.
#pragma once
#include <immintrin.h>

#include <cmath>
#include <cstdint>
#include <limits>

namespace flint {
namespace simd {

// Lane masks for partial loads/stores: the 8 (or 4) entries from kMask32 + 8 - n (kMask64 + 4 - n)
// have the first n lanes set.
alignas(32) inline const int32_t kMask32[16] = {-1, -1, -1, -1, -1, -1, -1, -1,
                                                0,  0,  0,  0,  0,  0,  0,  0};
alignas(32) inline const int64_t kMask64[8] = {-1, -1, -1, -1, 0, 0, 0, 0};

template <class T> struct V;

template <> struct V<float> {
  static constexpr int N = 8;
  using R = __m256;
  static R load(const float* p) { return _mm256_loadu_ps(p); }
  static __m256i mask(int64_t n) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kMask32 + 8 - n));
  }
  // The first n lanes from p, the others `fill`.
  static R load(const float* p, int64_t n, float fill) {
    __m256i m = mask(n);
    return _mm256_blendv_ps(_mm256_set1_ps(fill), _mm256_maskload_ps(p, m), _mm256_castsi256_ps(m));
  }
  static void store(float* p, R v) { _mm256_storeu_ps(p, v); }
  static void store(float* p, R v, int64_t n) { _mm256_maskstore_ps(p, mask(n), v); }
  static R set1(float x) { return _mm256_set1_ps(x); }
  static R add(R a, R b) { return _mm256_add_ps(a, b); }
  static R sub(R a, R b) { return _mm256_sub_ps(a, b); }
  static R mul(R a, R b) { return _mm256_mul_ps(a, b); }
  static R div(R a, R b) { return _mm256_div_ps(a, b); }
  static R max(R a, R b) { return _mm256_max_ps(a, b); }
  static float hmax(R v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
  }
  // acc += v, widened to double (two accumulators of 4).
  static void accumulate(__m256d* acc, R v) {
    acc[0] = _mm256_add_pd(acc[0], _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
    acc[1] = _mm256_add_pd(acc[1], _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
  }
  // s[0, 8) += v, in double.
  static void add_to(double* s, R v) {
    _mm256_storeu_pd(s, _mm256_add_pd(_mm256_loadu_pd(s), _mm256_cvtps_pd(_mm256_castps256_ps128(v))));
    _mm256_storeu_pd(s + 4,
                     _mm256_add_pd(_mm256_loadu_pd(s + 4), _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1))));
  }
  // acc += (v - mean)², in double.
  static void accumulate_sq(__m256d* acc, R v, __m256d mean) {
    __m256d a = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(v)), mean);
    __m256d b = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)), mean);
    acc[0] = _mm256_fmadd_pd(a, a, acc[0]);
    acc[1] = _mm256_fmadd_pd(b, b, acc[1]);
  }

  // exp(r) for r = x − n·ln2 (the reduction of exp below, shared by both of its paths).
  static R poly(R x, R n) {
    R r = _mm256_fnmadd_ps(n, set1(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, set1(-2.12194440e-4f), r);
    R p = set1(1.0f / 5040);
    p = _mm256_fmadd_ps(p, r, set1(1.0f / 720));
    p = _mm256_fmadd_ps(p, r, set1(1.0f / 120));
    p = _mm256_fmadd_ps(p, r, set1(1.0f / 24));
    p = _mm256_fmadd_ps(p, r, set1(1.0f / 6));
    p = _mm256_fmadd_ps(p, r, set1(0.5f));
    p = _mm256_fmadd_ps(p, r, set1(1.0f));
    return _mm256_fmadd_ps(p, r, set1(1.0f));
  }

  // exp(x): x·log2(e) = n + f, exp(x) = 2^n·exp(r) with r = x − n·ln2 in [−0.35, 0.35] (ln2 split
  // in two so that n·ln2 is exact), exp(r) by its Taylor series to degree 7 (truncation < 0.1
  // ulp), 2^n applied as two normal powers of two, so that overflow gives inf and a result in
  // the subnormal range is rounded once, as IEEE arithmetic (and the CPU backend) gives it — no
  // flush to 0. Below −104, where exp rounds to 0 even as a subnormal, a lane computes exp(0)
  // and is masked to 0: −inf lanes (the masked-off tails of short rows) then cost no subnormal
  // arithmetic, whose microcode assists take ~100 cycles each. NaN is passed through.
  static R exp(R x) {
    // Nearly every call has all lanes within ±86 (activations, softmax's x − max): there n is
    // in [−125, 125], 2^n a normal float, and p·2^n ≥ 0.7·2^−125 normal, so one power-of-two
    // multiply is exact and gives bit for bit what the general path below gives, with a third
    // fewer instructions. NaN, ±inf and large |x| fail the test (unordered compares are true)
    // and take the general path.
    if (_mm256_movemask_ps(_mm256_cmp_ps(_mm256_andnot_ps(set1(-0.0f), x), set1(86.0f),
                                         _CMP_NLE_UQ)) == 0) {
      const R n = _mm256_round_ps(_mm256_mul_ps(x, set1(1.44269504088896341f)),
                                  _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
      const R p = poly(x, n);
      const __m256i e = _mm256_slli_epi32(
          _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
      return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
    }
    const R lo = set1(-104.0f);
    const R zero = _mm256_cmp_ps(x, lo, _CMP_LT_OQ);  // exp(x) < half the smallest subnormal
    R xc = _mm256_andnot_ps(zero, _mm256_min_ps(_mm256_max_ps(x, lo), set1(89.0f)));
    R n = _mm256_round_ps(_mm256_mul_ps(xc, set1(1.44269504088896341f)),
                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    R p = poly(xc, n);
    __m256i ni = _mm256_cvtps_epi32(n);
    __m256i h = _mm256_srai_epi32(ni, 1);
    __m256i k = _mm256_sub_epi32(ni, h);
    const __m256i bias = _mm256_set1_epi32(127);
    R s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(h, bias), 23));
    R s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(k, bias), 23));
    R y = _mm256_andnot_ps(zero, _mm256_mul_ps(_mm256_mul_ps(p, s1), s2));
    return _mm256_blendv_ps(y, x, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
  }
};

template <> struct V<double> {
  static constexpr int N = 4;
  using R = __m256d;
  static R load(const double* p) { return _mm256_loadu_pd(p); }
  static __m256i mask(int64_t n) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kMask64 + 4 - n));
  }
  static R load(const double* p, int64_t n, double fill) {
    __m256i m = mask(n);
    return _mm256_blendv_pd(_mm256_set1_pd(fill), _mm256_maskload_pd(p, m), _mm256_castsi256_pd(m));
  }
  static void store(double* p, R v) { _mm256_storeu_pd(p, v); }
  static void store(double* p, R v, int64_t n) { _mm256_maskstore_pd(p, mask(n), v); }
  static R set1(double x) { return _mm256_set1_pd(x); }
  static R add(R a, R b) { return _mm256_add_pd(a, b); }
  static R sub(R a, R b) { return _mm256_sub_pd(a, b); }
  static R mul(R a, R b) { return _mm256_mul_pd(a, b); }
  static R div(R a, R b) { return _mm256_div_pd(a, b); }
  static R max(R a, R b) { return _mm256_max_pd(a, b); }
  static double hmax(R v) {
    __m128d m = _mm_max_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    m = _mm_max_sd(m, _mm_unpackhi_pd(m, m));
    return _mm_cvtsd_f64(m);
  }
  static void accumulate(__m256d* acc, R v) { acc[0] = _mm256_add_pd(acc[0], v); }
  static void add_to(double* s, R v) { _mm256_storeu_pd(s, _mm256_add_pd(_mm256_loadu_pd(s), v)); }
  static void accumulate_sq(__m256d* acc, R v, __m256d mean) {
    __m256d a = _mm256_sub_pd(v, mean);
    acc[0] = _mm256_fmadd_pd(a, a, acc[0]);
  }

  // As the float version, with the Taylor series to degree 13 (truncation < 0.05 ulp); subnormal
  // results are rounded, not flushed, and below −746 the result is 0.
  static R exp(R x) {
    const R lo = set1(-746.0);
    const R zero = _mm256_cmp_pd(x, lo, _CMP_LT_OQ);
    R xc = _mm256_andnot_pd(zero, _mm256_min_pd(_mm256_max_pd(x, lo), set1(710.0)));
    R n = _mm256_round_pd(_mm256_mul_pd(xc, set1(1.4426950408889634)),
                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    R r = _mm256_fnmadd_pd(n, set1(0.6931471805599453), xc);
    r = _mm256_fnmadd_pd(n, set1(2.3190468138462996e-17), r);
    static constexpr double kInvFact[14] = {
        1.0,
        1.0,
        1.0 / 2,
        1.0 / 6,
        1.0 / 24,
        1.0 / 120,
        1.0 / 720,
        1.0 / 5040,
        1.0 / 40320,
        1.0 / 362880,
        1.0 / 3628800,
        1.0 / 39916800,
        1.0 / 479001600,
        1.0 / 6227020800.0,
    };
    R p = set1(kInvFact[13]);
    for (int i = 12; i >= 0; i--) p = _mm256_fmadd_pd(p, r, set1(kInvFact[i]));
    __m128i ni = _mm256_cvtpd_epi32(n);
    __m128i h = _mm_srai_epi32(ni, 1);
    __m128i k = _mm_sub_epi32(ni, h);
    const __m256i bias = _mm256_set1_epi64x(1023);
    R s1 = _mm256_castsi256_pd(
        _mm256_slli_epi64(_mm256_add_epi64(_mm256_cvtepi32_epi64(h), bias), 52));
    R s2 = _mm256_castsi256_pd(
        _mm256_slli_epi64(_mm256_add_epi64(_mm256_cvtepi32_epi64(k), bias), 52));
    R y = _mm256_andnot_pd(zero, _mm256_mul_pd(_mm256_mul_pd(p, s1), s2));
    return _mm256_blendv_pd(y, x, _mm256_cmp_pd(x, x, _CMP_UNORD_Q));
  }
};

inline double hsum(__m256d v) {
  __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
  s = _mm_add_sd(s, _mm_unpackhi_pd(s, s));
  return _mm_cvtsd_f64(s);
}

// Largest element of x[0, n) (n ≥ 1). A NaN may or may not survive: callers rely on NaN
// reaching their sums through exp instead.
template <class T> T row_max(const T* x, int64_t n) {
  using W = V<T>;
  constexpr int N = W::N;
  const T ninf = -std::numeric_limits<T>::infinity();
  typename W::R m0 = W::set1(ninf), m1 = m0;
  int64_t i = 0;
  for (; i + 2 * N <= n; i += 2 * N) {
    m0 = W::max(m0, W::load(x + i));
    m1 = W::max(m1, W::load(x + i + N));
  }
  for (; i + N <= n; i += N) m0 = W::max(m0, W::load(x + i));
  if (i < n) m1 = W::max(m1, W::load(x + i, n - i, ninf));
  return W::hmax(W::max(m0, m1));
}

// Σ exp(x[i] − shift) in double; with `out`, also stores each exp (rounded to T) there.
template <class T> double exp_sum(const T* x, T shift, T* out, int64_t n) {
  using W = V<T>;
  constexpr int N = W::N;
  __m256d acc[2] = {_mm256_setzero_pd(), _mm256_setzero_pd()};
  const typename W::R s = W::set1(shift);
  int64_t i = 0;
  for (; i + N <= n; i += N) {
    typename W::R e = W::exp(W::sub(W::load(x + i), s));
    if (out) W::store(out + i, e);
    W::accumulate(acc, e);
  }
  if (i < n) {
    // Masked-off lanes are −inf: exp gives 0 and they add nothing.
    typename W::R e = W::exp(W::sub(W::load(x + i, n - i, -std::numeric_limits<T>::infinity()), s));
    if (out) W::store(out + i, e, n - i);
    W::accumulate(acc, e);
  }
  return hsum(_mm256_add_pd(acc[0], acc[1]));
}

// Σ x[i] and Σ (x[i] − mean)² in double.
template <class T> double row_sum(const T* x, int64_t n) {
  using W = V<T>;
  constexpr int N = W::N;
  __m256d acc[2] = {_mm256_setzero_pd(), _mm256_setzero_pd()};
  int64_t i = 0;
  for (; i + N <= n; i += N) W::accumulate(acc, W::load(x + i));
  if (i < n) W::accumulate(acc, W::load(x + i, n - i, T(0)));
  return hsum(_mm256_add_pd(acc[0], acc[1]));
}

template <class T> double row_sq_dev(const T* x, double mean, int64_t n) {
  using W = V<T>;
  constexpr int N = W::N;
  __m256d acc[2] = {_mm256_setzero_pd(), _mm256_setzero_pd()};
  const __m256d m = _mm256_set1_pd(mean);
  int64_t i = 0;
  for (; i + N <= n; i += N) W::accumulate_sq(acc, W::load(x + i), m);
  double tail = 0;  // scalar: a masked-off lane would add (fill − mean)², not 0
  for (; i < n; i++) {
    double d = static_cast<double>(x[i]) - mean;
    tail += d * d;
  }
  return hsum(_mm256_add_pd(acc[0], acc[1])) + tail;
}

}  // namespace simd
}  // namespace flint
