// The kernel-facing API of the 'cuda' device. Every file of native/cuda/kernels/ includes this and
// nothing CUDA-specific besides it, so the same source builds two ways:
//   - by nvcc for the GPU (sm_80, sm_90): launches are real <<<grid, block, shmem, stream>>>;
//   - as plain C++ by the emulation build (FLINT_CUDA_EMULATE, `build-cudaemu/`): launches run
//     on the calling thread, one cooperative fiber per CUDA thread (emu/emu.h), so index math,
//     argument packing, dispatch and allocation are tested by the whole conformance suite on
//     machines without a GPU. What emulation cannot show (races between real threads, the
//     memory model, cuBLAS) is checked by `test:cuda` on a GPU.
// Kernels see the same Call as the CPU device (common.h): inputs' `buf->data` and the buffers of
// `call.out(...)` are device memory of the call's context.
#pragma once
#include <cstddef>
#include <cstdint>
#include <utility>

#include "common.h"
#include "cuda/device_error.h"
#include "strided.h"

#if defined(FLINT_CUDA_EMULATE)
#include "cuda/emu/emu.h"
#else
#include <cuda_runtime.h>
#endif

#define FLINT_HD __host__ __device__ __forceinline__
#define FLINT_D __device__ __forceinline__

namespace flint {
namespace cuda {

// Threads per block of the grid-stride kernels.
constexpr int kThreads = 256;

// Throws flint::Error("<what>: CUDA error <code> (<name>): <string>") unless e is cudaSuccess.
void check(cudaError_t e, const char* what);

// The stream of the call's context: every kernel of one context runs in order on it.
cudaStream_t stream_of(const Call& call);

// Blocks for a grid-stride loop over n items (at least 1, capped so that huge tensors loop).
int grid_for(int64_t n, int threads = kThreads);

// kernel<<<grid, block, shmem, stream_of(call)>>>(args...), then a launch-error check naming the
// op. Arguments are passed by value (a Nest, 2.6 KiB, fits CUDA's 4 KiB parameter limit).
template <class... P, class... A>
void launch(const Call& call, dim3 grid, dim3 block, size_t shmem, void (*kernel)(P...),
            A&&... args) {
#if defined(FLINT_CUDA_EMULATE)
  emu::run(grid, block, shmem, [&] { kernel(args...); });
#else
  kernel<<<grid, block, shmem, stream_of(call)>>>(std::forward<A>(args)...);
  check(cudaGetLastError(), call.name);
#endif
}

// Where a kernel of this call records bad input (device_error.h): the context's error word and
// the call's op id, passed to the kernel by value.
struct ErrorSlot {
  DeviceErrorWord* word;
  int32_t op;
};
ErrorSlot error_word(const Call& call);

// Records an error unless one is already pending (the first wins), without synchronising: the
// host raises it at its next read. The kernel must still write something safe for that element.
FLINT_D void report_error(ErrorSlot e, int32_t code, int64_t value, int64_t bound, int64_t aux,
                          int64_t at) {
  // A plain read first: when many threads hit bad values, only the first few pay for an atomic.
  if (*static_cast<volatile int32_t*>(&e.word->code) != kDeviceErrNone) return;
  if (atomicCAS(&e.word->code, int32_t(kDeviceErrNone), code) != kDeviceErrNone) return;
  e.word->op = e.op;
  e.word->value = value;
  e.word->bound = bound;
  e.word->aux = aux;
  e.word->at = at;
}

// Temporary device memory for one call (partial sums of a multi-pass reduction, a GEMM
// workspace): taken from the context's caching allocator and given back when it goes out of
// scope. Work already queued on the stream that uses it stays valid: the cache only hands the
// block out again to later work on the same stream.
class Scratch {
 public:
  Scratch(const Call& call, size_t bytes);
  ~Scratch();
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  template <class T> T* as() const { return static_cast<T*>(data_); }

 private:
  const Call& call_;
  void* data_ = nullptr;
  size_t bytes_ = 0;
};

// Per-operand element offsets of flat index i of a Nest (strided.h: dims merged, size-1 dims
// dropped; operand 0 is usually the contiguous output).
FLINT_HD void nest_offsets(const Nest& n, int64_t i, int64_t* off) {
  for (int k = 0; k < n.nops; k++) off[k] = 0;
  for (int d = n.rank - 1; d >= 0; d--) {
    const int64_t c = i % n.shape[d];
    i /= n.shape[d];
    for (int k = 0; k < n.nops; k++) off[k] += c * n.st[k][d];
  }
}

// for (i = first; i < n; i += stride) over the whole grid.
#define FLINT_GRID_LOOP(i, n)                                                         \
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < int64_t(n); \
       i += int64_t(blockDim.x) * gridDim.x)

// Dynamic shared memory of the launch, typed: FLINT_DYN_SHARED(float, smem);
#if defined(FLINT_CUDA_EMULATE)
#define FLINT_DYN_SHARED(T, name) T* name = static_cast<T*>(::flint::cuda::emu::dyn_shared())
#else
#define FLINT_DYN_SHARED(T, name) \
  extern __shared__ unsigned char flint_dyn_smem_[]; \
  T* name = reinterpret_cast<T*>(flint_dyn_smem_)
#endif

}  // namespace cuda
}  // namespace flint
