// Internals of the built-in GEMM shared by its driver (gemm_builtin.cc) and the per-ISA
// kernel files (gemm_avx2.cc, gemm_avx512.cc): the table of packing and macro-kernel entry
// points one instruction set provides for one dtype, with its blocking sizes.
#pragma once
#include <cstdint>

#include "gemm.h"

namespace flint {

template <class T> struct KernelSet {
  const char* isa = "";
  int mr = 0, nr = 0;        // micro-tile rows, and columns of a full B panel
  int kc = 0, mc = 0, nc = 0;  // depth of a packed slab, rows of an A block, columns of a B block
  // Packs an mc×kc block of A into MR-row panels.
  void (*pack_a)(MatRef<T> a, int64_t mc, int64_t kc, T* dst) = nullptr;
  // Packs the panels covering columns [c0, c1) of a kc×nc block of B.
  void (*pack_b)(MatRef<T> b, int64_t kc, int64_t nc, int64_t c0, int64_t c1, T* dst) = nullptr;
  // C[mc×nc] = (or +=) packed A · B; pb points at the first panel of these columns (ldb = 0),
  // or at B's element (0, 0) of this block when B is read in place with row stride ldb.
  void (*macro)(int64_t mc, int64_t nc, int64_t kc, const T* pa, const T* pb, int64_t ldb, T* c,
                int64_t ldc, bool acc) = nullptr;
};

// Each returns null when the CPU lacks the instruction set.
const KernelSet<float>* avx2_f32();
const KernelSet<double>* avx2_f64();
const KernelSet<float>* avx512_f32();
const KernelSet<double>* avx512_f64();

}  // namespace flint
