// The 'cuda' device's runtime layer: device detection, the per-context device (stream + caching
// allocator) behind Context::device, and host⇄device copies. One source for both builds: with
// FLINT_CUDA_EMULATE the cudart calls are emu/cudart.h's, over host memory.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "buffer.h"
#include "common.h"
#include "cuda/allocator.h"
#include "cuda/device_error.h"
// Not kernel.cuh: the binding includes this header and is compiled by the host compiler, which
// cannot parse kernel.cuh's <<<…>>> launches.
#if defined(FLINT_CUDA_EMULATE)
#include "cuda/emu/emu.h"
#else
#include <cuda_runtime_api.h>
#endif

namespace flint {
namespace cuda {

// What cudaAvailable() reports, probed once per process.
struct Probe {
  bool ok = false;
  std::string reason;  // why not, when !ok
  std::string name;    // device 0
  size_t memory = 0;   // bytes
  int major = 0, minor = 0;
  int devices = 0;
  int driver = 0, runtime = 0;  // versions, e.g. 13000
};
const Probe& probe();

// "CUDA error 35 (cudaErrorInsufficientDriver): …" with what it means for the user.
std::string explain(cudaError_t e);
// As in kernel.cuh: throws Error("<what>: " + explain(e)) unless e is cudaSuccess.
void check(cudaError_t e, const char* what);

// Device 0 as seen by one context: its stream, events and the caching allocator.
class Device : public DeviceMemory {
 public:
  // Throws Error (naming the cause) when there is no usable device.
  explicit Device(const Kernel* table);
  ~Device() override;

  void* take(size_t bytes) override { return alloc_.alloc(bytes); }
  void give(void* p) override { alloc_.free(p); }
  void trim() override { alloc_.empty_cache(); }

  cudaStream_t stream() const { return stream_; }
  CachingAllocator& allocator() { return alloc_; }
  // Copies on the context's stream; download waits for it (and for every kernel before it).
  // download and sync then raise a pending device-side error (DeviceAssert), once.
  void upload(void* dst, const void* src, size_t bytes);
  void download(void* dst, const void* src, size_t bytes);
  void sync();

  // The error word kernels report into (device_error.h).
  DeviceErrorWord* error_word() const { return err_; }
  // Queues, on the stream, a copy of the error word into host memory `dst` (pinned for an
  // asynchronous read) and the word's reset: each error is reported by exactly one read.
  void take_error(DeviceErrorWord* dst);
  // Throws DeviceAssert describing `w` when it holds an error.
  static void raise_if(const DeviceErrorWord& w, const char* when);

 private:
  struct CudaBacking : Backing {
    void* malloc(size_t bytes) override;
    void free(void* p) override;
    std::string describe() override;
  };
  void release();

  CudaBacking backing_;
  CachingAllocator alloc_{backing_};
  cudaStream_t stream_ = nullptr;
  DeviceErrorWord* err_ = nullptr;       // device memory
  DeviceErrorWord* err_host_ = nullptr;  // pinned: where download and sync take it to
};

// The Device of a call's context (which must be a 'cuda' context).
Device& device_of(const Call& call);

}  // namespace cuda
}  // namespace flint
