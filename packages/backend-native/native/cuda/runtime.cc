#include "cuda/runtime.h"

#include "cuda/kernel.cuh"

#include <cstdio>
#include <mutex>

#include "prims.gen.h"

namespace flint {
namespace cuda {

std::string explain(cudaError_t e) {
  std::string s = "CUDA error " + std::to_string(static_cast<int>(e)) + " (" +
                  cudaGetErrorName(e) + "): " + cudaGetErrorString(e);
  switch (static_cast<int>(e)) {
    case 35:  // cudaErrorInsufficientDriver
      s += " — no NVIDIA driver is loaded, or it is older than CUDA 13 needs (libcuda.so)";
      break;
    case 100:  // cudaErrorNoDevice
      s += " — the driver found no GPU";
      break;
    case 999:  // cudaErrorUnknown: typically a driver/device mismatch or a container without /dev/nvidia*
      s += " — the driver could not initialise the GPU";
      break;
  }
  return s;
}

void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) {
    cudaGetLastError();  // clears a sticky launch error so the next call starts clean
    throw Error(std::string(what) + ": " + explain(e));
  }
}

const Probe& probe() {
  static Probe p;
  static std::once_flag once;
  std::call_once(once, [] {
    cudaDriverGetVersion(&p.driver);
    cudaRuntimeGetVersion(&p.runtime);
    cudaError_t e = cudaGetDeviceCount(&p.devices);
    if (e != cudaSuccess) {
      cudaGetLastError();
      p.devices = 0;
      p.reason = explain(e);
      return;
    }
    if (p.devices == 0) {
      p.reason = "no CUDA device (the driver reports 0 GPUs)";
      return;
    }
    cudaDeviceProp prop;
    e = cudaGetDeviceProperties(&prop, 0);
    if (e != cudaSuccess) {
      cudaGetLastError();
      p.reason = explain(e);
      return;
    }
    p.ok = true;
    p.name = prop.name;
    p.memory = prop.totalGlobalMem;
    p.major = prop.major;
    p.minor = prop.minor;
  });
  return p;
}

int grid_for(int64_t n, int threads) {
#if defined(FLINT_CUDA_EMULATE)
  // Emulated blocks run one after another: a few keep every kernel's grid-stride and
  // multi-block paths exercised without emulating thousands of idle threads.
  constexpr int64_t kMaxBlocks = 4;
#else
  // Enough blocks to fill an H100/H200 (132 SMs × 16 resident 256-thread blocks) and no more:
  // beyond that a grid-stride loop does the rest.
  constexpr int64_t kMaxBlocks = 132 * 16;
#endif
  const int64_t blocks = (n + threads - 1) / threads;
  return static_cast<int>(blocks < 1 ? 1 : blocks > kMaxBlocks ? kMaxBlocks : blocks);
}

Device::Device(const Kernel* table) {
  kernels = table;
  const Probe& p = probe();
  if (!p.ok) throw Error("no usable CUDA device: " + p.reason);
  check(cudaSetDevice(0), "cudaSetDevice");
  check(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreate");
  try {
    void* w = nullptr;
    check(cudaMalloc(&w, sizeof(DeviceErrorWord)), "cudaMalloc (error word)");
    err_ = static_cast<DeviceErrorWord*>(w);
    check(cudaMallocHost(&w, sizeof(DeviceErrorWord)), "cudaMallocHost (error word)");
    err_host_ = static_cast<DeviceErrorWord*>(w);
    check(cudaMemsetAsync(err_, 0, sizeof(DeviceErrorWord), stream_), "cudaMemset (error word)");
    check(cudaStreamSynchronize(stream_), "cudaStreamSynchronize");
  } catch (...) {
    release();  // the destructor does not run for a constructor that throws
    throw;
  }
}

Device::~Device() { release(); }

void Device::release() {
  // Kernels still queued may use the blocks: let them finish before the memory goes back.
  if (stream_) cudaStreamSynchronize(stream_);
  alloc_.release_all();
  if (err_) cudaFree(err_);
  if (err_host_) cudaFreeHost(err_host_);
  if (stream_) cudaStreamDestroy(stream_);
  err_ = err_host_ = nullptr;
  stream_ = nullptr;
}

void Device::upload(void* dst, const void* src, size_t bytes) {
  if (bytes == 0) return;
  // From pageable memory cudaMemcpyAsync returns once the source is staged, so the caller may
  // free it at once; the copy is ordered before later kernels on the stream.
  check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, stream_), "write (host → cuda)");
}

void Device::download(void* dst, const void* src, size_t bytes) {
  // Even an empty read waits and reports: every read is a point where errors surface.
  if (bytes > 0)
    check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, stream_), "read (cuda → host)");
  take_error(err_host_);
  check(cudaStreamSynchronize(stream_), "read (cuda → host)");
  raise_if(*err_host_, "read");  // dst holds the data; only the error is raised
}

void Device::sync() {
  take_error(err_host_);
  check(cudaStreamSynchronize(stream_), "sync");
  raise_if(*err_host_, "sync");
}

void Device::take_error(DeviceErrorWord* dst) {
  check(cudaMemcpyAsync(dst, err_, sizeof(DeviceErrorWord), cudaMemcpyDeviceToHost, stream_),
        "read (error word)");
  check(cudaMemsetAsync(err_, 0, sizeof(DeviceErrorWord), stream_), "read (error word)");
}

void Device::raise_if(const DeviceErrorWord& w, const char* when) {
  if (w.code != kDeviceErrNone) throw DeviceAssert(describe_device_error(w, when));
}

std::string describe_device_error(const DeviceErrorWord& w, const char* when) {
  const char* op = w.op >= 0 && w.op < kNumOps ? kOpNames[w.op] : "a cuda kernel";
  const std::string v = std::to_string(w.value), n = std::to_string(w.bound);
  const std::string range =
      w.bound > 0 ? "0 to " + std::to_string(w.bound - 1) : "none, the size is 0";
  std::string s = std::string(op) + ": ";
  switch (w.code) {
    case kDeviceErrIndex:
      s += "index " + v + " is out of bounds for dimension " + std::to_string(w.aux) +
           " with size " + n + " (valid: " + range + "); detected on the device at element " +
           std::to_string(w.at);
      break;
    case kDeviceErrTarget:
      s += "target " + v + " is out of bounds for " + n + " classes (valid " + range +
           ", or ignoreIndex " + std::to_string(w.aux) + "); detected on the device at row " +
           std::to_string(w.at);
      break;
    default:
      s += "device-side error code " + std::to_string(w.code) + " (value " + v + ", bound " + n +
           ")";
  }
  return s + ", reported at this " + when;
}

void* Device::CudaBacking::malloc(size_t bytes) {
  void* p = nullptr;
  cudaError_t e = cudaMalloc(&p, bytes);
  if (e == cudaErrorMemoryAllocation) {
    cudaGetLastError();
    return nullptr;
  }
  check(e, "cudaMalloc");
  return p;
}

void Device::CudaBacking::free(void* p) { cudaFree(p); }

std::string Device::CudaBacking::describe() {
  size_t free = 0, total = 0;
  if (cudaMemGetInfo(&free, &total) != cudaSuccess) {
    cudaGetLastError();
    return "";
  }
  const double gib = double(size_t(1) << 30);
  char s[96];
  std::snprintf(s, sizeof s, "%.2f GiB free of %.2f GiB", double(free) / gib, double(total) / gib);
  return s;
}

Device& device_of(const Call& call) {
  if (!call.ctx || !call.ctx->device) call.fail("not a cuda context");
  return static_cast<Device&>(*call.ctx->device);
}

cudaStream_t stream_of(const Call& call) { return device_of(call).stream(); }

ErrorSlot error_word(const Call& call) { return {device_of(call).error_word(), call.op}; }

Scratch::Scratch(const Call& call, size_t bytes) : call_(call), bytes_(bytes) {
  data_ = device_of(call).allocator().alloc(bytes);
}

Scratch::~Scratch() {
  if (data_ != nullptr) device_of(call_).allocator().free(data_);
}

}  // namespace cuda
}  // namespace flint
