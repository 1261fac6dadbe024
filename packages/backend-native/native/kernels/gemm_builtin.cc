// Driver of the built-in GEMM: blocking, packing buffers and the split over threads. The
// micro-kernels live in gemm_avx2.cc / gemm_avx512.cc; this file only runs at the baseline ISA.
//
// Loop order (BLIS): column blocks of NC → depth slabs of KC (pack that kc×nc block of B once,
// shared by all threads) → each thread takes a rectangle of C and walks it in MC-row blocks,
// packing its A block into a thread-local buffer, then runs the macro-kernel. C is cut into a
// few rectangles per thread (rows first, else columns), claimed dynamically, so a late worker
// does not stall the caller; B's panels are packed in parallel first (a second parallel_for,
// as chunks must not wait on each other: the pool may run them all on one thread). conv.cc
// skips both packings where it can: its weights are packed once per call (gemm_pack_a), and
// its unfolded columns are laid out so that B can be read in place (padded_b).
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

#include "../threads.h"
#include "gemm_impl.h"

namespace flint {
namespace {

// Rectangles of C per thread: the pool hands them out first come, first served, so when a
// worker starts late (woken from sleep, or preempted on a busy machine) the calling thread
// takes over its share instead of waiting for it. More would repack A more often.
constexpr int64_t kPartsPerThread = 4;

// Largest B (bytes) read in place instead of packed (see run).
constexpr double kInPlaceB = 512 * 1024;

bool force_avx2() {
  static const bool v = [] {
    const char* e = std::getenv("FLINT_GEMM_ISA");
    return e != nullptr && std::strcmp(e, "avx2") == 0;
  }();
  return v;
}

template <class T> const KernelSet<T>* kernels();
template <> const KernelSet<float>* kernels<float>() {
  static const KernelSet<float>* k = force_avx2() || !avx512_f32() ? avx2_f32() : avx512_f32();
  return k;
}
template <> const KernelSet<double>* kernels<double>() {
  static const KernelSet<double>* k = force_avx2() || !avx512_f64() ? avx2_f64() : avx512_f64();
  return k;
}

// A grow-only 64-byte-aligned scratch; one per thread and role, kept between calls.
struct Scratch {
  void* p = nullptr;
  size_t bytes = 0;
  ~Scratch() { std::free(p); }
  template <class T> T* get(size_t n) {
    size_t want = (n * sizeof(T) + 63) / 64 * 64;
    if (want > bytes) {
      std::free(p);
      p = std::aligned_alloc(64, want);
      if (p == nullptr) {
        bytes = 0;
        throw std::bad_alloc();
      }
      bytes = want;
    }
    return static_cast<T*>(p);
  }
};
thread_local Scratch t_pack_a, t_pack_b;

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
int64_t round_up(int64_t a, int64_t b) { return ceil_div(a, b) * b; }

template <class T>
void zero_rows(int64_t m, int64_t n, T* c, int64_t ldc) {
  for (int64_t i = 0; i < m; i++) std::memset(c + i * ldc, 0, n * sizeof(T));
}

// Depth of each K slab: equal slabs, so a 260-deep product is two 130-deep ones, not 256 + 4.
template <class T> int64_t slab_depth(const KernelSet<T>& ks, int64_t k) {
  const int64_t slabs = ceil_div(k, ks.kc);
  return round_up(ceil_div(k, slabs), 8);
}

// C = (or +=) A·B. `pre`, when given, is A already packed by pack_all (a's pointer unused);
// `padded_b`: B is read in place (gemm.h, gemm_builtin_packed).
template <class T>
void run(int64_t m, int64_t n, int64_t k, MatRef<T> a, MatRef<T> b, T* c, int64_t ldc,
         bool acc, const T* pre, bool padded_b) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    if (!acc) zero_rows(m, n, c, ldc);
    return;
  }
  const KernelSet<T>& ks = *kernels<T>();
  const int64_t MR = ks.mr, NR = ks.nr;
  const int64_t kc_max = slab_depth(ks, k);
  const int64_t nc_max = std::min<int64_t>(round_up(n, NR), ks.nc);

  // Grid of tm row bands × tn column bands: rows first (each band packs only its own A),
  // at least 4 micro-tiles of rows per band, then columns (each band ≥ 2 panels) if needed.
  const int threads = static_cast<double>(m) * n * k >= kGemmParallelWork ? num_threads() : 1;
  int64_t tm = 1, tn = 1;
  const int64_t row_tiles = ceil_div(m, MR), col_tiles = ceil_div(std::min(n, nc_max), NR);
  if (threads > 1) {
    const int64_t want = threads * kPartsPerThread;
    tm = std::max<int64_t>(1, std::min(want, row_tiles / 4));
    if (tm < want) tn = std::max<int64_t>(1, std::min(ceil_div(want, tm), col_tiles / 2));
    if (tm * tn < threads) tm = std::min<int64_t>(threads, row_tiles);  // few, short rows
  }
  const int64_t parts = tm * tn;

  // A small row-major B (one slab deep, one block wide, within L2) is read in place: packing
  // it would be a pass of its own over B — and at 2 threads a fork-join of its own — for rows
  // that are already laid out as the micro-kernel reads them. Whole vectors only (n a multiple
  // of kGemmPad), so no row is read past its end.
  if (!padded_b && b.cs == 1 && b.rs >= n && n % kGemmPad == 0 && k <= kc_max && n <= nc_max &&
      static_cast<double>(k) * n * sizeof(T) <= kInPlaceB)
    padded_b = true;

  T* pb = padded_b ? nullptr : t_pack_b.get<T>(static_cast<size_t>(kc_max * nc_max));
  for (int64_t jc = 0; jc < n; jc += nc_max) {
    const int64_t nc = std::min(nc_max, n - jc);
    const int64_t panels = ceil_div(nc, NR);
    for (int64_t pc = 0; pc < k; pc += kc_max) {
      const int64_t kc = std::min(kc_max, k - pc);
      const MatRef<T> bblk{b.p + pc * b.rs + jc * b.cs, b.rs, b.cs};
      const bool accum = acc || pc > 0;
      // Pack B's panels (unless it is read in place), split among the threads.
      if (!padded_b && parts > 1) {
        parallel_for(panels, 1, [&](int64_t p0, int64_t p1) {
          ks.pack_b(bblk, kc, nc, p0 * NR, std::min(p1 * NR, nc), pb);
        });
      } else if (!padded_b) {
        ks.pack_b(bblk, kc, nc, 0, nc, pb);
      }
      auto work = [&](int64_t q0, int64_t q1) {
        for (int64_t q = q0; q < q1; q++) {
          const int64_t bi = q / tn, bj = q % tn;
          const int64_t r0 = std::min(m, round_up(m * bi / tm, MR));
          const int64_t r1 = bi + 1 == tm ? m : std::min(m, round_up(m * (bi + 1) / tm, MR));
          const int64_t c0 = std::min(nc, round_up(panels * bj / tn, 1) * NR);
          const int64_t c1 = bj + 1 == tn ? nc : std::min(nc, panels * (bj + 1) / tn * NR);
          if (r0 >= r1 || c0 >= c1) continue;
          const int64_t mc_max = std::min<int64_t>(ks.mc, round_up(r1 - r0, MR));
          T* buf = pre ? nullptr : t_pack_a.get<T>(static_cast<size_t>(mc_max * kc));
          for (int64_t ic = r0; ic < r1; ic += mc_max) {
            const int64_t mc = std::min(mc_max, r1 - ic);
            const T* pa = pre ? pre + m * pc + ic * kc : buf;
            if (!pre) ks.pack_a(MatRef<T>{a.p + ic * a.rs + pc * a.cs, a.rs, a.cs}, mc, kc, buf);
            if (padded_b)
              ks.macro(mc, c1 - c0, kc, pa, bblk.p + c0, b.rs, c + ic * ldc + jc + c0, ldc, accum);
            else
              ks.macro(mc, c1 - c0, kc, pa, pb + (c0 / NR) * NR * kc, 0, c + ic * ldc + jc + c0,
                       ldc, accum);
          }
        }
      };
      if (parts > 1) parallel_for(parts, 1, work);
      else work(0, 1);
    }
  }
}

// All of A, slab by slab (slab at offset m·pc), each in MR-row panels: what run's `pre` reads.
template <class T> void pack_all(int64_t m, int64_t k, MatRef<T> a, std::vector<T>& out) {
  const KernelSet<T>& ks = *kernels<T>();
  out.resize(static_cast<size_t>(m * k));
  if (m <= 0 || k <= 0) return;
  const int64_t kc_max = slab_depth(ks, k);
  for (int64_t pc = 0; pc < k; pc += kc_max)
    ks.pack_a(MatRef<T>{a.p + pc * a.cs, a.rs, a.cs}, m, std::min(kc_max, k - pc), out.data() + m * pc);
}

}  // namespace

void gemm_builtin(int64_t m, int64_t n, int64_t k, MatRef<float> a, MatRef<float> b, float* c,
                  int64_t ldc, bool accumulate) {
  run<float>(m, n, k, a, b, c, ldc, accumulate, nullptr, false);
}
void gemm_builtin(int64_t m, int64_t n, int64_t k, MatRef<double> a, MatRef<double> b,
                  double* c, int64_t ldc, bool accumulate) {
  run<double>(m, n, k, a, b, c, ldc, accumulate, nullptr, false);
}

void gemm_pack_a(int64_t m, int64_t k, MatRef<float> a, std::vector<float>& out) {
  pack_all(m, k, a, out);
}
void gemm_pack_a(int64_t m, int64_t k, MatRef<double> a, std::vector<double>& out) {
  pack_all(m, k, a, out);
}
void gemm_builtin_packed(int64_t m, int64_t n, int64_t k, const float* a, MatRef<float> b,
                         float* c, int64_t ldc, bool accumulate, bool padded_b) {
  run<float>(m, n, k, MatRef<float>{a, 0, 0}, b, c, ldc, accumulate, a, padded_b && b.cs == 1);
}
void gemm_builtin_packed(int64_t m, int64_t n, int64_t k, const double* a, MatRef<double> b,
                         double* c, int64_t ldc, bool accumulate, bool padded_b) {
  run<double>(m, n, k, MatRef<double>{a, 0, 0}, b, c, ldc, accumulate, a, padded_b && b.cs == 1);
}

const char* gemm_builtin_isa() { return kernels<float>()->isa; }

}  // namespace flint
