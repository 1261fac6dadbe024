#include "binding.h"

#include <cmath>

namespace flint {
namespace bind {

const napi_type_tag kCtxTag = {0x1b2c3d4e5f607182ULL, 0x93a4b5c6d7e8f901ULL};

Instance& instance(Napi::Env env) {
  Instance* i = env.GetInstanceData<Instance>();
  if (i == nullptr) {
    i = new Instance();
    env.SetInstanceData<Instance>(i);
  }
  return *i;
}

void report(Napi::Env env, Context& c) {
  if (c.unreported != 0) {
    Napi::MemoryManagement::AdjustExternalMemory(env, c.unreported);
    c.unreported = 0;
  }
}

std::shared_ptr<Context>& ctx_of(Napi::Env env, const Napi::Value& v) {
  // Two N-API calls per op instead of three: napi_get_value_external refuses anything but an
  // External, and the tag tells ours from another addon's.
  void* data = nullptr;
  bool ok = false;
  if (napi_get_value_external(env, v, &data) != napi_ok ||
      napi_check_object_type_tag(env, v, &kCtxTag, &ok) != napi_ok || !ok || data == nullptr)
    throw Error("expected a native context handle");
  return static_cast<CtxHolder*>(data)->ctx;
}

Buf* buf_of(Napi::Env env, const Napi::Value& v, const Context& ctx) {
  return buf_of(env, instance(env).handles, v, ctx);
}

Buf* buf_of(napi_env env, const Handles& h, napi_value v, const Context& ctx, size_t* slot) {
  // napi_get_value_double refuses a non-number itself: no separate type check.
  double id = 0;
  if (napi_get_value_double(env, v, &id) != napi_ok) throw Error("expected a native buffer handle");
  Buf* b = h.find(id, slot);
  if (b == nullptr || b->data == nullptr)
    throw Error("buffer was freed (or the handle was never allocated)");
  if (b->ctx.get() != &ctx) throw Error("buffer belongs to another device");
  return b;
}

DType dtype_code(double v) {
  if (!(v == 0 || v == 1 || v == 2 || v == 3)) throw Error("invalid dtype code");
  return static_cast<DType>(static_cast<int>(v));
}

Napi::Value wrap(Napi::Env env, Context& ctx, Buf* b) {
  double id;
  try {
    id = instance(env).handles.add(b);
  } catch (...) {
    ctx.release(b);
    delete b;
    report(env, ctx);
    throw;
  }
  report(env, ctx);
  return Napi::Number::New(env, id);
}

}  // namespace bind
}  // namespace flint
