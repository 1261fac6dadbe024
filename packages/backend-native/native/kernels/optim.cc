// Fused optimizer steps: one pass that reads the parameter, gradient and state and writes fresh
// buffers, instead of the dozen (Adam) or five (SGD with momentum) full-size temporaries of the
// composites. The arithmetic per element mirrors the CPU backend's fused kernels (and core's
// composite order): computed in double, each stored value (moments, momentum buffer, parameter)
// rounded once to the dtype, and stored state read back rounded, as the composite reads it —
// except Adam on float32, which computes in float (see adam_range_f32).
#include <cmath>
#include <string>
#include <type_traits>
#include <vector>

#include "../dispatch.h"
#include "../threads.h"
#include "fused_common.h"

namespace flint {
namespace {

void check_like(const Call& c, const View& p, const View& v, const char* name) {
  if (v.dtype != p.dtype || v.numel() != p.numel())
    c.fail(std::string(name) + " " + v.describe() + " does not match the parameter " +
           p.describe());
}

// ---- Adam / AdamW ----

struct AdamConsts {
  double decay, sign, l2, b1, omb1, b2, omb2, bc2, inv_bc2, eps, step_size;
};

// torch.optim.Adam(W): d = ±g [+ λp]; m = β₁m + (1 − β₁)d; v = β₂v + (1 − β₂)d²;
// p = p·decay − m / (√v / √(1 − β₂ᵗ) + ε) · lr/(1 − β₁ᵗ). L2 (the gradient penalty) is a template
// flag: the composite skips the term when weightDecay is 0 or decoupled, so must we (0·inf = NaN).
// __restrict: outputs are fresh buffers, and without it GCC gives up vectorising for want of
// alias checks between seven pointers.
template <class T, class L2>
void adam_range(const T* __restrict p, const T* __restrict g, const T* __restrict m,
                const T* __restrict v, T* __restrict P, T* __restrict M, T* __restrict Vo, int64_t n,
                const AdamConsts& k) {
  for (int64_t i = 0; i < n; i++) {
    const double pi = static_cast<double>(p[i]);
    const double w = pi * k.decay;
    double d = k.sign * static_cast<double>(g[i]);
    if constexpr (L2::value) d += k.l2 * pi;
    const T mi = static_cast<T>(static_cast<double>(m[i]) * k.b1 + d * k.omb1);
    const T vi = static_cast<T>(static_cast<double>(v[i]) * k.b2 + d * d * k.omb2);
    M[i] = mi;
    Vo[i] = vi;
    // float32: multiplying by 1/√(1 − β₂ᵗ) saves a division per element (a third of the loop's
    // time); it moves the double intermediate by at most an ulp, which the rounding to float
    // hides. float64 divides, exactly as the composite and the CPU kernel do.
    double denom;
    if constexpr (std::is_same<T, float>::value)
      denom = std::sqrt(static_cast<double>(vi)) * k.inv_bc2 + k.eps;
    else
      denom = std::sqrt(static_cast<double>(vi)) / k.bc2 + k.eps;
    P[i] = static_cast<T>(w - (static_cast<double>(mi) / denom) * k.step_size);
  }
}

// float32 in float arithmetic, as the composite computes it (each op rounded to float32) and
// as torch does: 8 lanes per AVX instruction instead of 4, about twice as fast as the double
// path; the result differs from it by an ulp or so, far inside float32's tolerance.
template <class L2>
void adam_range_f32(const float* __restrict p, const float* __restrict g,
                    const float* __restrict m, const float* __restrict v, float* __restrict P,
                    float* __restrict M, float* __restrict Vo, int64_t n, const AdamConsts& k) {
  const float decay = static_cast<float>(k.decay), sign = static_cast<float>(k.sign),
              l2 = static_cast<float>(k.l2), b1 = static_cast<float>(k.b1),
              omb1 = static_cast<float>(k.omb1), b2 = static_cast<float>(k.b2),
              omb2 = static_cast<float>(k.omb2), bc2 = static_cast<float>(k.bc2),
              eps = static_cast<float>(k.eps), step_size = static_cast<float>(k.step_size);
  for (int64_t i = 0; i < n; i++) {
    const float pi = p[i];
    float d = sign * g[i];
    if constexpr (L2::value) d += l2 * pi;
    const float mi = m[i] * b1 + d * omb1;
    const float vi = v[i] * b2 + d * d * omb2;
    M[i] = mi;
    Vo[i] = vi;
    P[i] = pi * decay - (mi / (std::sqrt(vi) / bc2 + eps)) * step_size;
  }
}

// In place (core's inPlace flag, see AdamStepParams): p, m and v are three distinct buffers and
// g a fourth, so __restrict still holds for every pointer; each result overwrites the element it
// was computed from. The arithmetic is adam_range_f32's and adam_range's, step for step.
template <class L2>
void adam_inplace_f32(float* __restrict p, const float* __restrict g, float* __restrict m,
                      float* __restrict v, int64_t n, const AdamConsts& k) {
  const float decay = static_cast<float>(k.decay), sign = static_cast<float>(k.sign),
              l2 = static_cast<float>(k.l2), b1 = static_cast<float>(k.b1),
              omb1 = static_cast<float>(k.omb1), b2 = static_cast<float>(k.b2),
              omb2 = static_cast<float>(k.omb2), bc2 = static_cast<float>(k.bc2),
              eps = static_cast<float>(k.eps), step_size = static_cast<float>(k.step_size);
  for (int64_t i = 0; i < n; i++) {
    const float pi = p[i];
    float d = sign * g[i];
    if constexpr (L2::value) d += l2 * pi;
    const float mi = m[i] * b1 + d * omb1;
    const float vi = v[i] * b2 + d * d * omb2;
    m[i] = mi;
    v[i] = vi;
    p[i] = pi * decay - (mi / (std::sqrt(vi) / bc2 + eps)) * step_size;
  }
}

template <class L2>
void adam_inplace_f64(double* __restrict p, const double* __restrict g, double* __restrict m,
                      double* __restrict v, int64_t n, const AdamConsts& k) {
  for (int64_t i = 0; i < n; i++) {
    const double pi = p[i];
    const double w = pi * k.decay;
    double d = k.sign * g[i];
    if constexpr (L2::value) d += k.l2 * pi;
    const double mi = m[i] * k.b1 + d * k.omb1;
    const double vi = v[i] * k.b2 + d * d * k.omb2;
    m[i] = mi;
    v[i] = vi;
    p[i] = w - (mi / (std::sqrt(vi) / k.bc2 + k.eps)) * k.step_size;
  }
}

// Writes p, m and v in place and pushes no output. Core sends only contiguous, distinct
// buffers; anything else would break the kernel's aliasing assumptions, so it is refused.
void adam_step_in_place(Call& c, const View& p, const View& g, const View& m, const View& v,
                        const AdamConsts& k, bool l2) {
  if (!p.contiguous() || !m.contiguous() || !v.contiguous())
    c.fail("in place needs contiguous p, expAvg and expAvgSq");
  if (p.buf == m.buf || p.buf == v.buf || m.buf == v.buf || g.buf == p.buf || g.buf == m.buf ||
      g.buf == v.buf)
    c.fail("in place needs p, grad, expAvg and expAvgSq on four distinct buffers");
  FLINT_DISPATCH_FLOAT(c, p.dtype, T, {
    std::vector<T> tg;
    const T* gv = dense(g, tg);
    T* pv = p.buf->as<T>() + p.offset;
    T* mv = m.buf->as<T>() + m.offset;
    T* vv = v.buf->as<T>() + v.offset;
    with_bool(l2, [&](auto L2) {
      parallel_for(p.numel(), kHeavyGrain, [&](int64_t b, int64_t e) {
        if constexpr (std::is_same<T, float>::value)
          adam_inplace_f32<decltype(L2)>(pv + b, gv + b, mv + b, vv + b, e - b, k);
        else
          adam_inplace_f64<decltype(L2)>(pv + b, gv + b, mv + b, vv + b, e - b, k);
      });
    });
  });
}

void adam_step(Call& c) {
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
  k.b1 = b1;
  k.omb1 = 1 - b1;
  k.b2 = b2;
  k.omb2 = 1 - b2;
  k.bc2 = std::sqrt(1 - std::pow(b2, step));
  k.inv_bc2 = 1 / k.bc2;
  k.eps = eps;
  k.step_size = lr / (1 - std::pow(b1, step));
  const bool l2 = !decoupled && wd != 0;
  if (c.nargs > 8 && c.arg(8) != 0) return adam_step_in_place(c, p, g, m, v, k, l2);
  FLINT_DISPATCH_FLOAT(c, p.dtype, T, {
    std::vector<T> tp, tg, tm, tv;
    const T *pv = dense(p, tp), *gv = dense(g, tg), *mv = dense(m, tm), *vv = dense(v, tv);
    const int64_t n = p.numel();
    T* P = c.out(p.dtype, n)->as<T>();
    T* M = c.out(p.dtype, n)->as<T>();
    T* Vo = c.out(p.dtype, n)->as<T>();
    with_bool(l2, [&](auto L2) {
      parallel_for(n, kHeavyGrain, [&](int64_t b, int64_t e) {
        if constexpr (std::is_same<T, float>::value)
          adam_range_f32<decltype(L2)>(pv + b, gv + b, mv + b, vv + b, P + b, M + b, Vo + b,
                                       e - b, k);
        else
          adam_range<T, decltype(L2)>(pv + b, gv + b, mv + b, vv + b, P + b, M + b, Vo + b,
                                      e - b, k);
      });
    });
  });
}

// ---- SGD ----

struct SgdConsts {
  double lr, mu, keep, wd, sign;
};

// torch.optim.SGD: d = ±g [+ λp]; with momentum b = d (first step) or μb + (1 − τ)d, then
// d = d + μb (Nesterov) or b; p = p − lr·d. Every flag is a template parameter.
template <class T, class WD, class MOM, class FIRST, class NEST>
void sgd_range(const T* __restrict p, const T* __restrict g, const T* __restrict buf,
               T* __restrict P, T* __restrict B, int64_t n, const SgdConsts& k) {
  for (int64_t i = 0; i < n; i++) {
    const double pi = static_cast<double>(p[i]);
    double d = k.sign * static_cast<double>(g[i]);
    if constexpr (WD::value) d += pi * k.wd;
    if constexpr (MOM::value) {
      T bi;
      if constexpr (FIRST::value)
        bi = static_cast<T>(d);
      else
        bi = static_cast<T>(static_cast<double>(buf[i]) * k.mu + d * k.keep);
      B[i] = bi;
      if constexpr (NEST::value)
        d = d + static_cast<double>(bi) * k.mu;
      else
        d = static_cast<double>(bi);
    }
    P[i] = static_cast<T>(pi - d * k.lr);
  }
}

// In place (core's inPlace flag; never on a first step): p and the momentum buffer are distinct
// buffers, g a third, so each pointer keeps __restrict; sgd_range's arithmetic, step for step.
template <class T, class WD, class MOM, class NEST>
void sgd_inplace(T* __restrict p, const T* __restrict g, T* __restrict buf, int64_t n,
                 const SgdConsts& k) {
  for (int64_t i = 0; i < n; i++) {
    const double pi = static_cast<double>(p[i]);
    double d = k.sign * static_cast<double>(g[i]);
    if constexpr (WD::value) d += pi * k.wd;
    if constexpr (MOM::value) {
      const T bi = static_cast<T>(static_cast<double>(buf[i]) * k.mu + d * k.keep);
      buf[i] = bi;
      if constexpr (NEST::value)
        d = d + static_cast<double>(bi) * k.mu;
      else
        d = static_cast<double>(bi);
    }
    p[i] = static_cast<T>(pi - d * k.lr);
  }
}

// Writes p (and the buffer, with momentum) in place and pushes no output.
void sgd_step_in_place(Call& c, const View& p, const View& g, bool momentum, bool nesterov,
                       const SgdConsts& k) {
  const View* b = momentum && c.nin > 2 && c.in[2].present() ? &c.in[2] : nullptr;
  if (momentum && !b) c.fail("in place needs the momentum buffer");
  if (!p.contiguous() || (b && !b->contiguous()))
    c.fail("in place needs a contiguous parameter and momentum buffer");
  if (p.buf == g.buf || (b && (b->buf == p.buf || b->buf == g.buf)))
    c.fail("in place needs p, grad and the momentum buffer on distinct buffers");
  FLINT_DISPATCH_FLOAT(c, p.dtype, T, {
    std::vector<T> tg;
    const T* gv = dense(g, tg);
    T* pv = p.buf->as<T>() + p.offset;
    T* bv = b ? b->buf->as<T>() + b->offset : nullptr;
    with_bool(k.wd != 0, [&](auto WD) {
      with_bool(momentum, [&](auto MOM) {
        with_bool(nesterov && momentum, [&](auto NEST) {
          parallel_for(p.numel(), kGrain, [&](int64_t s, int64_t e) {
            sgd_inplace<T, decltype(WD), decltype(MOM), decltype(NEST)>(
                pv + s, gv + s, bv ? bv + s : nullptr, e - s, k);
          });
        });
      });
    });
  });
}

void sgd_step(Call& c) {
  const View& p = c.input(0);
  const View& g = c.input(1);
  check_like(c, p, g, "grad");
  SgdConsts k;
  k.lr = c.arg(0);
  k.mu = c.arg(1);
  k.keep = 1 - c.arg(2);
  k.wd = c.arg(3);
  const bool nesterov = c.arg(4) != 0;
  k.sign = c.arg(5) != 0 ? -1 : 1;
  const bool momentum = k.mu != 0;
  const bool has_buf = c.nin > 2 && c.in[2].present();
  // As the CPU kernel: a missing buffer with momentum means the first step.
  const bool first = momentum && (c.arg(6) != 0 || !has_buf);
  if (!first && c.nargs > 7 && c.arg(7) != 0)
    return sgd_step_in_place(c, p, g, momentum, nesterov, k);
  if (momentum && !first) check_like(c, p, c.in[2], "momentum buffer");
  FLINT_DISPATCH_FLOAT(c, p.dtype, T, {
    std::vector<T> tp, tg, tb;
    const T *pv = dense(p, tp), *gv = dense(g, tg);
    const T* bv = momentum && !first ? dense(c.in[2], tb) : nullptr;
    const int64_t n = p.numel();
    T* P = c.out(p.dtype, n)->as<T>();
    T* B = nullptr;
    if (momentum)
      B = c.out(p.dtype, n)->as<T>();
    else
      c.none();
    with_bool(k.wd != 0, [&](auto WD) {
      with_bool(momentum, [&](auto MOM) {
        with_bool(first, [&](auto FIRST) {
          with_bool(nesterov && momentum, [&](auto NEST) {
            using F = decltype(FIRST);
            using N = decltype(NEST);
            parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
              sgd_range<T, decltype(WD), decltype(MOM), F, N>(pv + b, gv + b, bv ? bv + b : nullptr,
                                                             P + b, B ? B + b : nullptr, e - b, k);
            });
          });
        });
      });
    });
  });
}

}  // namespace

void register_optim(Kernel* t) {
  t[O_adamStep] = adam_step;
  t[O_sgdStep] = sgd_step;
}

}  // namespace flint
