// matmul of the 'cuda' device: a [B,M,K] × b [B,K,N] → out [B,M,N] (contiguous), as the CPU
// device's matmul.cc.
//   - float32/float64 go to cuBLAS (cublas.cu) when it is loaded. An operand whose matrices are
//     row-major (strides (ld, 1)) or column-major ((1, ld)) is passed as stored or transposed
//     with that leading dimension and its batch stride (0 for a broadcast), so transposes and
//     broadcasts cost no copy; any other layout is first copied to contiguous (block.h's dense).
//   - otherwise (int32, no cuBLAS, the emulation build, sizes beyond cuBLAS's int arguments) a
//     tiled shared-memory kernel reads every layout through its strides. int32 wraps modulo 2^32
//     (unsigned arithmetic), as the CPU backend and torch do; floats accumulate in their dtype.
#include <climits>
#include <string>

#include "block.h"
#include "cublas.h"
#include "dispatch_cuda.h"
#include "kernels/matmul_args.h"

namespace flint {
namespace cuda {
namespace {

constexpr int kTile = 16;

// Element (z, i, j) of a strided 3-d operand.
struct Operand {
  int64_t s0, s1, s2;
};

template <class T> struct MulAcc { using type = T; };
template <> struct MulAcc<int32_t> { using type = uint32_t; };

// One kTile×kTile block of outputs per block of kTile×kTile threads; tiles of a and b are
// staged in shared memory along k. Loops over batch and tiles so any size fits the grid.
template <class T>
__global__ void matmul_tiled(const T* __restrict__ a, Operand sa, const T* __restrict__ b,
                             Operand sb, T* __restrict__ out, int64_t batch, int64_t m, int64_t k,
                             int64_t n) {
  using A = typename MulAcc<T>::type;
  __shared__ A ta[kTile][kTile + 1];
  __shared__ A tb[kTile][kTile + 1];
  const int tx = threadIdx.x, ty = threadIdx.y;
  const int64_t tiles_m = (m + kTile - 1) / kTile, tiles_n = (n + kTile - 1) / kTile;
  for (int64_t z = blockIdx.z; z < batch; z += gridDim.z)
    for (int64_t bi = blockIdx.y; bi < tiles_m; bi += gridDim.y)
      for (int64_t bj = blockIdx.x; bj < tiles_n; bj += gridDim.x) {
        const int64_t i = bi * kTile + ty, j = bj * kTile + tx;
        A acc = A(0);
        for (int64_t q0 = 0; q0 < k; q0 += kTile) {
          const int64_t qa = q0 + tx, qb = q0 + ty;
          const bool in_a = i < m && qa < k, in_b = qb < k && j < n;
          ta[ty][tx] = in_a ? static_cast<A>(a[z * sa.s0 + i * sa.s1 + qa * sa.s2]) : A(0);
          tb[ty][tx] = in_b ? static_cast<A>(b[z * sb.s0 + qb * sb.s1 + j * sb.s2]) : A(0);
          __syncthreads();
          for (int q = 0; q < kTile; q++) acc += ta[ty][q] * tb[q][tx];
          __syncthreads();
        }
        if (i < m && j < n) out[(z * m + i) * n + j] = static_cast<T>(acc);
      }
}

// Grid dims are capped at 65535 (y and z cannot go higher); the kernel loops beyond.
unsigned grid_dim(int64_t v) { return static_cast<unsigned>(v < 1 ? 1 : v > 65535 ? 65535 : v); }

template <class T>
void tiled(const Call& c, const View& a, const View& b, T* out, int64_t batch, int64_t m,
           int64_t k, int64_t n) {
  const dim3 grid(grid_dim((n + kTile - 1) / kTile), grid_dim((m + kTile - 1) / kTile),
                  grid_dim(batch));
  launch(c, grid, dim3(kTile, kTile), 0, matmul_tiled<T>, a.base<T>(),
         Operand{a.strides[0], a.strides[1], a.strides[2]}, b.base<T>(),
         Operand{b.strides[0], b.strides[1], b.strides[2]}, out, batch, m, k, n);
}

// How cuBLAS can read a rows×cols matrix with strides (rs, cs): as stored (row stride = ld,
// column stride 1) or transposed (row stride 1, column stride = ld). A size-1 dim's stride is
// irrelevant and replaced by the natural one — the CPU device's rule (matmul.cc).
struct BlasMat {
  bool ok = false, trans = false;
  int ld = 0;
};

BlasMat blas_mat(int64_t rows, int64_t cols, int64_t rs, int64_t cs) {
  BlasMat r;
  const int64_t rows1 = rows < 1 ? 1 : rows, cols1 = cols < 1 ? 1 : cols;
  const int64_t r_rs = rows <= 1 ? cols1 : rs, r_cs = cols <= 1 ? 1 : cs;
  if (r_cs == 1 && r_rs >= cols1 && r_rs <= INT_MAX)
    return BlasMat{true, false, static_cast<int>(r_rs)};
  const int64_t c_rs = rows <= 1 ? 1 : rs, c_cs = cols <= 1 ? rows1 : cs;
  if (c_rs == 1 && c_cs >= rows1 && c_cs <= INT_MAX)
    return BlasMat{true, true, static_cast<int>(c_cs)};
  return r;
}

// The matrices of a 3-d operand for cuBLAS, copied to contiguous when their layout needs it.
template <class T> struct BlasOperand {
  const T* p;
  BlasMat mat;
  int64_t batch_stride;
};

template <class T>
BlasOperand<T> blas_operand(const Call& c, const View& v, std::unique_ptr<Scratch>& hold) {
  const int64_t rows = v.shape[1], cols = v.shape[2];
  BlasMat mat = blas_mat(rows, cols, v.strides[1], v.strides[2]);
  const int64_t bs = v.shape[0] <= 1 ? 0 : v.strides[0];
  if (mat.ok && bs >= 0) return BlasOperand<T>{v.base<T>(), mat, bs};
  const BlasMat packed{true, false, static_cast<int>(cols < 1 ? 1 : cols)};
  return BlasOperand<T>{dense<T>(c, v, hold), packed, rows * cols};
}

template <class T> __global__ void zero_fill(T* out, int64_t n) {
  FLINT_GRID_LOOP(i, n) out[i] = T(0);
}

template <class T>
void float_matmul(const Call& c, const View& a, const View& b, T* out, int64_t batch, int64_t m,
                  int64_t k, int64_t n) {
  if (batch == 0 || m == 0 || n == 0) return;
  if (k == 0) {  // an empty sum: zeros, whichever GEMM would have run
    launch(c, grid_for(batch * m * n), kThreads, 0, zero_fill<T>, out, batch * m * n);
    return;
  }
  const bool fits = batch <= INT_MAX && m <= INT_MAX && n <= INT_MAX && k <= INT_MAX &&
                    a.shape[1] * a.shape[2] <= INT_MAX && b.shape[1] * b.shape[2] <= INT_MAX;
  if (!fits || !cublas_ready()) {
    tiled<T>(c, a, b, out, batch, m, k, n);
    return;
  }
  std::unique_ptr<Scratch> ha, hb;
  const BlasOperand<T> pa = blas_operand<T>(c, a, ha), pb = blas_operand<T>(c, b, hb);
  cublas_gemm(c, pa.mat.trans, pb.mat.trans, static_cast<int>(m), static_cast<int>(n),
              static_cast<int>(k), pa.p, pa.mat.ld, pa.batch_stride, pb.p, pb.mat.ld,
              pb.batch_stride, out, static_cast<int>(batch));
}

void matmul(Call& c) {
  matmul_frame(c, [&](auto tag, const View& a, const View& b, const MatmulDims& d, auto* out) {
    using T = decltype(tag);
    if constexpr (std::is_same<T, int32_t>::value) {
      if (d.batch * d.m * d.n > 0) tiled<int32_t>(c, a, b, out, d.batch, d.m, d.k, d.n);
    } else {
      float_matmul<T>(c, a, b, out, d.batch, d.m, d.k, d.n);
    }
  });
}

}  // namespace

void register_matmul(Kernel* t) { t[P_matmul] = matmul; }

}  // namespace cuda
}  // namespace flint
