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

namespace {

bool has_tag(Napi::Env env, napi_value v, const napi_type_tag& tag) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || (t != napi_external && t != napi_object))
    return false;
  bool ok = false;
  return napi_check_object_type_tag(env, v, &tag, &ok) == napi_ok && ok;
}

}  // namespace

std::shared_ptr<Context>& ctx_of(Napi::Env env, const Napi::Value& v) {
  if (!has_tag(env, v, kCtxTag)) throw Error("expected a native context handle");
  return v.As<Napi::External<CtxHolder>>().Data()->ctx;
}

Buf* buf_of(Napi::Env env, const Napi::Value& v, const Context& ctx) {
  if (!v.IsNumber()) throw Error("expected a native buffer handle");
  Buf* b = instance(env).handles.find(v.As<Napi::Number>().DoubleValue());
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
