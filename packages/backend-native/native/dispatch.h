// The dispatch table: one kernel per op id of prims.gen.h (primitives, then overrides). Each
// kernel family registers its entries; the binding refuses to load if any entry is missing.
#pragma once
#include "common.h"
#include "prims.gen.h"

namespace flint {

// Inputs (Call::in, in order) and numeric arguments (Call::args) of each op, as src/binding.ts
// encodes them. Kernels push their outputs with Call::out in the order listed after "→".
//   unary/binary/compare  x | a, b                         → out
//   where      cond, a, b                                  → out (a's dtype)
//   cast       x;  args [dtypeCode]                        → out
//   contiguous x                                           → out
//   fill       -;  args [dtypeCode, value, rank, ...shape] → out
//   pad        x;  args [value, before0, after0, before1, after1, ...] (one pair per dim)
//   stridedWrite base, values;  args [offset, ...strides] (one per values dim)  → out (base's size)
//   sum prod max min   x;  args [...axes] (sorted, unique) → out
//   argmax argmin cumsum  x;  args [axis]                  → out
//   matmul     a [B,M,K], b [B,K,N]                        → out [B,M,N]
//   gather     x, index;  args [axis]                      → out (index's shape)
//   scatterAdd x, index, src;  args [axis]                 → out (x's shape)
//   randomBits -;  args [key0, key1, offset, rank, ...shape] → out int32
//   sort       x (row-major);  args [descending 0/1]       → values, indices (int32)
//   softmax logSoftmax  x;  args [axis]                    → out
//   adamStep   p, grad, m, v;  args [lr, beta1, beta2, eps, weightDecay, decoupled, maximize, step,
//              inPlace (optional)]                         → p', m', v' (none in place: written
//                                                            into p, m and v)
//   sgdStep    p, grad, buf|absent;  args [lr, momentum, dampening, weightDecay, nesterov,
//              maximize, firstStep, inPlace (optional)]    → p', buf' (absent when momentum = 0;
//                                                            none in place: written into p, buf)
//   conv2d     x, weight, bias|absent;  args [strideH, strideW, padTop, padBottom, padLeft,
//              padRight, dilationH, dilationW, groups]     → out
//   conv2dBackward  x, weight, grad;  args [the 9 conv2d args, needsX, needsW]
//                                                          → gx|absent, gw|absent
//   maxPool2d  x;  args [kH, kW, strideH, strideW, padH, padW, dilationH, dilationW, ceilMode]
//                                                          → values, indices (int32)
//   layerNorm  x, weight|absent, bias|absent;  args [normSize, eps] → y, mean, rstd
//   gelu       x;  args [tanhApproximation 0/1]            → out
//   crossEntropy  logits [N,C], target int32 [N];  args [ignoreIndex] → out [N]
//   lstmSequence  gi, weightHh, h0, c0;  args [reverse]    → y [2,T,B,H], gates [T,B,4H]
//   lstmSequenceBackward  gates, y, weightHh, h0, c0, gy;  args [reverse] → dGi, dWhh, dh0, dc0
//   gruSequence  gi, weightHh, biasHh|absent, h0;  args [reverse] → hs [T,B,H], saved [T,B,4H]
//   gruSequenceBackward  saved, hs, weightHh, h0, ghs;  args [reverse, hasBias]
//                                                          → dGi, dWhh, dBhh|absent, dh0
// Booleans travel as 0/1 and dtype codes as in common.h.

void register_elementwise(Kernel* table);  // unary, binary, compare, where, cast
void register_layout(Kernel* table);       // contiguous, fill, pad, stridedWrite
void register_reduce(Kernel* table);       // sum prod max min argmax argmin cumsum
void register_indexing(Kernel* table);     // gather, scatterAdd
void register_matmul(Kernel* table);       // matmul
void register_random(Kernel* table);       // randomBits
void register_sort(Kernel* table);         // sort
void register_conv(Kernel* table);         // conv2d, conv2dBackward, maxPool2d
void register_fused(Kernel* table);        // softmax, logSoftmax, layerNorm, gelu, crossEntropy
void register_optim(Kernel* table);        // adamStep, sgdStep
void register_recurrent(Kernel* table);    // lstmSequence, gruSequence and their backwards

// Which GEMM matmul uses: "openblas", "cblas" or "builtin" (own AVX2/FMA kernel).
const char* gemm_name();
// Which GEMM float32 products take (the faster one on this CPU, matmul.cc): "builtin-avx512",
// "builtin-avx2", or gemm_name()'s BLAS.
const char* gemm_f32_name();
// Sets the BLAS library's thread count where it has one.
void gemm_set_threads(int n);

}  // namespace flint
