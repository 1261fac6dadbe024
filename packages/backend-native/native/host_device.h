// FLINT_SHARED marks the small functions that the CPU device's kernels and the 'cuda' device's
// kernels share (one source of truth for both): host+device under nvcc; for g++ (the CPU build,
// and the emulation build, where device code is host code) an always-inlined function, so that
// the CPU loops that call it still vectorise as if the body were written in place.
#pragma once

#if defined(__CUDACC__)
#define FLINT_SHARED __host__ __device__ __forceinline__
#else
#define FLINT_SHARED inline __attribute__((always_inline))
#endif
