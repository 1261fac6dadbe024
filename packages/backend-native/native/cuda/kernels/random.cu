// randomBits on the 'cuda' device: element i is word 0 of Threefry-2x32-20 (Salmon et al. 2011)
// for the key and the 64-bit counter offset + i (low word first), stored as int32 — the same
// key schedule, rotations and counter layout as the CPU device's kernels/random.cc, so every
// device draws bit-identical numbers from one seed. Counter-based: one thread per element.
#include <string>

#include "cuda/dispatch_cuda.h"
#include "cuda/kernel.cuh"
#include "kernels/random_args.h"

namespace flint {
namespace cuda {
namespace {

// The key schedule travels by value.
struct Key {
  uint32_t k[3];
};

__global__ void threefry_kernel(Key key, uint64_t offset, int64_t n, int32_t* __restrict__ out) {
  const uint32_t k[3] = {key.k[0], key.k[1], key.k[2]};
  FLINT_GRID_LOOP(i, n) {
    // uint64 counter: wraps past the low word exactly as the CPU's segmented loop does.
    const uint64_t ctr = offset + static_cast<uint64_t>(i);
    out[i] = static_cast<int32_t>(
        threefry_word0(static_cast<uint32_t>(ctr), static_cast<uint32_t>(ctr >> 32), k));
  }
}

void random_bits(Call& c) {
  const RandomArgs r = random_bits_args(c);
  int32_t* out = c.out(I32, r.n)->as<int32_t>();
  const Key key{{r.ks[0], r.ks[1], r.ks[2]}};
  if (r.n > 0) launch(c, grid_for(r.n), kThreads, 0, threefry_kernel, key, r.offset, r.n, out);
}

}  // namespace

void register_random(Kernel* t) { t[P_randomBits] = random_bits; }

}  // namespace cuda
}  // namespace flint
