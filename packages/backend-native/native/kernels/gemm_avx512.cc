// AVX-512F micro-kernels of the built-in GEMM: 12×32 float32 and 12×16 float64 tiles (24
// accumulators of the 32 zmm registers), chosen at run time when the CPU has AVX-512F. The
// addon is built for AVX2, so only the code between the target pragmas below is compiled for
// AVX-512; everything it includes is compiled (and possibly shared) at the baseline.
#include <immintrin.h>

#include <cstdint>
#include <cstring>
#include <utility>

#include "gemm_impl.h"

namespace flint {
namespace avx512 {

#pragma GCC push_options
#pragma GCC target("avx512f")

struct F32 {
  using T = float;
  using R = __m512;
  static constexpr int W = 16;
  static R zero() { return _mm512_setzero_ps(); }
  static R load(const T* p) { return _mm512_loadu_ps(p); }
  static void store(T* p, R v) { _mm512_storeu_ps(p, v); }
  static R set1(T x) { return _mm512_set1_ps(x); }
  static R fma(R a, R b, R c) { return _mm512_fmadd_ps(a, b, c); }
  static R add(R a, R b) { return _mm512_add_ps(a, b); }
  static __mmask16 mask(int n) { return static_cast<__mmask16>((1u << n) - 1); }
  static R load_n(const T* p, int n) { return _mm512_maskz_loadu_ps(mask(n), p); }
  static void store_n(T* p, R v, int n) { _mm512_mask_storeu_ps(p, mask(n), v); }
};

struct F64 {
  using T = double;
  using R = __m512d;
  static constexpr int W = 8;
  static R zero() { return _mm512_setzero_pd(); }
  static R load(const T* p) { return _mm512_loadu_pd(p); }
  static void store(T* p, R v) { _mm512_storeu_pd(p, v); }
  static R set1(T x) { return _mm512_set1_pd(x); }
  static R fma(R a, R b, R c) { return _mm512_fmadd_pd(a, b, c); }
  static R add(R a, R b) { return _mm512_add_pd(a, b); }
  static __mmask8 mask(int n) { return static_cast<__mmask8>((1u << n) - 1); }
  static R load_n(const T* p, int n) { return _mm512_maskz_loadu_pd(mask(n), p); }
  static void store_n(T* p, R v, int n) { _mm512_mask_storeu_pd(p, mask(n), v); }
};

#include "gemm_kernels.h"

KernelSet<float> make_f32() { return make_set<F32, 12, 2>("avx512", 256, 120, 4096); }
KernelSet<double> make_f64() { return make_set<F64, 12, 2>("avx512", 256, 120, 2048); }

#pragma GCC pop_options

}  // namespace avx512

namespace {
// __builtin_cpu_supports also checks that the OS saves the zmm state (XGETBV).
bool have_avx512() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f");
}
}  // namespace

const KernelSet<float>* avx512_f32() {
  static const KernelSet<float> s = have_avx512() ? avx512::make_f32() : KernelSet<float>();
  return s.macro ? &s : nullptr;
}
const KernelSet<double>* avx512_f64() {
  static const KernelSet<double> s = have_avx512() ? avx512::make_f64() : KernelSet<double>();
  return s.macro ? &s : nullptr;
}

}  // namespace flint
