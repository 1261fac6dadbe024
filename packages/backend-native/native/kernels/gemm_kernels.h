// The ISA-generic half of the built-in GEMM: packing and register-blocked micro-kernels,
// templated on a vector trait V (T, R = register type, W = lanes, zero/load/set1/fma and
// masked load/store of the first n lanes). gemm_avx2.cc and gemm_avx512.cc include it with
// their own traits, each inside its own namespace, so no inline function is shared between
// the two instruction sets (a shared one could be emitted with AVX-512 and picked by the
// linker for AVX2-only machines).
//
// Layouts (GotoBLAS/BLIS style): a kc×nc block of B is packed into panels of NR = NV·W
// columns, k-major (the last panel is as wide as its columns rounded up to W, zero-filled);
// an mc×kc block of A into panels of MR rows, k-major (the last panel holds only its rows).
// The micro-kernel keeps an R×NV tile of C in registers over the whole kc depth: per k it
// loads NV vectors of B and broadcasts R values of A, so each loaded B vector is used R times.
//
// Expects <immintrin.h>, <cstdint>, <cstring>, <utility> and gemm_impl.h included before.

template <class V, int R, int NV>
void micro(int64_t kc, const typename V::T* __restrict a, const typename V::T* __restrict b,
           int64_t ldb, typename V::T* __restrict c, int64_t ldc, int ncols, bool acc) {
  using Reg = typename V::R;
  constexpr int W = V::W;
  Reg s[R][NV];
#pragma GCC unroll 16
  for (int r = 0; r < R; r++)
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) s[r][v] = V::zero();
  for (int64_t k = 0; k < kc; k++) {
    Reg bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) bv[v] = V::load(b + v * W);
#pragma GCC unroll 16
    for (int r = 0; r < R; r++) {
      const Reg av = V::set1(a[r]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) s[r][v] = V::fma(av, bv[v], s[r][v]);
    }
    a += R;
    b += ldb;
  }
  if (ncols == NV * W) {
#pragma GCC unroll 16
    for (int r = 0; r < R; r++)
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) {
        typename V::T* p = c + r * ldc + v * W;
        V::store(p, acc ? V::add(V::load(p), s[r][v]) : s[r][v]);
      }
    return;
  }
  // A partial tile (the right edge of C): masked loads and stores of the valid lanes.
#pragma GCC unroll 16
  for (int r = 0; r < R; r++)
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) {
      int n = ncols - v * W;
      if (n <= 0) continue;
      typename V::T* p = c + r * ldc + v * W;
      if (n >= W) {
        V::store(p, acc ? V::add(V::load(p), s[r][v]) : s[r][v]);
      } else {
        V::store_n(p, acc ? V::add(V::load_n(p, n), s[r][v]) : s[r][v], n);
      }
    }
}

template <class V> using MicroFn = void (*)(int64_t, const typename V::T*, const typename V::T*,
                                           int64_t, typename V::T*, int64_t, int, bool);

// table<V, NV>(std::make_integer_sequence<int, MR>{})[r - 1] is the kernel for r rows.
template <class V, int NV, int... Rs>
const MicroFn<V>* micro_table(std::integer_sequence<int, Rs...>) {
  static const MicroFn<V> t[] = {&micro<V, Rs + 1, NV>...};
  return t;
}

// C[mc×nc] (+)= packed A block · B block, tile by tile. The B panel stays in L1 while every A
// panel of the block (in L2) passes over it. B is packed (ldb = 0) or read in place, row-major
// with row stride ldb, when its rows are padded to whole vectors (gemm.h, padded_b).
template <class V, int MR, int NVMAX>
void macro_kernel(int64_t mc, int64_t nc, int64_t kc, const typename V::T* pa,
                  const typename V::T* pb, int64_t ldb, typename V::T* c, int64_t ldc,
                  bool acc) {
  constexpr int W = V::W, NR = NVMAX * W;
  static_assert(NVMAX == 1 || NVMAX == 2, "one or two vectors per tile row");
  const MicroFn<V>* full = micro_table<V, NVMAX>(std::make_integer_sequence<int, MR>{});
  const MicroFn<V>* half = micro_table<V, 1>(std::make_integer_sequence<int, MR>{});
  for (int64_t j = 0; j < nc; j += NR) {
    const int cols = static_cast<int>(nc - j < NR ? nc - j : NR);
    const int nv = (cols + W - 1) / W;
    const MicroFn<V>* fns = nv == NVMAX ? full : half;
    const typename V::T* bp = ldb ? pb + j : pb + (j / NR) * NR * kc;
    const int64_t step = ldb ? ldb : nv * W;
    for (int64_t i = 0; i < mc; i += MR) {
      const int rows = static_cast<int>(mc - i < MR ? mc - i : MR);
      fns[rows - 1](kc, pa + (i / MR) * MR * kc, bp, step, c + i * ldc + j, ldc, cols, acc);
    }
  }
}

// dst[k·width + r] = src[r·ld + k] for r < rows, 0 for rows ≤ r < width: the transposing copy
// behind packing a row-major A or a column-major B. 4×8 (float) and 4×4 (double) blocks are
// transposed in AVX registers, so the source is read and the panel written a vector at a time.
inline void transpose_block(const float* s0, int64_t ld, float* d, int64_t width) {
  const __m256 a0 = _mm256_loadu_ps(s0), a1 = _mm256_loadu_ps(s0 + ld);
  const __m256 a2 = _mm256_loadu_ps(s0 + 2 * ld), a3 = _mm256_loadu_ps(s0 + 3 * ld);
  const __m256 t0 = _mm256_unpacklo_ps(a0, a1), t1 = _mm256_unpackhi_ps(a0, a1);
  const __m256 t2 = _mm256_unpacklo_ps(a2, a3), t3 = _mm256_unpackhi_ps(a2, a3);
  const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  _mm_storeu_ps(d, _mm256_castps256_ps128(u0));
  _mm_storeu_ps(d + width, _mm256_castps256_ps128(u1));
  _mm_storeu_ps(d + 2 * width, _mm256_castps256_ps128(u2));
  _mm_storeu_ps(d + 3 * width, _mm256_castps256_ps128(u3));
  _mm_storeu_ps(d + 4 * width, _mm256_extractf128_ps(u0, 1));
  _mm_storeu_ps(d + 5 * width, _mm256_extractf128_ps(u1, 1));
  _mm_storeu_ps(d + 6 * width, _mm256_extractf128_ps(u2, 1));
  _mm_storeu_ps(d + 7 * width, _mm256_extractf128_ps(u3, 1));
}
inline void transpose_block(const double* s0, int64_t ld, double* d, int64_t width) {
  const __m256d a0 = _mm256_loadu_pd(s0), a1 = _mm256_loadu_pd(s0 + ld);
  const __m256d a2 = _mm256_loadu_pd(s0 + 2 * ld), a3 = _mm256_loadu_pd(s0 + 3 * ld);
  const __m256d t0 = _mm256_unpacklo_pd(a0, a1), t1 = _mm256_unpackhi_pd(a0, a1);
  const __m256d t2 = _mm256_unpacklo_pd(a2, a3), t3 = _mm256_unpackhi_pd(a2, a3);
  _mm256_storeu_pd(d, _mm256_permute2f128_pd(t0, t2, 0x20));
  _mm256_storeu_pd(d + width, _mm256_permute2f128_pd(t1, t3, 0x20));
  _mm256_storeu_pd(d + 2 * width, _mm256_permute2f128_pd(t0, t2, 0x31));
  _mm256_storeu_pd(d + 3 * width, _mm256_permute2f128_pd(t1, t3, 0x31));
}

template <class T>
void transpose_pack(const T* src, int64_t ld, int rows, int64_t kc, T* dst, int width) {
  constexpr int64_t KB = 32 / sizeof(T);  // depth of one register block
  int r = 0;
  for (; r + 4 <= rows; r += 4) {
    const T* s = src + r * ld;
    int64_t k = 0;
    for (; k + KB <= kc; k += KB) transpose_block(s + k, ld, dst + k * width + r, width);
    for (; k < kc; k++)
      for (int q = 0; q < 4; q++) dst[k * width + r + q] = s[q * ld + k];
  }
  for (; r < rows; r++)
    for (int64_t k = 0; k < kc; k++) dst[k * width + r] = src[r * ld + k];
  for (; r < width; r++)
    for (int64_t k = 0; k < kc; k++) dst[k * width + r] = T(0);
}

// Packs rows [0, mc) × depth [0, kc) of A (already offset to the block) into MR-row panels.
template <class T, int MR>
void pack_a(MatRef<T> a, int64_t mc, int64_t kc, T* dst) {
  for (int64_t i = 0; i < mc; i += MR) {
    const int rows = static_cast<int>(mc - i < MR ? mc - i : MR);
    const T* src = a.p + i * a.rs;
    if (a.rs == 1) {
      // A stored transposed: each k holds the panel's rows contiguously.
      for (int64_t k = 0; k < kc; k++)
        for (int r = 0; r < rows; r++) dst[k * rows + r] = src[k * a.cs + r];
    } else if (a.cs == 1) {
      transpose_pack(src, a.rs, rows, kc, dst, rows);
    } else {
      for (int r = 0; r < rows; r++)
        for (int64_t k = 0; k < kc; k++) dst[k * rows + r] = src[r * a.rs + k * a.cs];
    }
    dst += rows * kc;
  }
}

// Packs depth [0, kc) × columns [c0, c1) of B (already offset to the block; c0 a multiple of
// NR) into its NR-column panels; the last panel is zero-filled to a whole number of vectors.
template <class T, int NR, int W>
void pack_b(MatRef<T> b, int64_t kc, int64_t nc, int64_t c0, int64_t c1, T* dst) {
  for (int64_t j = c0; j < c1; j += NR) {
    const int cols = static_cast<int>(nc - j < NR ? nc - j : NR);
    const int width = (cols + W - 1) / W * W;
    T* d = dst + (j / NR) * NR * kc;
    const T* src = b.p + j * b.cs;
    if (b.cs == 1) {
      for (int64_t k = 0; k < kc; k++) {
        const T* s = src + k * b.rs;
        for (int q = 0; q < cols; q++) d[k * width + q] = s[q];
        for (int q = cols; q < width; q++) d[k * width + q] = T(0);
      }
    } else if (b.rs == 1) {
      // B stored transposed: its columns are contiguous.
      transpose_pack(src, b.cs, cols, kc, d, width);
    } else {
      for (int64_t k = 0; k < kc; k++) {
        for (int q = 0; q < cols; q++) d[k * width + q] = src[k * b.rs + q * b.cs];
        for (int q = cols; q < width; q++) d[k * width + q] = T(0);
      }
    }
  }
}

// The table entry for one (ISA, dtype): blocking sizes and the three functions above.
template <class V, int MR, int NVMAX>
KernelSet<typename V::T> make_set(const char* isa, int kc, int mc, int nc) {
  using T = typename V::T;
  KernelSet<T> s;
  s.isa = isa;
  s.mr = MR;
  s.nr = NVMAX * V::W;
  s.kc = kc;
  s.mc = mc;
  s.nc = nc;
  s.pack_a = &pack_a<T, MR>;
  s.pack_b = &pack_b<T, NVMAX * V::W, V::W>;
  s.macro = &macro_kernel<V, MR, NVMAX>;
  return s;
}
