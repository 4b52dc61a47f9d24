// The avx2 kernel table: every entry an AVX2 kernel from this directory, except the row lookups
// of Q4_1/Q5_0/Q5_1 and the K-quants (ref's: exact either way, and one embedding row per token).
// dispatch.cpp checks the CPU before calling this (it is AVX2 code itself) and adds XNNPACK's F32
// operator where that is faster.
#include "avx2/avx2-kernels.h"
#include "ref/ref-kernels.h"

namespace inkstone {

const kernel_table* avx2_kernels() {
  static const kernel_table table = {
      .name = "avx2",
      .matmul = {f32_matmul__avx2, f16_matmul__avx2, q4_0_matmul__avx2, q8_0_matmul__avx2,
                 q4_k_matmul__avx2, q5_k_matmul__avx2, q6_k_matmul__avx2, q4_1_matmul__avx2,
                 q5_0_matmul__avx2, q5_1_matmul__avx2},
      .get_rows = {f32_get_rows__avx2, f16_get_rows__avx2, q4_0_get_rows__avx2, q8_0_get_rows__avx2,
                   q4_k_get_rows__ref, q5_k_get_rows__ref, q6_k_get_rows__ref,
                   q4_1_get_rows__ref, q5_0_get_rows__ref, q5_1_get_rows__ref},
      .f32_rmsnorm = f32_rmsnorm__avx2,
      .f32_rope = f32_rope__avx2,
      .f32_rope_neox = f32_rope_neox__avx2,
      .f32_softmax = f32_softmax__avx2,
      .f32_silu_mul = f32_silu_mul__avx2,
      .f32_add = f32_add__avx2,
      .f32_attention = f32_attention__avx2,
      .f32_fc_create = nullptr,
      .f32_fc_run = nullptr,
      .f32_fc_delete = nullptr,
      .f32_fc_min_n = 0,
  };
  return &table;
}

}  // namespace inkstone
