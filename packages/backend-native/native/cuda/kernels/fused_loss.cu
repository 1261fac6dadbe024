// Fused crossEntropy of the 'cuda' device (the rest of the fused family is in fused.cu): per-row
// losses −logSoftmax(row)[t] = −((x_t − shift) − log Σ exp(x − shift)), exp in the dtype and the
// sum in float64 as the CPU device's fused.cc; 0 exactly for ignored rows; a row with +inf, NaN
// or only −inf gives NaN, and a −inf logit at the target +inf, as torch does.
//
// Target range: the CPU kernel refuses an out-of-range target before reading any logit. Here the
// targets are device memory and a kernel never copies to the host, so the range cannot be checked
// before launch: a bad target never indexes outside its row (its loss is NaN) and is reported in
// the context's error word (device_error.h), which the next read raises as the error.
#include <cmath>
#include <string>

#include "block.h"
#include "dispatch_cuda.h"
#include "kernels/fused_args.h"
#include "reduce_ops.h"

namespace flint {
namespace cuda {
namespace {

// As fused.cu: block sums in float64 with SumOp<double>, exp is m_exp (scalar_float.h) and a row's
// shift is the softmax lane's (lane_shift, kernels/fused_args.h).
using SumD = SumOp<double>;

// The loss of row i from its shift and Σ exp(x − shift); NaN for an out-of-range target, which
// is reported.
template <class T>
FLINT_D T row_loss(const T* row, int64_t classes, int32_t t, T shift, double sum, ErrorSlot err,
                   int64_t ignore, int64_t i) {
  if (t < 0 || t >= classes) {
    report_error(err, kDeviceErrTarget, t, classes, ignore, i);
    return T(NAN);
  }
  const double picked = static_cast<double>(row[t]) - static_cast<double>(shift);
  return static_cast<T>(-(picked - log(sum)));
}

// A block per row; `classes` > 0.
template <class T>
__global__ void cross_entropy_rows(const T* __restrict__ x, const int32_t* __restrict__ target,
                                   T* __restrict__ out, int64_t rows, int64_t classes,
                                   int64_t ignore, ErrorSlot err) {
  using Max = ExtremeOp<T, true>;
  __shared__ T tslots[32];
  __shared__ double dslots[32];
  for (int64_t i = blockIdx.x; i < rows; i += gridDim.x) {
    const int32_t t = target[i];
    if (t == ignore) {  // uniform across the block: every thread skips the row together
      if (threadIdx.x == 0) out[i] = T(0);
      continue;
    }
    const T* row = x + i * classes;
    T mx = Max::identity();
    for (int64_t k = threadIdx.x; k < classes; k += blockDim.x) mx = Max::combine(mx, row[k]);
    const T shift = lane_shift(block_all_reduce<Max>(mx, tslots));
    double s = 0;
    for (int64_t k = threadIdx.x; k < classes; k += blockDim.x)
      s += static_cast<double>(m_exp(row[k] - shift));
    s = block_all_reduce<SumD>(s, dslots);
    if (threadIdx.x == 0) out[i] = row_loss(row, classes, t, shift, s, err, ignore, i);
  }
}

// A thread per row, for few classes.
template <class T>
__global__ void cross_entropy_thread(const T* __restrict__ x, const int32_t* __restrict__ target,
                                     T* __restrict__ out, int64_t rows, int64_t classes,
                                     int64_t ignore, ErrorSlot err) {
  using Max = ExtremeOp<T, true>;
  FLINT_GRID_LOOP(i, rows) {
    const int32_t t = target[i];
    if (t == ignore) {
      out[i] = T(0);
      continue;
    }
    const T* row = x + i * classes;
    T mx = Max::identity();
    for (int64_t k = 0; k < classes; k++) mx = Max::combine(mx, row[k]);
    const T shift = lane_shift(mx);
    double s = 0;
    for (int64_t k = 0; k < classes; k++) s += static_cast<double>(m_exp(row[k] - shift));
    out[i] = row_loss(row, classes, t, shift, s, err, ignore, i);
  }
}

void cross_entropy(Call& c) {
  const CrossEntropyArgs a = cross_entropy_args(c);
  const View& x = *a.x;
  const View& t = *a.t;
  const int64_t ignore = a.ignore, rows = a.rows, classes = a.classes;
  FLINT_DISPATCH_FLOAT(c, x.dtype, T, {
    std::unique_ptr<Scratch> hx, ht;
    const T* xv = dense<T>(c, x, hx);
    const int32_t* tv = dense<int32_t>(c, t, ht);
    T* out = c.out(x.dtype, rows)->as<T>();
    if (rows == 0) break;
    if (classes <= 64)
      launch(c, grid_for(rows), kThreads, 0, cross_entropy_thread<T>, xv, tv, out, rows, classes,
             ignore, error_word(c));
    else
      launch(c, blocks_for(rows), kBlock, 0, cross_entropy_rows<T>, xv, tv, out, rows, classes,
             ignore, error_word(c));
  });
}

}  // namespace

void register_cross_entropy(Kernel* t) { t[O_crossEntropy] = cross_entropy; }

}  // namespace cuda
}  // namespace flint
