// The fused optimizer steps' argument checks, constants and per-element arithmetic, shared by
// the CPU device (kernels/optim.cc) and the 'cuda' device (cuda/kernels/optim.cu): one copy of
// torch's update rules (in core's composite order) and of the error messages. The element
// functions take their flags as bools: the CPU loops pass compile-time constants, which fold
// away after inlining; the CUDA kernels pass values that are uniform across the grid.
#pragma once

#include <cmath>
#include <string>
#include <type_traits>

#include "../common.h"
#include "../host_device.h"

namespace flint {

inline void check_like(const Call& c, const View& p, const View& v, const char* name) {
  if (v.dtype != p.dtype || v.numel() != p.numel())
    c.fail(std::string(name) + " " + v.describe() + " does not match the parameter " +
           p.describe());
}

// ---- Adam / AdamW ----

struct AdamConsts {
  double decay, sign, l2, b1, omb1, b2, omb2, bc2, eps, step_size;
  bool use_l2;  // the composite skips the term when weightDecay is 0 or decoupled (0·inf = NaN)
};

// Inputs (p, grad, expAvg, expAvgSq); args (lr, β₁, β₂, ε, weightDecay, decoupled, maximize,
// step[, inPlace]).
inline AdamConsts adam_args(const Call& c) {
  const View& p = c.input(0);
  const View& g = c.input(1);
  const View& m = c.input(2);
  const View& v = c.input(3);
  check_like(c, p, g, "grad");
  check_like(c, p, m, "expAvg");
  check_like(c, p, v, "expAvgSq");
  const double lr = c.arg(0), b1 = c.arg(1), b2 = c.arg(2), eps = c.arg(3), wd = c.arg(4);
  const bool decoupled = c.arg(5) != 0, maximize = c.arg(6) != 0;
  const double step = c.arg(7);
  if (!(step >= 1)) c.fail("step must be ≥ 1, got " + std::to_string(step));
  AdamConsts k;
  k.decay = decoupled ? 1 - lr * wd : 1;
  k.sign = maximize ? -1 : 1;
  k.l2 = decoupled ? 0 : wd;
  k.use_l2 = !decoupled && wd != 0;
  k.b1 = b1;
  k.omb1 = 1 - b1;
  k.b2 = b2;
  k.omb2 = 1 - b2;
  k.bc2 = std::sqrt(1 - std::pow(b2, step));
  k.eps = eps;
  k.step_size = lr / (1 - std::pow(b1, step));
  return k;
}

// The constants rounded to float32 once, for the float32 step.
struct AdamF32 {
  float decay, sign, l2, b1, omb1, b2, omb2, bc2, eps, step_size;
};

FLINT_SHARED AdamF32 adam_f32_consts(const AdamConsts& k) {
  return AdamF32{static_cast<float>(k.decay), static_cast<float>(k.sign),
                 static_cast<float>(k.l2),    static_cast<float>(k.b1),
                 static_cast<float>(k.omb1),  static_cast<float>(k.b2),
                 static_cast<float>(k.omb2),  static_cast<float>(k.bc2),
                 static_cast<float>(k.eps),   static_cast<float>(k.step_size)};
}

// The constants in T's arithmetic: AdamF32 for the float32 step, AdamConsts itself for float64.
template <class T> FLINT_SHARED auto adam_consts(const AdamConsts& k) {
  if constexpr (std::is_same<T, float>::value) return adam_f32_consts(k);
  else return k;
}

// torch.optim.Adam(W): d = ±g [+ λp]; m = β₁m + (1 − β₁)d; v = β₂v + (1 − β₂)d²;
// p = p·decay − m / (√v / √(1 − β₂ᵗ) + ε) · lr/(1 − β₁ᵗ). T float with AdamF32 computes in float,
// as the composite (each op rounded to float32) and torch do; T double with AdamConsts in
// double. Reads happen before the writes, so the outputs may be the inputs' own elements (the
// in-place step).
template <class T, class K>
FLINT_SHARED void adam_elem(bool l2, T pi, T gi, T mi0, T vi0, const K& k, T& P, T& M, T& V) {
  T d = k.sign * gi;
  if (l2) d += k.l2 * pi;
  const T mi = mi0 * k.b1 + d * k.omb1;
  const T vi = vi0 * k.b2 + d * d * k.omb2;
  M = mi;
  V = vi;
  P = pi * k.decay - (mi / (std::sqrt(vi) / k.bc2 + k.eps)) * k.step_size;
}

// ---- SGD ----

struct SgdConsts {
  double lr, mu, keep, wd, sign;
  bool use_wd, momentum, first, nesterov;
};

// Inputs (p, grad[, momentum buffer]); args (lr, μ, dampening τ, weightDecay, nesterov,
// maximize, first[, inPlace]). The momentum buffer is checked by the caller, after the in-place
// branch (which checks it its own way).
inline SgdConsts sgd_args(const Call& c) {
  const View& p = c.input(0);
  const View& g = c.input(1);
  check_like(c, p, g, "grad");
  SgdConsts k;
  k.lr = c.arg(0);
  k.mu = c.arg(1);
  k.keep = 1 - c.arg(2);
  k.wd = c.arg(3);
  k.use_wd = k.wd != 0;
  const bool nesterov = c.arg(4) != 0;
  k.sign = c.arg(5) != 0 ? -1 : 1;
  k.momentum = k.mu != 0;
  k.nesterov = nesterov && k.momentum;
  const bool has_buf = c.nin > 2 && c.in[2].present();
  // A missing buffer with momentum means the first step.
  k.first = k.momentum && (c.arg(6) != 0 || !has_buf);
  return k;
}

// torch.optim.SGD: d = ±g [+ λp]; with momentum b = d (first step) or μb + (1 − τ)d, then
// d = d + μb (Nesterov) or b; p = p − lr·d. In double, each stored value rounded once. Element
// i: B is written only with momentum, buf read only with momentum after the first step; the
// reads come before the writes, so P may be p and B may be buf (the in-place step).
template <class T>
FLINT_SHARED void sgd_elem(bool wd, bool momentum, bool first, bool nesterov, const T* p,
                           const T* g, const T* buf, T* P, T* B, int64_t i, const SgdConsts& k) {
  const double pi = static_cast<double>(p[i]);
  double d = k.sign * static_cast<double>(g[i]);
  if (wd) d += pi * k.wd;
  if (momentum) {
    const T bi = first ? static_cast<T>(d)
                       : static_cast<T>(static_cast<double>(buf[i]) * k.mu + d * k.keep);
    B[i] = bi;
    d = nesterov ? d + static_cast<double>(bi) * k.mu : static_cast<double>(bi);
  }
  P[i] = static_cast<T>(pi - d * k.lr);
}

}  // namespace flint
