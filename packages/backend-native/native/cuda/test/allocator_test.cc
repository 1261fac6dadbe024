// Tests of the caching allocator (allocator.h) over a fake device whose memory is a counter with
// a limit, so out-of-memory, the cache flush and the retry can be reached on demand.
#include <cstdlib>
#include <set>

#include "check.h"
#include "common.h"
#include "cuda/allocator.h"

using flint::cuda::CachingAllocator;

namespace {

struct FakeDevice : flint::cuda::Backing {
  size_t limit = size_t(64) << 20;
  size_t used = 0;
  int mallocs = 0, frees = 0, refused = 0;
  std::set<void*> live;
  void* malloc(size_t bytes) override {
    if (used + bytes > limit) {
      refused++;
      return nullptr;
    }
    void* p = std::malloc(bytes);
    used += bytes;
    mallocs++;
    live.insert(p);
    sizes[p] = bytes;
    return p;
  }
  void free(void* p) override {
    used -= sizes[p];
    sizes.erase(p);
    live.erase(p);
    frees++;
    std::free(p);
  }
  std::string describe() override { return std::to_string(limit - used) + " bytes free"; }
  std::map<void*, size_t> sizes;
};

}  // namespace

TEST(allocator_size_classes) {
  CHECK(CachingAllocator::round(0) == 512);
  CHECK(CachingAllocator::round(1) == 512);
  CHECK(CachingAllocator::round(512) == 512);
  CHECK(CachingAllocator::round(513) == 1024);
  CHECK(CachingAllocator::round(1 << 20) == (1 << 20));
  CHECK(CachingAllocator::round((1 << 20) + 1) == (2 << 20));
  CHECK(CachingAllocator::round((2 << 20) + 1) == (4 << 20));
  CHECK(CachingAllocator::round(size_t(5) << 30) == size_t(5) << 30);
}

TEST(allocator_reuses_freed_blocks_of_the_same_class) {
  FakeDevice dev;
  CachingAllocator a(dev);
  void* p = a.alloc(1000);
  CHECK(a.stats().live_bytes == 1024 && a.stats().live_blocks == 1);
  a.free(p);
  CHECK(a.stats().live_bytes == 0 && a.stats().cached_bytes == 1024);
  void* q = a.alloc(600);  // same 1024-byte class
  CHECK(q == p);
  CHECK(dev.mallocs == 1 && a.stats().hits == 1 && a.stats().cached_bytes == 0);
  void* r = a.alloc(2000);  // another class: a new block
  CHECK(r != p && dev.mallocs == 2);
  a.free(q);
  a.free(r);
  CHECK(a.stats().cached_blocks == 2 && dev.frees == 0);
  a.empty_cache();
  CHECK(dev.frees == 2 && dev.used == 0 && a.stats().cached_bytes == 0);
}

TEST(allocator_oom_empties_the_cache_and_retries_once) {
  FakeDevice dev;
  dev.limit = 8 << 20;
  CachingAllocator a(dev);
  void* big = a.alloc(6 << 20);  // one 6 MiB block
  a.free(big);                   // cached: the device now has 2 MiB free
  void* other = a.alloc(4 << 20);
  CHECK(other != nullptr);
  CHECK(dev.refused == 1 && a.stats().cache_flushes == 1);
  CHECK(a.stats().cached_bytes == 0 && a.stats().live_bytes == (4 << 20));
  a.free(other);
}

TEST(allocator_oom_is_a_typed_error_not_an_abort) {
  FakeDevice dev;
  dev.limit = 4 << 20;
  CachingAllocator a(dev);
  void* keep = a.alloc(3 << 20);
  CHECK_THROWS(a.alloc(2 << 20), "out of memory: cannot allocate 2.00 MiB");
  CHECK_THROWS(a.alloc(2 << 20), "bytes free");  // the device's own description is included
  CHECK(a.stats().live_blocks == 1);             // nothing half-done
  a.free(keep);
  void* again = a.alloc(2 << 20);  // usable after the failure
  CHECK(again != nullptr);
  a.free(again);
  CHECK_THROWS(a.alloc(size_t(1) << 60), "more than any device has");
}

TEST(allocator_rejects_unknown_pointers) {
  FakeDevice dev;
  CachingAllocator a(dev);
  int x = 0;
  CHECK_THROWS(a.free(&x), "did not allocate");
  void* p = a.alloc(10);
  a.free(p);
  CHECK_THROWS(a.free(p), "did not allocate");  // a double free
}

TEST(allocator_destructor_returns_everything) {
  FakeDevice dev;
  {
    CachingAllocator a(dev);
    a.alloc(100);
    void* p = a.alloc(3 << 20);
    a.free(p);
    a.release_all();
    CHECK(dev.used == 0);
    a.alloc(100);
  }
  CHECK(dev.used == 0 && dev.live.empty());
}

TEST(allocator_many_sizes_round_trip) {
  FakeDevice dev;
  CachingAllocator a(dev);
  std::vector<void*> ps;
  for (size_t s = 1; s < (3 << 20); s = s * 3 + 7) ps.push_back(a.alloc(s));
  const int64_t live = a.stats().live_bytes;
  for (void* p : ps) a.free(p);
  CHECK(a.stats().cached_bytes == live && a.stats().live_bytes == 0);
  for (size_t s = 1; s < (3 << 20); s = s * 3 + 7) a.free(a.alloc(s));
  CHECK(size_t(dev.mallocs) == ps.size());  // the second round came from the cache
}
