// Reading a call's metadata: the kernel views and numeric arguments that src/binding.ts encodes
// in a Float64Array (the scratch). Every number is read exactly once and validated as it is
// read, and nothing keeps pointing into the scratch afterwards, so neither garbage nor a buffer
// that JS changes behind the call (a SharedArrayBuffer written by another thread, a resized or
// detached ArrayBuffer) can make a kernel see a value that was not checked. A view is checked
// against its buffer with overflow-checked arithmetic: every element it reaches is inside.
#pragma once
#include <cstddef>
#include <cstdint>

#include "common.h"

namespace flint {

// Largest magnitude of a dim, stride or offset, and of a view's element count: 2^53, beyond
// which JS numbers are no longer exact integers. Bounding the count also bounds every partial
// product of dims that kernels form, so none of them can overflow int64.
constexpr int64_t kMaxIndex = int64_t(1) << 53;

// Sequential reader over the scratch's current memory (re-validated by the binding per call).
class MetaReader {
 public:
  MetaReader(const double* data, size_t len) : data_(data), len_(len) {}
  // The next number, whatever its value; `what` names it in errors.
  double number(const char* what);
  // The next number, which must be an integer in [lo, hi].
  int64_t integer(const char* what, int64_t lo, int64_t hi);
  size_t remaining() const { return len_ - pos_; }

 private:
  const double* data_;
  size_t len_;
  size_t pos_ = 0;
};

// Reads one view's dtype, rank, offset, shape and strides (v.buf is left alone); returns false
// for an absent optional input (dtype code -1).
bool read_view(MetaReader& r, View& v);

// Checks a view whose v.buf is set: its dtype matches the buffer's, its element count is at
// most 2^53, and the elements it reaches lie inside the buffer. An empty view reaches nothing:
// its offset and strides are normalised (0, row-major) so that no kernel forms a pointer or
// product out of their range. Throws Error.
void check_view(View& v);

// Reads the argument count and that many numbers into call.args.
void read_args(MetaReader& r, Call& call);

}  // namespace flint
