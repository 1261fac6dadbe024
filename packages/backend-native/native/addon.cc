// The N-API binding's kernel path: the metadata scratch that carries kernel views, the one
// `call` entry that runs a kernel from the dispatch table, and the module's initialisation (per
// Node environment: the addon is context-aware and loads in any number of worker threads).
// Storage entry points are in storage_api.cc. Every entry catches every C++ exception and
// rethrows it as a JS Error: none crosses N-API.
#include <napi.h>

#include <cmath>
#include <mutex>
#include <string>
#include <vector>

#include "binding.h"
#include "cuda/binding_cuda.h"
#include "dispatch.h"
#include "threads.h"
#include "typed_array.h"

namespace flint {
namespace bind {

// The scratch's memory as it is now. JS may have detached its buffer (a transfer), or shrunk a
// resizable one, since setMeta: the pointer and length are looked up again on every call, and
// the reader copies what it needs, so no pointer into it outlives the call.
MetaReader open_scratch(Napi::Env env) {
  Instance& in = instance(env);
  if (in.scratch.IsEmpty()) throw Error("setMeta was not called");
  // Fast path: the buffer has the memory and byte length it had at setMeta, so the typed array
  // over it (whose offset never changes) has its length of then too — a detached buffer has no
  // memory and 0 bytes, a resized one another length, and both take the general path below.
  if (in.buffer_data != nullptr) {
    void* data = nullptr;
    size_t bytes = 0;
    if (napi_get_arraybuffer_info(env, in.scratch_buffer.Value(), &data, &bytes) == napi_ok &&
        data == in.buffer_data && bytes == in.buffer_bytes)
      return MetaReader(
          reinterpret_cast<const double*>(static_cast<const char*>(data) + in.offset), in.length);
  }
  napi_value arr = in.scratch.Value();
  // Not typed_array_info: this runs on every op, and asking for the type (which setMeta checked
  // and which cannot change) makes Node test each typed-array class in turn, the larger part of
  // the lookup's cost.
  size_t length = 0;
  void* data = nullptr;
  if (napi_get_typedarray_info(env, arr, nullptr, &length, &data, nullptr, nullptr) != napi_ok)
    throw Error("the metadata scratch cannot be read");
  // V8 reports a length of 0 for a detached buffer (and for a view a resizable buffer shrank
  // out of bounds), so only then is it worth asking which.
  if (length == 0 || data == nullptr) {
    napi_value ab = typed_array_info(env, arr, "the metadata scratch cannot be read").buffer;
    bool detached = false;
    if (napi_is_detached_arraybuffer(env, ab, &detached) == napi_ok && detached)
      throw Error(
          "the metadata scratch's ArrayBuffer was detached (transferred); call setMeta again");
    throw Error("the metadata scratch is empty (was its resizable ArrayBuffer shrunk?)");
  }
  return MetaReader(static_cast<const double*>(data), length);
}

namespace {

// The dispatch table, filled once per process (every environment that loads the addon shares
// it, read-only after that).
Kernel g_table[kNumOps] = {};
Kernel g_registered[kNumOps] = {};
std::once_flag g_table_once;

// Remembers the scratch's ArrayBuffer, its memory and byte length, for open_scratch's fast path;
// a SharedArrayBuffer (or anything V8 will not describe) always takes the general path.
void remember_buffer(napi_env env, Instance& in, napi_value arr) {
  in.scratch_buffer.Reset();
  in.buffer_data = nullptr;
  napi_value ab = nullptr;
  size_t length = 0, offset = 0, bytes = 0;
  void* data = nullptr;
  bool plain = false;
  if (napi_get_typedarray_info(env, arr, nullptr, &length, nullptr, &ab, &offset) != napi_ok ||
      napi_is_arraybuffer(env, ab, &plain) != napi_ok || !plain ||
      napi_get_arraybuffer_info(env, ab, &data, &bytes) != napi_ok || data == nullptr ||
      length == 0)
    return;
  in.scratch_buffer = Napi::Persistent(Napi::ArrayBuffer(env, ab));
  in.buffer_data = data;
  in.buffer_bytes = bytes;
  in.offset = offset;
  in.length = length;
}

// Remembers the scratch (a reference keeps the array, and so its buffer, alive); its memory is
// looked up per call (open_scratch), never kept.
Napi::Value SetMeta(const Napi::CallbackInfo& info) {
  return guarded(info, "native.setMeta", [&](Napi::Env env) -> Napi::Value {
    if (info.Length() < 1 || !info[0].IsTypedArray() ||
        info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
      throw Error("expected a Float64Array");
    Instance& in = instance(env);
    in.scratch = Napi::Persistent(info[0].As<Napi::Float64Array>());
    remember_buffer(env, in, info[0]);
    return env.Undefined();
  });
}

// Releases outputs [from, end) of a call that failed: their data and their Buf structs.
void release_outs(Context& ctx, std::vector<Buf*>& outs, size_t from) {
  for (size_t i = from; i < outs.size(); i++)
    if (outs[i]) {
      ctx.release(outs[i]);
      delete outs[i];
      outs[i] = nullptr;
    }
}

// Hands a call's outputs to JS: all of them, or — when the handle table fills part-way — none,
// with every output freed, so a multi-output call never leaks the outputs it could not wrap.
Napi::Value wrap_outputs(Napi::Env env, Handles& h, Context& ctx, std::vector<Buf*>& outs) {
  // The handles, on the stack for the usual few outputs (no allocation on the hot path).
  double small[8];
  std::vector<double> large;
  double* ids = small;
  size_t done = 0;
  try {
    if (outs.size() > 8) {
      large.assign(outs.size(), 0.0);
      ids = large.data();
    }
    for (; done < outs.size(); done++)
      if (outs[done]) ids[done] = h.add(outs[done]);
  } catch (...) {
    for (size_t i = 0; i < done; i++)
      if (outs[i]) {
        size_t slot = 0;
        h.find(ids[i], &slot);
        ctx.release(outs[i]);
        h.retire(slot);  // deletes the Buf
      }
    release_outs(ctx, outs, done);
    report(env, ctx);
    throw;
  }
  report(env, ctx);
  if (outs.size() == 1 && outs[0]) return Napi::Number::New(env, ids[0]);
  auto arr = Napi::Array::New(env, outs.size());
  for (size_t i = 0; i < outs.size(); i++)
    arr.Set(static_cast<uint32_t>(i), outs[i] ? Napi::Number::New(env, ids[i]) : env.Null());
  return arr;
}

// Reads the call's views (each checked against its buffer) and arguments from the scratch.
void read_call(Napi::Env env, const Handles& h, const Napi::CallbackInfo& info, const Context& ctx,
               Call& call) {
  MetaReader r = open_scratch(env);
  const int64_t nviews = r.integer("view count", 0, 8);
  if (static_cast<size_t>(nviews) + 2 > info.Length())
    throw Error("metadata describes " + std::to_string(nviews) + " inputs but " +
                std::to_string(info.Length() - 2) + " buffer handles were passed");
  call.nin = static_cast<int>(nviews);
  for (int i = 0; i < call.nin; i++) {
    View& v = call.in[i];
    if (!read_view(r, v)) continue;
    v.buf = buf_of(env, h, info[i + 2], ctx);
    check_view(v);
  }
  read_args(r, call);
}

// The environment's Call, reused: a Call is ~17 KiB (eight views of 64 dims) and its output list
// would otherwise allocate on every op. Kernels never call back into JS, so an environment (one
// JS thread) runs one call at a time; worker threads have their own.
Call& env_call(Instance& in, int op, const char* name, const std::shared_ptr<Context>& ctx) {
  Call& call = in.call;
  call.op = op;
  call.name = name;
  for (View& v : call.in) v.buf = nullptr;  // absent unless this call's metadata names it
  call.nin = 0;
  call.nargs = 0;
  call.ctx = ctx;
  call.outs.clear();  // keeps its capacity
  return call;
}

// Lets go of the call's context (a Call must not keep a disposed backend's memory alive).
struct CallDone {
  Call& call;
  ~CallDone() {
    call.ctx.reset();
    call.outs.clear();
  }
};

// call(ctx, op, ...handles): views and numeric arguments come from the scratch.
Napi::Value Call_(const Napi::CallbackInfo& info) {
  // napi_get_value_int32 refuses a non-number itself (op stays -1): no separate type check.
  int op = -1;
  if (info.Length() < 2 || napi_get_value_int32(info.Env(), info[1], &op) != napi_ok) op = -1;
  const char* name = op >= 0 && op < kNumOps ? kOpNames[op] : "call";
  // The error prefix "native.<op>" is built only when a call fails: most calls succeed.
  return guarded(info, "native.", name, [&](Napi::Env env) -> Napi::Value {
    if (op < 0 || op >= kNumOps) throw Error("unknown op id");
    auto& ctx = ctx_of(env, info[0]);
    if (ctx->disposed) throw Error("the backend was disposed");
    Instance& in = instance(env);
    Handles& h = in.handles;
    Call& call = env_call(in, op, name, ctx);
    CallDone done{call};
    read_call(env, h, info, *ctx, call);
    try {
      (ctx->device ? ctx->device->kernels : g_table)[op](call);  // 'cuda' or the CPU
    } catch (...) {
      release_outs(*ctx, call.outs, 0);
      report(env, *ctx);
      throw;
    }
    return wrap_outputs(env, h, *ctx, call.outs);
  });
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  return guarded(info, "native.info", [&](Napi::Env env) -> Napi::Value {
    auto o = Napi::Object::New(env);
    o.Set("gemm", gemm_name());
    o.Set("gemmFloat32", gemm_f32_name());
    o.Set("threads", num_threads());
    o.Set("maxRank", kMaxRank);
    o.Set("workers", started_workers());  // pool threads started so far (on demand)
    // Bytes held by every context of every environment (worker threads included), and this
    // environment's live handles: for leak checks across workers and handle-table tests.
    o.Set("processBytes", static_cast<double>(process_held_bytes()));
    o.Set("liveHandles", static_cast<double>(instance(env).handles.live()));
    auto names = Napi::Array::New(env, kNumOps);
    for (int i = 0; i < kNumOps; i++) names.Set(static_cast<uint32_t>(i), kOpNames[i]);
    o.Set("ops", names);
    auto missing = Napi::Array::New(env);
    for (int i = 0; i < kNumOps; i++)
      if (g_registered[i] == nullptr) missing.Set(missing.Length(), kOpNames[i]);
    o.Set("missing", missing);
#if defined(__SANITIZE_ADDRESS__)
    o.Set("sanitized", true);
#else
    o.Set("sanitized", false);
#endif
    return o;
  });
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  return guarded(info, "native.setThreads", [&](Napi::Env env) -> Napi::Value {
    int n = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : 0;
    if (n < 1 || n > 1024) throw Error("thread count must be 1..1024");
    set_num_threads(n);
    gemm_set_threads(n);
    return env.Undefined();
  });
}

// setHandleLimit(n): caps this environment's live handles at n (0: the default, 2^22), so that
// tests can make the table fill without four million allocations.
Napi::Value SetHandleLimit(const Napi::CallbackInfo& info) {
  return guarded(info, "native.setHandleLimit", [&](Napi::Env env) -> Napi::Value {
    double n = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>() : -1.0;
    if (!(n >= 0 && n <= kSlots && n == std::floor(n)))
      throw Error("the handle limit must be an integer in 0..2^22");
    instance(env).handles.set_limit(static_cast<size_t>(n));
    return env.Undefined();
  });
}

void register_kernels() {
  register_elementwise(g_table);
  register_layout(g_table);
  register_reduce(g_table);
  register_indexing(g_table);
  register_matmul(g_table);
  register_random(g_table);
  register_sort(g_table);
  register_conv(g_table);
  register_fused(g_table);
  register_optim(g_table);
  register_recurrent(g_table);
  std::memcpy(g_registered, g_table, sizeof g_table);
  // A missing entry is reported by info().missing (the TypeScript side refuses to create a
  // backend then) and fails if called, instead of jumping through a null pointer.
  for (int i = 0; i < kNumOps; i++)
    if (g_table[i] == nullptr) g_table[i] = [](Call& c) { c.fail("no kernel in this build"); };
}

// Runs once per Node environment that loads the addon (the main thread, each worker thread).
Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // Built with -mavx2 -mfma: refuse to load (instead of crashing later) on older CPUs.
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) {
    Napi::Error::New(env, "this CPU lacks AVX2/FMA, which the native addon was built for")
        .ThrowAsJavaScriptException();
    return exports;
  }
  std::call_once(g_table_once, register_kernels);
  exports.Set("setMeta", Napi::Function::New(env, SetMeta));
  export_storage(env, exports);
  export_cuda(env, exports);
  exports.Set("call", Napi::Function::New(env, Call_));
  exports.Set("info", Napi::Function::New(env, Info));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  exports.Set("setHandleLimit", Napi::Function::New(env, SetHandleLimit));
  return exports;
}

}  // namespace
}  // namespace bind
}  // namespace flint

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) {
  return flint::bind::Init(env, exports);
}
NODE_API_MODULE(flint_native, InitAddon)
