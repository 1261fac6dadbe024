// The 'cuda' device's dispatch table: one kernel per op id of ../prims.gen.h, filled by the
// kernel families below. Every primitive must be present (the binding refuses a device with a
// missing primitive); an override left null is simply not offered to core, which then composes
// the op from primitives (src/overrides.ts filters by the table).
#pragma once
#include "common.h"
#include "prims.gen.h"

namespace flint {
namespace cuda {

void register_elementwise(Kernel* table);  // unary, binary, compare, where, cast
void register_layout(Kernel* table);       // contiguous, fill, pad, stridedWrite
void register_indexing(Kernel* table);     // gather, scatterAdd
void register_random(Kernel* table);       // randomBits (Threefry, bit-identical to the CPU)
void register_reduce(Kernel* table);       // sum prod max min argmax argmin cumsum
void register_sort(Kernel* table);         // sort
void register_matmul(Kernel* table);       // matmul (cuBLAS when loaded, else own tiled kernel)
void register_fused(Kernel* table);        // softmax, logSoftmax, layerNorm, gelu, crossEntropy
void register_optim(Kernel* table);        // adamStep, sgdStep

}  // namespace cuda
}  // namespace flint
