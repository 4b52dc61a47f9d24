// Q8_0 weights with f32 activations (SIMD128): the "dequantize" alternative to the integer path
// of core/kernels/wasmsimd/matmul-quant.cpp, kept only for the benchmark that chose the integer
// path (bench-kernels-wasm.cpp) and checked against ref by tests/wasm/test-wasmsimd.cpp. Same
// contract and accuracy as q8_0_matmul__ref (no activation quantization); not in any table.
#pragma once

#include <cstdint>

namespace inkstone {

void q8_0_matmul__wasmsimd_f32(const uint8_t* w, int64_t rows, int64_t cols, const float* x,
                               int64_t n, float* y, int64_t row_begin, int64_t row_end);

}  // namespace inkstone
