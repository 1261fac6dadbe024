// GEMM entry points shared by matmul.cc and conv.cc.
//
// gemm() is the product the matmul primitive uses: CBLAS when the build has it, else the
// built-in kernel. gemm_builtin() is always the built-in packed kernel (gemm_builtin.cc),
// which reads any operand strides through its packing, picks AVX-512 or AVX2+FMA micro-kernels
// at run time, and splits work over the flint thread pool — or runs on the calling thread when
// called from inside a parallel_for chunk, which is how conv runs one product per image.
#pragma once
#include <cstdint>
#include <vector>

namespace flint {

// Products with fewer multiply-adds (m·n·k) than this run on one thread: handing half of
// ~13 µs of work to another thread costs about what it saves.
constexpr double kGemmParallelWork = 1 << 20;

// A read-only strided matrix: element (r, c) is p[r·rs + c·cs]. Strides may be 0 or negative.
template <class T> struct MatRef {
  const T* p;
  int64_t rs, cs;
};

// C (m×n, row stride ldc, unit column stride) = A·B, or C += A·B with `accumulate`.
// A is m×k, B is k×n; k = 0 gives zeros (or leaves C as it is when accumulating).
void gemm(int64_t m, int64_t n, int64_t k, MatRef<float> a, MatRef<float> b, float* c,
          int64_t ldc, bool accumulate);
void gemm(int64_t m, int64_t n, int64_t k, MatRef<double> a, MatRef<double> b, double* c,
          int64_t ldc, bool accumulate);

void gemm_builtin(int64_t m, int64_t n, int64_t k, MatRef<float> a, MatRef<float> b, float* c,
                  int64_t ldc, bool accumulate);
void gemm_builtin(int64_t m, int64_t n, int64_t k, MatRef<double> a, MatRef<double> b,
                  double* c, int64_t ldc, bool accumulate);

// A left operand packed once for many products (conv's weights, reused for every image):
// gemm_pack_a fills `out` for this m×k A; gemm_builtin_packed then runs gemm_builtin with it.
// With `padded_b`, a row-major B (cs = 1) is read in place instead of being packed: the caller
// promises that every row of B may be read up to the next multiple of kGemmPad elements past
// column n (the values there are ignored), and rows should start 64-byte aligned.
constexpr int64_t kGemmPad = 16;
void gemm_pack_a(int64_t m, int64_t k, MatRef<float> a, std::vector<float>& out);
void gemm_pack_a(int64_t m, int64_t k, MatRef<double> a, std::vector<double>& out);
void gemm_builtin_packed(int64_t m, int64_t n, int64_t k, const float* packed_a,
                         MatRef<float> b, float* c, int64_t ldc, bool accumulate,
                         bool padded_b = false);
void gemm_builtin_packed(int64_t m, int64_t n, int64_t k, const double* packed_a,
                         MatRef<double> b, double* c, int64_t ldc, bool accumulate,
                         bool padded_b = false);

// Which micro-kernels gemm_builtin runs: "avx512" or "avx2" (FLINT_GEMM_ISA=avx2 forces the
// latter, for tests and comparisons).
const char* gemm_builtin_isa();

}  // namespace flint
