// Tests of the device-side asserts (device_error.h): kernels report into the context's error
// word through report_error, the host raises the first report at its next download or sync, once,
// and the context keeps working.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "buffer.h"
#include "check.h"
#include "cuda/kernel.cuh"
#include "cuda/runtime.h"
#include "prims.gen.h"

namespace {

using flint::cuda::DeviceAssert;
using flint::cuda::DeviceErrorWord;
using flint::cuda::ErrorSlot;

// Every element >= n_ok is "bad": y gets 0 there, and the value is reported.
__global__ void checked_copy(const int32_t* x, int32_t* y, int64_t n, int64_t n_ok,
                             ErrorSlot err) {
  FLINT_GRID_LOOP(i, n) {
    const bool ok = x[i] >= 0 && x[i] < n_ok;
    if (!ok) flint::cuda::report_error(err, flint::cuda::kDeviceErrIndex, x[i], n_ok, 0, i);
    y[i] = ok ? x[i] : 0;
  }
}

std::string message_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const DeviceAssert& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(device_error_first_report_wins_and_is_raised_once) {
  auto ctx = std::make_shared<flint::Context>(0);
  ctx->device = std::make_unique<flint::cuda::Device>(nullptr);
  flint::Call call;
  call.op = flint::P_gather;
  call.name = "gather";
  call.ctx = ctx;
  auto& dev = flint::cuda::device_of(call);
  const int64_t n = 600;  // several emulated blocks
  std::vector<int32_t> host(n);
  for (int64_t i = 0; i < n; i++) host[i] = i < 300 ? int32_t(i % 5) : int32_t(i);
  flint::Buf* x = call.out(flint::I32, n);
  flint::Buf* y = call.out(flint::I32, n);
  dev.upload(x->data, host.data(), n * sizeof(int32_t));
  const dim3 grid(flint::cuda::grid_for(n));
  // A clean launch: nothing to raise.
  flint::cuda::launch(call, grid, dim3(256), 0, checked_copy, x->as<int32_t>(), y->as<int32_t>(),
                      n, int64_t(1000), flint::cuda::error_word(call));
  CHECK(message_of([&] { dev.download(host.data(), y->data, n * sizeof(int32_t)); }).empty());
  // Every element from 300 on is bad; then a second launch reports again before anyone looked.
  for (int k = 0; k < 2; k++)
    flint::cuda::launch(call, grid, dim3(256), 0, checked_copy, x->as<int32_t>(),
                        y->as<int32_t>(), n, int64_t(5 + k), flint::cuda::error_word(call));
  std::vector<int32_t> got(n, -1);
  const std::string m = message_of([&] { dev.download(got.data(), y->data, n * sizeof(int32_t)); });
  // Emulated blocks run in order, so the first report is element 300's of the first launch.
  CHECK(m == "gather: index 300 is out of bounds for dimension 0 with size 5 (valid: 0 to 4); "
             "detected on the device at element 300, reported at this read");
  CHECK(got[299] == 4 && got[300] == 0);  // the data arrived, safe values where it was bad
  // Reported once: the next download and sync are clean.
  CHECK(message_of([&] { dev.download(got.data(), y->data, 4); }).empty());
  CHECK(message_of([&] { dev.sync(); }).empty());
  // sync raises too, and an empty download is a read like any other.
  flint::cuda::launch(call, grid, dim3(256), 0, checked_copy, x->as<int32_t>(), y->as<int32_t>(),
                      n, int64_t(0), flint::cuda::error_word(call));
  CHECK(message_of([&] { dev.sync(); }) ==
        "gather: index 0 is out of bounds for dimension 0 with size 0 (valid: none, the size is "
        "0); detected on the device at element 0, reported at this sync");
  flint::cuda::launch(call, grid, dim3(256), 0, checked_copy, x->as<int32_t>(), y->as<int32_t>(),
                      n, int64_t(1), flint::cuda::error_word(call));
  CHECK(message_of([&] { dev.download(got.data(), y->data, 0); }).find("reported at this read") !=
        std::string::npos);
  ctx->release(x);
  ctx->release(y);
  delete x;
  delete y;
  ctx->dispose();
}

TEST(device_error_messages) {
  DeviceErrorWord w{};
  w.code = flint::cuda::kDeviceErrTarget;
  w.op = flint::O_crossEntropy;
  w.value = -1;
  w.bound = 4;
  w.aux = -100;
  w.at = 2;
  CHECK(flint::cuda::describe_device_error(w, "read") ==
        "crossEntropy: target -1 is out of bounds for 4 classes (valid 0 to 3, or ignoreIndex "
        "-100); detected on the device at row 2, reported at this read");
  w.code = 99;
  w.op = -3;  // never indexes kOpNames out of range
  CHECK(flint::cuda::describe_device_error(w, "sync").find("a cuda kernel: device-side error "
                                                           "code 99") == 0);
}
