// Pieces of session shared by session.cpp (setup, bookkeeping) and forward.cpp (the maths).
#pragma once

#include "inkstone/session.h"
#include "kernel-table.h"

namespace inkstone {

// One weight matrix W (rows, cols) as the kernels see it, plus its prepacked operator (XNNPACK,
// F32 weights) when the kernel table has one.
struct session::linear_op {
  const uint8_t* w = nullptr;
  weight_format format = weight_format::f32;
  int64_t rows = 0;
  int64_t cols = 0;
  void* fc = nullptr;
};

// Index of a layer's matrices in session::linears_ (the output matrix comes after all layers).
enum linear_slot : int { kWq, kWk, kWv, kWo, kWGate, kWUp, kWDown, kNumLayerLinears };

inline weight_format to_weight_format(ggml_type t) {
  switch (t) {
    case ggml_type::f32:
      return weight_format::f32;
    case ggml_type::f16:
      return weight_format::f16;
    case ggml_type::q4_0:
      return weight_format::q4_0;
    case ggml_type::q4_1:
      return weight_format::q4_1;
    case ggml_type::q5_0:
      return weight_format::q5_0;
    case ggml_type::q5_1:
      return weight_format::q5_1;
    case ggml_type::q8_0:
      return weight_format::q8_0;
    case ggml_type::q4_k:
      return weight_format::q4_k;
    case ggml_type::q5_k:
      return weight_format::q5_k;
    case ggml_type::q6_k:
      return weight_format::q6_k;
  }
  return weight_format::f32;
}

}  // namespace inkstone
