// Picks a kernel table once. The ref table is always present; xnnpack (native, F32
// fully-connected) and wasmsimd (Emscripten, SIMD128) tables come from their own directories when
// compiled in. "auto" = wasmsimd on Emscripten, else xnnpack when it initialises, else ref.
#include "kernel-table.h"
#include "ref/ref-kernels.h"

namespace inkstone {

#if defined(INK_XNNPACK)
// core/kernels/xnnpack/fully-connected.cpp: the ref table with the XNNPACK F32 operator, or null
// when XNNPACK fails to initialise on this machine.
const kernel_table* xnnpack_kernels();
#endif
#if defined(INK_WASMSIMD)
// core/kernels/wasmsimd/: the SIMD128 table (Emscripten builds).
const kernel_table* wasmsimd_kernels();
#endif

const kernel_table& ref_kernels() {
  static const kernel_table table = {
      .name = "ref",
      .matmul = {f32_matmul__ref, f16_matmul__ref, q4_0_matmul__ref, q8_0_matmul__ref},
      .get_rows = {f32_get_rows__ref, f16_get_rows__ref, q4_0_get_rows__ref, q8_0_get_rows__ref},
      .f32_rmsnorm = f32_rmsnorm__ref,
      .f32_rope = f32_rope__ref,
      .f32_softmax = f32_softmax__ref,
      .f32_silu_mul = f32_silu_mul__ref,
      .f32_add = f32_add__ref,
      .f32_attention = f32_attention__ref,
      .f32_fc_create = nullptr,
      .f32_fc_run = nullptr,
      .f32_fc_delete = nullptr,
  };
  return table;
}

const kernel_table* select_kernels(std::string_view name) {
  if (name == "ref") return &ref_kernels();
#if defined(INK_WASMSIMD)
  if (name == "wasmsimd") return wasmsimd_kernels();
  if (name == "auto") return wasmsimd_kernels();
#endif
#if defined(INK_XNNPACK)
  if (name == "xnnpack") return xnnpack_kernels();
  if (name == "auto") {
    const kernel_table* t = xnnpack_kernels();
    return t != nullptr ? t : &ref_kernels();
  }
#else
  if (name == "auto") return &ref_kernels();
#endif
  return nullptr;
}

}  // namespace inkstone
