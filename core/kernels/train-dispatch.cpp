// Picks a training kernel table (train-kernels.h).
#include "train-kernels.h"

namespace inkstone {

namespace {
const train_kernel_table kRefTrainKernels = {"ref", f32_matmul_nn_acc__ref, f32_matmul_tn_acc__ref};
#if defined(INK_WASMSIMD)
const train_kernel_table kWasmsimdTrainKernels = {"wasmsimd", f32_matmul_nn_acc__wasmsimd,
                                                  f32_matmul_tn_acc__wasmsimd};
#endif
}  // namespace

const train_kernel_table* select_train_kernels(std::string_view name) {
  if (name == "ref") return &kRefTrainKernels;
#if defined(INK_WASMSIMD)
  if (name == "wasmsimd" || name == "auto") return &kWasmsimdTrainKernels;
#endif
  if (name == "auto") return &kRefTrainKernels;
  return nullptr;
}

}  // namespace inkstone
