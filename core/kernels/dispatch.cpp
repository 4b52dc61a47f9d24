// Picks a kernel table once. The ref table is always present; the others come from their own
// directories when compiled in:
//   avx2      native x86-64 (core/kernels/avx2/), used when the CPU has AVX2, FMA and F16C
//   xnnpack   native with Debian's XNNPACK: the ref table plus its prepacked F32 operator
//   wasmsimd  Emscripten (core/kernels/wasmsimd/), SIMD128
// "auto" = wasmsimd on Emscripten; on native the avx2 table when the CPU has it (with XNNPACK's
// F32 operator for the batches where it is faster), else xnnpack when it initialises, else ref.
// The avx2 table is AVX2 code: nothing of it runs before cpu_has_avx2() said yes.
// A NEON table (aarch64) would slot in the same way: core/kernels/neon/ compiled on aarch64
// builds, a neon_kernels() declared below, "neon" in select_kernels and first in "auto" there
// (NEON is part of every aarch64 CPU, so it needs no run-time check).
#include "kernel-table.h"
#include "ref/ref-kernels.h"

#if defined(INK_AVX2)
#include <cpuid.h>
#endif

namespace inkstone {

#if defined(INK_XNNPACK)
// core/kernels/xnnpack/fully-connected.cpp: the ref table with the XNNPACK F32 operator, or null
// when XNNPACK fails to initialise on this machine.
const kernel_table* xnnpack_kernels();
#endif
#if defined(INK_XNNPACK) && defined(INK_AVX2)
// XNNPACK's F32 fully-connected operator serves the avx2 table's F32 products from this many
// tokens on; fewer go through f32_matmul__avx2. Measured per shape with
// `./build/inkstone_bench --format f32 --quick --n N` (thread CPU time, one thread; S15, P8, S110
// attn_q / ffn_up / ffn_down / output; 2026-12-03, 2-core AMD EPYC with AVX-512 shared with a
// training job): n = 1 avx2 1.1-1.5x XNNPACK on every shape (both near the memory bound, avx2
// has no setup cost); n = 2 avx2 1.1-1.4x; n = 3 XNNPACK 1.1-1.5x; n = 4 1.1-2.1x; n = 64
// 2.5-2.9x (1.0x on S110's 32000 x 768 output matrix). The crossover is the same on every shape,
// so one threshold serves them all. Decode (n = 1) thus keeps wasmsimd's bits on F32 models too.
constexpr int kXnnpackMinBatchWithAvx2 = 3;
#endif
#if defined(INK_WASMSIMD)
// core/kernels/wasmsimd/: the SIMD128 table (Emscripten builds).
const kernel_table* wasmsimd_kernels();
#endif
#if defined(INK_AVX2)
// core/kernels/avx2/: the AVX2 table (native x86-64 builds). AVX2 code itself: call only after
// cpu_has_avx2() said yes.
const kernel_table* avx2_kernels();
#endif

const kernel_table& ref_kernels() {
  static const kernel_table table = {
      .name = "ref",
      .matmul = {f32_matmul__ref, f16_matmul__ref, q4_0_matmul__ref, q8_0_matmul__ref,
                 q4_k_matmul__ref, q5_k_matmul__ref, q6_k_matmul__ref, q4_1_matmul__ref,
                 q5_0_matmul__ref, q5_1_matmul__ref},
      .get_rows = {f32_get_rows__ref, f16_get_rows__ref, q4_0_get_rows__ref, q8_0_get_rows__ref,
                   q4_k_get_rows__ref, q5_k_get_rows__ref, q6_k_get_rows__ref,
                   q4_1_get_rows__ref, q5_0_get_rows__ref, q5_1_get_rows__ref},
      .f32_rmsnorm = f32_rmsnorm__ref,
      .f32_rope = f32_rope__ref,
      .f32_rope_neox = f32_rope_neox__ref,
      .f32_softmax = f32_softmax__ref,
      .f32_silu_mul = f32_silu_mul__ref,
      .f32_add = f32_add__ref,
      .f32_attention = f32_attention__ref,
      .f32_fc_create = nullptr,
      .f32_fc_run = nullptr,
      .f32_fc_delete = nullptr,
      .f32_fc_min_n = 0,
  };
  return table;
}

namespace {

#if defined(INK_AVX2)
// AVX2, FMA and F16C in the CPU, and the OS saving the YMM registers (XCR0 bits 1 and 2).
// cpuid rather than __builtin_cpu_supports: clang 14 does not know "f16c" there.
bool cpu_has_avx2() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid(1, &a, &b, &c, &d) == 0) return false;
  const bool fma = (c >> 12) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1,
             f16c = (c >> 29) & 1;
  if (!(fma && osxsave && avx && f16c)) return false;
  unsigned xcr0 = 0, xcr0_hi = 0;
  __asm__ volatile("xgetbv" : "=a"(xcr0), "=d"(xcr0_hi) : "c"(0));
  if ((xcr0 & 6u) != 6u) return false;
  if (__get_cpuid_count(7, 0, &a, &b, &c, &d) == 0) return false;
  return (b >> 5) & 1;
}

// The avx2 table, with XNNPACK's F32 operator for batches of kXnnpackMinBatchWithAvx2 tokens or
// more when XNNPACK is built in and initialises.
const kernel_table* avx2_table() {
  static const kernel_table* table = []() -> const kernel_table* {
    if (!cpu_has_avx2()) return nullptr;
    static kernel_table t = *avx2_kernels();
#if defined(INK_XNNPACK)
    if (const kernel_table* x = xnnpack_kernels(); x != nullptr) {
      t.f32_fc_create = x->f32_fc_create;
      t.f32_fc_run = x->f32_fc_run;
      t.f32_fc_delete = x->f32_fc_delete;
      t.f32_fc_min_n = kXnnpackMinBatchWithAvx2;
    }
#endif
    return &t;
  }();
  return table;
}
#endif

}  // namespace

const kernel_table* select_kernels(std::string_view name) {
  if (name == "ref") return &ref_kernels();
#if defined(INK_WASMSIMD)
  if (name == "wasmsimd" || name == "auto") return wasmsimd_kernels();
#endif
#if defined(INK_AVX2)
  if (name == "avx2") return avx2_table();
  if (name == "auto" && avx2_table() != nullptr) return avx2_table();
#endif
#if defined(INK_XNNPACK)
  if (name == "xnnpack") return xnnpack_kernels();
  if (name == "auto" && xnnpack_kernels() != nullptr) return xnnpack_kernels();
#endif
  if (name == "auto") return &ref_kernels();
  return nullptr;
}

}  // namespace inkstone
