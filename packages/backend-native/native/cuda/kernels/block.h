// Block-level building blocks of the reduction, scan, sort and fused kernels (reduce.cu, scan.cu,
// sort.cu, fused.cu, optim.cu): warp shuffles of any accumulator, a deterministic block
// reduction, a strided → contiguous copy, and the "lines" index plan that maps an output (or a
// lane) to its input elements.
//
// Determinism: every reduction here folds a fixed set of elements per thread in a fixed order,
// then combines threads by a fixed tree (shuffles, then one warp over the warps' results). No
// float atomics anywhere, so a given input and launch shape always give the same bits.
#pragma once
#include <cstdint>
#include <memory>

#include "kernel.cuh"

namespace flint {
namespace cuda {

// Threads of the block-per-output kernels: a multiple of 32 (the block reductions assume whole
// warps), at most 32 warps (one shared slot per warp). The emulator pays a context switch per
// thread at every barrier and shuffle, so emulation runs the same kernels with two warps a block
// (still several warps, so the cross-warp steps are exercised) and a few blocks.
#if defined(FLINT_CUDA_EMULATE)
constexpr int kBlock = 64;
constexpr int64_t kMaxGrid = 8;
#else
constexpr int kBlock = 256;
constexpr int64_t kMaxGrid = 65535;
#endif

// ---- shuffles of every accumulator type ----

FLINT_D float shfl_down(float v, int d) { return __shfl_down_sync(0xffffffffu, v, d); }
FLINT_D double shfl_down(double v, int d) { return __shfl_down_sync(0xffffffffu, v, d); }
FLINT_D int32_t shfl_down(int32_t v, int d) { return __shfl_down_sync(0xffffffffu, v, d); }
FLINT_D uint8_t shfl_down(uint8_t v, int d) {
  return static_cast<uint8_t>(__shfl_down_sync(0xffffffffu, static_cast<int>(v), d));
}
FLINT_D float shfl_idx(float v, int l) { return __shfl_sync(0xffffffffu, v, l); }
FLINT_D double shfl_idx(double v, int l) { return __shfl_sync(0xffffffffu, v, l); }
FLINT_D int32_t shfl_idx(int32_t v, int l) { return __shfl_sync(0xffffffffu, v, l); }
FLINT_D uint8_t shfl_idx(uint8_t v, int l) {
  return static_cast<uint8_t>(__shfl_sync(0xffffffffu, static_cast<int>(v), l));
}

// A value with its position along the reduced axis (argmax/argmin); i < 0 marks "no element
// yet". Plain aggregate: __shared__ arrays of it must not need a constructor.
template <class T> struct Arg {
  T v;
  int32_t i;
};
template <class T> FLINT_D Arg<T> shfl_down(Arg<T> a, int d) {
  return Arg<T>{shfl_down(a.v, d), shfl_down(a.i, d)};
}

// ---- block reduction ----

// Combines v over the block with Op::combine (which must be associative; the tree is fixed,
// so the result is reproducible even where rounding makes the order matter). Every thread of
// the block must call it; the result is valid in thread 0. `slots` is shared memory for one
// value per warp.
template <class Op, class A> FLINT_D A block_reduce(A v, A* slots) {
  for (int d = 16; d > 0; d >>= 1) v = Op::combine(v, shfl_down(v, d));
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  if (lane == 0) slots[warp] = v;
  __syncthreads();
  const int warps = (blockDim.x + 31) >> 5;
  if (warp == 0) {
    v = lane < warps ? slots[lane] : Op::identity();
    for (int d = 16; d > 0; d >>= 1) v = Op::combine(v, shfl_down(v, d));
  }
  __syncthreads();  // the slots may be reused by the caller's next reduction
  return v;
}

// As block_reduce, with the result broadcast to every thread.
template <class Op, class A> FLINT_D A block_all_reduce(A v, A* slots) {
  v = block_reduce<Op>(v, slots);
  if (threadIdx.x == 0) slots[0] = v;
  __syncthreads();
  v = slots[0];
  __syncthreads();
  return v;
}

// ---- index plans ----

// The elements of x split into "lines": line o (0 ≤ o < lines, row-major over the kept dims)
// holds the `len` elements at offset kept(o) + along(r), 0 ≤ r < len. Reductions use it with
// kept = the output dims and along = the reduced dims; argmax, cumsum and softmax with along =
// one axis. Dims are merged (make_nest) so the usual cases decode in one or two divisions.
struct Lines {
  int kr, ar;  // ranks of the kept and along parts
  int64_t lines, len;
  int64_t kshape[kMaxRank], kst[kMaxRank];
  int64_t ashape[kMaxRank], ast[kMaxRank];
};

// Builds the plan from a per-dim flag (true: along). A 0-d x is one line of one element.
inline Lines make_lines(const View& x, const bool* along) {
  int64_t ks[kMaxRank], kt[kMaxRank], as[kMaxRank], at[kMaxRank];
  int nk = 0, na = 0;
  for (int d = 0; d < x.rank; d++) {
    if (along[d]) {
      as[na] = x.shape[d];
      at[na++] = x.strides[d];
    } else {
      ks[nk] = x.shape[d];
      kt[nk++] = x.strides[d];
    }
  }
  const Nest kn = make_nest(nk, ks, {kt}), an = make_nest(na, as, {at});
  Lines p;
  p.kr = kn.rank;
  p.ar = an.rank;
  p.lines = kn.size;
  p.len = an.size;
  for (int d = 0; d < kn.rank; d++) p.kshape[d] = kn.shape[d], p.kst[d] = kn.st[0][d];
  for (int d = 0; d < an.rank; d++) p.ashape[d] = an.shape[d], p.ast[d] = an.st[0][d];
  return p;
}

FLINT_HD int64_t lines_kept(const Lines& p, int64_t o) {
  int64_t off = 0;
  for (int d = p.kr - 1; d >= 0; d--) {
    off += (o % p.kshape[d]) * p.kst[d];
    o /= p.kshape[d];
  }
  return off;
}
FLINT_HD int64_t lines_along(const Lines& p, int64_t r) {
  if (p.ar == 1) return r * p.ast[0];
  int64_t off = 0;
  for (int d = p.ar - 1; d >= 0; d--) {
    off += (r % p.ashape[d]) * p.ast[d];
    r /= p.ashape[d];
  }
  return off;
}

// Blocks for a loop of `n` blocks-per-item: at least 1, capped (the kernels loop).
inline int blocks_for(int64_t n) {
  return static_cast<int>(n < 1 ? 1 : n > kMaxGrid ? kMaxGrid : n);
}

// ---- strided inputs ----

// x's elements in row-major order on the device: x's own memory when it is contiguous, else a
// copy made on the stream into `hold` (kept alive by the caller for the call's duration).
template <class T> const T* dense(const Call& call, const View& x, std::unique_ptr<Scratch>& hold);

template <class T> __global__ void dense_copy_kernel(Nest nest, const T* __restrict__ src,
                                                     T* __restrict__ dst) {
  FLINT_GRID_LOOP(i, nest.size) {
    int64_t off[kMaxOps];
    nest_offsets(nest, i, off);
    dst[i] = src[off[1]];
  }
}

template <class T> const T* dense(const Call& call, const View& x, std::unique_ptr<Scratch>& hold) {
  if (x.contiguous()) return x.base<T>();
  const int64_t n = x.numel();
  hold.reset(new Scratch(call, static_cast<size_t>(n > 0 ? n : 1) * sizeof(T)));
  int64_t cs[kMaxRank];
  contiguous_strides(x.rank, x.shape, cs);
  const Nest nest = make_nest(x.rank, x.shape, {cs, x.strides});
  if (n > 0)
    launch(call, grid_for(n), kThreads, 0, dense_copy_kernel<T>, nest, x.base<T>(), hold->as<T>());
  return hold->as<T>();
}

}  // namespace cuda
}  // namespace flint
