// Scalar reference kernels: the ground truth every faster kernel is tested against.
// Plain loops, float accumulation in index order, no tricks. See kernel-table.h for contracts.
#pragma once

#include "kernel-table.h"

namespace inkstone {

void f32_matmul__ref(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                     float* y, int64_t row_begin, int64_t row_end);
void f16_matmul__ref(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                     float* y, int64_t row_begin, int64_t row_end);
void q4_0_matmul__ref(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                      float* y, int64_t row_begin, int64_t row_end);
void q4_1_matmul__ref(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                      float* y, int64_t row_begin, int64_t row_end);
void q5_0_matmul__ref(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                      float* y, int64_t row_begin, int64_t row_end);
void q5_1_matmul__ref(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                      float* y, int64_t row_begin, int64_t row_end);
void q8_0_matmul__ref(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                      float* y, int64_t row_begin, int64_t row_end);
void q4_k_matmul__ref(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                      float* y, int64_t row_begin, int64_t row_end);
void q5_k_matmul__ref(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                      float* y, int64_t row_begin, int64_t row_end);
void q6_k_matmul__ref(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                      float* y, int64_t row_begin, int64_t row_end);

void f32_get_rows__ref(const uint8_t* w, int64_t cols, int64_t row, float* out);
void f16_get_rows__ref(const uint8_t* w, int64_t cols, int64_t row, float* out);
void q4_0_get_rows__ref(const uint8_t* w, int64_t cols, int64_t row, float* out);
void q4_1_get_rows__ref(const uint8_t* w, int64_t cols, int64_t row, float* out);
void q5_0_get_rows__ref(const uint8_t* w, int64_t cols, int64_t row, float* out);
void q5_1_get_rows__ref(const uint8_t* w, int64_t cols, int64_t row, float* out);
void q8_0_get_rows__ref(const uint8_t* w, int64_t cols, int64_t row, float* out);
void q4_k_get_rows__ref(const uint8_t* w, int64_t cols, int64_t row, float* out);
void q5_k_get_rows__ref(const uint8_t* w, int64_t cols, int64_t row, float* out);
void q6_k_get_rows__ref(const uint8_t* w, int64_t cols, int64_t row, float* out);

void f32_rmsnorm__ref(const float* x, const float* weight, int64_t n, float eps, float* out);
void f32_rope__ref(float* x, int64_t n_head, int64_t head_dim, const float* cos, const float* sin);
void f32_rope_neox__ref(float* x, int64_t n_head, int64_t head_dim, const float* cos,
                        const float* sin);
void f32_softmax__ref(float* x, int64_t n);
void f32_silu_mul__ref(float* gate, const float* up, int64_t n);
void f32_add__ref(float* x, const float* y, int64_t n);
void f32_attention__ref(const float* q, const float* k, const float* v, int64_t n_pos,
                        const attention_shape& shape, float* att, int64_t att_stride, float* out);

}  // namespace inkstone
