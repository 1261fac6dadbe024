#include "cuda/allocator.h"

#include <cstdio>

#include "common.h"

namespace flint {
namespace cuda {

namespace {
std::string human(size_t bytes) {
  char s[48];
  if (bytes >= (size_t(1) << 30))
    std::snprintf(s, sizeof s, "%.2f GiB", double(bytes) / double(size_t(1) << 30));
  else if (bytes >= (size_t(1) << 20))
    std::snprintf(s, sizeof s, "%.2f MiB", double(bytes) / double(size_t(1) << 20));
  else
    std::snprintf(s, sizeof s, "%zu bytes", bytes);
  return s;
}
}  // namespace

CachingAllocator::~CachingAllocator() { release_all(); }

size_t CachingAllocator::round(size_t bytes) {
  if (bytes <= kSmallLimit)
    return bytes == 0 ? kSmallRound : (bytes + kSmallRound - 1) / kSmallRound * kSmallRound;
  return (bytes + kLargeRound - 1) / kLargeRound * kLargeRound;
}

void* CachingAllocator::alloc(size_t bytes) {
  // Beyond 2^50 bytes no device has it, and rounding must not overflow.
  if (bytes > (size_t(1) << 50))
    throw Error("out of memory: " + human(bytes) + " requested, more than any device has");
  const size_t size = round(bytes);
  auto it = cache_.find(size);
  void* p = nullptr;
  if (it != cache_.end() && !it->second.empty()) {
    p = it->second.back();
    it->second.pop_back();
    stats_.cached_bytes -= int64_t(size);
    stats_.cached_blocks--;
    stats_.hits++;
  } else {
    p = backing_.malloc(size);
    if (p == nullptr && stats_.cached_blocks > 0) {
      // Cached blocks of other sizes may be what the device lacks: give them back, retry once.
      empty_cache();
      stats_.cache_flushes++;
      p = backing_.malloc(size);
    }
    if (p == nullptr) {
      std::string dev = backing_.describe();
      throw Error("out of memory: cannot allocate " + human(bytes) + " on the device (" +
                  human(size_t(stats_.live_bytes)) + " held by live tensors" +
                  (dev.empty() ? "" : "; " + dev) +
                  "); free tensors (dispose, tidy) or use smaller batches");
    }
    stats_.mallocs++;
  }
  try {
    live_.emplace(p, size);
  } catch (...) {
    backing_.free(p);  // cannot track it: give it back rather than leak it
    throw;
  }
  stats_.live_bytes += int64_t(size);
  stats_.live_blocks++;
  return p;
}

void CachingAllocator::free(void* p) {
  auto it = live_.find(p);
  if (it == live_.end()) throw Error("cuda allocator: freeing a block it did not allocate");
  const size_t size = it->second;
  live_.erase(it);
  stats_.live_bytes -= int64_t(size);
  stats_.live_blocks--;
  try {
    cache_[size].push_back(p);
  } catch (...) {
    backing_.free(p);  // no room to cache it: give it straight back
    return;
  }
  stats_.cached_bytes += int64_t(size);
  stats_.cached_blocks++;
}

void CachingAllocator::empty_cache() {
  for (auto& [size, blocks] : cache_)
    for (void* p : blocks) backing_.free(p);
  cache_.clear();
  stats_.cached_bytes = 0;
  stats_.cached_blocks = 0;
}

void CachingAllocator::release_all() {
  for (auto& [p, size] : live_) backing_.free(p);
  live_.clear();
  stats_.live_bytes = 0;
  stats_.live_blocks = 0;
  empty_cache();
}

}  // namespace cuda
}  // namespace flint
