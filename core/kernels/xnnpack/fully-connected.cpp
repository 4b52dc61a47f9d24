// XNNPACK adapter (native builds only): F32 fully-connected through Debian's libxnnpack-dev
// (2022 operator API). Operators are created when a session is created (XNNPACK packs the
// weights then), one per row slice the session's thread pool will ask for: each writes its output
// columns straight into Y with Y's row stride, so the pool's threads run XNNPACK side by side with
// no threadpool of XNNPACK's own (a second set of threads would compete with the pool's spinning
// ones). Each call only sets up the batch size and runs.
// Everything else in the xnnpack table is the ref kernels (Q4_K/Q5_K/Q6_K included); the avx2
// table borrows the operator for the batches where it is faster (dispatch.cpp).
#include <xnnpack.h>

#include <cmath>
#include <vector>

#include "kernel-table.h"
#include "ref/ref-kernels.h"

namespace inkstone {

// The F32 operator's entry points, for dispatch.cpp to give to the avx2 table.
void* f32_fc_create__xnnpack(const float* w, int64_t rows, int64_t cols, const int64_t* bounds,
                             int n_slices);
bool f32_fc_run__xnnpack(void* fc, const float* x, int64_t n, float* y, int64_t row_begin,
                         int64_t row_end);
void f32_fc_delete__xnnpack(void* fc);
const kernel_table* xnnpack_kernels();

namespace {

struct xnn_slice {
  xnn_operator_t op = nullptr;
  int64_t row_begin = 0;  // output rows [row_begin, row_end) of Y
  int64_t row_end = 0;
};

struct xnn_fc {
  int64_t rows = 0;
  int64_t cols = 0;
  std::vector<xnn_slice> slices;
};

}  // namespace

void f32_fc_delete__xnnpack(void* handle) {
  auto* fc = static_cast<xnn_fc*>(handle);
  if (fc == nullptr) return;
  for (xnn_slice& s : fc->slices) {
    if (s.op != nullptr) xnn_delete_operator(s.op);
  }
  delete fc;
}

void* f32_fc_create__xnnpack(const float* w, int64_t rows, int64_t cols, const int64_t* bounds,
                             int n_slices) {
  auto* fc = new xnn_fc{rows, cols, {}};
  for (int i = 0; i < n_slices; ++i) {
    const int64_t r0 = bounds[i], r1 = bounds[i + 1];
    if (r1 == r0) continue;
    xnn_slice s{nullptr, r0, r1};
    // kernel is (output_channels, input_channels) = W[r0:r1] (r1 - r0, cols); the output row
    // stride is Y's, rows. No bias, no clamping.
    const xnn_status st = xnn_create_fully_connected_nc_f32(
        static_cast<size_t>(cols), static_cast<size_t>(r1 - r0), static_cast<size_t>(cols),
        static_cast<size_t>(rows), w + r0 * cols, /*bias=*/nullptr, -INFINITY, INFINITY,
        /*flags=*/0, &s.op);
    if (st != xnn_status_success) {
      f32_fc_delete__xnnpack(fc);
      return nullptr;
    }
    fc->slices.push_back(s);
  }
  return fc;
}

bool f32_fc_run__xnnpack(void* handle, const float* x, int64_t n, float* y, int64_t row_begin,
                         int64_t row_end) {
  auto* fc = static_cast<xnn_fc*>(handle);
  for (const xnn_slice& s : fc->slices) {
    if (s.row_begin < row_begin || s.row_end > row_end) continue;
    if (xnn_setup_fully_connected_nc_f32(s.op, static_cast<size_t>(n), x, y + s.row_begin,
                                         /*threadpool=*/nullptr) != xnn_status_success ||
        xnn_run_operator(s.op, /*threadpool=*/nullptr) != xnn_status_success) {
      return false;
    }
  }
  return true;
}

const kernel_table* xnnpack_kernels() {
  static const kernel_table* table = []() -> const kernel_table* {
    if (xnn_initialize(/*allocator=*/nullptr) != xnn_status_success) return nullptr;
    static kernel_table t = ref_kernels();
    t.name = "xnnpack";
    t.f32_fc_create = f32_fc_create__xnnpack;
    t.f32_fc_run = f32_fc_run__xnnpack;
    t.f32_fc_delete = f32_fc_delete__xnnpack;
    t.f32_fc_min_n = 1;
    return &t;
  }();
  return table;
}

}  // namespace inkstone
