// The fork-join pool (core/src/thread-pool.h): every index is handed out exactly once, ranges
// and slots are the documented ones, and jobs keep working across the spin -> sleep -> wake
// transitions (back-to-back jobs, then jobs after pauses long enough for the threads to sleep).
// Also worth running under ThreadSanitizer: configure a build with
// -DCMAKE_CXX_FLAGS=-fsanitize=thread -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread -DINK_XNNPACK=OFF.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "thread-pool.h"

namespace inkstone {

namespace {

// Runs one job of n indices; checks coverage and the slot of every range.
void run_job(thread_pool& pool, int64_t n) {
  std::vector<std::atomic<int>> seen(static_cast<size_t>(n));
  std::vector<std::atomic<int>> slot_of(static_cast<size_t>(n));
  pool.parallel_for_slots(n, [&](int slot, int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      seen[size_t(i)].fetch_add(1);
      slot_of[size_t(i)].store(slot);
    }
  });
  const int t = pool.n_threads();
  int64_t twice_or_never = 0, wrong_slot = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (seen[size_t(i)].load() != 1) ++twice_or_never;
    // Index i lies in range s = [n * s / T, n * (s + 1) / T) (inline: slot 0).
    int expected = 0;
    if (t > 1 && n >= 16) {
      while (!(n * expected / t <= i && i < n * (expected + 1) / t)) ++expected;
    }
    if (slot_of[size_t(i)].load() != expected) ++wrong_slot;
  }
  REQUIRE(twice_or_never == 0);
  REQUIRE(wrong_slot == 0);
}

}  // namespace

TEST_CASE("thread pool: each index once, ranges by slot, through spin, sleep and wake") {
  for (int threads : {1, 2, 3, 4}) {
    CAPTURE(threads);
    thread_pool pool(threads);
    CHECK(pool.n_threads() == threads);
    for (int64_t n : {1, 15, 16, 17, 100, 4099}) run_job(pool, n);
    for (int k = 0; k < 2000; ++k) run_job(pool, 64);  // back to back: the workers spin
    for (int k = 0; k < 5; ++k) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // long enough to fall asleep
      run_job(pool, 257);
    }
  }
}

TEST_CASE("thread pool: parallel_for covers [0, n) with contiguous ranges") {
  thread_pool pool(3);
  std::vector<int> hits(1000, 0);
  pool.parallel_for(1000, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) hits[size_t(i)]++;  // ranges are disjoint: no race
  });
  for (int h : hits) CHECK(h == 1);
}

}  // namespace inkstone
