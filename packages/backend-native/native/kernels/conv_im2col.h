// Geometry of a 2-D convolution and the im2col / col2im transforms of one image and group,
// one band of output rows at a time (conv.cc tiles large images so buffers stay in cache).
//
// Both go through a zero-padded copy of the band's input rows, so the inner loops have no
// bounds checks: with unit stride every column row is a straight copy of ow elements, done in
// whole AVX vectors that may run past the row (buffers carry kSlack spare elements). Rows are
// often only 7 to 28 long, so per-row bookkeeping or masked memory operations (slow on AMD)
// would cost more than the copy.
#pragma once
#include <immintrin.h>

#include <algorithm>
#include <cstdint>

namespace flint {

struct ConvGeo {
  int64_t n, c, h, w;         // input
  int64_t o, groups, cg, og;  // output channels, groups, channels per group (in, out)
  int64_t kh, kw, oh, ow;     // kernel and output size
  int64_t sh, sw, pt, pl, dh, dw;
  int64_t ckk() const { return cg * kh * kw; }
  int64_t l() const { return oh * ow; }
};

// Spare elements at the end of every buffer these functions read or write.
constexpr int64_t kSlack = 8;

// Output rows [y0, y1) and the padded input they read: hb rows of wp columns, whose element
// (rr, ss) is input (r0 + rr, ss − pl), zero outside the input.
struct Band {
  int64_t y0, y1, r0, hb, wp;
  Band(const ConvGeo& q, int64_t y0_, int64_t y1_)
      : y0(y0_), y1(y1_), r0(y0_ * q.sh - q.pt), hb((y1_ - y0_ - 1) * q.sh + (q.kh - 1) * q.dh + 1),
        wp((q.ow - 1) * q.sw + (q.kw - 1) * q.dw + 1) {}
  int64_t len(const ConvGeo& q) const { return (y1 - y0) * q.ow; }
  // Row stride of the column matrix: whole 64-byte lines, so GEMM can read rows in place.
  int64_t ld(const ConvGeo& q) const { return (len(q) + 15) / 16 * 16; }
  int64_t padded_size(const ConvGeo& q) const { return q.cg * hb * wp + kSlack; }
  int64_t cols_size(const ConvGeo& q) const { return q.ckk() * ld(q) + kSlack; }
};

inline __m256 vload(const float* p) { return _mm256_loadu_ps(p); }
inline __m256d vload(const double* p) { return _mm256_loadu_pd(p); }
inline void vstore(float* p, __m256 v) { _mm256_storeu_ps(p, v); }
inline void vstore(double* p, __m256d v) { _mm256_storeu_pd(p, v); }
inline __m256 vadd(__m256 a, __m256 b) { return _mm256_add_ps(a, b); }
inline __m256d vadd(__m256d a, __m256d b) { return _mm256_add_pd(a, b); }
// v with the lanes at index ≥ n (counting from z) zeroed.
inline __m256 vhead(__m256 v, int64_t z, int64_t n) {
  const __m256i idx = _mm256_add_epi32(_mm256_set1_epi32(static_cast<int>(z)),
                                       _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  return _mm256_and_ps(v, _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)), idx)));
}
inline __m256d vhead(__m256d v, int64_t z, int64_t n) {
  const __m256i idx = _mm256_add_epi64(_mm256_set1_epi64x(z), _mm256_setr_epi64x(0, 1, 2, 3));
  return _mm256_and_pd(v, _mm256_castsi256_pd(_mm256_cmpgt_epi64(_mm256_set1_epi64x(n), idx)));
}

// The band's padded input: x points at channel 0 of the group, element strides (sc, sy, sx);
// x_end bounds the buffer x lives in, so whole-vector reads past an input row stay inside it.
template <class T>
void pad_band(const T* x, int64_t sc, int64_t sy, int64_t sx, const T* x_end, const ConvGeo& q,
              const Band& b, T* p) {
  constexpr int64_t V = 32 / sizeof(T);
  const int64_t s_lo = std::min(b.wp, q.pl), s_hi = std::min(b.wp, q.pl + q.w);
  for (int64_t c = 0; c < q.cg; c++)
    for (int64_t rr = 0; rr < b.hb; rr++) {
      T* out = p + (c * b.hb + rr) * b.wp;
      const int64_t r = b.r0 + rr;
      if (r < 0 || r >= q.h || s_hi <= s_lo) {
        std::fill(out, out + b.wp, T(0));
        continue;
      }
      const T* src = x + c * sc + r * sy + (s_lo - q.pl) * sx;  // input of padded column s_lo
      for (int64_t s = 0; s < s_lo; s++) out[s] = T(0);
      T* o = out + s_lo;
      const int64_t n = s_hi - s_lo;
      if (sx == 1 && src + (n + V - 1) / V * V <= x_end) {
        // Whole vectors; what they write past the row is re-zeroed below or overwritten by the
        // next row (the buffer has kSlack spare elements for the last one).
        for (int64_t s = 0; s < n; s += V) vstore(o + s, vload(src + s));
      } else {
        for (int64_t s = 0; s < n; s++) o[s] = src[s * sx];
      }
      for (int64_t s = s_hi; s < b.wp; s++) out[s] = T(0);
    }
  std::fill(p + q.cg * b.hb * b.wp, p + b.padded_size(q), T(0));
}

// cols[(c·kh + i)·kw + j][(y − y0)·ow + z] = padded[c][(y − y0)·sh + i·dh][z·sw + j·dw], rows
// b.ld(q) apart (zero past len).
template <class T>
void im2col(const T* p, const ConvGeo& q, const Band& b, T* cols) {
  constexpr int64_t V = 32 / sizeof(T);
  const int64_t len = b.len(q), ld = b.ld(q), rows = b.y1 - b.y0, ow = q.ow, sw = q.sw;
  const int64_t step = q.sh * b.wp;  // padded elements between the inputs of two output rows
  for (int64_t c = 0; c < q.cg; c++)
    for (int64_t i = 0; i < q.kh; i++)
      for (int64_t j = 0; j < q.kw; j++) {
        T* const row = cols + ((c * q.kh + i) * q.kw + j) * ld;
        const T* src = p + (c * b.hb + i * q.dh) * b.wp + j * q.dw;
        T* out = row;
        // Whole vectors per output row (the next row overwrites the overrun); the common
        // short rows get their own loops so that nothing but the copy is left in them.
        if (sw == 1 && ow <= V) {
          for (int64_t y = 0; y < rows; y++, src += step, out += ow) vstore(out, vload(src));
        } else if (sw == 1 && ow <= 2 * V) {
          for (int64_t y = 0; y < rows; y++, src += step, out += ow) {
            vstore(out, vload(src));
            vstore(out + V, vload(src + V));
          }
        } else if (sw == 1) {
          for (int64_t y = 0; y < rows; y++, src += step, out += ow)
            for (int64_t z = 0; z < ow; z += V) vstore(out + z, vload(src + z));
        } else {
          for (int64_t y = 0; y < rows; y++, src += step, out += ow)
            for (int64_t z = 0; z < ow; z++) out[z] = src[z * sw];
        }
        std::fill(row + len, row + ld, T(0));
      }
}

// The adjoint of im2col (cols rows b.ld(q) apart) into a zeroed padded buffer:
// padded[c][..][..] += every column entry that im2col would read from there.
template <class T>
void col2im(const T* cols, const ConvGeo& q, const Band& b, T* p) {
  constexpr int64_t V = 32 / sizeof(T);
  const int64_t ld = b.ld(q), rows = b.y1 - b.y0, ow = q.ow, sw = q.sw;
  const int64_t step = q.sh * b.wp;
  std::fill(p, p + b.padded_size(q), T(0));
  for (int64_t c = 0; c < q.cg; c++)
    for (int64_t i = 0; i < q.kh; i++)
      for (int64_t j = 0; j < q.kw; j++) {
        const T* src = cols + ((c * q.kh + i) * q.kw + j) * ld;
        T* dst = p + (c * b.hb + i * q.dh) * b.wp + j * q.dw;
        if (sw == 1) {
          // Whole vectors: lanes past the row add zeros (vhead), so they change nothing.
          for (int64_t y = 0; y < rows; y++, src += ow, dst += step)
            for (int64_t z = 0; z < ow; z += V)
              vstore(dst + z, vadd(vload(dst + z), vhead(vload(src + z), z, ow)));
        } else {
          for (int64_t y = 0; y < rows; y++, src += ow, dst += step)
            for (int64_t z = 0; z < ow; z++) dst[z * sw] += src[z];
        }
      }
}

// gx[c][r][s] += padded[c][r − r0][s + pl] over the band's rows inside the input; gx points at
// channel 0 of the group of a contiguous [C, H, W] image.
template <class T>
void unpad_add(const T* p, const ConvGeo& q, const Band& b, T* gx) {
  const int64_t s_hi = std::min(q.w, b.wp - q.pl);
  for (int64_t c = 0; c < q.cg; c++)
    for (int64_t rr = std::max<int64_t>(0, -b.r0); rr < b.hb && b.r0 + rr < q.h; rr++) {
      const T* src = p + (c * b.hb + rr) * b.wp + q.pl;
      T* dst = gx + (c * q.h + b.r0 + rr) * q.w;
      for (int64_t s = 0; s < s_hi; s++) dst[s] += src[s];
    }
}

}  // namespace flint
