// The N-API binding: buffer handles (Externals tagged as ours), the metadata scratch that
// carries kernel views, and the one `call` entry that runs a kernel from the dispatch table.
// Every entry catches every C++ exception and rethrows it as a JS Error: none crosses N-API.
#include <napi.h>

#include <string>

#include "buffer.h"
#include "dispatch.h"
#include "scalar.h"
#include "strided.h"
#include "threads.h"

namespace flint {
namespace {

const napi_type_tag kCtxTag = {0x1b2c3d4e5f607182ULL, 0x93a4b5c6d7e8f901ULL};

Kernel g_table[kNumOps] = {};
// Per Node environment (instance data), so worker threads each have their own:
// - the metadata scratch, a Float64Array owned by JS and kept alive by a reference;
// - the handle table. A buffer handle is a plain number, slot + generation · 2^22, so handing
//   one to JS allocates no object and no weak callback (a major GC cost per op otherwise); a
//   freed or made-up number never matches a live slot's generation. Buffers dropped without
//   free() are reclaimed by core, whose FinalizationRegistry frees a collected tensor's buffer.
struct Meta {
  const double* data = nullptr;
  size_t len = 0;
  Napi::Reference<Napi::Float64Array> ref;
};
constexpr double kSlots = 4194304.0;  // 2^22
struct Instance {
  Meta meta;
  std::vector<Buf*> slots;
  std::vector<uint32_t> gens;
  std::vector<uint32_t> free_slots;
};
Instance& instance(Napi::Env env) {
  Instance* i = env.GetInstanceData<Instance>();
  if (i == nullptr) {
    i = new Instance();
    env.SetInstanceData<Instance>(i);
  }
  return *i;
}
Meta& meta(Napi::Env env) {
  Meta& m = instance(env).meta;
  if (m.data == nullptr) throw Error("setMeta was not called");
  return m;
}

struct CtxHolder {
  std::shared_ptr<Context> ctx;
};

Kernel g_registered[kNumOps] = {};

void report(Napi::Env env, Context& c) {
  if (c.unreported != 0) {
    Napi::MemoryManagement::AdjustExternalMemory(env, c.unreported);
    c.unreported = 0;
  }
}

// Runs fn, turning any C++ exception into a JS Error; `what` prefixes the message.
template <class F>
Napi::Value guarded(const Napi::CallbackInfo& info, const char* what, F&& fn) {
  Napi::Env env = info.Env();
  try {
    return fn(env);
  } catch (const Napi::Error&) {
    throw;  // already a JS error
  } catch (const std::bad_alloc&) {
    throw Napi::Error::New(env, std::string(what) + ": out of memory");
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, std::string(what) + ": " + e.what());
  } catch (...) {
    throw Napi::Error::New(env, std::string(what) + ": unknown native error");
  }
}

bool has_tag(Napi::Env env, napi_value v, const napi_type_tag& tag) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || (t != napi_external && t != napi_object))
    return false;
  bool ok = false;
  return napi_check_object_type_tag(env, v, &tag, &ok) == napi_ok && ok;
}

std::shared_ptr<Context>& ctx_of(Napi::Env env, const Napi::Value& v) {
  if (!has_tag(env, v, kCtxTag)) throw Error("expected a native context handle");
  return v.As<Napi::External<CtxHolder>>().Data()->ctx;
}

// The Buf behind a handle number, or null when it names no live slot.
Buf* lookup(Instance& in, double id, size_t* slot_out = nullptr) {
  if (!(id >= kSlots && id < 9007199254740992.0 && id == std::floor(id))) return nullptr;
  size_t slot = static_cast<size_t>(std::fmod(id, kSlots));
  double gen = std::floor(id / kSlots);
  if (slot >= in.slots.size() || in.slots[slot] == nullptr || in.gens[slot] != gen) return nullptr;
  if (slot_out) *slot_out = slot;
  return in.slots[slot];
}

// A live buffer of `ctx`, or an error saying what is wrong with the handle.
Buf* buf_of(Napi::Env env, const Napi::Value& v, const Context& ctx) {
  if (!v.IsNumber()) throw Error("expected a native buffer handle");
  Buf* b = lookup(instance(env), v.As<Napi::Number>().DoubleValue());
  if (b == nullptr || b->data == nullptr)
    throw Error("buffer was freed (or the handle was never allocated)");
  if (b->ctx.get() != &ctx) throw Error("buffer belongs to another device");
  return b;
}

Napi::Value wrap(Napi::Env env, Buf* b) {
  Instance& in = instance(env);
  size_t slot;
  if (!in.free_slots.empty()) {
    slot = in.free_slots.back();
    in.free_slots.pop_back();
  } else {
    if (in.slots.size() >= static_cast<size_t>(kSlots)) {
      b->ctx->release(b);
      delete b;
      throw Error("too many live buffers");
    }
    slot = in.slots.size();
    in.slots.push_back(nullptr);
    in.gens.push_back(1);  // generation ≥ 1: no handle is 0 or otherwise falsy
  }
  in.slots[slot] = b;
  return Napi::Number::New(env, static_cast<double>(in.gens[slot]) * kSlots + slot);
}

// Deletes the Buf in `slot` (its data already released) and retires the handle.
void retire(Instance& in, size_t slot) {
  delete in.slots[slot];
  in.slots[slot] = nullptr;
  if (++in.gens[slot] >= (1u << 30)) in.gens[slot] = 1;
  in.free_slots.push_back(static_cast<uint32_t>(slot));
}

DType dtype_code(double v) {
  if (!(v == 0 || v == 1 || v == 2 || v == 3)) throw Error("invalid dtype code");
  return static_cast<DType>(static_cast<int>(v));
}

int64_t meta_int(const Meta& m, size_t& c, const char* what) {
  if (c >= m.len) throw Error("metadata overflows the scratch buffer");
  double v = m.data[c++];
  if (!(v == std::floor(v)) || std::fabs(v) > 9.007199254740992e15)
    throw Error(std::string("metadata ") + what + " is not an integer");
  return static_cast<int64_t>(v);
}

// Reads one view from the scratch at cursor c and checks it against its buffer.
void read_view(Napi::Env env, const Meta& m, size_t& c, const Napi::Value& handle, const Context& ctx,
               View& v) {
  int64_t code = meta_int(m, c, "dtype");
  if (code < 0) {  // absent optional input
    v.buf = nullptr;
    return;
  }
  v.dtype = dtype_code(static_cast<double>(code));
  v.rank = static_cast<int>(meta_int(m, c, "rank"));
  if (v.rank < 0 || v.rank > kMaxRank)
    throw Error("rank " + std::to_string(v.rank) + " is outside 0.." + std::to_string(kMaxRank));
  v.offset = meta_int(m, c, "offset");
  for (int d = 0; d < v.rank; d++) {
    v.shape[d] = meta_int(m, c, "shape");
    if (v.shape[d] < 0 || v.shape[d] > (int64_t(1) << 40)) throw Error("invalid shape");
  }
  for (int d = 0; d < v.rank; d++) v.strides[d] = meta_int(m, c, "stride");
  v.buf = buf_of(env, handle, ctx);
  if (v.buf->dtype != v.dtype)
    throw Error(std::string("view dtype ") + dtype_name(v.dtype) + " does not match its " +
                dtype_name(v.buf->dtype) + " buffer");
  if (v.numel() == 0) return;
  // Every reachable element must lie inside the buffer.
  int64_t lo = v.offset, hi = v.offset;
  for (int d = 0; d < v.rank; d++) {
    int64_t span = (v.shape[d] - 1) * v.strides[d];
    (span < 0 ? lo : hi) += span;
  }
  if (lo < 0 || hi >= v.buf->size)
    throw Error("view " + v.describe() + " reaches elements " + std::to_string(lo) + ".." +
                std::to_string(hi) + " of a buffer of " + std::to_string(v.buf->size));
}

Napi::Value SetMeta(const Napi::CallbackInfo& info) {
  return guarded(info, "native.setMeta", [&](Napi::Env env) -> Napi::Value {
    if (info.Length() < 1 || !info[0].IsTypedArray() ||
        info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
      throw Error("expected a Float64Array");
    auto arr = info[0].As<Napi::Float64Array>();
    Meta& m = instance(env).meta;
    m.ref = Napi::Persistent(arr);
    m.data = arr.Data();
    m.len = arr.ElementLength();
    return env.Undefined();
  });
}

Napi::Value CreateContext(const Napi::CallbackInfo& info) {
  return guarded(info, "native.createContext", [&](Napi::Env env) -> Napi::Value {
    double pool = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>() : 0.0;
    if (!(pool >= 0)) throw Error("pool size must be ≥ 0");
    auto* h = new CtxHolder{std::make_shared<Context>(static_cast<size_t>(pool))};
    auto ext = Napi::External<CtxHolder>::New(env, h, [](Napi::Env e, CtxHolder* holder) {
      delete holder;
    });
    napi_type_tag_object(env, ext, &kCtxTag);
    return ext;
  });
}

Napi::Value DisposeContext(const Napi::CallbackInfo& info) {
  return guarded(info, "native.dispose", [&](Napi::Env env) -> Napi::Value {
    auto& ctx = ctx_of(env, info[0]);
    ctx->dispose();
    Instance& in = instance(env);
    for (size_t i = 0; i < in.slots.size(); i++)
      if (in.slots[i] != nullptr && in.slots[i]->ctx == ctx) retire(in, i);
    report(env, *ctx);
    return env.Undefined();
  });
}

Napi::Value Alloc(const Napi::CallbackInfo& info) {
  return guarded(info, "native.alloc", [&](Napi::Env env) -> Napi::Value {
    auto& ctx = ctx_of(env, info[0]);
    if (info.Length() < 3 || !info[1].IsNumber() || !info[2].IsNumber())
      throw Error("expected (context, dtype, size)");
    DType d = dtype_code(info[1].As<Napi::Number>());
    double size = info[2].As<Napi::Number>();
    if (!(size >= 0 && size == std::floor(size)))
      throw Error("size must be a non-negative integer, got " + std::to_string(size));
    Buf* b = ctx->alloc(d, static_cast<int64_t>(size));
    report(env, *ctx);
    return wrap(env, b);
  });
}

Napi::Value Free(const Napi::CallbackInfo& info) {
  return guarded(info, "native.free", [&](Napi::Env env) -> Napi::Value {
    auto& ctx = ctx_of(env, info[0]);
    if (ctx->disposed) throw Error("the backend was disposed");
    buf_of(env, info[1], *ctx);  // validates
    Instance& in = instance(env);
    size_t slot = 0;
    Buf* b = lookup(in, info[1].As<Napi::Number>().DoubleValue(), &slot);
    ctx->release(b);
    retire(in, slot);
    report(env, *ctx);
    return env.Undefined();
  });
}

template <class S>
void convert_from(const S* src, Buf* b) {
  FLINT_DISPATCH(b->dtype, T, {
    T* dst = b->as<T>();
    for (int64_t i = 0; i < b->size; i++) dst[i] = convert<T>(static_cast<double>(src[i]));
  });
}

// Copies host data into a buffer, converting element types like TypedArray.prototype.set
// (bool buffers store 0/1, as the CPU backend's write does).
void convert_in(const Napi::TypedArray& src, Buf* b) {
  const uint8_t* raw = static_cast<const uint8_t*>(src.ArrayBuffer().Data()) + src.ByteOffset();
  switch (src.TypedArrayType()) {
    case napi_float32_array: return convert_from(reinterpret_cast<const float*>(raw), b);
    case napi_float64_array: return convert_from(reinterpret_cast<const double*>(raw), b);
    case napi_int32_array: return convert_from(reinterpret_cast<const int32_t*>(raw), b);
    case napi_uint32_array: return convert_from(reinterpret_cast<const uint32_t*>(raw), b);
    case napi_int16_array: return convert_from(reinterpret_cast<const int16_t*>(raw), b);
    case napi_uint16_array: return convert_from(reinterpret_cast<const uint16_t*>(raw), b);
    case napi_int8_array: return convert_from(reinterpret_cast<const int8_t*>(raw), b);
    case napi_uint8_array:
    case napi_uint8_clamped_array: return convert_from(raw, b);
    default: throw Error("unsupported typed array type");
  }
}

Napi::Value Write(const Napi::CallbackInfo& info) {
  return guarded(info, "native.write", [&](Napi::Env env) -> Napi::Value {
    auto& ctx = ctx_of(env, info[0]);
    Buf* b = buf_of(env, info[1], *ctx);
    if (info.Length() < 3 || !info[2].IsTypedArray()) throw Error("expected a typed array");
    auto src = info[2].As<Napi::TypedArray>();
    if (static_cast<int64_t>(src.ElementLength()) != b->size)
      throw Error("data has " + std::to_string(src.ElementLength()) +
                  " elements but the buffer holds " + std::to_string(b->size));
    convert_in(src, b);
    return env.Undefined();
  });
}

Napi::Value Read(const Napi::CallbackInfo& info) {
  return guarded(info, "native.read", [&](Napi::Env env) -> Napi::Value {
    auto& ctx = ctx_of(env, info[0]);
    Buf* b = buf_of(env, info[1], *ctx);
    double n = info.Length() > 2 && info[2].IsNumber() ? info[2].As<Napi::Number>() : -1.0;
    if (!(n >= 0 && n <= static_cast<double>(b->size) && n == std::floor(n)))
      throw Error("asked for " + std::to_string(n) + " elements of a buffer of " +
                  std::to_string(b->size));
    size_t count = static_cast<size_t>(n);
    auto ab = Napi::ArrayBuffer::New(env, count * dtype_size(b->dtype));
    if (count > 0) std::memcpy(ab.Data(), b->data, count * dtype_size(b->dtype));
    switch (b->dtype) {
      case F32: return Napi::Float32Array::New(env, count, ab, 0);
      case F64: return Napi::Float64Array::New(env, count, ab, 0);
      case I32: return Napi::Int32Array::New(env, count, ab, 0);
      case BOOL: return Napi::Uint8Array::New(env, count, ab, 0);
    }
    throw Error("bad dtype");
  });
}

Napi::Value Stats(const Napi::CallbackInfo& info) {
  return guarded(info, "native.stats", [&](Napi::Env env) -> Napi::Value {
    auto& ctx = ctx_of(env, info[0]);
    auto o = Napi::Object::New(env);
    o.Set("buffers", static_cast<double>(ctx->live_buffers));
    o.Set("bytes", static_cast<double>(ctx->live_bytes));
    o.Set("pooledBytes", static_cast<double>(ctx->pooled_bytes));
    o.Set("heldBytes", static_cast<double>(ctx->held_bytes));
    // V8's running total of external memory (all contexts and addons): lets tests check the
    // accounting without reaching into V8.
    o.Set("v8ExternalBytes",
          static_cast<double>(Napi::MemoryManagement::AdjustExternalMemory(env, 0)));
    return o;
  });
}

Napi::Value Trim(const Napi::CallbackInfo& info) {
  return guarded(info, "native.trim", [&](Napi::Env env) -> Napi::Value {
    auto& ctx = ctx_of(env, info[0]);
    ctx->trim();
    report(env, *ctx);
    return env.Undefined();
  });
}

// call(ctx, op, ...handles): views and numeric arguments come from the scratch.
Napi::Value Call_(const Napi::CallbackInfo& info) {
  int op = info.Length() > 1 && info[1].IsNumber() ? info[1].As<Napi::Number>().Int32Value() : -1;
  const char* name = op >= 0 && op < kNumOps ? kOpNames[op] : "call";
  std::string what = std::string("native.") + name;
  return guarded(info, what.c_str(), [&](Napi::Env env) -> Napi::Value {
    if (op < 0 || op >= kNumOps) throw Error("unknown op id");
    auto& ctx = ctx_of(env, info[0]);
    if (ctx->disposed) throw Error("the backend was disposed");
    const Meta& m = meta(env);
    Call call;
    call.op = op;
    call.name = name;
    call.ctx = ctx;
    size_t c = 0;
    int64_t nviews = meta_int(m, c, "view count");
    if (nviews < 0 || nviews > 8 || static_cast<size_t>(nviews) + 2 > info.Length())
      throw Error("expected " + std::to_string(nviews) + " buffer handles");
    call.nin = static_cast<int>(nviews);
    for (int i = 0; i < call.nin; i++) read_view(env, m, c, info[i + 2], *ctx, call.in[i]);
    int64_t nargs = meta_int(m, c, "argument count");
    if (nargs < 0 || c + static_cast<size_t>(nargs) > m.len)
      throw Error("argument count overflows the scratch");
    call.args = m.data + c;
    call.nargs = static_cast<int>(nargs);
    try {
      g_table[op](call);
    } catch (...) {
      for (Buf* b : call.outs)
        if (b) {
          ctx->release(b);
          delete b;
        }
      report(env, *ctx);
      throw;
    }
    report(env, *ctx);
    if (call.outs.size() == 1 && call.outs[0]) return wrap(env, call.outs[0]);
    auto arr = Napi::Array::New(env, call.outs.size());
    for (size_t i = 0; i < call.outs.size(); i++)
      arr.Set(static_cast<uint32_t>(i), call.outs[i] ? wrap(env, call.outs[i]) : env.Null());
    return arr;
  });
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  return guarded(info, "native.info", [&](Napi::Env env) -> Napi::Value {
    auto o = Napi::Object::New(env);
    o.Set("gemm", gemm_name());
    o.Set("threads", num_threads());
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

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // Built with -mavx2 -mfma: refuse to load (instead of crashing later) on older CPUs.
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) {
    Napi::Error::New(env, "this CPU lacks AVX2/FMA, which the native addon was built for")
        .ThrowAsJavaScriptException();
    return exports;
  }
  register_elementwise(g_table);
  register_layout(g_table);
  register_reduce(g_table);
  register_indexing(g_table);
  register_matmul(g_table);
  register_random(g_table);
  register_conv(g_table);
  register_fused(g_table);
  register_optim(g_table);
  std::memcpy(g_registered, g_table, sizeof g_table);
  // A missing entry is reported by info().missing (the TypeScript side refuses to create a
  // backend then) and fails if called, instead of jumping through a null pointer.
  for (int i = 0; i < kNumOps; i++)
    if (g_table[i] == nullptr) g_table[i] = [](Call& c) { c.fail("no kernel in this build"); };
  exports.Set("setMeta", Napi::Function::New(env, SetMeta));
  exports.Set("createContext", Napi::Function::New(env, CreateContext));
  exports.Set("disposeContext", Napi::Function::New(env, DisposeContext));
  exports.Set("alloc", Napi::Function::New(env, Alloc));
  exports.Set("free", Napi::Function::New(env, Free));
  exports.Set("write", Napi::Function::New(env, Write));
  exports.Set("read", Napi::Function::New(env, Read));
  exports.Set("stats", Napi::Function::New(env, Stats));
  exports.Set("trim", Napi::Function::New(env, Trim));
  exports.Set("call", Napi::Function::New(env, Call_));
  exports.Set("info", Napi::Function::New(env, Info));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  return exports;
}

}  // namespace
}  // namespace flint

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) {
  return flint::Init(env, exports);
}
NODE_API_MODULE(flint_native, InitAddon)
