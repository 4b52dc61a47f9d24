// A small fork-join pool for splitting a matrix product by output rows.
//
// parallel_for(n, fn) calls fn(begin, end) on contiguous ranges covering [0, n): range i goes to
// thread i (the caller is thread 0) and returns when all are done. Every output row is computed
// by exactly one call, so results never depend on the thread count. With one thread (and always
// in single-threaded wasm builds) fn(0, n) runs inline and no thread is ever created.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace inkstone {

class thread_pool {
 public:
  explicit thread_pool(int n_threads);
  ~thread_pool();
  thread_pool(const thread_pool&) = delete;
  thread_pool& operator=(const thread_pool&) = delete;

  int n_threads() const { return n_threads_; }

  template <class F>
  void parallel_for(int64_t n, F&& fn) {
    if (n_threads_ == 1 || n < kMinRowsToSplit) {
      fn(int64_t{0}, n);
      return;
    }
    using fn_t = std::remove_reference_t<F>;
    const job_fn job = [](void* ctx, int64_t b, int64_t e) { (*static_cast<fn_t*>(ctx))(b, e); };
    run(n, job, const_cast<void*>(static_cast<const void*>(&fn)));
  }

 private:
  static constexpr int64_t kMinRowsToSplit = 16;
  using job_fn = void (*)(void* ctx, int64_t begin, int64_t end);

  void run(int64_t n, job_fn job, void* ctx);
  void worker(int index);
  void range(int index, int64_t* begin, int64_t* end) const;

  int n_threads_ = 1;
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable start_cv_;
  std::condition_variable done_cv_;
  uint64_t generation_ = 0;  // bumped for every job
  int n_running_ = 0;        // workers still busy with the current job
  bool stop_ = false;
  job_fn job_ = nullptr;
  void* ctx_ = nullptr;
  int64_t n_ = 0;
};

}  // namespace inkstone
