// Fused optimizer steps: one pass that reads the parameter, gradient and state and writes fresh
// buffers, instead of the dozen (Adam) or five (SGD with momentum) full-size temporaries of the
// composites. The arithmetic per element mirrors the CPU backend's fused kernels (and core's
// composite order): computed in double, each stored value (moments, momentum buffer, parameter)
// rounded once to the dtype, and stored state read back rounded, as the composite reads it —
// except Adam on float32, which computes in float (see adam_range).
#include <cmath>
#include <string>
#include <type_traits>
#include <vector>

#include "../dispatch.h"
#include "../threads.h"
#include "fused_common.h"
#include "optim_args.h"

namespace flint {
namespace {

// ---- Adam / AdamW ----

// Adam over [0, n) with adam_elem's arithmetic (optim_args.h, shared with the 'cuda' device).
// float32 computes in float, as the composite (each op rounded to float32) and torch do: 8 lanes
// per AVX instruction instead of 4, about twice as fast as double; float64 in double. L2 (the
// gradient penalty) is a template flag: the composite skips the term when weightDecay is 0 or
// decoupled, so must we (0·inf = NaN). __restrict: outputs are fresh buffers, and without it GCC
// gives up vectorising for want of alias checks between seven pointers.
template <class T, class L2>
void adam_range(const T* __restrict p, const T* __restrict g, const T* __restrict m,
                const T* __restrict v, T* __restrict P, T* __restrict M, T* __restrict Vo,
                int64_t n, const AdamConsts& k) {
  const auto kt = adam_consts<T>(k);
  for (int64_t i = 0; i < n; i++)
    adam_elem<T>(L2::value, p[i], g[i], m[i], v[i], kt, P[i], M[i], Vo[i]);
}

// In place (core's inPlace flag, see AdamStepParams): p, m and v are three distinct buffers and
// g a fourth, so __restrict still holds for every pointer; each result overwrites the element it
// was computed from. The arithmetic is adam_range's, step for step.
template <class T, class L2>
void adam_inplace(T* __restrict p, const T* __restrict g, T* __restrict m, T* __restrict v,
                  int64_t n, const AdamConsts& k) {
  const auto kt = adam_consts<T>(k);
  for (int64_t i = 0; i < n; i++)
    adam_elem<T>(L2::value, p[i], g[i], m[i], v[i], kt, p[i], m[i], v[i]);
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
        adam_inplace<T, decltype(L2)>(pv + b, gv + b, mv + b, vv + b, e - b, k);
      });
    });
  });
}

void adam_step(Call& c) {
  const AdamConsts k = adam_args(c);
  const View& p = c.input(0);
  const View& g = c.input(1);
  const View& m = c.input(2);
  const View& v = c.input(3);
  const bool l2 = k.use_l2;
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
        adam_range<T, decltype(L2)>(pv + b, gv + b, mv + b, vv + b, P + b, M + b, Vo + b, e - b,
                                    k);
      });
    });
  });
}

// ---- SGD ----

// torch.optim.SGD: d = ±g [+ λp]; with momentum b = d (first step) or μb + (1 − τ)d, then
// d = d + μb (Nesterov) or b; p = p − lr·d. Every flag is a template parameter.
template <class T, class WD, class MOM, class FIRST, class NEST>
void sgd_range(const T* __restrict p, const T* __restrict g, const T* __restrict buf,
               T* __restrict P, T* __restrict B, int64_t n, const SgdConsts& k) {
  for (int64_t i = 0; i < n; i++)
    sgd_elem<T>(WD::value, MOM::value, FIRST::value, NEST::value, p, g, buf, P, B, i, k);
}

// In place (core's inPlace flag; never on a first step): p and the momentum buffer are distinct
// buffers, g a third, so each pointer keeps __restrict; sgd_range's arithmetic, step for step.
template <class T, class WD, class MOM, class NEST>
void sgd_inplace(T* __restrict p, const T* __restrict g, T* __restrict buf, int64_t n,
                 const SgdConsts& k) {
  for (int64_t i = 0; i < n; i++)
    sgd_elem<T>(WD::value, MOM::value, false, NEST::value, p, g, buf, p, buf, i, k);
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
  const SgdConsts k = sgd_args(c);
  const View& p = c.input(0);
  const View& g = c.input(1);
  const bool momentum = k.momentum, nesterov = k.nesterov, first = k.first;
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
