// Shared types of the native backend: dtypes, buffers, kernel views and the per-call context
// that the binding (addon.cc) fills from the metadata scratch before a kernel runs.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace flint {

// Largest rank of a kernel view (caps.maxRank, checked by core before any kernel runs; the CPU
// backend declares the same). Views and loop nests keep fixed arrays of this length, so a call
// costs no allocation; 64 is as high as those arrays stay cheap (a View is 1 KiB).
constexpr int kMaxRank = 64;
// Most numeric arguments of one call: pad's value and a (before, after) pair per dim, plus room.
constexpr int kMaxArgs = 2 * kMaxRank + 16;

// Codes shared with src/binding.ts (DTYPE_CODE).
enum DType : int { F32 = 0, F64 = 1, I32 = 2, BOOL = 3 };
const char* dtype_name(DType d);
size_t dtype_size(DType d);

// A failure that becomes a JS Error at the binding boundary; never crosses into JS as a C++
// exception.
struct Error : std::runtime_error {
  explicit Error(const std::string& m) : std::runtime_error(m) {}
};

struct Context;

// One allocation, named in JS by a handle number (handles.h); `data` is null once freed (by
// free(), by the context's dispose(), or when its Node environment goes away).
struct Buf {
  void* data = nullptr;
  int64_t size = 0;  // elements
  DType dtype = F32;
  std::shared_ptr<Context> ctx;
  size_t live_at = 0;  // index in its context's live list (buffer.cc)
  template <class T> T* as() const { return static_cast<T*>(data); }
};

// A (possibly strided) read-only view of a buffer, as described by the JS side.
struct View {
  Buf* buf = nullptr;  // null for an absent optional input (e.g. no bias)
  DType dtype = F32;
  int rank = 0;
  int64_t offset = 0;
  // Only [0, rank) is set (by the binding, which validates them): left uninitialised so that the
  // eight views of every call do not cost 16 KiB of zeroing.
  int64_t shape[kMaxRank];
  int64_t strides[kMaxRank];

  bool present() const { return buf != nullptr; }
  int64_t numel() const {
    int64_t n = 1;
    for (int i = 0; i < rank; i++) n *= shape[i];
    return n;
  }
  bool contiguous() const;
  // Pointer to element [0, ..., 0] (strides are relative to it).
  template <class T> const T* base() const { return buf->as<T>() + offset; }
  std::string describe() const;  // "float32 [2, 3]" (long shapes abbreviated)
};

// Everything one kernel call sees: its inputs, extra numeric arguments, and its outputs.
struct Call {
  int op = 0;
  const char* name = "";
  View in[8];
  int nin = 0;
  // A copy of the call's numeric arguments: kernels never read the JS-owned scratch, which JS
  // code could change (a SharedArrayBuffer) or detach.
  double args[kMaxArgs];
  int nargs = 0;
  std::shared_ptr<Context> ctx;
  std::vector<Buf*> outs;  // nullptr entries are absent outputs

  double arg(int i) const;          // throws when missing
  int64_t iarg(int i) const;        // integral argument
  const View& input(int i) const;   // throws when missing
  // Allocates an output of `size` elements in the call's context and records it.
  Buf* out(DType d, int64_t size);
  // Records an absent output (e.g. conv2dBackward without needsX).
  void none() { outs.push_back(nullptr); }
  [[noreturn]] void fail(const std::string& msg) const;
};

using Kernel = void (*)(Call&);

}  // namespace flint
