#include "threads.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "pool_spin.h"

namespace flint {

namespace {

thread_local bool in_job = false;

constexpr int kChunksPerThread = 4;

// Workers sleep on a condition variable between jobs; a job is one RangeFn split into `parts`
// chunks that threads claim with an atomic ticket (the caller claims too). The pool is shared
// by every Node environment of the process (worker_threads too): one job runs at a time, and the
// same lock serialises resizing, so a job never sees its workers change. Workers start lazily,
// only as many as a job can use, up to the thread count asked for — so a process that asks for
// 1 thread never starts one.
class Pool {
 public:
  int threads() const { return target_.load(std::memory_order_relaxed); }
  int started() const { return started_.load(std::memory_order_relaxed); }

  void set_threads(int n) {
    std::lock_guard<std::mutex> job(job_mu_);
    target_.store(n, std::memory_order_relaxed);
    if (static_cast<int>(workers_.size()) > n - 1) stop_all();  // restarted lazily, fewer
  }

  void run(int64_t n, int parts, const RangeFn& fn) {
    // One job at a time; a chunk that itself calls parallel_for runs inline (see in_job).
    std::lock_guard<std::mutex> job_lock(job_mu_);
    grow(std::min(parts, threads()) - 1);
    in_job = true;
    struct Reset {
      ~Reset() { in_job = false; }
    } reset;
    Job job;
    bool sleeping;
    {
      std::lock_guard<std::mutex> lock(mu_);
      job = Job{&fn, n, parts, ++generation_};
      job_ = job;
      done_.store(0);
      error_ = nullptr;
      ticket_.store(job.gen << 32);
      published_.store(job.gen, std::memory_order_release);
      sleeping = sleepers_ > 0;
    }
    // Spinning workers see `published_`; only sleeping ones need the (slow) futex wake-up.
    if (sleeping) cv_.notify_all();
    work(job);
    // The caller helps, then waits for chunks still running on workers.
    while (done_.load(std::memory_order_acquire) < parts) std::this_thread::yield();
    std::lock_guard<std::mutex> lock(mu_);
    job_.fn = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

 private:
  // One parallel_for call. `gen` tags its chunk tickets, so a worker that wakes late for a job
  // that has ended can never claim (and run twice) a chunk of the next one.
  struct Job {
    const RangeFn* fn = nullptr;
    int64_t n = 0;
    int parts = 0;
    uint64_t gen = 0;
  };

  // Starts workers until there are `extra` (called with job_mu_ held, no job running).
  void grow(int extra) {
    while (static_cast<int>(workers_.size()) < extra) {
      workers_.emplace_back([this] { loop(); });
      started_.store(static_cast<int>(workers_.size()), std::memory_order_relaxed);
    }
  }

  // Stops and joins every worker (called with job_mu_ held: they are all idle).
  void stop_all() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
      published_.fetch_add(1, std::memory_order_release);  // ends every spin at once
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
    started_.store(0, std::memory_order_relaxed);
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = false;
  }

  void loop() {
    // A new thread may first run after the job it was started for was published: it joins any
    // job still open.
    uint64_t seen = 0;
    for (;;) {
      // Back-to-back jobs (a GEMM's packing then its product, the ops of a training step)
      // usually follow within microseconds: a worker that polls briefly joins the next one
      // at once instead of paying a futex wake-up, which on a loaded VM can cost more than
      // the job itself. The spin is bounded (pool_spin.h), so an idle pool sleeps.
      spin_until_changed(published_, seen);
      Job job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        auto ready = [&] { return stop_ || (job_.fn != nullptr && job_.gen != seen); };
        if (!ready()) {
          sleepers_++;
          cv_.wait(lock, ready);
          sleepers_--;
        }
        if (stop_) return;
        job = job_;
        seen = job.gen;
      }
      work(job);
    }
  }

  // Claims the next chunk of `job`, if it is still the current job and has chunks left.
  bool claim(const Job& job, int* part) {
    uint64_t t = ticket_.load();
    for (;;) {
      if ((t >> 32) != (job.gen & 0xffffffffu) || static_cast<int>(t & 0xffffffffu) >= job.parts)
        return false;
      if (ticket_.compare_exchange_weak(t, t + 1)) {
        *part = static_cast<int>(t & 0xffffffffu);
        return true;
      }
    }
  }

  void work(const Job& job) {
    in_job = true;
    int p;
    while (claim(job, &p)) {
      const int64_t begin = job.n * p / job.parts, end = job.n * (p + 1) / job.parts;
      try {
        (*job.fn)(begin, end);
      } catch (...) {
        std::lock_guard<std::mutex> g(err_mu_);
        if (!error_) error_ = std::current_exception();
      }
      done_.fetch_add(1, std::memory_order_release);
    }
  }

  std::vector<std::thread> workers_;
  std::mutex mu_, err_mu_, job_mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  uint64_t generation_ = 0;
  Job job_;
  // (job generation mod 2^32) · 2^32 + next chunk index.
  std::atomic<uint64_t> ticket_{0};
  std::atomic<int> done_{0};
  std::atomic<int> target_{static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))};
  std::atomic<int> started_{0};
  // Generation of the newest job, polled lock-free by spinning workers.
  std::atomic<uint64_t> published_{0};
  int sleepers_ = 0;  // workers waiting on cv_ (guarded by mu_)
  std::exception_ptr error_;
};

Pool& pool() {
  static Pool* p = new Pool();  // never destroyed: joining threads at exit can deadlock in Node
  return *p;
}

}  // namespace

int num_threads() { return pool().threads(); }

int started_workers() { return pool().started(); }

void set_num_threads(int n) { pool().set_threads(std::max(1, n)); }

void parallel_for(int64_t n, int64_t grain, const RangeFn& fn) {
  if (n <= 0) return;
  const int threads = num_threads();
  const int64_t whole = n / std::max<int64_t>(grain, 1);  // grains in n
  if (threads <= 1 || whole <= 1 || in_job) {
    fn(0, n);
    return;
  }
  // A few chunks per thread, claimed first come first served: a worker that starts late (woken
  // from sleep, or preempted on a busy machine) then costs one chunk's wait at most, because
  // the calling thread runs the chunks it has not claimed yet.
  const int64_t parts = std::min<int64_t>(static_cast<int64_t>(threads) * kChunksPerThread, whole);
  pool().run(n, static_cast<int>(parts), fn);
}

}  // namespace flint
