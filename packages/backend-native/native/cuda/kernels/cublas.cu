// cuBLAS glue of the 'cuda' device: libcublas is opened with dlopen on first use (".so.13",
// then ".so.12"), and only the five entry points below are resolved, with their prototypes
// declared here, so neither the cuBLAS headers nor the library are needed to build or load the
// addon. The emulation build has no cuBLAS: there every matmul runs the tiled kernel.
//
// TF32: off by default — float32 GEMMs are computed in full float32, as the CPU devices and
// torch (torch.backends.cuda.matmul.allow_tf32 = False) compute them. Setting the environment
// variable FLINT_CUDA_TF32=1 before the first matmul opts in to TF32 tensor-core math
// (CUBLAS_TF32_TENSOR_OP_MATH): several times faster on Ampere/Hopper, with a 10-bit mantissa
// on the products (relative error ~1e-3), like torch's allow_tf32 = True.
#include "cublas.h"

#if defined(FLINT_CUDA_EMULATE)

namespace flint {
namespace cuda {
bool cublas_ready() { return false; }
const char* cublas_status() { return "the emulation build has no cuBLAS"; }
void cublas_gemm(const Call& call, bool, bool, int, int, int, const float*, int, int64_t,
                 const float*, int, int64_t, float*, int) {
  call.fail("cuBLAS is not available in the emulation build");
}
void cublas_gemm(const Call& call, bool, bool, int, int, int, const double*, int, int64_t,
                 const double*, int, int64_t, double*, int) {
  call.fail("cuBLAS is not available in the emulation build");
}
}  // namespace cuda
}  // namespace flint

#else

#include <dlfcn.h>

#include <cstdlib>
#include <mutex>
#include <string>

#include "kernel.cuh"

namespace flint {
namespace cuda {
namespace {

// The ABI of cuBLAS v2 (cublas_api.h): statuses and enums are ints, the handle an opaque pointer.
using Handle = void*;
constexpr int kOpN = 0, kOpT = 1;
constexpr int kDefaultMath = 0, kTf32Math = 3;
using CreateFn = int (*)(Handle*);
using SetStreamFn = int (*)(Handle, cudaStream_t);
using SetMathFn = int (*)(Handle, int);
using SgemmFn = int (*)(Handle, int, int, int, int, int, const float*, const float*, int,
                        long long, const float*, int, long long, const float*, float*, int,
                        long long, int);
using DgemmFn = int (*)(Handle, int, int, int, int, int, const double*, const double*, int,
                        long long, const double*, int, long long, const double*, double*, int,
                        long long, int);

struct Lib {
  bool ok = false;
  std::string status = "not loaded";
  Handle handle = nullptr;
  SetStreamFn set_stream = nullptr;
  SgemmFn sgemm = nullptr;
  DgemmFn dgemm = nullptr;
  std::mutex mu;  // a handle is not safe for concurrent use from several host threads
};

Lib& lib() {
  static Lib* l = [] {
    Lib* r = new Lib();  // never freed: cuBLAS may be in use until the process exits
    void* so = dlopen("libcublas.so.13", RTLD_NOW | RTLD_LOCAL);
    if (!so) so = dlopen("libcublas.so.12", RTLD_NOW | RTLD_LOCAL);
    if (!so) {
      const char* e = dlerror();
      r->status = std::string("libcublas.so.13/.so.12 not found: ") + (e ? e : "");
      if (r->status.size() > 300) r->status.resize(300);
      return r;
    }
    auto create = reinterpret_cast<CreateFn>(dlsym(so, "cublasCreate_v2"));
    auto math = reinterpret_cast<SetMathFn>(dlsym(so, "cublasSetMathMode"));
    r->set_stream = reinterpret_cast<SetStreamFn>(dlsym(so, "cublasSetStream_v2"));
    r->sgemm = reinterpret_cast<SgemmFn>(dlsym(so, "cublasSgemmStridedBatched"));
    r->dgemm = reinterpret_cast<DgemmFn>(dlsym(so, "cublasDgemmStridedBatched"));
    if (!create || !math || !r->set_stream || !r->sgemm || !r->dgemm) {
      r->status = "libcublas lacks a needed entry point (cublasCreate_v2, cublasSetMathMode, "
                  "cublasSetStream_v2, cublas[SD]gemmStridedBatched)";
      return r;
    }
    const int st = create(&r->handle);
    if (st != 0) {
      r->status = "cublasCreate failed: status " + std::to_string(st);
      return r;
    }
    const char* tf32 = std::getenv("FLINT_CUDA_TF32");
    const bool use_tf32 = tf32 && std::string(tf32) == "1";
    math(r->handle, use_tf32 ? kTf32Math : kDefaultMath);
    r->ok = true;
    r->status = use_tf32 ? "loaded (TF32 on: FLINT_CUDA_TF32=1)" : "loaded";
    return r;
  }();
  return *l;
}

void check_status(const Call& call, int st, const char* what) {
  if (st != 0) call.fail(std::string(what) + " failed: cuBLAS status " + std::to_string(st));
}

// Row-major C = A·B is column-major Cᵀ = Bᵀ·Aᵀ: cuBLAS gets B first, then A, with m and n
// swapped; a row-major operand read as stored is, to cuBLAS, its column-major transpose, so
// "as stored" maps to CUBLAS_OP_N and "transposed" to CUBLAS_OP_T, with the same leading dim.
template <class T, class Fn>
void gemm_impl(Fn fn, const Call& call, bool ta, bool tb, int m, int n, int k, const T* a,
               int lda, int64_t sa, const T* b, int ldb, int64_t sb, T* c, int batch) {
  Lib& l = lib();
  if (!l.ok) call.fail("cuBLAS is not available: " + l.status);
  const T one = T(1), zero = T(0);
  std::lock_guard<std::mutex> g(l.mu);
  check_status(call, l.set_stream(l.handle, stream_of(call)), "cublasSetStream");
  check_status(call,
               fn(l.handle, tb ? kOpT : kOpN, ta ? kOpT : kOpN, n, m, k, &one, b, ldb, sb, a, lda,
                  sa, &zero, c, n, static_cast<long long>(m) * n, batch),
               "cublasGemmStridedBatched");
}

}  // namespace

bool cublas_ready() { return lib().ok; }
const char* cublas_status() { return lib().status.c_str(); }

void cublas_gemm(const Call& call, bool ta, bool tb, int m, int n, int k, const float* a, int lda,
                 int64_t sa, const float* b, int ldb, int64_t sb, float* c, int batch) {
  gemm_impl(lib().sgemm, call, ta, tb, m, n, k, a, lda, sa, b, ldb, sb, c, batch);
}
void cublas_gemm(const Call& call, bool ta, bool tb, int m, int n, int k, const double* a, int lda,
                 int64_t sa, const double* b, int ldb, int64_t sb, double* c, int batch) {
  gemm_impl(lib().dgemm, call, ta, tb, m, n, k, a, lda, sa, b, ldb, sb, c, batch);
}

}  // namespace cuda
}  // namespace flint

#endif
