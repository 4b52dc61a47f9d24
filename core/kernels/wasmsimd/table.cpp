// The wasmsimd kernel table: every entry a SIMD128 kernel from this directory.
#include "wasmsimd/wasmsimd-kernels.h"

namespace inkstone {

const kernel_table* wasmsimd_kernels() {
  static const kernel_table table = {
      .name = "wasmsimd",
      .matmul = {f32_matmul__wasmsimd, f16_matmul__wasmsimd, q4_0_matmul__wasmsimd,
                 q8_0_matmul__wasmsimd, q4_k_matmul__wasmsimd, q5_k_matmul__wasmsimd,
                 q6_k_matmul__wasmsimd, q4_1_matmul__wasmsimd, q5_0_matmul__wasmsimd,
                 q5_1_matmul__wasmsimd},
      .get_rows = {f32_get_rows__wasmsimd, f16_get_rows__wasmsimd, q4_0_get_rows__wasmsimd,
                   q8_0_get_rows__wasmsimd, q4_k_get_rows__wasmsimd, q5_k_get_rows__wasmsimd,
                   q6_k_get_rows__wasmsimd, q4_1_get_rows__wasmsimd, q5_0_get_rows__wasmsimd,
                   q5_1_get_rows__wasmsimd},
      .f32_rmsnorm = f32_rmsnorm__wasmsimd,
      .f32_rope = f32_rope__wasmsimd,
      .f32_rope_neox = f32_rope_neox__wasmsimd,
      .f32_softmax = f32_softmax__wasmsimd,
      .f32_silu_mul = f32_silu_mul__wasmsimd,
      .f32_add = f32_add__wasmsimd,
      .f32_attention = f32_attention__wasmsimd,
      .f32_fc_create = nullptr,
      .f32_fc_run = nullptr,
      .f32_fc_delete = nullptr,
      .f32_fc_min_n = 0,
  };
  return &table;
}

}  // namespace inkstone
