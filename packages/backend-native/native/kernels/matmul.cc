// The matmul primitive: a [B,M,K] × b [B,K,N] → out [B,M,N], contiguous.
//
// float64 goes to CBLAS (dgemm) when the build has it; float32 goes to the faster of CBLAS and
// the built-in kernel for this CPU (prefer_builtin below). A strided operand whose
// matrix is row-major (strides (ld, 1)) or column-major ((1, ld)) is handed over as NoTrans or
// Trans with that leading dimension, so transposes and batch broadcasts (stride 0) cost no
// copy; any other layout is copied to contiguous first. Without CBLAS the built-in packed
// kernel (gemm_builtin.cc) reads every layout through its packing. int32 is a plain loop with
// wrap-around arithmetic, as the CPU backend and torch do.
#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "../dispatch.h"
#include "../scalar.h"
#include "../threads.h"
#include "gemm.h"
#include "matmul_args.h"

#ifdef FLINT_HAVE_CBLAS
#include <cblas.h>
#endif

namespace flint {
namespace {

// Products too small to be split inside (gemm.h, kGemmParallelWork) run one matrix per
// thread over the batch instead.
constexpr double kSmallProduct = kGemmParallelWork;

#ifdef FLINT_HAVE_CBLAS
// How CBLAS (row-major) can read a rows×cols matrix with strides (rs, cs): as stored
// (NoTrans, ld = rs) or as the transpose of a row-major matrix (Trans, ld = cs). A size-1
// dim's stride is irrelevant and is replaced by the natural one.
struct BlasMat {
  bool ok = false;
  CBLAS_TRANSPOSE trans = CblasNoTrans;
  int ld = 0;
};

BlasMat blas_mat(int64_t rows, int64_t cols, int64_t rs, int64_t cs) {
  BlasMat r;
  const int64_t rows1 = rows < 1 ? 1 : rows, cols1 = cols < 1 ? 1 : cols;
  int64_t r_rs = rows <= 1 ? cols1 : rs, r_cs = cols <= 1 ? 1 : cs;
  if (r_cs == 1 && r_rs >= cols1 && r_rs <= INT_MAX) {
    r.ok = true;
    r.ld = static_cast<int>(r_rs);
    return r;
  }
  int64_t c_rs = rows <= 1 ? 1 : rs, c_cs = cols <= 1 ? rows1 : cs;
  if (c_rs == 1 && c_cs >= rows1 && c_cs <= INT_MAX) {
    r.ok = true;
    r.trans = CblasTrans;
    r.ld = static_cast<int>(c_cs);
  }
  return r;
}

void blas(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, const float* a, int lda,
          const float* b, int ldb, float beta, float* c, int ldc) {
  cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, 1.0f, a, lda, b, ldb, beta, c, ldc);
}
void blas(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, const double* a, int lda,
          const double* b, int ldb, double beta, double* c, int ldc) {
  cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, 1.0, a, lda, b, ldb, beta, c, ldc);
}

// A contiguous copy of a strided rows×cols matrix, for layouts CBLAS cannot read.
template <class T>
const T* densify(MatRef<T> x, int64_t rows, int64_t cols, std::vector<T>& store) {
  store.resize(static_cast<size_t>(rows * cols));
  for (int64_t i = 0; i < rows; i++)
    for (int64_t j = 0; j < cols; j++) store[i * cols + j] = x.p[i * x.rs + j * x.cs];
  return store.data();
}

template <class T>
void blas_gemm(int64_t m, int64_t n, int64_t k, MatRef<T> a, MatRef<T> b, T* c, int64_t ldc,
               bool acc) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    if (!acc)
      for (int64_t i = 0; i < m; i++) std::memset(c + i * ldc, 0, n * sizeof(T));
    return;
  }
  if (m > INT_MAX || n > INT_MAX || k > INT_MAX || ldc > INT_MAX) {
    gemm_builtin(m, n, k, a, b, c, ldc, acc);
    return;
  }
  BlasMat la = blas_mat(m, k, a.rs, a.cs), lb = blas_mat(k, n, b.rs, b.cs);
  std::vector<T> sa, sb;
  const T* pa = a.p;
  const T* pb = b.p;
  if (!la.ok) {
    pa = densify(a, m, k, sa);
    la = BlasMat{true, CblasNoTrans, static_cast<int>(k)};
  }
  if (!lb.ok) {
    pb = densify(b, k, n, sb);
    lb = BlasMat{true, CblasNoTrans, static_cast<int>(n)};
  }
  blas(la.trans, lb.trans, static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), pa,
       la.ld, pb, lb.ld, acc ? T(1) : T(0), c, static_cast<int>(ldc));
}
#endif

// out[z] = a[z] · b[z] for int32, wrapping modulo 2^32 (unsigned arithmetic: no UB).
void int_matmul(const View& a, const View& b, int32_t* out, int64_t batch, int64_t m, int64_t k,
                int64_t n) {
  const int32_t* ab = a.base<int32_t>();
  const int32_t* bb = b.base<int32_t>();
  const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(1, n * k));
  parallel_for(batch * m, grain, [&](int64_t r0, int64_t r1) {
    std::vector<uint32_t> acc(static_cast<size_t>(n));
    for (int64_t r = r0; r < r1; r++) {
      const int64_t z = r / m, i = r % m;
      const int32_t* arow = ab + z * a.strides[0] + i * a.strides[1];
      const int32_t* bz = bb + z * b.strides[0];
      std::fill(acc.begin(), acc.end(), 0u);
      for (int64_t q = 0; q < k; q++) {
        const uint32_t x = static_cast<uint32_t>(arow[q * a.strides[2]]);
        const int32_t* brow = bz + q * b.strides[1];
        const int64_t bs = b.strides[2];
        if (bs == 1)
          for (int64_t j = 0; j < n; j++) acc[j] += x * static_cast<uint32_t>(brow[j]);
        else
          for (int64_t j = 0; j < n; j++) acc[j] += x * static_cast<uint32_t>(brow[j * bs]);
      }
      int32_t* o = out + r * n;
      for (int64_t j = 0; j < n; j++) o[j] = static_cast<int32_t>(acc[j]);
    }
  });
}

template <class T>
void float_matmul(const View& a, const View& b, T* out, int64_t batch, int64_t m, int64_t k,
                  int64_t n) {
  auto one = [&](int64_t z) {
    MatRef<T> am{a.base<T>() + z * a.strides[0], a.strides[1], a.strides[2]};
    MatRef<T> bm{b.base<T>() + z * b.strides[0], b.strides[1], b.strides[2]};
    gemm(m, n, k, am, bm, out + z * m * n, n, false);
  };
  const double work = static_cast<double>(m) * n * k;
  if (batch > 1 && work < kSmallProduct) {
    const int64_t grain = std::max<int64_t>(1, static_cast<int64_t>(65536 / (work + 1)));
    parallel_for(batch, grain, [&](int64_t z0, int64_t z1) {
      for (int64_t z = z0; z < z1; z++) one(z);
    });
  } else {
    for (int64_t z = 0; z < batch; z++) one(z);
  }
}

void matmul(Call& c) {
  matmul_frame(c, [](auto tag, const View& a, const View& b, const MatmulDims& d, auto* out) {
    using T = decltype(tag);
    if constexpr (std::is_same<T, int32_t>::value) int_matmul(a, b, out, d.batch, d.m, d.k, d.n);
    else float_matmul<T>(a, b, out, d.batch, d.m, d.k, d.n);
  });
}

}  // namespace

namespace {
#ifdef FLINT_HAVE_CBLAS
// float32: which GEMM is faster on this CPU. Measured at 1 thread (GFLOP/s, medians of ≥ 5
// interleaved calls, 2-vCPU AMD EPYC VM with AVX-512, Debian's OpenBLAS 0.3.21 = Haswell
// kernels; NT/TN: B/A stored transposed):
//
//   m×n×k                          built-in AVX-512 / OpenBLAS | built-in AVX2 / OpenBLAS
//   32³, 64³, 128³                     107/69, 153/90, 185/98 |    63/74, 90/95, 96/100
//   256³, 512³                              181/94, 161/95 |          101/103, 71/82
//   1024³, 2048³                            150/91, 151/93 |            93/99, 81/86
//   64×128×784, 1024×128×784 (MLP)          153/94, 151/91 |            89/98, 90/96
//   64×784×128 NT, 784×128×64 TN            164/90, 167/94 |           97/93, 97/100
//   64×10×64 (a 10-class head)                       46/47 |                   38/53
//   64 × 64³ (batched)                              129/80 |                   78/86
//
// At 2 threads (minima; the shared VM is too noisy for medians) the built-in kernel stays
// ahead: 512³ 245 vs 172, 1024³ 266 vs 173, 2048³ 283 vs 186. So: on AVX-512 CPUs the
// built-in kernel for every shape (no crossover: the 10-column head is a tie); elsewhere
// CBLAS, whose Haswell kernels lead the AVX2 ones by up to 15%. FLINT_GEMM=blas|builtin
// (read once) forces one, for comparisons and tests.
bool prefer_builtin_f32() {
  static const bool v = [] {
    const char* e = std::getenv("FLINT_GEMM");
    if (e != nullptr && std::strcmp(e, "builtin") == 0) return true;
    if (e != nullptr && std::strcmp(e, "blas") == 0) return false;
    return std::strcmp(gemm_builtin_isa(), "avx512") == 0;
  }();
  return v;
}
#endif

// float64 keeps CBLAS whenever the build has it, as before.
template <class T>
void gemm_any(int64_t m, int64_t n, int64_t k, MatRef<T> a, MatRef<T> b, T* c, int64_t ldc,
              bool accumulate) {
#ifdef FLINT_HAVE_CBLAS
  if (!(sizeof(T) == sizeof(float) && prefer_builtin_f32())) {
    blas_gemm(m, n, k, a, b, c, ldc, accumulate);
    return;
  }
#endif
  gemm_builtin(m, n, k, a, b, c, ldc, accumulate);
}
}  // namespace

void gemm(int64_t m, int64_t n, int64_t k, MatRef<float> a, MatRef<float> b, float* c,
          int64_t ldc, bool accumulate) {
  gemm_any(m, n, k, a, b, c, ldc, accumulate);
}

void gemm(int64_t m, int64_t n, int64_t k, MatRef<double> a, MatRef<double> b, double* c,
          int64_t ldc, bool accumulate) {
  gemm_any(m, n, k, a, b, c, ldc, accumulate);
}

void register_matmul(Kernel* t) { t[P_matmul] = matmul; }

const char* gemm_f32_name() {
#ifdef FLINT_HAVE_CBLAS
  if (!prefer_builtin_f32()) return gemm_name();
#endif
  return std::strcmp(gemm_builtin_isa(), "avx512") == 0 ? "builtin-avx512" : "builtin-avx2";
}

const char* gemm_name() {
#if defined(FLINT_HAVE_OPENBLAS)
  return "openblas";
#elif defined(FLINT_HAVE_CBLAS)
  return "cblas";
#else
  return "builtin";
#endif
}

void gemm_set_threads(int n) {
#ifdef FLINT_HAVE_OPENBLAS
  openblas_set_num_threads(n);
#else
  (void)n;
#endif
}

}  // namespace flint
