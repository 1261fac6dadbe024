// The binding's 'cuda' entry points: device detection (cudaInfo), 'cuda' contexts (a Context
// whose `device` is a cuda::Device, so its buffers are device memory and its calls run through
// the 'cuda' op table), host⇄device copies for write/read, and the asynchronous read that waits
// for the stream on a libuv worker thread instead of blocking the event loop. Compiled in every
// build: without nvcc (and without FLINT_CUDA_EMULATE) the entries report that CUDA was not built.
#include <napi.h>

#include <cmath>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "binding.h"
#include "cuda/binding_cuda.h"
#include "typed_array.h"

#if defined(FLINT_HAVE_CUDA) || defined(FLINT_CUDA_EMULATE)
#define FLINT_CUDA_BUILT 1
#include "cuda/dispatch_cuda.h"
#include "cuda/runtime.h"

// Weak: a kernel family not written yet leaves its ops missing (info's `missing` lists them)
// instead of failing the link, so the device can be brought up family by family.
namespace flint {
namespace cuda {
__attribute__((weak)) void register_elementwise(Kernel* table);
__attribute__((weak)) void register_layout(Kernel* table);
__attribute__((weak)) void register_indexing(Kernel* table);
__attribute__((weak)) void register_random(Kernel* table);
__attribute__((weak)) void register_reduce(Kernel* table);
__attribute__((weak)) void register_sort(Kernel* table);
__attribute__((weak)) void register_matmul(Kernel* table);
__attribute__((weak)) void register_fused(Kernel* table);
__attribute__((weak)) void register_optim(Kernel* table);
}  // namespace cuda
}  // namespace flint
#endif

namespace flint {
namespace bind {
namespace {

#if defined(FLINT_CUDA_EMULATE)
constexpr const char* kBuilt = "emulated";
#elif defined(FLINT_HAVE_CUDA)
constexpr const char* kBuilt = "cuda";
#else
constexpr const char* kBuilt = "none";
#endif

#if FLINT_CUDA_BUILT
Kernel g_cuda[kNumOps] = {};
Kernel g_cuda_registered[kNumOps] = {};
std::once_flag g_cuda_once;

void register_cuda() {
  using namespace flint::cuda;
  for (void (*r)(Kernel*) : {register_elementwise, register_layout, register_indexing,
                             register_random, register_reduce, register_sort, register_matmul,
                             register_fused, register_optim})
    if (r != nullptr) r(g_cuda);
  std::memcpy(g_cuda_registered, g_cuda, sizeof g_cuda);
  for (int i = 0; i < kNumOps; i++)
    if (g_cuda[i] == nullptr)
      g_cuda[i] = [](Call& c) { c.fail("no cuda kernel for this op in this build"); };
}

cuda::Device& dev(Context& ctx) { return static_cast<cuda::Device&>(*ctx.device); }

// A device-side assert as a JS Error with code 'FLINT_DEVICE_ASSERT' (src/cuda.ts types it).
Napi::Error device_assert(Napi::Env env, const std::string& message) {
  Napi::Error e = Napi::Error::New(env, message);
  e.Set("code", "FLINT_DEVICE_ASSERT");
  return e;
}
#endif

// cudaInfo(): { built, ok, reason?, name?, memory?, cc?, devices, driver, runtime, missing }.
Napi::Value CudaInfo(const Napi::CallbackInfo& info) {
  return guarded(info, "cuda.info", [&](Napi::Env env) -> Napi::Value {
    auto o = Napi::Object::New(env);
    o.Set("built", kBuilt);
#if FLINT_CUDA_BUILT
    std::call_once(g_cuda_once, register_cuda);
    const cuda::Probe& p = cuda::probe();
    o.Set("ok", p.ok);
    if (p.ok) {
      o.Set("name", p.name);
      o.Set("memory", static_cast<double>(p.memory));
      o.Set("cc", std::to_string(p.major) + "." + std::to_string(p.minor));
    } else {
      o.Set("reason", p.reason);
    }
    o.Set("devices", p.devices);
    o.Set("driver", p.driver);
    o.Set("runtime", p.runtime);
    auto missing = Napi::Array::New(env);
    for (int i = 0; i < kNumOps; i++)
      if (g_cuda_registered[i] == nullptr) missing.Set(missing.Length(), kOpNames[i]);
    o.Set("missing", missing);
#else
    o.Set("ok", false);
    o.Set("reason",
          "this build of the addon has no CUDA support (nvcc was not found when it was built)");
    o.Set("devices", 0);
    o.Set("missing", Napi::Array::New(env));
#endif
    return o;
  });
}

// createCudaContext(): a context on device 0. Throws naming the cause when there is none.
Napi::Value CreateCudaContext(const Napi::CallbackInfo& info) {
  return guarded(info, "cuda.createContext", [&](Napi::Env env) -> Napi::Value {
#if FLINT_CUDA_BUILT
    std::call_once(g_cuda_once, register_cuda);
    auto ctx = std::make_shared<Context>(0);
    ctx->device = std::make_unique<cuda::Device>(g_cuda);
    std::unique_ptr<CtxHolder> h(new CtxHolder{std::move(ctx)});
    auto ext = Napi::External<CtxHolder>::New(env, h.get(),
                                              [](Napi::Env, CtxHolder* holder) { delete holder; });
    h.release();
    napi_type_tag_object(env, ext, &kCtxTag);
    return ext;
#else
    throw Error("this build of the addon has no CUDA support (nvcc was not found when it was built)");
#endif
  });
}

Context& cuda_ctx(Napi::Env env, const Napi::Value& v) {
  auto& ctx = ctx_of(env, v);
  if (!ctx->device) throw Error("expected a cuda context, got a native (CPU) one");
  if (ctx->disposed) throw Error("the backend was disposed");
  return *ctx;
}

// cudaStats(ctx): the caching allocator's counters.
Napi::Value CudaStats(const Napi::CallbackInfo& info) {
  return guarded(info, "cuda.stats", [&](Napi::Env env) -> Napi::Value {
    auto o = Napi::Object::New(env);
#if FLINT_CUDA_BUILT
    auto& ctx = ctx_of(env, info[0]);
    if (!ctx->device) throw Error("expected a cuda context, got a native (CPU) one");
    const cuda::AllocatorStats& s = dev(*ctx).allocator().stats();
    o.Set("buffers", static_cast<double>(ctx->live_buffers));
    o.Set("bytes", static_cast<double>(ctx->live_bytes));
    o.Set("liveBytes", static_cast<double>(s.live_bytes));
    o.Set("cachedBytes", static_cast<double>(s.cached_bytes));
    o.Set("liveBlocks", static_cast<double>(s.live_blocks));
    o.Set("cachedBlocks", static_cast<double>(s.cached_blocks));
    o.Set("mallocs", static_cast<double>(s.mallocs));
    o.Set("hits", static_cast<double>(s.hits));
    o.Set("cacheFlushes", static_cast<double>(s.cache_flushes));
#endif
    return o;
  });
}

Napi::Value CudaSync(const Napi::CallbackInfo& info) {
  return guarded(info, "cuda.sync", [&](Napi::Env env) -> Napi::Value {
#if FLINT_CUDA_BUILT
    try {
      dev(cuda_ctx(env, info[0])).sync();
    } catch (const cuda::DeviceAssert& e) {
      throw device_assert(env, e.what());
    }
#endif
    return env.Undefined();
  });
}

#if FLINT_CUDA_BUILT
// Resolves with the data once the stream has reached the copy: the wait (cudaEventSynchronize)
// runs on a libuv worker thread, so the event loop keeps running meanwhile.
class ReadWorker : public Napi::AsyncWorker {
 public:
  ReadWorker(Napi::Env env, std::shared_ptr<Context> ctx, DType d, size_t count)
      : Napi::AsyncWorker(env, "flint.cuda.read"),
        deferred_(Napi::Promise::Deferred::New(env)),
        ctx_(std::move(ctx)),
        dtype_(d),
        count_(count) {}
  ~ReadWorker() override {
    if (host_) cudaFreeHost(host_);
    if (event_) cudaEventDestroy(event_);
  }
  // Queues the copy into pinned memory and records an event after it (on the caller's thread).
  // The context's error word is taken in the same staging block, after the data (word_at()).
  void Start(const Buf* b) {
    const size_t bytes = count_ * dtype_size(dtype_);
    cuda::check(cudaMallocHost(&host_, word_at() + sizeof(cuda::DeviceErrorWord)),
                "read (pinned staging)");
    cudaStream_t s = dev(*ctx_).stream();
    if (bytes > 0)
      cuda::check(cudaMemcpyAsync(host_, b->data, bytes, cudaMemcpyDeviceToHost, s),
                  "read (cuda → host)");
    dev(*ctx_).take_error(word());
    cuda::check(cudaEventCreateWithFlags(&event_, cudaEventDisableTiming), "read (event)");
    cuda::check(cudaEventRecord(event_, s), "read (event)");
  }
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    cudaError_t e = cudaEventSynchronize(event_);
    if (e != cudaSuccess) SetError("cuda.read: " + cuda::explain(e));
  }
  void OnOK() override {
    Napi::Env env = Env();
    if (word()->code != cuda::kDeviceErrNone) {
      // The data arrived but a kernel before this read found bad input: raise that, once.
      deferred_.Reject(device_assert(env, cuda::describe_device_error(*word(), "read")).Value());
      return;
    }
    deferred_.Resolve(copy_to_typed_array(env, host_, dtype_, count_));
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::shared_ptr<Context> ctx_;  // keeps the stream alive until the wait is over
  DType dtype_;
  size_t count_;
  // Offset of the error word in host_: past the data, 8-byte aligned.
  size_t word_at() const { return (count_ * dtype_size(dtype_) + 7) / 8 * 8; }
  cuda::DeviceErrorWord* word() const {
    return reinterpret_cast<cuda::DeviceErrorWord*>(static_cast<unsigned char*>(host_) + word_at());
  }

  void* host_ = nullptr;
  cudaEvent_t event_ = nullptr;
};
#endif

size_t read_count(const Napi::CallbackInfo& info, const Buf* b) {
  double n = info.Length() > 2 && info[2].IsNumber() ? info[2].As<Napi::Number>() : -1.0;
  if (!(n >= 0 && n <= static_cast<double>(b->size) && n == std::floor(n)))
    throw Error("asked for " + std::to_string(n) + " elements of a buffer of " +
                std::to_string(b->size));
  return static_cast<size_t>(n);
}

// readAsync(ctx, buf, n): a Promise of the first n elements.
Napi::Value ReadAsync(const Napi::CallbackInfo& info) {
  return guarded(info, "cuda.read", [&](Napi::Env env) -> Napi::Value {
#if FLINT_CUDA_BUILT
    Context& ctx = cuda_ctx(env, info[0]);
    Buf* b = buf_of(env, info[1], ctx);
    const size_t count = read_count(info, b);
    auto* w = new ReadWorker(env, ctx.shared_from_this(), b->dtype, count);
    try {
      w->Start(b);
    } catch (...) {
      delete w;
      throw;
    }
    Napi::Promise p = w->Promise();
    w->Queue();  // the worker deletes itself when done
    return p;
#else
    throw Error("this build of the addon has no CUDA support");
#endif
  });
}

#if defined(FLINT_CUDA_EMULATE)
// Test hooks of the emulation build: the emulated device's memory size, and the launch count.
Napi::Value EmuSetMemory(const Napi::CallbackInfo& info) {
  return guarded(info, "cuda.emuSetMemory", [&](Napi::Env env) -> Napi::Value {
    double n = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>() : -1.0;
    if (!(n >= 0 && n <= 9007199254740992.0 && n == std::floor(n)))
      throw Error("expected a byte count");
    cuda::emu::set_memory_limit(static_cast<size_t>(n));
    return env.Undefined();
  });
}
Napi::Value EmuInfo(const Napi::CallbackInfo& info) {
  return guarded(info, "cuda.emuInfo", [&](Napi::Env env) -> Napi::Value {
    auto o = Napi::Object::New(env);
    o.Set("launches", static_cast<double>(cuda::emu::launches()));
    o.Set("memoryUsed", static_cast<double>(cuda::emu::memory_used()));
    o.Set("memoryLimit", static_cast<double>(cuda::emu::memory_limit()));
    return o;
  });
}
#endif

}  // namespace

void device_write(Napi::Env env, Context& ctx, Buf* b, napi_value src, int64_t at) {
#if FLINT_CUDA_BUILT
  const WriteSource s = write_source(env, src, b, at);  // the CPU device's checks and messages
  const int64_t n = s.n;
  at = s.at;
  if (n == 0) return;
  // Converted on the host (same rules as the CPU device's write), then one copy to the device.
  const size_t es = dtype_size(b->dtype);
  std::vector<unsigned char> host(static_cast<size_t>(n) * es);
  Buf staging;
  staging.data = host.data();
  staging.size = n;
  staging.dtype = b->dtype;
  convert_into(env, src, &staging, -1);
  dev(ctx).upload(static_cast<unsigned char*>(b->data) + static_cast<size_t>(at) * es,
                  host.data(), host.size());
#else
  throw Error("not a cuda build");
#endif
}

Napi::Value device_read(Napi::Env env, Context& ctx, Buf* b, size_t count) {
#if FLINT_CUDA_BUILT
  const size_t bytes = count * dtype_size(b->dtype);
  auto ab = Napi::ArrayBuffer::New(env, bytes);
  try {
    dev(ctx).download(ab.Data(), b->data, bytes);
  } catch (const cuda::DeviceAssert& e) {
    throw device_assert(env, e.what());  // the ArrayBuffer is simply dropped
  }
  return typed_array_of(env, ab, b->dtype, count);
#else
  throw Error("not a cuda build");
#endif
}

void export_cuda(Napi::Env env, Napi::Object exports) {
  exports.Set("cudaInfo", Napi::Function::New(env, CudaInfo));
  exports.Set("createCudaContext", Napi::Function::New(env, CreateCudaContext));
  exports.Set("cudaStats", Napi::Function::New(env, CudaStats));
  exports.Set("cudaSync", Napi::Function::New(env, CudaSync));
  exports.Set("readAsync", Napi::Function::New(env, ReadAsync));
#if defined(FLINT_CUDA_EMULATE)
  exports.Set("cudaEmuSetMemory", Napi::Function::New(env, EmuSetMemory));
  exports.Set("cudaEmuInfo", Napi::Function::New(env, EmuInfo));
#endif
}

}  // namespace bind
}  // namespace flint
