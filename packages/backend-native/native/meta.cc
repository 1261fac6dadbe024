#include "meta.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

#include "buffer.h"
#include "strided.h"

namespace flint {

namespace {

// A relaxed atomic load: the scratch may be a SharedArrayBuffer that another thread writes while
// this one reads (a data race for C++ unless the load is atomic). Float64Array elements are
// 8-byte aligned.
double load(const double* p) {
  uint64_t bits = __atomic_load_n(reinterpret_cast<const uint64_t*>(p), __ATOMIC_RELAXED);
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}

std::string num(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char s[32];
  std::snprintf(s, sizeof s, "%.17g", v);
  return s;
}

// A bound of MetaReader::integer, with ±2^53 written as such.
std::string bound(int64_t v) {
  if (v == kMaxIndex) return "2^53";
  if (v == -kMaxIndex) return "-2^53";
  return std::to_string(v);
}

std::string strides_of(const View& v) {
  std::string s = "[";
  const int shown = v.rank <= 8 ? v.rank : 6;
  for (int i = 0; i < shown; i++) s += (i ? ", " : "") + std::to_string(v.strides[i]);
  return s + (shown < v.rank ? ", …]" : "]");
}

[[noreturn]] void out_of_buffer(const View& v, const std::string& why) {
  throw Error("view " + v.describe() + " with strides " + strides_of(v) + " and offset " +
              std::to_string(v.offset) + " " + why + " (a buffer of " +
              std::to_string(v.buf->size) + " elements)");
}

}  // namespace

double MetaReader::number(const char* what) {
  if (pos_ >= len_)
    throw Error(std::string("metadata ends before the ") + what + " (" + std::to_string(len_) +
                " numbers)");
  return load(data_ + pos_++);
}

int64_t MetaReader::integer(const char* what, int64_t lo, int64_t hi) {
  const double v = number(what);
  // The comparisons are false for NaN; lo and hi are within ±2^53, so the cast below is exact.
  if (!(v >= static_cast<double>(lo) && v <= static_cast<double>(hi) && v == std::floor(v)))
    throw Error(std::string("metadata ") + what + " must be an integer in " + bound(lo) + ".." +
                bound(hi) + ", got " + num(v));
  return static_cast<int64_t>(v);
}

bool read_view(MetaReader& r, View& v) {
  const int64_t code = r.integer("dtype code", -1, 3);
  if (code < 0) {
    v.buf = nullptr;
    return false;
  }
  v.dtype = static_cast<DType>(code);
  v.rank = static_cast<int>(r.integer("rank", 0, kMaxRank));
  v.offset = r.integer("offset", 0, kMaxIndex);
  for (int d = 0; d < v.rank; d++) v.shape[d] = r.integer("dim", 0, kMaxIndex);
  for (int d = 0; d < v.rank; d++) v.strides[d] = r.integer("stride", -kMaxIndex, kMaxIndex);
  return true;
}

void check_view(View& v) {
  if (v.buf->dtype != v.dtype)
    throw Error(std::string("view dtype ") + dtype_name(v.dtype) + " does not match its " +
                dtype_name(v.buf->dtype) + " buffer");
  // The product of the non-zero dims: a view with a 0 dim is empty, but kernels still multiply
  // its other dims together.
  int64_t count = 1;
  bool empty = false;
  for (int d = 0; d < v.rank; d++) {
    if (v.shape[d] == 0) {
      empty = true;
    } else if (__builtin_mul_overflow(count, v.shape[d], &count) || count > kMaxIndex) {
      throw Error("view " + v.describe() + " has more than 2^53 elements");
    }
  }
  if (empty) {
    v.offset = 0;
    contiguous_strides(v.rank, v.shape, v.strides);
    return;
  }
  // The lowest and highest element reached: offset plus each dim's (size − 1)·stride, to the
  // low side for a negative stride. Exact or an error: no wrap-around can bring them back inside.
  int64_t lo = v.offset, hi = v.offset;
  for (int d = 0; d < v.rank; d++) {
    int64_t span;
    if (__builtin_mul_overflow(v.shape[d] - 1, v.strides[d], &span) ||
        __builtin_add_overflow(span < 0 ? lo : hi, span, span < 0 ? &lo : &hi))
      out_of_buffer(v, "reaches beyond the int64 range");
  }
  if (lo < 0 || hi >= v.buf->size)
    out_of_buffer(v, "reaches elements " + std::to_string(lo) + ".." + std::to_string(hi));
}

void read_args(MetaReader& r, Call& call) {
  const int64_t n = r.integer("argument count", 0, kMaxArgs);
  if (static_cast<size_t>(n) > r.remaining())
    throw Error("metadata holds " + std::to_string(r.remaining()) + " numbers after the views, " +
                "not the " + std::to_string(n) + " arguments it announces");
  for (int64_t i = 0; i < n; i++) call.args[i] = r.number("argument");
  call.nargs = static_cast<int>(n);
}

}  // namespace flint
