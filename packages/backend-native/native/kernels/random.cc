// randomBits: element i is word 0 of Threefry-2x32-20 (Salmon et al. 2011) for the key and
// the 64-bit counter offset + i (low word first), stored as int32 — bit-identical to core's
// randomWord and the CPU backend. Counter-based, so chunks run on any thread in any order.
#include <algorithm>

#include "../dispatch.h"
#include "../strided.h"
#include "../threads.h"
#include "random_args.h"

namespace flint {
namespace {

// Word 0 for counters offset + begin .. offset + end - 1. The range is cut where the low
// counter word wraps, so the loop body is plain uint32 arithmetic (wrapping by definition)
// with constant rotations, which vectorises across counters.
void threefry_range(int32_t* out, const uint32_t ks[3], uint64_t offset, int64_t begin,
                    int64_t end) {
  for (int64_t i = begin; i < end;) {
    const uint64_t ctr = offset + static_cast<uint64_t>(i);
    const uint32_t lo = static_cast<uint32_t>(ctr), hi = static_cast<uint32_t>(ctr >> 32);
    const int64_t seg = std::min<int64_t>(end - i, (int64_t(1) << 32) - lo);
    int32_t* o = out + i;
    for (int64_t j = 0; j < seg; j++)
      o[j] = static_cast<int32_t>(threefry_word0(lo + static_cast<uint32_t>(j), hi, ks));
    i += seg;
  }
}

void random_bits(Call& c) {
  const RandomArgs r = random_bits_args(c);
  const int64_t n = r.n;
  int32_t* out = c.out(I32, n)->as<int32_t>();
  const uint32_t* ks = r.ks;
  // ~100 integer ops per element: worth threads well below the memory-bound grain.
  parallel_for(n, kGrain / 8, [&](int64_t begin, int64_t end) {
    threefry_range(out, ks, r.offset, begin, end);
  });
}

}  // namespace

void register_random(Kernel* t) { t[P_randomBits] = random_bits; }

}  // namespace flint
