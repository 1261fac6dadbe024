// The binding's 'cuda' hooks (binding_cuda.cc), called from the storage entry points for a
// context whose `device` is set, and the 'cuda' exports.
#pragma once
#include <napi.h>

#include "buffer.h"
#include "common.h"

namespace flint {
namespace bind {

// write(): converts `src` on the host as the CPU device's write does, then copies it to
// element `at` of b (-1: the whole buffer, whose size src must match).
void device_write(Napi::Env env, Context& ctx, Buf* b, napi_value src, int64_t at);
// readSync(): the first `count` elements of b, after every queued kernel has run.
Napi::Value device_read(Napi::Env env, Context& ctx, Buf* b, size_t count);
// Adds cudaInfo, createCudaContext, cudaStats, cudaSync, readAsync (and the emulation build's
// test hooks) to `exports`.
void export_cuda(Napi::Env env, Napi::Object exports);

}  // namespace bind
}  // namespace flint
