// randomBits: element i is word 0 of Threefry-2x32-20 (Salmon et al. 2011) for the key and
// the 64-bit counter offset + i (low word first), stored as int32 — bit-identical to core's
// randomWord and the CPU backend. Counter-based, so chunks run on any thread in any order.
#include <algorithm>

#include "../dispatch.h"
#include "../strided.h"
#include "../threads.h"

namespace flint {
namespace {

constexpr uint32_t kParity = 0x1bd11bda;

inline uint32_t rotl(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

// One mix: x0 += x1; x1 = rotl(x1, r) ^ x0.
#define FLINT_MIX(R)    \
  x0 += x1;             \
  x1 = rotl(x1, R) ^ x0;

// Four rounds with one of the two rotation sets, then key injection number S.
#define FLINT_GROUP(S, R0, R1, R2, R3) \
  FLINT_MIX(R0) FLINT_MIX(R1) FLINT_MIX(R2) FLINT_MIX(R3) \
  x0 += ks[(S) % 3];                                      \
  x1 += ks[((S) + 1) % 3] + (S);

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
    for (int64_t j = 0; j < seg; j++) {
      uint32_t x0 = lo + static_cast<uint32_t>(j) + ks[0];
      uint32_t x1 = hi + ks[1];
      FLINT_GROUP(1, 13, 15, 26, 6)
      FLINT_GROUP(2, 17, 29, 16, 24)
      FLINT_GROUP(3, 13, 15, 26, 6)
      FLINT_GROUP(4, 17, 29, 16, 24)
      FLINT_GROUP(5, 13, 15, 26, 6)
      o[j] = static_cast<int32_t>(x0);
    }
    i += seg;
  }
}
#undef FLINT_GROUP
#undef FLINT_MIX

void random_bits(Call& c) {
  // Keys arrive as JS numbers, signed or unsigned; only their low 32 bits matter.
  const uint32_t k0 = static_cast<uint32_t>(c.iarg(0));
  const uint32_t k1 = static_cast<uint32_t>(c.iarg(1));
  const int64_t offset = c.iarg(2);
  if (offset < 0) c.fail("counter offset must be non-negative, got " + std::to_string(offset));
  const int64_t rank = c.iarg(3);
  if (rank < 0 || rank > kMaxRank)
    c.fail("rank " + std::to_string(rank) + " is outside 0.." + std::to_string(kMaxRank));
  if (c.nargs != 4 + rank) c.fail("expected " + std::to_string(4 + rank) + " arguments");
  int64_t n = 1;
  for (int i = 0; i < rank; i++) {
    const int64_t s = c.iarg(4 + i);
    if (s < 0 || __builtin_mul_overflow(n, s, &n) || n > (int64_t(1) << 40))
      c.fail("invalid shape for randomBits");
  }
  int32_t* out = c.out(I32, n)->as<int32_t>();
  const uint32_t ks[3] = {k0, k1, kParity ^ k0 ^ k1};
  // ~100 integer ops per element: worth threads well below the memory-bound grain.
  parallel_for(n, kGrain / 8, [&](int64_t begin, int64_t end) {
    threefry_range(out, ks, static_cast<uint64_t>(offset), begin, end);
  });
}

}  // namespace

void register_random(Kernel* t) { t[P_randomBits] = random_bits; }

}  // namespace flint
