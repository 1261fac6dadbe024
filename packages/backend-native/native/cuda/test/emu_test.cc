// Tests of the CUDA emulator (emu/emu.cc): the execution model the emulated 'cuda' device relies
// on — block barriers, warp shuffles and votes, shared memory, grid-stride loops, and the
// errors for deadlocks and bad launches.
#include <cstdint>
#include <vector>

#include "check.h"
#include "cuda/kernel.cuh"

using flint::cuda::emu::run;

namespace {

// Sum of x over the grid: grid-stride partial sums, a warp reduction by shuffles, warp totals
// through static shared memory, then warp 0 reduces those and one atomic per block.
__global__ void block_sum(const double* x, int64_t n, double* total) {
  __shared__ double warp_sums[32];
  double s = 0;
  FLINT_GRID_LOOP(i, n) s += x[i];
  for (int d = 16; d > 0; d /= 2) s += __shfl_down_sync(0xffffffffu, s, d);
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  if (lane == 0) warp_sums[warp] = s;
  __syncthreads();
  if (warp == 0) {
    s = lane < int(blockDim.x + 31) / 32 ? warp_sums[lane] : 0.0;
    for (int d = 16; d > 0; d /= 2) s += __shfl_down_sync(0xffffffffu, s, d);
    if (lane == 0) atomicAdd(total, s);
  }
}

// The same with the block's partials in dynamic shared memory and a tree reduction.
__global__ void tree_sum(const float* x, int64_t n, float* out) {
  FLINT_DYN_SHARED(float, part);
  float s = 0;
  FLINT_GRID_LOOP(i, n) s += x[i];
  part[threadIdx.x] = s;
  __syncthreads();
  for (unsigned w = blockDim.x / 2; w > 0; w /= 2) {
    if (threadIdx.x < w) part[threadIdx.x] += part[threadIdx.x + w];
    __syncthreads();
  }
  if (threadIdx.x == 0) out[blockIdx.x] = part[0];
}

__global__ void twice(const int* x, int64_t n, int* y) {
  FLINT_GRID_LOOP(i, n) y[i] = 2 * x[i];
}

__global__ void early_exit() {
  if (threadIdx.x == 0) return;
  __syncthreads();
}

}  // namespace

TEST(emu_block_reduction_with_shuffles) {
  const int64_t n = 100003;
  std::vector<double> x(n);
  for (int64_t i = 0; i < n; i++) x[i] = double(i % 1000);
  double expect = 0;
  for (double v : x) expect += v;
  for (unsigned threads : {32u, 96u, 256u, 1024u}) {
    double total = 0;
    run(dim3(5), dim3(threads), 0, [&] { block_sum(x.data(), n, &total); });
    CHECK(total == expect);
  }
}

TEST(emu_dynamic_shared_tree_reduction) {
  const int64_t n = 5000;
  std::vector<float> x(n, 1.0f);
  std::vector<float> out(3, 0.0f);
  run(dim3(3), dim3(128), 128 * sizeof(float), [&] { tree_sum(x.data(), n, out.data()); });
  CHECK(out[0] + out[1] + out[2] == float(n));
  CHECK(out[0] == 13 * 128 + 8);  // block 0: 13 full strides of 128, then 4992..4999
}

TEST(emu_grid_stride_loop_covers_every_index_once) {
  const int64_t n = 10007;
  std::vector<int> x(n), y(n, -1);
  for (int64_t i = 0; i < n; i++) x[i] = int(i);
  run(dim3(flint::cuda::grid_for(n)), dim3(256), 0, [&] { twice(x.data(), n, y.data()); });
  bool ok = true;
  for (int64_t i = 0; i < n; i++) ok &= y[i] == 2 * int(i);
  CHECK(ok);
}

TEST(emu_thread_and_block_indices_in_3d) {
  std::vector<int> seen(2 * 3 * 4 * 2 * 2, 0);
  run(dim3(2, 2), dim3(2, 3, 4), 0, [&] {
    const int t = threadIdx.x + 2 * (threadIdx.y + 3 * threadIdx.z);
    const int b = blockIdx.x + 2 * blockIdx.y;
    if (blockDim.x == 2 && blockDim.y == 3 && blockDim.z == 4 && gridDim.x == 2 && gridDim.y == 2)
      seen[b * 24 + t]++;
  });
  bool ok = true;
  for (int v : seen) ok &= v == 1;
  CHECK(ok);
}

TEST(emu_shuffle_xor_idx_and_votes) {
  std::vector<int> butterfly(64), bcast(64), any(64), all(64), ballot(64);
  run(dim3(1), dim3(48), 0, [&] {
    const int t = threadIdx.x;
    int v = t;
    for (int m = 1; m < 32; m *= 2) v += __shfl_xor_sync(0xffffffffu, v, m);
    butterfly[t] = v;
    bcast[t] = __shfl_sync(0xffffffffu, t * 10, 3);
    any[t] = __any_sync(0xffffffffu, t == 40);
    all[t] = __all_sync(0xffffffffu, t < 40);
    ballot[t] = int(__ballot_sync(0xffffffffu, t % 2));
  });
  CHECK(butterfly[0] == 496 && butterfly[31] == 496);  // 0 + … + 31 in every lane of warp 0
  CHECK(bcast[5] == 30 && bcast[40] == 350);            // lane 3 of each warp
  CHECK(any[0] == 0 && any[33] == 1);
  CHECK(all[0] == 1 && all[33] == 0);
  CHECK(unsigned(ballot[0]) == 0xaaaaaaaau && unsigned(ballot[47]) == 0xaaaau);
}

TEST(emu_shuffle_down_out_of_range_keeps_own_value) {
  std::vector<float> r(32);
  run(dim3(1), dim3(32), 0, [&] { r[threadIdx.x] = __shfl_down_sync(~0u, float(threadIdx.x), 4); });
  CHECK(r[0] == 4.0f && r[27] == 31.0f && r[28] == 28.0f && r[31] == 31.0f);
}

TEST(emu_deadlock_is_an_error) {
  CHECK_THROWS(run(dim3(1), dim3(64), 0, [] { early_exit(); }), "deadlock in block (0, 0, 0)");
  // The emulator is usable again after the failed launch.
  std::vector<int> x(10, 1), y(10, 0);
  run(dim3(1), dim3(32), 0, [&] { twice(x.data(), 10, y.data()); });
  CHECK(y[9] == 2);
}

TEST(emu_divergent_shuffle_is_an_error) {
  CHECK_THROWS(run(dim3(1), dim3(32), 0,
                   [] {
                     if (threadIdx.x < 16) __syncthreads();
                     else (void)__shfl_sync(~0u, 1, 0);
                   }),
               "deadlock");
}

TEST(emu_kernel_exception_propagates) {
  CHECK_THROWS(run(dim3(2), dim3(64), 0,
                   [] {
                     if (blockIdx.x == 1 && threadIdx.x == 7) throw flint::Error("boom in kernel");
                     __syncthreads();
                   }),
               "boom in kernel");
}

TEST(emu_bad_launch_configuration) {
  CHECK_THROWS(run(dim3(1), dim3(2048), 0, [] {}), "invalid launch configuration");
  CHECK_THROWS(run(dim3(0), dim3(32), 0, [] {}), "invalid launch configuration");
  CHECK_THROWS(run(dim3(1), dim3(32), 1 << 20, [] {}), "dynamic shared memory");
  CHECK_THROWS(__syncthreads(), "outside a kernel launch");
}

TEST(emu_nested_launch_is_an_error) {
  CHECK_THROWS(run(dim3(1), dim3(1), 0, [] { run(dim3(1), dim3(1), 0, [] {}); }),
               "launched another kernel");
}
