// gather's and scatterAdd's argument checks, shared by the CPU device (kernels/indexing.cc) and
// the 'cuda' device (cuda/kernels/indexing.cu).
#pragma once

#include <algorithm>
#include <string>

#include "../common.h"
#include "../strided.h"

namespace flint {

struct IndexAxis {
  int axis;
  int64_t len;  // x's size along axis (1 for a 0-d x)
};

// index must be int32 with x's rank and no larger than x off the axis (as torch requires),
// so every position it names lies inside x. Args: (axis).
inline IndexAxis check_index(const Call& c, const View& x, const View& index, const char* what) {
  const int64_t axis = c.iarg(0);
  if (axis < 0 || axis >= std::max(x.rank, 1))
    c.fail("axis " + std::to_string(axis) + " is out of range");
  if (index.dtype != I32)
    c.fail(std::string("index must be int32, got ") + dtype_name(index.dtype));
  if (index.rank != x.rank)
    c.fail("index " + index.describe() + " must have the rank of " + what + " " + x.describe());
  for (int d = 0; d < x.rank; d++)
    if (d != axis && index.shape[d] > x.shape[d])
      c.fail("index " + index.describe() + " is larger than " + what + " " + x.describe() +
             " at dimension " + std::to_string(d));
  return {static_cast<int>(axis), x.rank == 0 ? 1 : x.shape[axis]};
}

// `strides` with the axis entry zeroed: the index value supplies that coordinate instead.
inline void drop_axis(const int64_t* strides, int rank, int axis, int64_t* out) {
  for (int d = 0; d < rank; d++) out[d] = d == axis ? 0 : strides[d];
}

// scatterAdd's checks and output geometry: src must have index's shape and x's dtype; the output
// is a contiguous copy of x (strides cs) into which src's element at index position i adds at
// os·i + index[i]·sa.
struct ScatterGeometry {
  IndexAxis ax;
  int64_t sa;            // the output's stride along the axis (0 for a 0-d x)
  int64_t cs[kMaxRank];  // the output's contiguous strides
  int64_t os[kMaxRank];  // cs with the axis entry zeroed (drop_axis)
};

inline ScatterGeometry scatter_add_args(const Call& c, const View& x, const View& index,
                                        const View& src) {
  ScatterGeometry g;
  g.ax = check_index(c, x, index, "input");
  if (src.dtype != x.dtype || src.rank != index.rank ||
      !std::equal(src.shape, src.shape + src.rank, index.shape))
    c.fail("src " + src.describe() + " must match index " + index.describe() + " with dtype " +
           dtype_name(x.dtype));
  contiguous_strides(x.rank, x.shape, g.cs);
  drop_axis(g.cs, x.rank, g.ax.axis, g.os);
  g.sa = x.rank == 0 ? 0 : g.cs[g.ax.axis];
  return g;
}

}  // namespace flint
