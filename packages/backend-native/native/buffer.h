// Buffer storage of one backend instance (a "context"): a pooling allocator keyed by exact
// byte size, the live set behind stats(), and the external-memory accounting reported to V8.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <unordered_map>
#include <vector>

#include "common.h"

namespace flint {

// Bytes held (live + pooled) by every context of every Node environment in the process: lets
// tests check that a worker thread's exit, or its termination mid-op, frees what it held.
int64_t process_held_bytes();

// Memory of a device other than the host (the 'cuda' device, cuda/runtime.h): a context that has
// one takes its buffers from it instead of its own pool, and runs its calls through `kernels`.
struct DeviceMemory {
  virtual ~DeviceMemory() = default;
  virtual void* take(size_t bytes) = 0;  // throws Error when the device is out of memory
  virtual void give(void* p) = 0;
  virtual void trim() = 0;  // returns cached blocks to the device
  const Kernel* kernels = nullptr;  // the device's op table (kNumOps entries)
};

struct Context : std::enable_shared_from_this<Context> {
  explicit Context(size_t pool_capacity) : pool_capacity(pool_capacity) {}
  ~Context();

  Buf* alloc(DType d, int64_t size);  // new Buf with live data; caller owns the Buf struct
  void release(Buf* b);               // returns b's data to the pool; b->data becomes null
  void dispose();                      // frees every live buffer and the pool
  void trim();                         // empties the pool

  bool disposed = false;
  size_t pool_capacity;
  std::unique_ptr<DeviceMemory> device;  // null: host memory (the 'native' CPU device)
  int64_t live_buffers = 0;
  int64_t live_bytes = 0;    // bytes requested by live buffers (stats())
  int64_t held_bytes = 0;    // bytes malloc'd: live + pooled (reported to V8)
  int64_t pooled_bytes = 0;
  // Change of held_bytes not yet reported to V8 (the binding drains it after each call).
  int64_t unreported = 0;

 private:
  void* take(size_t bytes);
  void give(void* p, size_t bytes);
  // Freed blocks by exact byte size, and the live buffers (each Buf knows its index here):
  // after warm-up neither allocates per op, unlike a multimap and a hash set (a node each).
  std::unordered_map<size_t, std::vector<void*>> pool_;
  std::vector<Buf*> live_;
};

}  // namespace flint
