// Typed-array helpers of the binding, shared by its entry points (storage_api.cc, addon.cc and
// cuda/binding_cuda.cc): one way to look into a JS typed array and one to hand elements back.
#pragma once
#include <napi.h>

#include <cstring>

#include "common.h"

namespace flint {
namespace bind {

// What napi_get_typedarray_info reports of a typed array (its byte offset is already applied to
// `data`). `buffer` is the ArrayBuffer behind it.
struct TypedArrayInfo {
  napi_typedarray_type type;
  size_t length;  // in elements
  void* data;
  napi_value buffer;
};

// v's typed-array facts; throws Error(what) when v is not a typed array.
inline TypedArrayInfo typed_array_info(napi_env env, napi_value v, const char* what) {
  TypedArrayInfo t{};
  size_t offset = 0;
  if (napi_get_typedarray_info(env, v, &t.type, &t.length, &t.data, &t.buffer, &offset) !=
      napi_ok)
    throw Error(what);
  return t;
}

// The typed array of dtype d (Float32Array, Float64Array, Int32Array, Uint8Array for bool) over
// the first `count` elements of ab.
inline Napi::Value typed_array_of(Napi::Env env, Napi::ArrayBuffer ab, DType d, size_t count) {
  switch (d) {
    case F32: return Napi::Float32Array::New(env, count, ab, 0);
    case F64: return Napi::Float64Array::New(env, count, ab, 0);
    case I32: return Napi::Int32Array::New(env, count, ab, 0);
    case BOOL: return Napi::Uint8Array::New(env, count, ab, 0);
  }
  throw Error("bad dtype");
}

// A fresh typed array of dtype d holding a copy of `count` elements of host memory at src.
inline Napi::Value copy_to_typed_array(Napi::Env env, const void* src, DType d, size_t count) {
  const size_t bytes = count * dtype_size(d);
  auto ab = Napi::ArrayBuffer::New(env, bytes);
  if (bytes > 0) std::memcpy(ab.Data(), src, bytes);
  return typed_array_of(env, ab, d, count);
}

}  // namespace bind
}  // namespace flint
