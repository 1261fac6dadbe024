#include "threads.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace flint {

namespace {

thread_local bool in_job = false;

// Workers sleep on a condition variable between jobs; a job is one RangeFn split into
// `parts` chunks that threads claim with an atomic counter (the caller claims too).
class Pool {
 public:
  ~Pool() { resize(0); }

  int threads() const { return static_cast<int>(workers_.size()) + 1; }

  void resize(int extra) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
    stop_ = false;
    for (int i = 0; i < extra; i++) workers_.emplace_back([this] { loop(); });
  }

  void run(int64_t n, int parts, const RangeFn& fn) {
    // One job at a time (Node worker threads share this pool); a chunk that itself calls
    // parallel_for runs inline (see in_job).
    std::lock_guard<std::mutex> job(job_mu_);
    in_job = true;
    struct Reset {
      ~Reset() { in_job = false; }
    } reset;
    std::unique_lock<std::mutex> lock(mu_);
    fn_ = &fn;
    n_ = n;
    parts_ = parts;
    next_.store(0);
    done_.store(0);
    error_ = nullptr;
    generation_++;
    lock.unlock();
    cv_.notify_all();
    work();
    // The caller helps, then waits for chunks still running on workers.
    while (done_.load(std::memory_order_acquire) < parts_) std::this_thread::yield();
    lock.lock();
    fn_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void loop() {
    uint64_t seen = 0;
    for (;;) {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stop_ || (fn_ != nullptr && generation_ != seen); });
      if (stop_) return;
      seen = generation_;
      lock.unlock();
      work();
    }
  }

  void work() {
    in_job = true;
    for (;;) {
      int p = next_.fetch_add(1);
      if (p >= parts_) return;
      int64_t begin = n_ * p / parts_, end = n_ * (p + 1) / parts_;
      try {
        (*fn_)(begin, end);
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
  const RangeFn* fn_ = nullptr;
  int64_t n_ = 0;
  int parts_ = 0;
  std::atomic<int> next_{0}, done_{0};
  std::exception_ptr error_;
};

Pool& pool() {
  static Pool* p = [] {
    auto* q = new Pool();  // never destroyed: joining threads at exit can deadlock in Node
    unsigned hc = std::thread::hardware_concurrency();
    q->resize(static_cast<int>(std::max(1u, hc)) - 1);
    return q;
  }();
  return *p;
}

}  // namespace

int num_threads() { return pool().threads(); }

void set_num_threads(int n) { pool().resize(std::max(1, n) - 1); }

void parallel_for(int64_t n, int64_t grain, const RangeFn& fn) {
  if (n <= 0) return;
  int threads = num_threads();
  int64_t parts = std::min<int64_t>(threads, n / std::max<int64_t>(grain, 1));
  if (parts <= 1 || in_job) {
    fn(0, n);
    return;
  }
  pool().run(n, static_cast<int>(parts), fn);
}

}  // namespace flint
