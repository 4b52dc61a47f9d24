// The wasmsimd training kernels (core/kernels/train-kernels.h) equal their ref twins bit for bit:
// both do one multiply then one add per term in the same order.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "train-kernels.h"

using namespace inkstone;

TEST_CASE("wasmsimd: training products equal ref bit for bit over swept shapes") {
  const train_kernel_table* simd = select_train_kernels("wasmsimd");
  const train_kernel_table* ref = select_train_kernels("ref");
  REQUIRE(simd != nullptr);
  REQUIRE(ref != nullptr);
  CHECK(select_train_kernels("auto") == simd);
  uint64_t s = 1;
  auto next = [&s] {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return float(int64_t(s >> 40) - (int64_t{1} << 23)) / float(1 << 23);
  };
  // Past 64 rows or tokens the SIMD kernels walk the reduction in chunks; 4-, 8-column blocks and
  // the scalar tail, 4-token and 4-row tiles with their remainders all occur below.
  for (int64_t rows : {1, 5, 16, 131}) {
    for (int64_t cols : {1, 3, 4, 9, 64, 77}) {
      for (int64_t n : {1, 7, 69}) {
        std::vector<float> dy(n * rows), w(rows * cols), x(n * cols);
        for (float& v : dy) v = next();
        for (float& v : w) v = next();
        for (float& v : x) v = next();
        std::vector<float> dx_ref(n * cols, 0.25f), dx(n * cols, 0.25f);
        std::vector<float> dw_ref(rows * cols, 0.25f), dw(rows * cols, 0.25f);
        ref->f32_matmul_nn_acc(dy.data(), w.data(), rows, cols, dx_ref.data(), 0, n);
        simd->f32_matmul_nn_acc(dy.data(), w.data(), rows, cols, dx.data(), 0, n);
        ref->f32_matmul_tn_acc(dy.data(), x.data(), n, rows, cols, dw_ref.data(), 0, rows);
        simd->f32_matmul_tn_acc(dy.data(), x.data(), n, rows, cols, dw.data(), 0, rows / 2);
        simd->f32_matmul_tn_acc(dy.data(), x.data(), n, rows, cols, dw.data(), rows / 2, rows);
        CHECK(dx == dx_ref);
        CHECK(dw == dw_ref);
      }
    }
  }
}
