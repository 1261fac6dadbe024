// Device-side asserts of the 'cuda' device. A kernel cannot throw and must not synchronise, so a
// kernel that finds bad input (an index or a target out of range: values that live in device
// memory, so the host could only check them by synchronising first) records it in its context's
// error word and writes something safe instead (never out of bounds). The host looks at the word
// whenever it synchronises anyway (read, readSync, sync) and raises the error there, once: like
// PyTorch's device-side asserts, but the context stays usable afterwards.
// Plain data, shared by the host (runtime.{h,cc}, the binding) and the kernels (kernel.cuh).
#pragma once
#include <cstdint>
#include <string>

#include "common.h"

namespace flint {
namespace cuda {

// What went wrong; 0 means nothing did.
enum DeviceErrorCode : int32_t {
  kDeviceErrNone = 0,
  // An index value outside [0, bound) along axis `aux` (gather, scatterAdd).
  kDeviceErrIndex = 1,
  // A crossEntropy target outside [0, bound) classes and not ignoreIndex (`aux`).
  kDeviceErrTarget = 2,
};

// One per context, in device memory, zeroed when made and after each report. The first error
// wins: a kernel claims the word by swapping `code` from 0 (atomicCAS), then fills the rest; the
// host reads it only after the stream has passed the kernel, so it never sees half of it.
struct DeviceErrorWord {
  int32_t code;   // DeviceErrorCode
  int32_t op;     // the op id (prims.gen.h) of the call whose kernel found it
  int64_t value;  // the bad value
  int64_t bound;  // values must lie in [0, bound)
  int64_t aux;    // per code: the axis (index), ignoreIndex (target)
  int64_t at;     // where: the element (index) or the row (target)
};

// Raised by the host when it finds the word set; the binding turns it into a JS Error whose
// `code` is 'FLINT_DEVICE_ASSERT' (src/cuda.ts makes that a ShapeError, as core's own checks).
struct DeviceAssert : Error {
  using Error::Error;
};

// "crossEntropy: target 4 is out of bounds for 4 classes (valid 0 to 3, or ignoreIndex -100);
// detected on the device at row 1, reported at this read": `when` is "read" or "sync".
std::string describe_device_error(const DeviceErrorWord& w, const char* when);

}  // namespace cuda
}  // namespace flint
