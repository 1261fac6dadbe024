// The storage entry points of the binding: contexts (one per backend instance) and their
// buffers — allocation, host reads and writes, statistics.
#include <cmath>
#include <cstring>
#include <string>

#include "binding.h"
#include "cuda/binding_cuda.h"
#include "dispatch.h"
#include "scalar.h"
#include "strided.h"
#include "typed_array.h"

namespace flint {
namespace bind {
namespace {

Napi::Value CreateContext(const Napi::CallbackInfo& info) {
  return guarded(info, "native.createContext", [&](Napi::Env env) -> Napi::Value {
    double pool = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>() : 0.0;
    if (!(pool >= 0 && pool <= 9007199254740992.0))
      throw Error("pool size must be a number of bytes in 0..2^53");
    std::unique_ptr<CtxHolder> h(
        new CtxHolder{std::make_shared<Context>(static_cast<size_t>(pool))});
    auto ext = Napi::External<CtxHolder>::New(env, h.get(), [](Napi::Env, CtxHolder* holder) {
      delete holder;
    });
    h.release();  // the External's finalizer owns it now
    napi_type_tag_object(env, ext, &kCtxTag);
    return ext;
  });
}

Napi::Value DisposeContext(const Napi::CallbackInfo& info) {
  return guarded(info, "native.dispose", [&](Napi::Env env) -> Napi::Value {
    auto& ctx = ctx_of(env, info[0]);
    ctx->dispose();
    instance(env).handles.retire_context(ctx.get());
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
    if (!(size >= 0 && size <= 9007199254740992.0 && size == std::floor(size)))
      throw Error("size must be a non-negative integer, got " + std::to_string(size));
    Buf* b = ctx->alloc(d, static_cast<int64_t>(size));
    return wrap(env, *ctx, b);
  });
}

Napi::Value Free(const Napi::CallbackInfo& info) {
  return guarded(info, "native.free", [&](Napi::Env env) -> Napi::Value {
    auto& ctx = ctx_of(env, info[0]);
    if (ctx->disposed) throw Error("the backend was disposed");
    Handles& h = instance(env).handles;
    size_t slot = 0;
    Buf* b = buf_of(env, h, info[1], *ctx, &slot);  // validates, and finds the slot
    ctx->release(b);
    h.retire(slot);
    report(env, *ctx);
    return env.Undefined();
  });
}

template <class S>
void convert_from(const S* src, Buf* b, int64_t at, int64_t count) {
  FLINT_DISPATCH(b->dtype, T, {
    T* dst = b->as<T>() + at;
    for (int64_t i = 0; i < count; i++) dst[i] = convert<T>(static_cast<double>(src[i]));
  });
}

// Copies host data into a buffer from element `at` on (-1: the whole buffer, whose size the data
// must match), converting element types like TypedArray.prototype.set (bool buffers store 0/1, as
// the CPU backend's write does). The source's length and memory are taken from V8 now, so a
// detached, resized or SharedArrayBuffer-backed array is read as it is.
void convert_in(Napi::Env env, napi_value src, Buf* b, int64_t at) {
  const WriteSource s = write_source(env, src, b, at);
  const int64_t n = s.n;
  at = s.at;
  if (n == 0) return;
  const uint8_t* raw = static_cast<const uint8_t*>(s.data);
  switch (s.type) {
    case napi_float32_array: return convert_from(reinterpret_cast<const float*>(raw), b, at, n);
    case napi_float64_array: return convert_from(reinterpret_cast<const double*>(raw), b, at, n);
    case napi_int32_array: return convert_from(reinterpret_cast<const int32_t*>(raw), b, at, n);
    case napi_uint32_array: return convert_from(reinterpret_cast<const uint32_t*>(raw), b, at, n);
    case napi_int16_array: return convert_from(reinterpret_cast<const int16_t*>(raw), b, at, n);
    case napi_uint16_array: return convert_from(reinterpret_cast<const uint16_t*>(raw), b, at, n);
    case napi_int8_array: return convert_from(reinterpret_cast<const int8_t*>(raw), b, at, n);
    case napi_uint8_array:
    case napi_uint8_clamped_array: return convert_from(raw, b, at, n);
    default: throw Error("unsupported typed array type");
  }
}

// write(ctx, buf, data[, at]): `at` (an element index) makes it a ranged write.
Napi::Value Write(const Napi::CallbackInfo& info) {
  return guarded(info, "native.write", [&](Napi::Env env) -> Napi::Value {
    auto& ctx = ctx_of(env, info[0]);
    Buf* b = buf_of(env, info[1], *ctx);
    if (info.Length() < 3 || !info[2].IsTypedArray()) throw Error("expected a typed array");
    int64_t at = -1;
    if (info.Length() > 3 && !info[3].IsUndefined()) {
      double d = info[3].IsNumber() ? info[3].As<Napi::Number>().DoubleValue() : -1.0;
      if (!(d >= 0 && d <= 9007199254740991.0 && d == std::floor(d)))
        throw Error("the write offset must be a non-negative integer element index");
      at = static_cast<int64_t>(d);
    }
    if (ctx->device) device_write(env, *ctx, b, info[2], at);  // the 'cuda' device
    else convert_in(env, info[2], b, at);
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
    if (ctx->device) return device_read(env, *ctx, b, count);  // the 'cuda' device
    return copy_to_typed_array(env, b->data, b->dtype, count);
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

}  // namespace

WriteSource write_source(Napi::Env env, napi_value src, const Buf* b, int64_t at) {
  const TypedArrayInfo t = typed_array_info(env, src, "expected a typed array");
  const size_t length = t.length;
  const int64_t n = static_cast<int64_t>(length);
  if (at < 0 && n != b->size)
    throw Error("data has " + std::to_string(length) + " elements but the buffer holds " +
                std::to_string(b->size));
  if (at < 0) at = 0;
  if (at > b->size || n > b->size - at)
    throw Error("writing " + std::to_string(length) + " elements at element " +
                std::to_string(at) + " overruns a buffer of " + std::to_string(b->size));
  return WriteSource{t.type, n, at, t.data};
}

void convert_into(Napi::Env env, napi_value src, Buf* b, int64_t at) { convert_in(env, src, b, at); }

void export_storage(Napi::Env env, Napi::Object exports) {
  exports.Set("createContext", Napi::Function::New(env, CreateContext));
  exports.Set("disposeContext", Napi::Function::New(env, DisposeContext));
  exports.Set("alloc", Napi::Function::New(env, Alloc));
  exports.Set("free", Napi::Function::New(env, Free));
  exports.Set("write", Napi::Function::New(env, Write));
  exports.Set("read", Napi::Function::New(env, Read));
  exports.Set("stats", Napi::Function::New(env, Stats));
  exports.Set("trim", Napi::Function::New(env, Trim));
}

}  // namespace bind
}  // namespace flint
