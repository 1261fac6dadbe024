// The bounded spin of the thread pool's idle workers (threads.cc): poll an atomic for a change
// for a short while before falling back to sleeping on a condition variable.
//
// Why bounded, and how long: waking a sleeping worker (futex) took 5–60 µs on the 2-vCPU
// benchmark VM, more than many kernels run; ops of a training step follow each other within a
// few to a few tens of microseconds. A worker that keeps polling for kSpinMicros after its last
// job picks the next one up within a microsecond, and a pool with nothing to do still goes to
// sleep, so it never burns a core for longer than that after the last kernel.
// FLINT_SPIN_US (read once) overrides the budget, 0 disables spinning: for measurements.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <thread>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace flint {

constexpr int kSpinMicros = 100;

inline int spin_micros() {
  static const int v = [] {
    const char* e = std::getenv("FLINT_SPIN_US");
    if (e == nullptr || *e == '\0') return kSpinMicros;
    const long x = std::strtol(e, nullptr, 10);
    return x < 0 ? 0 : x > 100000 ? 100000 : static_cast<int>(x);
  }();
  return v;
}

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#else
  std::atomic_signal_fence(std::memory_order_seq_cst);
#endif
}

// Returns once `value` differs from `seen` or the spin budget is spent.
inline void spin_until_changed(const std::atomic<uint64_t>& value, uint64_t seen) {
  const int budget = spin_micros();
  if (budget == 0) return;
  const auto end = std::chrono::steady_clock::now() + std::chrono::microseconds(budget);
  for (uint32_t i = 1;; i++) {
    if (value.load(std::memory_order_acquire) != seen) return;
    cpu_relax();
    // Every 64 polls (a few µs): check the clock (~20 ns), and yield the core, so that on an
    // oversubscribed machine a spinning worker lets runnable threads (the caller's included)
    // go first instead of holding its time slice.
    if ((i & 63) == 0) {
      if (std::chrono::steady_clock::now() >= end) return;
      std::this_thread::yield();
    }
  }
}

}  // namespace flint
