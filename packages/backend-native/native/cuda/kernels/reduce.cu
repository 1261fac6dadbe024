// Reductions of the 'cuda' device: sum, prod, max, min over any set of axes, argmax/argmin
// along one axis (folds in reduce_ops.h; cumsum is in scan.cu). x is seen as `lines` (one per
// output) of `len` elements (block.h's Lines), reduced in one of two ways:
//   - a thread per line, folding it in order: for many lines whose neighbours sit next to each
//     other in memory (column sums), or short lines — reads coalesce across the warp;
//   - a block per line (or per chunk of a line), threads striding along it and combined by the
//     block tree. Long lines with too few outputs to fill the GPU are split into G chunks whose
//     partial results go to a Scratch buffer; a second kernel folds each output's G partials in
//     chunk order.
// Both are deterministic: no atomics, a fixed fold order for a given shape (see block.h).
#include <algorithm>
#include <string>

#include "block.h"
#include "dispatch_cuda.h"
#include "reduce_ops.h"

namespace flint {
namespace cuda {
namespace {

// Elements per chunk of a split line, and the most partial results per output.
constexpr int64_t kChunk = 8192;
constexpr int64_t kMaxSplit = 1024;
// Below this many lines, long lines are split across blocks to occupy the GPU.
constexpr int64_t kFewLines = 512;

template <class Op, class T, class D>
__global__ void reduce_thread_per_line(Lines p, const T* __restrict__ x, D* __restrict__ out) {
  FLINT_GRID_LOOP(o, p.lines) {
    const T* xo = x + lines_kept(p, o);
    typename Op::Acc acc = Op::identity();
    for (int64_t r = 0; r < p.len; r++) acc = Op::combine(acc, Op::load(xo[lines_along(p, r)], r));
    out[o] = acc_to<D>(acc);
  }
}

// Item = (line o, chunk g) with g < split; dst[item] gets the chunk's fold.
template <class Op, class T, class D>
__global__ void reduce_block_per_line(Lines p, const T* __restrict__ x, D* __restrict__ dst,
                                      int64_t split, int64_t chunk) {
  using A = typename Op::Acc;
  __shared__ A slots[32];
  for (int64_t item = blockIdx.x; item < p.lines * split; item += gridDim.x) {
    const int64_t o = item / split, g = item % split;
    const int64_t r1 = p.len < (g + 1) * chunk ? p.len : (g + 1) * chunk;
    const T* xo = x + lines_kept(p, o);
    A acc = Op::identity();
    for (int64_t r = g * chunk + threadIdx.x; r < r1; r += blockDim.x)
      acc = Op::combine(acc, Op::load(xo[lines_along(p, r)], r));
    acc = block_reduce<Op>(acc, slots);
    if (threadIdx.x == 0) dst[item] = acc_to<D>(acc);
  }
}

// out[o] = the fold of part[o·split, (o + 1)·split), in chunk order.
template <class Op, class D>
__global__ void reduce_partials(const typename Op::Acc* __restrict__ part, D* __restrict__ out,
                                int64_t lines, int64_t split) {
  FLINT_GRID_LOOP(o, lines) {
    typename Op::Acc acc = part[o * split];
    for (int64_t g = 1; g < split; g++) acc = Op::combine(acc, part[o * split + g]);
    out[o] = acc_to<D>(acc);
  }
}

template <class T, class O>
__global__ void convert_copy(Nest nest, const T* __restrict__ x, O* __restrict__ out) {
  FLINT_GRID_LOOP(i, nest.size) {
    int64_t off[kMaxOps];
    nest_offsets(nest, i, off);
    out[i] = static_cast<O>(x[off[1]]);
  }
}

__global__ void fill_zero(int32_t* __restrict__ out, int64_t n) {
  FLINT_GRID_LOOP(i, n) out[i] = 0;
}

// Whether a thread per line reads memory better than a block per line: neighbouring lines are
// closer in memory than neighbouring elements of a line, or lines are too short to share.
bool thread_per_line(const Lines& p) {
  if (p.lines < 1024) return false;
  if (p.len <= 32) return true;
  const int64_t ks = p.kr > 0 ? std::llabs(p.kst[p.kr - 1]) : 0;
  const int64_t as = p.ar > 0 ? std::llabs(p.ast[p.ar - 1]) : 0;
  return ks < as;
}

// Reduces every line of p into out (output dtype D = Op::Out), choosing the layout above.
template <class Op, class T>
void reduce_lines(const Call& c, const Lines& p, const T* x, typename Op::Out* out) {
  using A = typename Op::Acc;
  using D = typename Op::Out;
  if (p.lines == 0) return;
  if (thread_per_line(p)) {
    launch(c, grid_for(p.lines), kThreads, 0, reduce_thread_per_line<Op, T, D>, p, x, out);
    return;
  }
  int64_t split = 1;
  if (p.lines < kFewLines && p.len > 2 * kChunk)
    split = std::min<int64_t>(
        {(p.len + kChunk - 1) / kChunk, kMaxSplit, (2 * kFewLines) / p.lines});
  if (split <= 1) {
    launch(c, blocks_for(p.lines), kBlock, 0, reduce_block_per_line<Op, T, D>, p, x, out,
           int64_t(1), std::max<int64_t>(p.len, 1));
    return;
  }
  const int64_t chunk = (p.len + split - 1) / split;
  Scratch part(c, static_cast<size_t>(p.lines * split) * sizeof(A));
  launch(c, blocks_for(p.lines * split), kBlock, 0, reduce_block_per_line<Op, T, A>, p, x,
         part.as<A>(), split, chunk);
  launch(c, grid_for(p.lines), kThreads, 0, reduce_partials<Op, D>, part.as<A>(), out, p.lines,
         split);
}

// Parses axes (sorted, unique, within x's rank) into a per-dim flag, as the CPU kernel does;
// false when nothing is reduced (a copy).
bool parse_axes(const Call& c, const View& x, bool* reduced) {
  std::fill(reduced, reduced + kMaxRank, false);
  for (int i = 0; i < c.nargs; i++) {
    const int64_t a = c.iarg(i);
    if (x.rank == 0 && a == 0 && c.nargs == 1) return false;  // torch accepts dim 0 on scalars
    if (a < 0 || a >= x.rank || (i > 0 && a <= c.iarg(i - 1)))
      c.fail("axes must be sorted, unique and within rank " + std::to_string(x.rank));
    reduced[a] = true;
  }
  return c.nargs > 0;
}

template <template <class> class OpT> void reduce(Call& c) {
  const View& x = c.input(0);
  bool reduced[kMaxRank];
  const bool any = parse_axes(c, x, reduced);
  FLINT_DISPATCH(x.dtype, T, {
    using Op = OpT<T>;
    using O = typename Op::Out;
    const DType od = std::is_same<O, int32_t>::value ? I32 : x.dtype;
    if (!any) {  // no axes: a copy (−0 stays −0), widened for bool sums
      O* out = c.out(od, x.numel())->template as<O>();
      int64_t cs[kMaxRank];
      contiguous_strides(x.rank, x.shape, cs);
      const Nest nest = make_nest(x.rank, x.shape, {cs, x.strides});
      if (nest.size > 0)
        launch(c, grid_for(nest.size), kThreads, 0, convert_copy<T, O>, nest, x.base<T>(), out);
      return;
    }
    const Lines p = make_lines(x, reduced);
    reduce_lines<Op, T>(c, p, x.base<T>(), c.out(od, p.lines)->template as<O>());
  });
}

template <class T> using Max = ExtremeOp<T, true>;
template <class T> using Min = ExtremeOp<T, false>;

template <bool kMax> void arg_reduce(Call& c) {
  const View& x = c.input(0);
  const int64_t axis = c.iarg(0);
  if (axis < 0 || axis >= std::max(x.rank, 1))
    c.fail("axis " + std::to_string(axis) + " is out of range for " + x.describe());
  bool along[kMaxRank] = {};
  if (x.rank > 0) along[axis] = true;
  const Lines p = make_lines(x, along);
  int32_t* out = c.out(I32, p.lines)->as<int32_t>();
  if (p.len == 0) {  // rejected by core; index 0 as on the CPU, rather than undefined memory
    if (p.lines > 0) launch(c, grid_for(p.lines), kThreads, 0, fill_zero, out, p.lines);
    return;
  }
  FLINT_DISPATCH(x.dtype, T, { reduce_lines<ArgOp<T, kMax>, T>(c, p, x.base<T>(), out); });
}

}  // namespace

void register_scan(Kernel* t);  // scan.cu

void register_reduce(Kernel* t) {
  t[P_sum] = reduce<SumOp>;
  t[P_prod] = reduce<ProdOp>;
  t[P_max] = reduce<Max>;
  t[P_min] = reduce<Min>;
  t[P_argmax] = arg_reduce<true>;
  t[P_argmin] = arg_reduce<false>;
  register_scan(t);
}

}  // namespace cuda
}  // namespace flint
