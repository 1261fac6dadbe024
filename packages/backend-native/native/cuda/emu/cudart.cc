// The emulated CUDA runtime subset (cudart.h): device memory is host memory with a limit, and a
// stream is in-order work that is already done when queued (kernels run at launch), so events
// and synchronisation complete at once.
#include "cuda/emu/emu.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>

namespace flint {
namespace cuda {
namespace emu {
namespace {

// Process-wide, like a GPU's memory: every context and worker thread shares it.
std::mutex g_mu;
std::unordered_map<void*, size_t> g_sizes;
size_t g_used = 0;
size_t g_limit = 0;
bool g_limit_set = false;

size_t limit_locked() {
  if (!g_limit_set) {
    g_limit_set = true;
    g_limit = size_t(4) << 30;
    if (const char* v = std::getenv("FLINT_CUDA_EMU_MEMORY")) {
      char* end = nullptr;
      unsigned long long n = std::strtoull(v, &end, 10);
      if (end != v && *end == '\0') g_limit = static_cast<size_t>(n);
    }
  }
  return g_limit;
}

thread_local cudaError_t t_last = cudaSuccess;

cudaError_t fail(cudaError_t e) {
  t_last = e;
  return e;
}

}  // namespace

void set_memory_limit(size_t bytes) {
  std::lock_guard<std::mutex> l(g_mu);
  limit_locked();
  g_limit = bytes;
}
size_t memory_limit() {
  std::lock_guard<std::mutex> l(g_mu);
  return limit_locked();
}
size_t memory_used() {
  std::lock_guard<std::mutex> l(g_mu);
  return g_used;
}

}  // namespace emu
}  // namespace cuda
}  // namespace flint

using namespace flint::cuda::emu;

const char* cudaGetErrorName(cudaError_t e) {
  switch (e) {
    case cudaSuccess: return "cudaSuccess";
    case cudaErrorInvalidValue: return "cudaErrorInvalidValue";
    case cudaErrorMemoryAllocation: return "cudaErrorMemoryAllocation";
    case cudaErrorInsufficientDriver: return "cudaErrorInsufficientDriver";
    case cudaErrorNoDevice: return "cudaErrorNoDevice";
    case cudaErrorInvalidDevice: return "cudaErrorInvalidDevice";
    case cudaErrorNotReady: return "cudaErrorNotReady";
  }
  return "cudaErrorUnknown";
}

const char* cudaGetErrorString(cudaError_t e) {
  switch (e) {
    case cudaSuccess: return "no error";
    case cudaErrorInvalidValue: return "invalid argument";
    case cudaErrorMemoryAllocation: return "out of memory";
    case cudaErrorInsufficientDriver:
      return "CUDA driver version is insufficient for CUDA runtime version";
    case cudaErrorNoDevice: return "no CUDA-capable device is detected";
    case cudaErrorInvalidDevice: return "invalid device ordinal";
    case cudaErrorNotReady: return "device not ready";
  }
  return "unknown error";
}

cudaError_t cudaGetLastError() {
  cudaError_t e = flint::cuda::emu::t_last;
  flint::cuda::emu::t_last = cudaSuccess;
  return e;
}
cudaError_t cudaPeekAtLastError() { return flint::cuda::emu::t_last; }

cudaError_t cudaGetDeviceCount(int* n) {
  *n = 1;
  return cudaSuccess;
}

cudaError_t cudaGetDeviceProperties(cudaDeviceProp* p, int device) {
  if (device != 0) return fail(cudaErrorInvalidDevice);
  std::memset(p, 0, sizeof *p);
  std::strncpy(p->name, "Flint CUDA emulator (host CPU)", sizeof p->name - 1);
  p->totalGlobalMem = memory_limit();
  p->major = 9;
  p->minor = 0;
  p->multiProcessorCount = 1;
  return cudaSuccess;
}

cudaError_t cudaSetDevice(int device) {
  return device == 0 ? cudaSuccess : fail(cudaErrorInvalidDevice);
}
cudaError_t cudaGetDevice(int* device) {
  *device = 0;
  return cudaSuccess;
}
cudaError_t cudaDriverGetVersion(int* v) {
  *v = 13000;
  return cudaSuccess;
}
cudaError_t cudaRuntimeGetVersion(int* v) {
  *v = 13000;
  return cudaSuccess;
}

cudaError_t cudaMemGetInfo(size_t* free, size_t* total) {
  std::lock_guard<std::mutex> l(g_mu);
  *total = limit_locked();
  *free = g_used < *total ? *total - g_used : 0;
  return cudaSuccess;
}

cudaError_t cudaDeviceSynchronize() { return cudaSuccess; }

cudaError_t cudaMalloc(void** p, size_t bytes) {
  *p = nullptr;
  std::lock_guard<std::mutex> l(g_mu);
  // cudaMalloc's alignment (256 bytes) and a non-null pointer for 0 bytes, as cudart gives.
  const size_t rounded = (bytes + 255) / 256 * 256 + (bytes == 0 ? 256 : 0);
  if (rounded > limit_locked() - std::min(g_used, limit_locked()))
    return fail(cudaErrorMemoryAllocation);
  void* m = std::aligned_alloc(256, rounded);
  if (m == nullptr) return fail(cudaErrorMemoryAllocation);
  g_sizes.emplace(m, rounded);
  g_used += rounded;
  *p = m;
  return cudaSuccess;
}

cudaError_t cudaFree(void* p) {
  if (p == nullptr) return cudaSuccess;
  std::lock_guard<std::mutex> l(g_mu);
  auto it = g_sizes.find(p);
  if (it == g_sizes.end()) return fail(cudaErrorInvalidValue);
  g_used -= it->second;
  g_sizes.erase(it);
  std::free(p);
  return cudaSuccess;
}

cudaError_t cudaMallocHost(void** p, size_t bytes) {
  *p = std::malloc(bytes == 0 ? 1 : bytes);
  return *p ? cudaSuccess : fail(cudaErrorMemoryAllocation);
}
cudaError_t cudaFreeHost(void* p) {
  std::free(p);
  return cudaSuccess;
}

cudaError_t cudaMemcpy(void* dst, const void* src, size_t bytes, cudaMemcpyKind) {
  if (bytes > 0) std::memmove(dst, src, bytes);
  return cudaSuccess;
}
cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind,
                            cudaStream_t) {
  return cudaMemcpy(dst, src, bytes, kind);
}
cudaError_t cudaMemsetAsync(void* p, int value, size_t bytes, cudaStream_t) {
  if (bytes > 0) std::memset(p, value, bytes);
  return cudaSuccess;
}

namespace {
int g_stream_tag, g_event_tag;  // streams and events are distinct non-null tokens
}
cudaError_t cudaStreamCreateWithFlags(cudaStream_t* s, unsigned) {
  *s = &g_stream_tag;
  return cudaSuccess;
}
cudaError_t cudaStreamDestroy(cudaStream_t) { return cudaSuccess; }
cudaError_t cudaStreamSynchronize(cudaStream_t) { return cudaSuccess; }
cudaError_t cudaEventCreateWithFlags(cudaEvent_t* e, unsigned) {
  *e = &g_event_tag;
  return cudaSuccess;
}
cudaError_t cudaEventDestroy(cudaEvent_t) { return cudaSuccess; }
cudaError_t cudaEventRecord(cudaEvent_t, cudaStream_t) { return cudaSuccess; }
cudaError_t cudaEventQuery(cudaEvent_t) { return cudaSuccess; }
cudaError_t cudaEventSynchronize(cudaEvent_t) { return cudaSuccess; }
