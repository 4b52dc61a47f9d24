// A small fork-join pool for splitting a matrix product by output rows.
//
// parallel_for(n, fn) calls fn(begin, end) on contiguous ranges covering [0, n): range i goes to
// thread i (the caller is thread 0) and returns when all are done. Every output row is computed
// by exactly one call, so results never depend on the thread count. With one thread (and always
// in single-threaded wasm builds) fn(0, n) runs inline and no thread is ever created.
//
// Hand-off: a decode step runs dozens of short jobs (tens of microseconds each), so waking a
// sleeping thread for each one (a futex; in the browser Atomics.wait/notify) would cost as much
// as the job. Workers therefore spin on an atomic job counter for a short while after each job
// and only then sleep on a condition variable; the caller spins for the workers' completion the
// same way. Idle threads sleep: between tokens they burn at most one spin budget.
#pragma once

#include <atomic>
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

  // Range `index` of the n_threads contiguous ranges parallel_for cuts [0, n) into:
  // [split(n, index, n_threads), split(n, index + 1, n_threads)).
  static int64_t split(int64_t n, int index, int n_threads) { return n * index / n_threads; }

  // Work items (indices of [0, n)) each thread has run in parallel_for calls since the pool was
  // made: element i is thread i's count (0: the caller). Tests read it to see that the workers
  // really ran; read it between calls, not during one.
  std::vector<int64_t> items_done() const;

  template <class F>
  void parallel_for(int64_t n, F&& fn) {
    parallel_for_slots(n, [&fn](int, int64_t b, int64_t e) { fn(b, e); });
  }

  // As parallel_for, and fn(slot, begin, end) also learns which thread runs the range (0 ..
  // n_threads() - 1; 0 is the caller), e.g. to pick that thread's scratch buffer.
  template <class F>
  void parallel_for_slots(int64_t n, F&& fn) {
    if (n_threads_ == 1 || n < kMinRowsToSplit) {
      fn(0, int64_t{0}, n);
      count(0, n);
      return;
    }
    using fn_t = std::remove_reference_t<F>;
    const job_fn job = [](void* ctx, int slot, int64_t b, int64_t e) {
      (*static_cast<fn_t*>(ctx))(slot, b, e);
    };
    run(n, job, const_cast<void*>(static_cast<const void*>(&fn)));
  }

 private:
  static constexpr int64_t kMinRowsToSplit = 16;
  // Polls of an atomic before sleeping (each a load: some 10-30 us in all). Enough to bridge the
  // gaps between the matrix products of a step; short enough that a thread waiting through a
  // longer single-threaded phase sleeps and leaves its core to others (on a 2-core machine a
  // spinning thread starved V8's background compiler, which tiers the wasm up).
  static constexpr int kSpinPolls = 1 << 14;
  using job_fn = void (*)(void* ctx, int slot, int64_t begin, int64_t end);

  void run(int64_t n, job_fn job, void* ctx);
  void count(int slot, int64_t n_items) {
    items_[slot].n.fetch_add(n_items, std::memory_order_relaxed);
  }
  void worker(int index);
  void range(int index, int64_t* begin, int64_t* end) const;

  int n_threads_ = 1;
  std::vector<std::thread> workers_;
  // items_done() counters, one cache line per thread (each written only by its thread).
  struct alignas(64) item_counter {
    std::atomic<int64_t> n{0};
  };
  std::vector<item_counter> items_;
  // The job: written by the caller before generation_ is bumped (release), read by workers
  // after they see the new generation (acquire).
  job_fn job_ = nullptr;
  void* ctx_ = nullptr;
  int64_t n_ = 0;
  std::atomic<uint64_t> generation_{0};  // bumped for every job
  std::atomic<int> n_running_{0};        // workers still busy with the current job
  std::atomic<bool> stop_{false};
  // Sleeping: workers wait on start_cv_ for a new generation, the caller on done_cv_.
  std::mutex mutex_;
  std::condition_variable start_cv_;
  std::condition_variable done_cv_;
  int n_sleeping_ = 0;            // workers waiting on start_cv_ (guarded by mutex_)
  bool caller_sleeping_ = false;  // guarded by mutex_
};

}  // namespace inkstone
