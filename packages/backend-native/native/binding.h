// Shared by the binding's translation units (addon.cc: metadata and kernel calls; storage_api.cc:
// contexts and buffers): per-environment state, handle and context lookups, and `guarded`, which
// turns every C++ exception into a JS Error so that none crosses N-API.
#pragma once
#include <napi.h>

#include <memory>
#include <string>
#include <utility>

#include "buffer.h"
#include "common.h"
#include "handles.h"
#include "meta.h"

namespace flint {
namespace bind {

// Per Node environment (instance data), so worker threads each have their own: the buffer
// handles, and a reference to the metadata scratch, the Float64Array that src/binding.ts
// encodes each call's views and arguments in.
struct Instance {
  Handles handles;
  Napi::Reference<Napi::Float64Array> scratch;
  // When the scratch is over a plain (not shared) ArrayBuffer: that buffer, and its memory and
  // byte length at setMeta. A call whose buffer still has both reads the scratch at `offset`
  // (bytes), `length` numbers, without asking V8 about the typed array (addon.cc, open_scratch).
  Napi::Reference<Napi::ArrayBuffer> scratch_buffer;
  const void* buffer_data = nullptr;
  size_t buffer_bytes = 0, offset = 0, length = 0;
  // Reused by every kernel call of this environment (addon.cc's env_call).
  Call call;
};
Instance& instance(Napi::Env env);

// The scratch's memory as it is now (see addon.cc's setMeta).
MetaReader open_scratch(Napi::Env env);

// A context handle is an External around this, type-tagged as ours.
struct CtxHolder {
  std::shared_ptr<Context> ctx;
};
extern const napi_type_tag kCtxTag;

// Reports the context's change of held memory to V8.
void report(Napi::Env env, Context& c);
std::shared_ptr<Context>& ctx_of(Napi::Env env, const Napi::Value& v);
// A live buffer of `ctx`, or an error saying what is wrong with the handle.
Buf* buf_of(Napi::Env env, const Napi::Value& v, const Context& ctx);
// The same with the environment's handle table already looked up (the per-op path), and the
// handle's slot stored in *slot when not null (free() retires it).
Buf* buf_of(napi_env env, const Handles& h, napi_value v, const Context& ctx,
            size_t* slot = nullptr);
DType dtype_code(double v);
// Registers `b` (a fresh buffer of ctx) and returns its handle; frees it if that fails.
Napi::Value wrap(Napi::Env env, Context& ctx, Buf* b);

// Adds createContext, disposeContext, alloc, free, write, read, stats and trim to `exports`.
void export_storage(Napi::Env env, Napi::Object exports);
// write()'s host-side conversion of a typed array into host buffer b (storage_api.cc), for the
// 'cuda' device's staging copy.
void convert_into(Napi::Env env, napi_value src, Buf* b, int64_t at);
// A write's source: the typed array's element type, length n and memory, checked to fit buffer b
// from element `at` on (-1: the whole buffer, whose size n must match). Shared by write() on
// every device (storage_api.cc), so the checks and their messages are one.
struct WriteSource {
  napi_typedarray_type type;
  int64_t n, at;  // at: the first element written (0 for a whole-buffer write)
  const void* data;
};
WriteSource write_source(Napi::Env env, napi_value src, const Buf* b, int64_t at);

// Runs fn, turning any C++ exception into a JS Error whose message starts with prefix(), a
// function so that the prefix is built only on failure (a per-op string join would cost more
// than a small op).
template <class P, class F>
Napi::Value guarded_with(const Napi::CallbackInfo& info, P&& prefix, F&& fn) {
  Napi::Env env = info.Env();
  try {
    return fn(env);
  } catch (const Napi::Error&) {
    throw;  // already a JS error
  } catch (const std::bad_alloc&) {
    throw Napi::Error::New(env, prefix() + ": out of memory");
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, prefix() + ": " + e.what());
  } catch (...) {
    throw Napi::Error::New(env, prefix() + ": unknown native error");
  }
}

// Runs fn, turning any C++ exception into a JS Error; `what` prefixes the message.
template <class F>
Napi::Value guarded(const Napi::CallbackInfo& info, const char* what, F&& fn) {
  return guarded_with(info, [what] { return std::string(what); }, std::forward<F>(fn));
}

// `guarded` with the prefix `what` + `name` ("native." + op name).
template <class F>
Napi::Value guarded(const Napi::CallbackInfo& info, const char* what, const char* name, F&& fn) {
  return guarded_with(
      info, [what, name] { return std::string(what) + name; }, std::forward<F>(fn));
}

}  // namespace bind
}  // namespace flint
