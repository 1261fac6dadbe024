// cuBLAS for the 'cuda' device, loaded at run time (cublas.cu), so that the addon loads and the
// device works (with matmul's own tiled kernel) where libcublas is absent.
#pragma once
#include <cstdint>

#include "common.h"

namespace flint {
namespace cuda {

// Whether cuBLAS could be loaded and a handle created (tried once, on first use); when not,
// `cublas_status()` says why ("libcublas.so.13/.so.12 not found: …", "cublasCreate failed: 3").
bool cublas_ready();
const char* cublas_status();

// One batched GEMM of row-major matrices: for z < batch,
//   c[z·m·n …] (m×n, contiguous) = a[z·sa …] · b[z·sb …]
// where a is m×k read as stored (ta = false, row stride lda, column stride 1) or as the
// transpose of a row-major k×m matrix (ta = true: row stride 1, column stride lda); b likewise
// (k×n, ldb). Strides 0 broadcast one matrix over the batch. Queued on the call's stream.
// Dims, leading dims and batch must fit in int (the caller checks). Throws flint::Error on a
// cuBLAS error.
void cublas_gemm(const Call& call, bool ta, bool tb, int m, int n, int k, const float* a, int lda,
                 int64_t sa, const float* b, int ldb, int64_t sb, float* c, int batch);
void cublas_gemm(const Call& call, bool ta, bool tb, int m, int n, int k, const double* a, int lda,
                 int64_t sa, const double* b, int ldb, int64_t sb, double* c, int batch);

}  // namespace cuda
}  // namespace flint
