// randomBits, shared by the CPU device (kernels/random.cc) and the 'cuda' device
// (cuda/kernels/random.cu): the argument checks and the Threefry-2x32-20 rounds (Salmon et al.
// 2011), so every device draws bit-identical numbers from one seed by construction.
#pragma once

#include <string>

#include "../common.h"
#include "../host_device.h"

namespace flint {

// The key schedule (k0, k1, parity ^ k0 ^ k1) and the counter range offset .. offset + n - 1.
struct RandomArgs {
  uint32_t ks[3];
  uint64_t offset;
  int64_t n;
};

// Args: (k0, k1, counter offset, rank, ...shape).
inline RandomArgs random_bits_args(const Call& c) {
  constexpr uint32_t kParity = 0x1bd11bda;
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
  return RandomArgs{{k0, k1, kParity ^ k0 ^ k1}, static_cast<uint64_t>(offset), n};
}

FLINT_SHARED uint32_t threefry_rotl(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

// Word 0 of Threefry-2x32-20 for the counter (lo, hi) under the key schedule ks. Rotations are
// constants after inlining, so the CPU loop that calls it vectorises across counters.
FLINT_SHARED uint32_t threefry_word0(uint32_t lo, uint32_t hi, const uint32_t ks[3]) {
  uint32_t x0 = lo + ks[0];
  uint32_t x1 = hi + ks[1];
// One mix: x0 += x1; x1 = rotl(x1, r) ^ x0.
#define FLINT_MIX(R) \
  x0 += x1;          \
  x1 = threefry_rotl(x1, R) ^ x0;
// Four rounds with one of the two rotation sets, then key injection number S.
#define FLINT_GROUP(S, R0, R1, R2, R3)                    \
  FLINT_MIX(R0) FLINT_MIX(R1) FLINT_MIX(R2) FLINT_MIX(R3) \
  x0 += ks[(S) % 3];                                      \
  x1 += ks[((S) + 1) % 3] + (S);
  FLINT_GROUP(1, 13, 15, 26, 6)
  FLINT_GROUP(2, 17, 29, 16, 24)
  FLINT_GROUP(3, 13, 15, 26, 6)
  FLINT_GROUP(4, 17, 29, 16, 24)
  FLINT_GROUP(5, 13, 15, 26, 6)
#undef FLINT_GROUP
#undef FLINT_MIX
  return x0;
}

}  // namespace flint
