// Host emulation of the CUDA execution model for the FLINT_CUDA_EMULATE build (see
// ../kernel.cuh). CONTRACT (implemented in emu.cc):
//   - emu::run(grid, block, shmem, body) runs blocks one after another on the calling thread;
//     inside a block each CUDA thread is a cooperative fiber (own stack) running body(), with the
//     thread-local threadIdx/blockIdx/blockDim/gridDim set before each fiber resumes.
//   - __syncthreads() parks the fiber until every live fiber of the block has reached it;
//     __shfl_*_sync() exchange values inside a warp of 32 lanes (a warp-scoped barrier), so
//     warp-level reductions run as on the GPU.
//   - `__shared__` variables are `static thread_local`: blocks run one at a time, so every fiber of
//     a block sees the same copy, and host threads (Node workers) do not share it.
//   - atomics are plain read-modify-write (fibers switch only at barriers).
// Device memory in emulation is host memory; cudaMalloc/cudaMemcpy* and streams are provided for
// the runtime layer (cuda/runtime*.cc) with the CUDA signatures it uses.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __shared__ static thread_local
#define __restrict__

struct dim3 {
  unsigned x = 1, y = 1, z = 1;
  constexpr dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};
extern thread_local dim3 threadIdx, blockIdx, blockDim, gridDim;
constexpr int warpSize = 32;

void __syncthreads();
float __shfl_down_sync(unsigned mask, float v, unsigned delta);
double __shfl_down_sync(unsigned mask, double v, unsigned delta);
int __shfl_down_sync(unsigned mask, int v, unsigned delta);
float __shfl_xor_sync(unsigned mask, float v, int lane_mask);
double __shfl_xor_sync(unsigned mask, double v, int lane_mask);
int __shfl_xor_sync(unsigned mask, int v, int lane_mask);
float __shfl_sync(unsigned mask, float v, int src_lane);
double __shfl_sync(unsigned mask, double v, int src_lane);
int __shfl_sync(unsigned mask, int v, int src_lane);

template <class T> inline T atomicAdd(T* p, T v) { T old = *p; *p = old + v; return old; }
template <class T> inline T atomicMax(T* p, T v) { T old = *p; if (v > old) *p = v; return old; }
template <class T> inline T atomicMin(T* p, T v) { T old = *p; if (v < old) *p = v; return old; }
template <class T> inline T atomicCAS(T* p, T cmp, T v) { T old = *p; if (old == cmp) *p = v; return old; }
template <class T> inline T atomicExch(T* p, T v) { T old = *p; *p = v; return old; }

// Warp votes and the warp barrier (all live lanes of the warp take part; `mask` is not checked).
void __syncwarp(unsigned mask = 0xffffffffu);
unsigned __ballot_sync(unsigned mask, int pred);
int __any_sync(unsigned mask, int pred);
int __all_sync(unsigned mask, int pred);
inline void __threadfence() {}
inline void __threadfence_block() {}
#define __launch_bounds__(...)
#define __noinline__

// Device intrinsics kernels use, as host functions with the GPU's results (the fast-math ones
// may differ from the GPU in the last bits, as documented by CUDA).
#include "cuda/emu/intrinsics.h"

// The CUDA runtime subset the runtime layer uses (host memory behind it): same names, types and
// error codes as cudart, so runtime.cc has one source for both builds.
#include "cuda/emu/cudart.h"

namespace flint {
namespace cuda {
namespace emu {
void run(dim3 grid, dim3 block, size_t shmem, const std::function<void()>& body);
void* dyn_shared();  // the current launch's dynamic shared memory (shmem bytes)
// Launches run so far on this host thread (tests check that an op really ran its kernels).
uint64_t launches();
}  // namespace emu
}  // namespace cuda
}  // namespace flint
