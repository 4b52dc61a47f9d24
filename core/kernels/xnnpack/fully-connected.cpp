// XNNPACK adapter (native builds only): F32 fully-connected through Debian's libxnnpack-dev
// (2022 operator API). One operator is created per weight matrix when a session is created
// (XNNPACK packs the weights then); each call only sets up the batch size and runs.
// Everything else in this table is the ref kernels.
#include <xnnpack.h>

#include <cmath>
#include <mutex>

#include "kernel-table.h"
#include "ref/ref-kernels.h"

namespace inkstone {

namespace {

struct xnn_fc {
  xnn_operator_t op = nullptr;
  int64_t rows = 0;
  int64_t cols = 0;
};

void* f32_fc_create__xnnpack(const float* w, int64_t rows, int64_t cols) {
  auto* fc = new xnn_fc{nullptr, rows, cols};
  // kernel is (output_channels, input_channels) = W (rows, cols), no bias, no clamping.
  const xnn_status st = xnn_create_fully_connected_nc_f32(
      static_cast<size_t>(cols), static_cast<size_t>(rows), static_cast<size_t>(cols),
      static_cast<size_t>(rows), w, /*bias=*/nullptr, -INFINITY, INFINITY, /*flags=*/0, &fc->op);
  if (st != xnn_status_success) {
    delete fc;
    return nullptr;
  }
  return fc;
}

bool f32_fc_run__xnnpack(void* handle, const float* x, int64_t n, float* y) {
  auto* fc = static_cast<xnn_fc*>(handle);
  if (xnn_setup_fully_connected_nc_f32(fc->op, static_cast<size_t>(n), x, y,
                                       /*threadpool=*/nullptr) != xnn_status_success) {
    return false;
  }
  return xnn_run_operator(fc->op, /*threadpool=*/nullptr) == xnn_status_success;
}

void f32_fc_delete__xnnpack(void* handle) {
  auto* fc = static_cast<xnn_fc*>(handle);
  if (fc == nullptr) return;
  xnn_delete_operator(fc->op);
  delete fc;
}

}  // namespace

const kernel_table* xnnpack_kernels() {
  static const kernel_table* table = []() -> const kernel_table* {
    if (xnn_initialize(/*allocator=*/nullptr) != xnn_status_success) return nullptr;
    static kernel_table t = ref_kernels();
    t.name = "xnnpack";
    t.f32_fc_create = f32_fc_create__xnnpack;
    t.f32_fc_run = f32_fc_run__xnnpack;
    t.f32_fc_delete = f32_fc_delete__xnnpack;
    return &t;
  }();
  return table;
}

}  // namespace inkstone
