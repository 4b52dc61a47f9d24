#include "thread-pool.h"

#include <algorithm>

namespace inkstone {

thread_pool::thread_pool(int n_threads) {
#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
  n_threads = 1;  // no threads in the single-threaded wasm build
#endif
  n_threads_ = std::max(1, n_threads);
  items_ = std::vector<item_counter>(static_cast<size_t>(n_threads_));
  for (int i = 1; i < n_threads_; ++i) workers_.emplace_back([this, i] { worker(i); });
}

thread_pool::~thread_pool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_.store(true, std::memory_order_release);
  }
  start_cv_.notify_all();
  for (auto& t : workers_) t.join();
}

std::vector<int64_t> thread_pool::items_done() const {
  std::vector<int64_t> out;
  for (const item_counter& c : items_) out.push_back(c.n.load(std::memory_order_relaxed));
  return out;
}

// Thread i gets rows [i * n / T, (i + 1) * n / T).
void thread_pool::range(int index, int64_t* begin, int64_t* end) const {
  *begin = split(n_, index, n_threads_);
  *end = split(n_, index + 1, n_threads_);
}

void thread_pool::run(int64_t n, job_fn job, void* ctx) {
  job_ = job;
  ctx_ = ctx;
  n_ = n;
  n_running_.store(n_threads_ - 1, std::memory_order_relaxed);
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    generation_.fetch_add(1, std::memory_order_release);
    wake = n_sleeping_ > 0;
  }
  if (wake) start_cv_.notify_all();
  int64_t begin, end;
  range(0, &begin, &end);
  job(ctx, 0, begin, end);
  count(0, end - begin);
  for (int i = 0; i < kSpinPolls; ++i) {
    if (n_running_.load(std::memory_order_acquire) == 0) return;
  }
  std::unique_lock<std::mutex> lock(mutex_);
  caller_sleeping_ = true;
  done_cv_.wait(lock, [this] { return n_running_.load(std::memory_order_acquire) == 0; });
  caller_sleeping_ = false;
}

void thread_pool::worker(int index) {
  uint64_t seen = 0;
  for (;;) {
    uint64_t gen = generation_.load(std::memory_order_acquire);
    for (int i = 0; gen == seen && i < kSpinPolls && !stop_.load(std::memory_order_relaxed); ++i) {
      gen = generation_.load(std::memory_order_acquire);
    }
    if (gen == seen) {
      std::unique_lock<std::mutex> lock(mutex_);
      ++n_sleeping_;
      start_cv_.wait(lock, [&] {
        return stop_.load(std::memory_order_relaxed) ||
               generation_.load(std::memory_order_acquire) != seen;
      });
      --n_sleeping_;
      if (stop_.load(std::memory_order_relaxed)) return;
      gen = generation_.load(std::memory_order_acquire);
    }
    if (stop_.load(std::memory_order_relaxed)) return;
    seen = gen;
    int64_t begin, end;
    range(index, &begin, &end);
    job_(ctx_, index, begin, end);
    count(index, end - begin);  // before the release below: the caller sees it after the job
    if (n_running_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (caller_sleeping_) done_cv_.notify_one();
    }
  }
}

}  // namespace inkstone
