#include "common.h"

#include "buffer.h"
#include "strided.h"

namespace flint {

const char* dtype_name(DType d) {
  switch (d) {
    case F32: return "float32";
    case F64: return "float64";
    case I32: return "int32";
    case BOOL: return "bool";
  }
  return "?";
}

size_t dtype_size(DType d) {
  switch (d) {
    case F32: return 4;
    case F64: return 8;
    case I32: return 4;
    case BOOL: return 1;
  }
  return 1;
}

bool View::contiguous() const {
  int64_t expect = 1;
  for (int d = rank - 1; d >= 0; d--) {
    if (shape[d] != 1 && strides[d] != expect) return false;
    expect *= shape[d];
  }
  return true;
}

std::string View::describe() const {
  // Error messages carry this: at most 8 dims are listed, so a message stays short at any rank.
  std::string s = std::string(dtype_name(dtype)) + " [";
  const int shown = rank <= 8 ? rank : 6;
  for (int i = 0; i < shown; i++) s += (i ? ", " : "") + std::to_string(shape[i]);
  if (shown < rank) s += ", … (" + std::to_string(rank) + " dims)";
  return s + "]";
}

double Call::arg(int i) const {
  if (i >= nargs) fail("missing argument " + std::to_string(i));
  return args[i];
}

int64_t Call::iarg(int i) const {
  double v = arg(i);
  if (!(v == std::floor(v)) || std::fabs(v) > 9.007199254740992e15)
    fail("argument " + std::to_string(i) + " must be an integer, got " + std::to_string(v));
  return static_cast<int64_t>(v);
}

const View& Call::input(int i) const {
  if (i >= nin || !in[i].present()) fail("missing input " + std::to_string(i));
  return in[i];
}

Buf* Call::out(DType d, int64_t size) {
  outs.push_back(nullptr);  // reserve first: push_back cannot then throw after the alloc
  outs.back() = ctx->alloc(d, size);
  return outs.back();
}

void Call::fail(const std::string& msg) const { throw Error(msg); }

void contiguous_strides(int rank, const int64_t* shape, int64_t* out) {
  int64_t s = 1;
  for (int d = rank - 1; d >= 0; d--) {
    out[d] = s;
    s *= shape[d];
  }
}

Nest make_nest(int rank, const int64_t* shape, std::initializer_list<const int64_t*> strides) {
  Nest n;
  n.nops = static_cast<int>(strides.size());
  n.rank = 0;
  n.size = 1;
  for (int d = 0; d < rank; d++) n.size *= shape[d];
  for (int d = 0; d < rank; d++) {
    if (shape[d] == 1) continue;  // size-1 dims never move any operand
    int k = 0;
    bool merge = n.rank > 0;
    for (const int64_t* s : strides) {
      // dim d folds into the previous kept dim when stepping over it equals one step there.
      if (merge && n.st[k][n.rank - 1] != s[d] * shape[d]) merge = false;
      k++;
    }
    if (merge) {
      n.shape[n.rank - 1] *= shape[d];
      k = 0;
      for (const int64_t* s : strides) n.st[k++][n.rank - 1] = s[d];
    } else {
      n.shape[n.rank] = shape[d];
      k = 0;
      for (const int64_t* s : strides) n.st[k++][n.rank] = s[d];
      n.rank++;
    }
  }
  if (n.rank == 0) {  // a scalar or all-ones shape: one element
    n.rank = 1;
    n.shape[0] = 1;
    for (int k = 0; k < n.nops; k++) n.st[k][0] = 0;
  }
  if (n.size == 0) n.shape[0] = 0;
  return n;
}

}  // namespace flint
