#include "thread-pool.h"

#include <algorithm>

namespace inkstone {

thread_pool::thread_pool(int n_threads) {
#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
  n_threads = 1;  // no threads in the single-threaded wasm build
#endif
  n_threads_ = std::max(1, n_threads);
  for (int i = 1; i < n_threads_; ++i) workers_.emplace_back([this, i] { worker(i); });
}

thread_pool::~thread_pool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  start_cv_.notify_all();
  for (auto& t : workers_) t.join();
}

// Thread i gets rows [i * n / T, (i + 1) * n / T).
void thread_pool::range(int index, int64_t* begin, int64_t* end) const {
  *begin = n_ * index / n_threads_;
  *end = n_ * (index + 1) / n_threads_;
}

void thread_pool::run(int64_t n, job_fn job, void* ctx) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    job_ = job;
    ctx_ = ctx;
    n_ = n;
    n_running_ = n_threads_ - 1;
    ++generation_;
  }
  start_cv_.notify_all();
  int64_t begin, end;
  range(0, &begin, &end);
  job(ctx, begin, end);
  std::unique_lock<std::mutex> lock(mutex_);
  done_cv_.wait(lock, [this] { return n_running_ == 0; });
}

void thread_pool::worker(int index) {
  uint64_t seen = 0;
  for (;;) {
    std::unique_lock<std::mutex> lock(mutex_);
    start_cv_.wait(lock, [&] { return stop_ || generation_ != seen; });
    if (stop_) return;
    seen = generation_;
    lock.unlock();
    int64_t begin, end;
    range(index, &begin, &end);
    job_(ctx_, begin, end);
    lock.lock();
    if (--n_running_ == 0) done_cv_.notify_one();
  }
}

}  // namespace inkstone
