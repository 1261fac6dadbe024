// The caching allocator of a 'cuda' context: device memory is expensive to get (cudaMalloc
// synchronises and takes tens of µs) and a training step frees and re-requests the same sizes,
// so freed blocks are kept per size class and handed out again, as PyTorch's allocator does:
//   - requests up to 1 MiB round up to a multiple of 512 B ("small" classes);
//   - larger requests round up to a multiple of 2 MiB ("large" classes).
// Blocks are never split, so a class holds blocks of exactly its size. All work of a context is
// on one stream, so a block freed by the host can be handed to the next request at once: any
// kernel still using it was queued earlier on the same stream and runs first.
// Out of memory: the cache is emptied and the allocation retried once; if that fails too, an
// Error whose message starts "out of memory" says how much was asked, live and free.
// Pure host logic over a Backing (cudaMalloc/cudaFree, or a fake in the unit tests).
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace flint {
namespace cuda {

// Where blocks come from. malloc returns nullptr when the device is out of memory (any other
// failure throws).
struct Backing {
  virtual ~Backing() = default;
  virtual void* malloc(size_t bytes) = 0;
  virtual void free(void* p) = 0;
  // A short description of the device's memory for out-of-memory messages ("1.2 GiB free of
  // 80 GiB").
  virtual std::string describe() { return ""; }
};

struct AllocatorStats {
  int64_t live_bytes = 0;    // rounded bytes of blocks handed out and not yet freed
  int64_t cached_bytes = 0;  // rounded bytes of freed blocks kept for reuse
  int64_t live_blocks = 0;
  int64_t cached_blocks = 0;
  int64_t mallocs = 0;       // calls of Backing::malloc that succeeded
  int64_t hits = 0;          // requests served from the cache
  int64_t cache_flushes = 0; // times the cache was emptied to retry an allocation
};

class CachingAllocator {
 public:
  static constexpr size_t kSmallLimit = size_t(1) << 20;
  static constexpr size_t kSmallRound = 512;
  static constexpr size_t kLargeRound = size_t(2) << 20;

  explicit CachingAllocator(Backing& backing) : backing_(backing) {}
  // Frees the cache and every block still live (the context is going away).
  ~CachingAllocator();
  CachingAllocator(const CachingAllocator&) = delete;
  CachingAllocator& operator=(const CachingAllocator&) = delete;

  // The size class of a request (0 bytes takes the smallest class).
  static size_t round(size_t bytes);
  // A block of at least `bytes`; throws Error ("out of memory …") when the device has none.
  void* alloc(size_t bytes);
  // Returns a block from alloc() to the cache; unknown pointers throw Error.
  void free(void* p);
  // Gives every cached block back to the device (emptyCache()).
  void empty_cache();
  // Frees every live block too (after dispose(): nothing may use them any more).
  void release_all();
  const AllocatorStats& stats() const { return stats_; }

 private:
  Backing& backing_;
  std::map<size_t, std::vector<void*>> cache_;  // size class → free blocks
  std::unordered_map<void*, size_t> live_;      // block → its size class
  AllocatorStats stats_;
};

}  // namespace cuda
}  // namespace flint
