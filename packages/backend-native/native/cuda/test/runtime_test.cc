// Tests of the runtime layer over the emulated cudart (runtime.cc): detection, a context with a
// cuda Device (buffers from the caching allocator), Scratch, launch through kernel.cuh, copies,
// and out-of-memory through Context::alloc as kernels' Call::out reaches it.
#include <memory>
#include <vector>

#include "buffer.h"
#include "check.h"
#include "cuda/kernel.cuh"
#include "cuda/runtime.h"

namespace {

__global__ void iota(float* y, int64_t n) {
  FLINT_GRID_LOOP(i, n) y[i] = float(i);
}

std::shared_ptr<flint::Context> cuda_context() {
  auto ctx = std::make_shared<flint::Context>(0);
  ctx->device = std::make_unique<flint::cuda::Device>(nullptr);
  return ctx;
}

}  // namespace

TEST(runtime_probe_reports_the_emulator) {
  const flint::cuda::Probe& p = flint::cuda::probe();
  CHECK(p.ok && p.devices == 1 && p.major == 9);
  CHECK(p.name.find("emulator") != std::string::npos);
  CHECK(flint::cuda::explain(35).find("no NVIDIA driver") != std::string::npos);
  CHECK(flint::cuda::explain(100).find("CUDA error 100 (cudaErrorNoDevice)") == 0);
  CHECK_THROWS(flint::cuda::check(2, "cudaMalloc"), "cudaMalloc: CUDA error 2");
}

TEST(runtime_grid_for_caps_emulated_grids) {
  CHECK(flint::cuda::grid_for(0) == 1);
  CHECK(flint::cuda::grid_for(256) == 1);
  CHECK(flint::cuda::grid_for(257) == 2);
  CHECK(flint::cuda::grid_for(int64_t(1) << 40) == 4);
}

TEST(runtime_call_out_launch_and_copies) {
  auto ctx = cuda_context();
  flint::Call call;
  call.name = "iota";
  call.ctx = ctx;
  flint::Buf* y = call.out(flint::F32, 1000);
  flint::cuda::launch(call, dim3(flint::cuda::grid_for(1000)), dim3(256), 0, iota, y->as<float>(),
                      int64_t(1000));
  std::vector<float> host(1000, -1.0f);
  auto& dev = flint::cuda::device_of(call);
  dev.download(host.data(), y->data, 1000 * sizeof(float));
  CHECK(host[0] == 0.0f && host[999] == 999.0f);
  dev.upload(y->data, std::vector<float>(1000, 7.0f).data(), 1000 * sizeof(float));
  dev.download(host.data(), y->data, 4);
  CHECK(host[0] == 7.0f);
  {
    flint::cuda::Scratch s(call, 10000);
    CHECK(s.as<float>() != nullptr);
    CHECK(dev.allocator().stats().live_blocks == 2);
  }
  CHECK(dev.allocator().stats().live_blocks == 1 && dev.allocator().stats().cached_blocks == 1);
  CHECK(ctx->live_buffers == 1);
  ctx->release(y);
  delete y;
  CHECK(ctx->live_buffers == 0 && dev.allocator().stats().live_bytes == 0);
  ctx->dispose();
  CHECK(dev.allocator().stats().cached_bytes == 0);
}

TEST(runtime_out_of_memory_through_a_context) {
  const size_t limit = flint::cuda::emu::memory_limit();
  auto ctx = cuda_context();
  flint::cuda::emu::set_memory_limit(flint::cuda::emu::memory_used() + (4 << 20));
  flint::Call call;
  call.name = "big";
  call.ctx = ctx;
  CHECK_THROWS(call.out(flint::F64, 1 << 20), "out of memory: cannot allocate 8.00 MiB");
  CHECK(ctx->live_buffers == 0);
  flint::Buf* small = call.out(flint::F32, 1 << 10);
  CHECK(small != nullptr);
  flint::cuda::emu::set_memory_limit(limit);
  ctx->dispose();
  delete small;
}
