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

constexpr int kMaxRank = 16;

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

// One allocation. The JS handle is an External around a Buf; `data` is null once freed (by
// free(), by the context's dispose(), or by the External's finalizer).
struct Buf {
  void* data = nullptr;
  int64_t size = 0;  // elements
  DType dtype = F32;
  std::shared_ptr<Context> ctx;
  template <class T> T* as() const { return static_cast<T*>(data); }
};

// A (possibly strided) read-only view of a buffer, as described by the JS side.
struct View {
  Buf* buf = nullptr;  // null for an absent optional input (e.g. no bias)
  DType dtype = F32;
  int rank = 0;
  int64_t offset = 0;
  int64_t shape[kMaxRank] = {};
  int64_t strides[kMaxRank] = {};

  bool present() const { return buf != nullptr; }
  int64_t numel() const {
    int64_t n = 1;
    for (int i = 0; i < rank; i++) n *= shape[i];
    return n;
  }
  bool contiguous() const;
  // Pointer to element [0, ..., 0] (strides are relative to it).
  template <class T> const T* base() const { return buf->as<T>() + offset; }
  std::string describe() const;  // "float32 [2, 3]"
};

// Everything one kernel call sees: its inputs, extra numeric arguments, and its outputs.
struct Call {
  int op = 0;
  const char* name = "";
  View in[8];
  int nin = 0;
  const double* args = nullptr;
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
