// cumsum of the 'cuda' device: an inclusive scan along one axis with the CPU device's semantics
// (native/kernels/reduce_axis.h): running sums in float64 for floats (rounded on each store into
// float32), wrapping int32 for int32 and bool (bool gives int32), starting from +0.
// x is seen as lines along the axis (block.h's Lines); the output is contiguous in x's shape.
//   - many lines, or short ones: a thread per line scans it in order (neighbouring lines are
//     usually neighbours in memory, so the warp's reads coalesce);
//   - otherwise a block per line walks it in tiles of kPer·blockDim elements: each thread sums
//     its run of kPer, a block-wide exclusive scan of those sums (warp shuffles, then a scan of
//     the warps' totals) gives each run's offset, and the carry of earlier tiles is added.
// Deterministic: the order of additions depends on the shape only (no atomics).
#include <string>

#include "block.h"
#include "dispatch_cuda.h"
#include "reduce_ops.h"

namespace flint {
namespace cuda {
namespace {

template <class A> FLINT_D A scan_add(A a, A b) {
  if constexpr (std::is_floating_point<A>::value) return a + b;
  else return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
}

// Offset in the contiguous output of element r of line o; `inner` is the number of elements
// after the axis (lines are row-major over [outer, inner]).
FLINT_D int64_t out_offset(int64_t o, int64_t r, int64_t len, int64_t inner) {
  return (o / inner) * len * inner + r * inner + o % inner;
}

template <class T, class A, class O>
__global__ void scan_thread_per_line(Lines p, int64_t inner, const T* __restrict__ x,
                                     O* __restrict__ out) {
  FLINT_GRID_LOOP(o, p.lines) {
    const T* xo = x + lines_kept(p, o);
    O* oo = out + out_offset(o, 0, p.len, inner);
    A s = A(0);
    for (int64_t r = 0; r < p.len; r++) {
      s = scan_add(s, static_cast<A>(xo[lines_along(p, r)]));
      oo[r * inner] = static_cast<O>(s);
    }
  }
}

// Exclusive scan of one value per thread over the block (thread 0 gets 0); `warp_sums` holds
// one value per warp. *total gets the block's sum.
template <class A> FLINT_D A block_exclusive_scan(A v, A* warp_sums, A* total) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  for (int d = 1; d < 32; d <<= 1) {
    const A t = shfl_idx(v, lane >= d ? lane - d : lane);
    if (lane >= d) v = scan_add(v, t);
  }
  if (lane == 31) warp_sums[warp] = v;
  const A before = shfl_idx(v, lane > 0 ? lane - 1 : 0);  // the lane's exclusive prefix
  __syncthreads();
  if (warp == 0) {
    A w = lane < warps ? warp_sums[lane] : A(0);
    for (int d = 1; d < 32; d <<= 1) {
      const A t = shfl_idx(w, lane >= d ? lane - d : lane);
      if (lane >= d) w = scan_add(w, t);
    }
    if (lane < warps) warp_sums[lane] = w;
  }
  __syncthreads();
  A r = lane > 0 ? before : A(0);
  if (warp > 0) r = scan_add(warp_sums[warp - 1], r);
  *total = warp_sums[warps - 1];
  __syncthreads();  // warp_sums is reused by the next tile
  return r;
}

// Elements per thread of a tile: each thread scans its own short run in order, so a tile needs
// one block-wide scan (three barriers) per kPer·blockDim elements.
constexpr int kPer = 8;

template <class T, class A, class O>
__global__ void scan_block_per_line(Lines p, int64_t inner, const T* __restrict__ x,
                                    O* __restrict__ out) {
  __shared__ A warp_sums[32];
  for (int64_t o = blockIdx.x; o < p.lines; o += gridDim.x) {
    const T* xo = x + lines_kept(p, o);
    O* oo = out + out_offset(o, 0, p.len, inner);
    A carry = A(0);  // +0 first: a running sum of −0s is +0, as on the CPU
    for (int64_t t0 = 0; t0 < p.len; t0 += int64_t(blockDim.x) * kPer) {
      const int64_t r0 = t0 + int64_t(threadIdx.x) * kPer;
      A own = A(0);
      for (int j = 0; j < kPer && r0 + j < p.len; j++)
        own = scan_add(own, static_cast<A>(xo[lines_along(p, r0 + j)]));
      A total;
      A s = scan_add(carry, block_exclusive_scan(own, warp_sums, &total));
      for (int j = 0; j < kPer && r0 + j < p.len; j++) {
        s = scan_add(s, static_cast<A>(xo[lines_along(p, r0 + j)]));
        oo[(r0 + j) * inner] = static_cast<O>(s);
      }
      carry = scan_add(carry, total);
    }
  }
}

void cumsum(Call& c) {
  const View& x = c.input(0);
  const int64_t axis = c.iarg(0);
  if (axis < 0 || axis >= (x.rank > 1 ? x.rank : 1))
    c.fail("axis " + std::to_string(axis) + " is out of range for " + x.describe());
  bool along[kMaxRank] = {};
  int64_t inner = 1;
  if (x.rank > 0) {
    along[axis] = true;
    for (int d = static_cast<int>(axis) + 1; d < x.rank; d++) inner *= x.shape[d];
  }
  const Lines p = make_lines(x, along);
  FLINT_DISPATCH(x.dtype, T, {
    using A = FloatAcc<T>;
    using O = WidenBool<T>;
    O* out = c.out(x.dtype == BOOL ? I32 : x.dtype, x.numel())->template as<O>();
    if (p.lines == 0 || p.len == 0) return;
    const int64_t safe_inner = inner > 0 ? inner : 1;
    if (p.lines >= 1024 || p.len <= 64)
      launch(c, grid_for(p.lines), kThreads, 0, scan_thread_per_line<T, A, O>, p, safe_inner,
             x.base<T>(), out);
    else
      launch(c, blocks_for(p.lines), kBlock, 0, scan_block_per_line<T, A, O>, p, safe_inner,
             x.base<T>(), out);
  });
}

}  // namespace

void register_scan(Kernel* t) { t[P_cumsum] = cumsum; }

}  // namespace cuda
}  // namespace flint
