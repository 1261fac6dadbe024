// A small fork-join thread pool shared by every context of every Node environment (worker
// threads included). Kernels split work with parallel_for; below `grain` elements per thread
// they run inline, because waking a worker costs a few microseconds — more than a small kernel.
#pragma once
#include <cstdint>
#include <functional>

namespace flint {

// Threads used by kernels (the calling thread included). Defaults to the machine's cores.
int num_threads();
void set_num_threads(int n);
// Worker threads started so far: they start on demand, at most num_threads() − 1.
int started_workers();

using RangeFn = std::function<void(int64_t begin, int64_t end)>;
// Calls fn over disjoint chunks covering [0, n), in parallel when n ≥ 2·grain: up to 4 chunks
// per thread (never below `grain` elements), claimed dynamically, so a chunk may run on any
// thread and chunks must not wait on each other.
void parallel_for(int64_t n, int64_t grain, const RangeFn& fn);

}  // namespace flint
