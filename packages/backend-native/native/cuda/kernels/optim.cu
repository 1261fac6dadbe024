// Fused optimizer steps of the 'cuda' device: one element-wise pass that reads the parameter,
// gradient and state and writes fresh buffers, with the per-element arithmetic of the CPU
// device's optim.cc (itself core's composite order): Adam on float32 in float arithmetic, Adam
// on float64 and SGD in double, each stored value rounded once to the dtype and stored state
// read back rounded. Flags are uniform across the grid, so their branches cost nothing.
#include <cmath>
#include <string>

#include "block.h"
#include "dispatch_cuda.h"
#include "kernels/optim_args.h"

namespace flint {
namespace cuda {
namespace {

// ---- Adam / AdamW ----

// adam_elem (kernels/optim_args.h), one thread per element: float32 in float, float64 in double.
template <class T>
__global__ void adam_kernel(const T* __restrict__ p, const T* __restrict__ g,
                            const T* __restrict__ m, const T* __restrict__ v, T* __restrict__ P,
                            T* __restrict__ M, T* __restrict__ Vo, int64_t n, AdamConsts k) {
  const auto kt = adam_consts<T>(k);
  FLINT_GRID_LOOP(i, n) adam_elem<T>(k.use_l2, p[i], g[i], m[i], v[i], kt, P[i], M[i], Vo[i]);
}

void adam_step(Call& c) {
  const AdamConsts k = adam_args(c);
  const View& p = c.input(0);
  const View& g = c.input(1);
  const View& m = c.input(2);
  const View& v = c.input(3);
  FLINT_DISPATCH_FLOAT(c, p.dtype, T, {
    std::unique_ptr<Scratch> hp, hg, hm, hv;
    const T *pv = dense<T>(c, p, hp), *gv = dense<T>(c, g, hg), *mv = dense<T>(c, m, hm),
            *vv = dense<T>(c, v, hv);
    const int64_t n = p.numel();
    T* P = c.out(p.dtype, n)->as<T>();
    T* M = c.out(p.dtype, n)->as<T>();
    T* Vo = c.out(p.dtype, n)->as<T>();
    if (n == 0) break;
    launch(c, grid_for(n), kThreads, 0, adam_kernel<T>, pv, gv, mv, vv, P, M, Vo, n, k);
  });
}

// ---- SGD ----

// sgd_elem (kernels/optim_args.h), one thread per element.
template <class T>
__global__ void sgd_kernel(const T* __restrict__ p, const T* __restrict__ g,
                           const T* __restrict__ buf, T* __restrict__ P, T* __restrict__ B,
                           int64_t n, SgdConsts k) {
  FLINT_GRID_LOOP(i, n) {
    sgd_elem<T>(k.use_wd, k.momentum, k.first, k.nesterov, p, g, buf, P, B, i, k);
  }
}

void sgd_step(Call& c) {
  const SgdConsts k = sgd_args(c);
  const View& p = c.input(0);
  const View& g = c.input(1);
  if (k.momentum && !k.first) check_like(c, p, c.in[2], "momentum buffer");
  FLINT_DISPATCH_FLOAT(c, p.dtype, T, {
    std::unique_ptr<Scratch> hp, hg, hb;
    const T *pv = dense<T>(c, p, hp), *gv = dense<T>(c, g, hg);
    const T* bv = k.momentum && !k.first ? dense<T>(c, c.in[2], hb) : nullptr;
    const int64_t n = p.numel();
    T* P = c.out(p.dtype, n)->as<T>();
    T* B = nullptr;
    if (k.momentum) B = c.out(p.dtype, n)->as<T>();
    else c.none();
    if (n == 0) break;
    launch(c, grid_for(n), kThreads, 0, sgd_kernel<T>, pv, gv, bv, P, B, n, k);
  });
}

}  // namespace

void register_optim(Kernel* t) {
  t[O_adamStep] = adam_step;
  t[O_sgdStep] = sgd_step;
}

}  // namespace cuda
}  // namespace flint
