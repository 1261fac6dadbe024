// The host emulator of the CUDA execution model (contract in emu.h). A launch runs its blocks one
// after another on the calling thread; a block's threads are fibers on pooled stacks that the
// scheduler resumes round-robin. The switch between fibers is a few instructions of assembly
// (callee-saved registers and the stack pointer), not swapcontext: that one makes two signal-mask
// system calls per switch, which made the emulated suite many times slower. A fiber runs until it finishes or reaches a barrier
// (__syncthreads: the block; a shuffle, vote or __syncwarp: its warp of 32 lanes), so code
// between barriers runs one thread at a time, which is a valid CUDA interleaving. A barrier that
// can never complete (threads of the block exited while others wait) is an Error naming it.
#include "cuda/emu/emu.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "common.h"

thread_local dim3 threadIdx, blockIdx, blockDim, gridDim;

#if !defined(__x86_64__)
#error "the CUDA emulator's fiber switch is written for x86-64"
#endif
// flint_emu_switch(save, to): saves the callee-saved registers, MXCSR and the x87 control word on
// the current stack, stores the stack pointer in *save, and resumes the stack `to` (System V
// x86-64 ABI: everything else is caller-saved, so a call boundary needs no more).
extern "C" void flint_emu_switch(void** save, void* to);
asm(R"(
.text
.globl flint_emu_switch
.type flint_emu_switch,@function
.hidden flint_emu_switch
flint_emu_switch:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  subq $8, %rsp
  stmxcsr (%rsp)
  fnstcw 4(%rsp)
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  ldmxcsr (%rsp)
  fldcw 4(%rsp)
  addq $8, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
.size flint_emu_switch,.-flint_emu_switch
.section .note.GNU-stack,"",@progbits
.text
)");

namespace flint {
namespace cuda {
namespace emu {
namespace {

// 64 KiB per fiber covers kernels' locals (a Nest argument is 2.6 KiB) with a wide margin; a
// PROT_NONE guard page below each stack turns an overflow into a crash, never a silent
// corruption of the neighbouring fiber.
constexpr size_t kStackBytes = 64 * 1024;
constexpr unsigned kMaxBlockThreads = 1024;  // CUDA's limit, checked like a launch error

enum class State : uint8_t { Ready, Sync, Warp, Done };
enum class WarpOp : uint8_t { Down, Xor, Idx, Barrier, Ballot };

struct Fiber {
  void* sp = nullptr;  // saved stack pointer while parked
  State state = State::Ready;
  dim3 tid;
  // A pending warp operation: this lane's value (bits), its argument, and the result.
  WarpOp op = WarpOp::Barrier;
  uint64_t in = 0, out = 0;
  int arg = 0;
};

struct Stack {
  void* map = nullptr;  // guard page + stack
  char* base = nullptr;
};

// Per host thread: Node's main thread and each worker launch independently.
struct Emu {
  std::vector<Stack> stacks;  // pooled, grown to the largest block seen
  std::vector<Fiber> fibers;
  void* sched = nullptr;  // the scheduler's saved stack pointer
  int current = -1;
  bool running = false;
  const std::function<void()>* body = nullptr;
  std::exception_ptr error;
  std::vector<unsigned char> shared;
  uint64_t launches = 0;

  ~Emu() {
    for (Stack& s : stacks) munmap(s.map, kStackBytes + page());
  }
  static size_t page() {
    static const size_t p = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    return p;
  }
  void grow(size_t n) {
    while (stacks.size() < n) {
      void* m = mmap(nullptr, kStackBytes + page(), PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (m == MAP_FAILED) throw Error("cuda emulator: cannot map a fiber stack");
      mprotect(m, page(), PROT_NONE);
      stacks.push_back({m, static_cast<char*>(m) + page()});
    }
  }
};

Emu& emu() {
  static thread_local Emu e;
  return e;
}

// A fiber's first frame: runs the kernel body, then parks for good (a finished fiber's stack is
// simply reused by the next block).
[[noreturn]] void fiber_main() {
  Emu& e = emu();
  try {
    (*e.body)();
  } catch (...) {
    if (!e.error) e.error = std::current_exception();
  }
  Fiber& f = e.fibers[e.current];
  f.state = State::Done;
  flint_emu_switch(&f.sp, e.sched);
  __builtin_unreachable();
}

// The initial stack of a fiber: what flint_emu_switch pops (control words, six registers), then
// fiber_main as the return address, with the stack aligned as after a call.
void* initial_stack(char* base, uint64_t control) {
  auto top = reinterpret_cast<uintptr_t>(base + kStackBytes) & ~uintptr_t(15);
  auto* sp = reinterpret_cast<uint64_t*>(top);
  *--sp = 0;  // where fiber_main's return address would be: rsp ≡ 8 (mod 16) at its entry
  *--sp = reinterpret_cast<uint64_t>(&fiber_main);
  for (int i = 0; i < 6; i++) *--sp = 0;  // rbp rbx r12 r13 r14 r15
  *--sp = control;
  return sp;
}

uint64_t current_control() {
  uint32_t mxcsr = 0;
  uint16_t fpucw = 0;
  asm volatile("stmxcsr %0" : "=m"(mxcsr));
  asm volatile("fnstcw %0" : "=m"(fpucw));
  return uint64_t(mxcsr) | (uint64_t(fpucw) << 32);
}

// Parks the current fiber in `s` and switches to the scheduler.
void park(State s) {
  Emu& e = emu();
  if (!e.running || e.current < 0)
    throw Error("cuda emulator: a barrier or warp function was called outside a kernel launch");
  Fiber& f = e.fibers[e.current];
  f.state = s;
  flint_emu_switch(&f.sp, e.sched);
}

std::string block_name() {
  return "block (" + std::to_string(blockIdx.x) + ", " + std::to_string(blockIdx.y) + ", " +
         std::to_string(blockIdx.z) + ")";
}

// Completes the warp operation of warp w (lanes [32w, 32w + 32) of the block) if every live lane
// has reached it; returns whether it did.
bool resolve_warp(std::vector<Fiber>& fs, size_t w) {
  const size_t lo = w * 32, hi = std::min(fs.size(), lo + 32);
  size_t waiting = 0, live = 0;
  uint32_t live_mask = 0;
  for (size_t i = lo; i < hi; i++) {
    if (fs[i].state == State::Done) continue;
    live++;
    live_mask |= 1u << (i - lo);
    if (fs[i].state == State::Warp) waiting++;
  }
  if (waiting == 0 || waiting != live) return false;
  const WarpOp op = fs[lo + __builtin_ctz(live_mask)].op;
  uint32_t ballot = 0;
  for (size_t i = lo; i < hi; i++) {
    if (fs[i].state != State::Warp) continue;
    if (fs[i].op != op)
      throw Error("cuda emulator: lanes of warp " + std::to_string(w) + " in " + block_name() +
                  " reached different warp functions (divergent shuffles)");
    if (fs[i].in) ballot |= 1u << (i - lo);
  }
  for (size_t i = lo; i < hi; i++) {
    Fiber& f = fs[i];
    if (f.state != State::Warp) continue;
    const size_t lane = i - lo;
    long src = -1;
    switch (op) {
      case WarpOp::Down: src = f.arg >= 0 && lane + f.arg < 32 ? long(lane + f.arg) : -1; break;
      case WarpOp::Xor: src = long(lane ^ (unsigned(f.arg) & 31u)); break;
      case WarpOp::Idx: src = long(unsigned(f.arg) & 31u); break;
      case WarpOp::Ballot: f.out = ballot | (uint64_t(live_mask) << 32); break;
      case WarpOp::Barrier: break;
    }
    if (op == WarpOp::Down || op == WarpOp::Xor || op == WarpOp::Idx) {
      // A lane outside the block or already exited has no value: the caller keeps its own, as
      // CUDA does for a source lane out of range.
      const size_t s = lo + static_cast<size_t>(src);
      f.out = src >= 0 && s < hi && fs[s].state == State::Warp ? fs[s].in : f.in;
    }
  }
  // Only now: the exchange above reads every lane's state.
  for (size_t i = lo; i < hi; i++)
    if (fs[i].state == State::Warp) fs[i].state = State::Ready;
  return true;
}

void set_thread(const Fiber& f) { threadIdx = f.tid; }

// Runs one block to completion; throws on a deadlock or a kernel's exception.
void run_block(Emu& e, size_t n) {
  std::vector<Fiber>& fs = e.fibers;
  const uint64_t control = current_control();
  for (size_t i = 0; i < n; i++) {
    Fiber& f = fs[i];
    f.state = State::Ready;
    f.tid = dim3(static_cast<unsigned>(i % blockDim.x),
                 static_cast<unsigned>(i / blockDim.x % blockDim.y),
                 static_cast<unsigned>(i / (size_t(blockDim.x) * blockDim.y)));
    f.sp = initial_stack(e.stacks[i].base, control);
  }
  // Uninitialised shared memory is not zero on a GPU either: a pattern makes reads of it visible.
  if (!e.shared.empty()) std::memset(e.shared.data(), 0xA5, e.shared.size());
  for (;;) {
    for (size_t i = 0; i < n; i++) {
      if (fs[i].state != State::Ready) continue;
      e.current = static_cast<int>(i);
      set_thread(fs[i]);
      flint_emu_switch(&e.sched, fs[i].sp);
      if (e.error) std::rethrow_exception(e.error);
    }
    size_t done = 0, sync = 0;
    for (size_t i = 0; i < n; i++) {
      done += fs[i].state == State::Done;
      sync += fs[i].state == State::Sync;
    }
    if (done == n) return;
    bool progressed = false;
    for (size_t w = 0; w * 32 < n; w++) progressed |= resolve_warp(fs, w);
    if (progressed) continue;
    if (sync + done == n && done == 0) {
      for (size_t i = 0; i < n; i++) fs[i].state = State::Ready;
      continue;
    }
    if (sync + done == n)
      throw Error("cuda emulator: deadlock in " + block_name() + ": " + std::to_string(sync) +
                  " threads wait at __syncthreads() but " + std::to_string(done) +
                  " threads of the block have exited");
    throw Error("cuda emulator: deadlock in " + block_name() + ": " + std::to_string(sync) +
                " threads wait at __syncthreads() while " + std::to_string(n - sync - done) +
                " wait at a warp function whose warp is in __syncthreads()");
  }
}

struct Running {
  Emu& e;
  explicit Running(Emu& em) : e(em) { e.running = true; }
  ~Running() {
    e.running = false;
    e.current = -1;
    e.error = nullptr;
  }
};

uint64_t warp_op(WarpOp op, uint64_t in, int arg) {
  Emu& e = emu();
  if (!e.running || e.current < 0)
    throw Error("cuda emulator: a warp function was called outside a kernel launch");
  Fiber& f = e.fibers[e.current];
  f.op = op;
  f.in = in;
  f.arg = arg;
  park(State::Warp);  // the scheduler sets threadIdx again before resuming it
  return f.out;
}

template <class T> uint64_t bits(T v) {
  uint64_t b = 0;
  std::memcpy(&b, &v, sizeof v);
  return b;
}
template <class T> T from_bits(uint64_t b) {
  T v;
  std::memcpy(&v, &b, sizeof v);
  return v;
}

}  // namespace

void run(dim3 grid, dim3 block, size_t shmem, const std::function<void()>& body) {
  Emu& e = emu();
  if (e.running) throw Error("cuda emulator: a kernel launched another kernel");
  const size_t n = size_t(block.x) * block.y * block.z;
  if (n == 0 || n > kMaxBlockThreads || grid.x == 0 || grid.y == 0 || grid.z == 0 ||
      grid.y > 65535 || grid.z > 65535)
    throw Error("cuda emulator: invalid launch configuration (grid " + std::to_string(grid.x) +
                "×" + std::to_string(grid.y) + "×" + std::to_string(grid.z) + ", block " +
                std::to_string(block.x) + "×" + std::to_string(block.y) + "×" +
                std::to_string(block.z) + ")");
  if (shmem > 228 * 1024)
    throw Error("cuda emulator: " + std::to_string(shmem) +
                " bytes of dynamic shared memory exceed a GPU's 228 KiB");
  e.grow(n);
  if (e.fibers.size() < n) e.fibers.resize(n);
  e.shared.assign(shmem, 0);
  e.body = &body;
  e.launches++;
  Running guard(e);
  gridDim = grid;
  blockDim = block;
  for (unsigned z = 0; z < grid.z; z++)
    for (unsigned y = 0; y < grid.y; y++)
      for (unsigned x = 0; x < grid.x; x++) {
        blockIdx = dim3(x, y, z);
        run_block(e, n);
      }
}

void* dyn_shared() { return emu().shared.empty() ? nullptr : emu().shared.data(); }
uint64_t launches() { return emu().launches; }

}  // namespace emu
}  // namespace cuda
}  // namespace flint

using flint::cuda::emu::bits;
using flint::cuda::emu::from_bits;
using flint::cuda::emu::park;
using flint::cuda::emu::warp_op;
using flint::cuda::emu::WarpOp;

void __syncthreads() { park(flint::cuda::emu::State::Sync); }

#define FLINT_EMU_SHFL(T)                                                        \
  T __shfl_down_sync(unsigned, T v, unsigned delta) {                            \
    return from_bits<T>(warp_op(WarpOp::Down, bits(v), static_cast<int>(delta))); \
  }                                                                              \
  T __shfl_xor_sync(unsigned, T v, int lane_mask) {                              \
    return from_bits<T>(warp_op(WarpOp::Xor, bits(v), lane_mask));               \
  }                                                                              \
  T __shfl_sync(unsigned, T v, int src_lane) {                                   \
    return from_bits<T>(warp_op(WarpOp::Idx, bits(v), src_lane));                \
  }
FLINT_EMU_SHFL(float)
FLINT_EMU_SHFL(double)
FLINT_EMU_SHFL(int)
#undef FLINT_EMU_SHFL

void __syncwarp(unsigned) { warp_op(WarpOp::Barrier, 0, 0); }
unsigned __ballot_sync(unsigned, int pred) {
  return static_cast<unsigned>(warp_op(WarpOp::Ballot, pred != 0, 0));
}
int __any_sync(unsigned, int pred) {
  return static_cast<uint32_t>(warp_op(WarpOp::Ballot, pred != 0, 0)) != 0;
}
int __all_sync(unsigned, int pred) {
  const uint64_t r = warp_op(WarpOp::Ballot, pred != 0, 0);
  return static_cast<uint32_t>(r) == static_cast<uint32_t>(r >> 32);
}
