// Device intrinsics and math functions of CUDA for the emulation build (included by emu.h
// only). Integer and bit intrinsics are exact; the fast-math ones (__expf, __fdividef, …) use
// the precise host function, which the GPU's version differs from by a few ulp.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

template <class T> inline T __ldg(const T* p) { return *p; }

inline float rsqrtf(float x) { return 1.0f / std::sqrt(x); }
inline double rsqrt(double x) { return 1.0 / std::sqrt(x); }
inline float __expf(float x) { return std::exp(x); }
inline float __logf(float x) { return std::log(x); }
inline float __sinf(float x) { return std::sin(x); }
inline float __cosf(float x) { return std::cos(x); }
inline float __tanhf(float x) { return std::tanh(x); }
inline float __powf(float x, float y) { return std::pow(x, y); }
inline float __fdividef(float x, float y) { return x / y; }
inline float __frcp_rn(float x) { return 1.0f / x; }
inline float __fmaf_rn(float a, float b, float c) { return std::fma(a, b, c); }
inline double __fma_rn(double a, double b, double c) { return std::fma(a, b, c); }
inline float __saturatef(float x) { return x < 0.0f ? 0.0f : x > 1.0f ? 1.0f : x; }

// CUDA's global min/max overloads (device code calls them unqualified): integers of any mix
// compare in their common type; floats follow fminf/fmaxf (a NaN operand loses).
template <class A, class B> inline std::common_type_t<A, B> min(A a, B b) {
  using C = std::common_type_t<A, B>;
  return C(a) < C(b) ? C(a) : C(b);
}
template <class A, class B> inline std::common_type_t<A, B> max(A a, B b) {
  using C = std::common_type_t<A, B>;
  return C(a) > C(b) ? C(a) : C(b);
}
inline float min(float a, float b) { return std::fmin(a, b); }
inline float max(float a, float b) { return std::fmax(a, b); }
inline double min(double a, double b) { return std::fmin(a, b); }
inline double max(double a, double b) { return std::fmax(a, b); }

inline unsigned __umulhi(unsigned a, unsigned b) {
  return static_cast<unsigned>((static_cast<uint64_t>(a) * b) >> 32);
}
inline unsigned long long __umul64hi(unsigned long long a, unsigned long long b) {
  return static_cast<unsigned long long>((static_cast<unsigned __int128>(a) * b) >> 64);
}
inline int __mulhi(int a, int b) {
  return static_cast<int>((static_cast<int64_t>(a) * b) >> 32);
}
inline int __popc(unsigned x) { return __builtin_popcount(x); }
inline int __popcll(unsigned long long x) { return __builtin_popcountll(x); }
inline int __clz(int x) { return x == 0 ? 32 : __builtin_clz(static_cast<unsigned>(x)); }
inline int __clzll(long long x) {
  return x == 0 ? 64 : __builtin_clzll(static_cast<unsigned long long>(x));
}
inline int __ffs(int x) { return __builtin_ffs(x); }
inline int __ffsll(long long x) { return __builtin_ffsll(x); }
inline unsigned __brev(unsigned x) {
  unsigned r = 0;
  for (int i = 0; i < 32; i++, x >>= 1) r = (r << 1) | (x & 1u);
  return r;
}

template <class To, class From> inline To flint_emu_bits(From v) {
  static_assert(sizeof(To) == sizeof(From), "same size");
  To t;
  std::memcpy(&t, &v, sizeof t);
  return t;
}
inline int __float_as_int(float x) { return flint_emu_bits<int>(x); }
inline unsigned __float_as_uint(float x) { return flint_emu_bits<unsigned>(x); }
inline float __int_as_float(int x) { return flint_emu_bits<float>(x); }
inline float __uint_as_float(unsigned x) { return flint_emu_bits<float>(x); }
inline long long __double_as_longlong(double x) { return flint_emu_bits<long long>(x); }
inline double __longlong_as_double(long long x) { return flint_emu_bits<double>(x); }
inline int __double2hiint(double x) {
  return static_cast<int>(flint_emu_bits<unsigned long long>(x) >> 32);
}
inline int __double2loint(double x) {
  return static_cast<int>(flint_emu_bits<unsigned long long>(x) & 0xffffffffu);
}
inline double __hiloint2double(int hi, int lo) {
  return flint_emu_bits<double>((static_cast<unsigned long long>(static_cast<unsigned>(hi)) << 32) |
                                static_cast<unsigned>(lo));
}
// Round-to-nearest-even conversions (the host's default rounding mode).
inline int __float2int_rn(float x) { return static_cast<int>(std::nearbyint(x)); }
inline int __double2int_rn(double x) { return static_cast<int>(std::nearbyint(x)); }
inline float __int2float_rn(int x) { return static_cast<float>(x); }
inline float __double2float_rn(double x) { return static_cast<float>(x); }
