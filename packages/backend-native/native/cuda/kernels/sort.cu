// sort of the 'cuda' device: a stable sort of every row of a row-major input along its last
// axis, giving the values and their int32 source indices — exactly the CPU device's order
// (native/kernels/sort.cc): NaN above +inf (last ascending, first descending), −0 equal to +0,
// ties in input order.
// Stability comes from sorting (value, source index) pairs under a total order — the value
// order, then the index — so any correct sort gives the one stable result:
//   1. each chunk of up to kChunk elements of a row is sorted by a bitonic network in shared
//      memory (one block per chunk, the chunk padded to a power of two with "after everything"
//      entries);
//   2. rows longer than a chunk are then merged pairwise, run width doubling per pass, through
//      two global buffers: every element finds its place in the merged run by a binary search of
//      the other run (its rank there plus its rank in its own run), so a pass is one
//      element-parallel kernel.
#include <climits>
#include <string>

#include "block.h"
#include "dispatch_cuda.h"
#include "kernels/sort_args.h"

namespace flint {
namespace cuda {
namespace {

constexpr int64_t kChunk = 2048;  // a power of two; (value, index) pairs fit in shared memory
#if defined(FLINT_CUDA_EMULATE)
constexpr int64_t kMostThreads = kBlock;  // emulated threads are costly (block.h)
#else
constexpr int64_t kMostThreads = 1024;
#endif

// The value order: ascending puts NaN last, descending first; NaNs are equal among themselves.
template <class T, bool kDesc> FLINT_HD bool before(T a, T b) {
  const bool an = a != a, bn = b != b;
  if (kDesc) return an ? !bn : (!bn && a > b);
  return !an && (bn || a < b);
}

// The total order of (value, index) pairs; an index < 0 marks padding, after everything.
template <class T, bool kDesc> FLINT_HD bool less(T av, int32_t ai, T bv, int32_t bi) {
  if (ai < 0) return false;
  if (bi < 0) return true;
  if (before<T, kDesc>(av, bv)) return true;
  if (before<T, kDesc>(bv, av)) return false;
  return ai < bi;
}

// Sorts chunk g of row r (items r·chunks + g) of x into (v, ix); `width` is the chunk's padded
// size (a power of two ≤ kChunk). Indices are positions in the row.
template <class T, bool kDesc>
__global__ void bitonic_chunks(const T* __restrict__ x, T* __restrict__ v, int32_t* __restrict__ ix,
                               int64_t rows, int64_t n, int64_t width) {
  FLINT_DYN_SHARED(unsigned char, smem);
  T* sv = reinterpret_cast<T*>(smem);
  int32_t* si = reinterpret_cast<int32_t*>(smem + width * sizeof(T));
  const int64_t chunks = (n + width - 1) / width;
  for (int64_t item = blockIdx.x; item < rows * chunks; item += gridDim.x) {
    const int64_t r = item / chunks, start = (item % chunks) * width;
    const T* xr = x + r * n;
    for (int64_t i = threadIdx.x; i < width; i += blockDim.x) {
      const bool in = start + i < n;
      sv[i] = in ? xr[start + i] : T(0);
      si[i] = in ? static_cast<int32_t>(start + i) : -1;
    }
    __syncthreads();
    for (int64_t k = 2; k <= width; k <<= 1) {
      for (int64_t j = k >> 1; j > 0; j >>= 1) {
        for (int64_t i = threadIdx.x; i < width; i += blockDim.x) {
          const int64_t p = i ^ j;
          if (p <= i) continue;
          // Within each k-block the first half of the network sorts up, the second down.
          const bool up = (i & k) == 0;
          const bool swap = up ? less<T, kDesc>(sv[p], si[p], sv[i], si[i])
                               : less<T, kDesc>(sv[i], si[i], sv[p], si[p]);
          if (swap) {
            const T tv = sv[i];
            const int32_t ti = si[i];
            sv[i] = sv[p], si[i] = si[p];
            sv[p] = tv, si[p] = ti;
          }
        }
        __syncthreads();
      }
    }
    for (int64_t i = threadIdx.x; i < width && start + i < n; i += blockDim.x) {
      v[r * n + start + i] = sv[i];
      ix[r * n + start + i] = si[i];
    }
    __syncthreads();  // shared memory is refilled by the block's next item
  }
}

// Number of elements of the sorted run (rv, ri)[0, len) that come before (bv, bi).
template <class T, bool kDesc>
FLINT_D int64_t rank_in(const T* rv, const int32_t* ri, int64_t len, T bv, int32_t bi) {
  int64_t lo = 0, hi = len;
  while (lo < hi) {
    const int64_t mid = (lo + hi) >> 1;
    if (less<T, kDesc>(rv[mid], ri[mid], bv, bi)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// One merge pass: runs of `w` sorted elements are merged pairwise into runs of 2w.
template <class T, bool kDesc>
__global__ void merge_pass(const T* __restrict__ sv, const int32_t* __restrict__ si,
                           T* __restrict__ dv, int32_t* __restrict__ di, int64_t rows, int64_t n,
                           int64_t w) {
  FLINT_GRID_LOOP(e, rows * n) {
    const int64_t row = e / n, j = e % n, base = row * n;
    const int64_t s = j / (2 * w) * (2 * w);
    const int64_t mid = s + w < n ? s + w : n, end = s + 2 * w < n ? s + 2 * w : n;
    const T val = sv[e];
    const int32_t idx = si[e];
    int64_t dest;
    if (j < mid)  // left run: its own position plus the right run's elements before it
      dest = j + rank_in<T, kDesc>(sv + base + mid, si + base + mid, end - mid, val, idx);
    else
      dest = s + (j - mid) + rank_in<T, kDesc>(sv + base + s, si + base + s, mid - s, val, idx);
    dv[base + dest] = val;
    di[base + dest] = idx;
  }
}

template <class T, bool kDesc>
void sort_rows(const Call& c, const T* x, T* values, int32_t* indices, int64_t rows, int64_t n) {
  int64_t width = 1;
  while (width < n && width < kChunk) width <<= 1;
  const int64_t chunks = (n + width - 1) / width;
  int passes = 0;
  for (int64_t w = width; w < n; w <<= 1) passes++;
  // The chunk sort writes where the passes start so that the last pass lands in the outputs.
  const size_t elems = static_cast<size_t>(rows * n);
  std::unique_ptr<Scratch> sv, si;
  T* bufv[2] = {values, values};
  int32_t* bufi[2] = {indices, indices};
  if (passes > 0) {
    sv.reset(new Scratch(c, elems * sizeof(T)));
    si.reset(new Scratch(c, elems * sizeof(int32_t)));
    bufv[1] = sv->as<T>();
    bufi[1] = si->as<int32_t>();
  }
  int cur = passes % 2;  // even passes: start in the outputs; odd: in scratch
  const int64_t half = width / 2;
  const int threads = static_cast<int>(half < 32 ? 32 : half > kMostThreads ? kMostThreads : half);
  const size_t shmem = static_cast<size_t>(width) * (sizeof(T) + sizeof(int32_t));
  launch(c, blocks_for(rows * chunks), threads, shmem, bitonic_chunks<T, kDesc>, x, bufv[cur],
         bufi[cur], rows, n, width);
  for (int64_t w = width; w < n; w <<= 1) {
    launch(c, grid_for(rows * n), kThreads, 0, merge_pass<T, kDesc>, bufv[cur], bufi[cur],
           bufv[1 - cur], bufi[1 - cur], rows, n, w);
    cur = 1 - cur;
  }
}

void sort_kernel(Call& c) {
  const View& x = c.input(0);
  const SortArgs a = sort_args(c, x);
  const bool descending = a.descending;
  const int64_t size = a.size, n = a.n;
  if (n > INT32_MAX) c.fail("rows longer than 2^31 - 1 elements cannot be sorted: " + x.describe());
  Buf* vb = c.out(x.dtype, size);
  int32_t* indices = c.out(I32, size)->as<int32_t>();
  if (size == 0) return;
  const int64_t rows = size / n;
  FLINT_DISPATCH(x.dtype, T, {
    if (descending) sort_rows<T, true>(c, x.base<T>(), vb->as<T>(), indices, rows, n);
    else sort_rows<T, false>(c, x.base<T>(), vb->as<T>(), indices, rows, n);
  });
}

}  // namespace

void register_sort(Kernel* t) { t[P_sort] = sort_kernel; }

}  // namespace cuda
}  // namespace flint
