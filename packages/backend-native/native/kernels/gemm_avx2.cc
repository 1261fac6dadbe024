// AVX2+FMA micro-kernels of the built-in GEMM (the addon's baseline instruction set): 6×16
// float32 and 6×8 float64 tiles, 12 accumulator registers of the 16 ymm.
#include <immintrin.h>

#include <cstdint>
#include <cstring>
#include <utility>

#include "gemm_impl.h"

namespace flint {
namespace avx2 {

struct F32 {
  using T = float;
  using R = __m256;
  static constexpr int W = 8;
  static R zero() { return _mm256_setzero_ps(); }
  static R load(const T* p) { return _mm256_loadu_ps(p); }
  static void store(T* p, R v) { _mm256_storeu_ps(p, v); }
  static R set1(T x) { return _mm256_set1_ps(x); }
  static R fma(R a, R b, R c) { return _mm256_fmadd_ps(a, b, c); }
  static R add(R a, R b) { return _mm256_add_ps(a, b); }
  static __m256i mask(int n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static R load_n(const T* p, int n) { return _mm256_maskload_ps(p, mask(n)); }
  static void store_n(T* p, R v, int n) { _mm256_maskstore_ps(p, mask(n), v); }
};

struct F64 {
  using T = double;
  using R = __m256d;
  static constexpr int W = 4;
  static R zero() { return _mm256_setzero_pd(); }
  static R load(const T* p) { return _mm256_loadu_pd(p); }
  static void store(T* p, R v) { _mm256_storeu_pd(p, v); }
  static R set1(T x) { return _mm256_set1_pd(x); }
  static R fma(R a, R b, R c) { return _mm256_fmadd_pd(a, b, c); }
  static R add(R a, R b) { return _mm256_add_pd(a, b); }
  static __m256i mask(int n) {
    return _mm256_cmpgt_epi64(_mm256_set1_epi64x(n), _mm256_setr_epi64x(0, 1, 2, 3));
  }
  static R load_n(const T* p, int n) { return _mm256_maskload_pd(p, mask(n)); }
  static void store_n(T* p, R v, int n) { _mm256_maskstore_pd(p, mask(n), v); }
};

#include "gemm_kernels.h"

}  // namespace avx2

const KernelSet<float>* avx2_f32() {
  static const KernelSet<float> s = avx2::make_set<avx2::F32, 6, 2>("avx2", 256, 120, 4096);
  return &s;
}
const KernelSet<double>* avx2_f64() {
  static const KernelSet<double> s = avx2::make_set<avx2::F64, 6, 2>("avx2", 256, 96, 2048);
  return &s;
}

}  // namespace flint
