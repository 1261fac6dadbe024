// Argument decoding and checks of the fused ops, shared by the CPU device (kernels/fused.cc)
// and the 'cuda' device (cuda/kernels/fused.cu): one set of rules and messages for both.
#pragma once

#include <cmath>
#include <string>

#include "../common.h"
#include "../host_device.h"

namespace flint {

// layerNorm: inputs (x, weight?, bias?), args (normSize, eps); w and b are null when absent.
struct LayerNormArgs {
  const View* x;
  const View* w;
  const View* b;
  int64_t ns;
  double eps;
};

inline LayerNormArgs layer_norm_args(const Call& c) {
  const View& x = c.input(0);
  const View* w = c.nin > 1 && c.in[1].present() ? &c.in[1] : nullptr;
  const View* b = c.nin > 2 && c.in[2].present() ? &c.in[2] : nullptr;
  const int64_t ns = c.iarg(0);
  const double eps = c.arg(1);
  if (ns <= 0 || x.numel() % ns != 0)
    c.fail("normSize " + std::to_string(ns) + " does not divide " + x.describe());
  for (const View* v : {w, b})
    if (v && (v->dtype != x.dtype || v->numel() != ns))
      c.fail("weight and bias must be " + std::string(dtype_name(x.dtype)) + " with " +
             std::to_string(ns) + " elements, got " + v->describe());
  return LayerNormArgs{&x, w, b, ns, eps};
}

// The shift of a softmax lane (or crossEntropy row) whose largest element is mx: mx itself, as in
// PyTorch, so that a +inf entry makes the whole lane NaN (inf − inf, and exp(−inf) = 0 beside it:
// NaN/… and …/NaN), as torch.softmax([inf, 0]) = [nan, nan]. An all −inf lane is shifted by 0
// instead, to keep the arithmetic defined; it still gives NaN everywhere (0/0, and −inf − log 0 =
// −inf + inf). A NaN max makes the lane NaN too.
template <class T> FLINT_SHARED T lane_shift(T mx) { return mx == -T(INFINITY) ? T(0) : mx; }

// crossEntropy: inputs (logits [N, C], target int32 [N]), args (ignoreIndex).
struct CrossEntropyArgs {
  const View* x;
  const View* t;
  int64_t ignore, rows, classes;
};

inline CrossEntropyArgs cross_entropy_args(const Call& c) {
  const View& x = c.input(0);
  const View& t = c.input(1);
  const int64_t ignore = c.iarg(0);
  if (x.rank != 2) c.fail("logits must be [N, C], got " + x.describe());
  if (t.dtype != I32 || t.rank != 1 || t.shape[0] != x.shape[0])
    c.fail("target must be int32 [" + std::to_string(x.shape[0]) + "], got " + t.describe());
  return CrossEntropyArgs{&x, &t, ignore, x.shape[0], x.shape[1]};
}

}  // namespace flint
