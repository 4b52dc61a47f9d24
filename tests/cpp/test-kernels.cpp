// Every kernel of the ref table (and XNNPACK's F32 fully-connected when built) against plain
// double-precision loops written here from the maths, over awkward sizes.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "../common/kernel-fixtures.h"
#include "inkstone/fp16.h"
#include "kernel-table.h"
#include "quant-blocks.h"

using namespace inkstone;
using namespace inkstone::fixtures;

namespace {

// Reductions in float over up to 4096 terms: error relative to sum |a_j b_j| stays ~sqrt(n) eps.
constexpr double kMaxRelErrF32 = 2e-5;
constexpr double kMaxRelErrF16 = 2e-5;   // weights widened exactly; same float reduction
constexpr double kMaxRelErrQ8_0 = 2e-5;  // d * q is exact in float; only the order differs
constexpr double kMaxRelErrQ4_0 = 2e-5;
constexpr double kMaxRelErrKQuant = 2e-5;   // values exact in float here (kernel-fixtures.h)
constexpr double kMaxRelErrXnnpack = 1e-4;  // different blocking/FMA order
constexpr double kMaxAbsErrElementwise = 1e-6;

// K-quant formats take the multiples of 256 only (1, 3 and 16 super-blocks).
const int64_t kCols[] = {32, 64, 96, 256, 768, 4096};
const int64_t kRows[] = {1, 3, 17};

double max_rel_err(const weights& w, int64_t rows, int64_t cols, const float* x, const float* y) {
  double worst = 0;
  for (int64_t i = 0; i < rows; ++i) {
    double ref = 0, mag = 0;
    for (int64_t j = 0; j < cols; ++j) {
      ref += w.dense[size_t(i * cols + j)] * x[j];
      mag += std::fabs(w.dense[size_t(i * cols + j)] * x[j]);
    }
    worst = std::max(worst, std::fabs(y[i] - ref) / std::max(mag, 1e-30));
  }
  return worst;
}

double tolerance(weight_format f) {
  switch (f) {
    case weight_format::f32:
      return kMaxRelErrF32;
    case weight_format::f16:
      return kMaxRelErrF16;
    case weight_format::q4_0:
    case weight_format::q4_1:
    case weight_format::q5_0:
    case weight_format::q5_1:
      return kMaxRelErrQ4_0;
    case weight_format::q8_0:
      return kMaxRelErrQ8_0;
    case weight_format::q4_k:
    case weight_format::q5_k:
    case weight_format::q6_k:
      return kMaxRelErrKQuant;
  }
  return 0;
}

bool fits(weight_format f, int64_t cols) { return cols % weight_block_size(f) == 0; }

// One super-block through ref's get_rows.
std::vector<float> dequantize_block(weight_format f, const std::vector<uint8_t>& block) {
  REQUIRE(block.size() == weight_row_bytes(f, 256));
  std::vector<float> out(256);
  ref_kernels().get_rows[int(f)](block.data(), 256, 0, out.data());
  return out;
}

}  // namespace

TEST_CASE("quant blocks: ggml sizes and Q4_0 nibble order") {
  CHECK(sizeof(block_q8_0) == 34);
  CHECK(sizeof(block_q4_0) == 18);
  // One Q4_0 block, d = 1: qs[0] = 0x1F -> element 0 = 0xF - 8 = 7, element 16 = 0x1 - 8 = -7.
  std::vector<uint8_t> b(18, 0x88);  // every other element = 0
  put_u16(b.data(), fp32_to_fp16(1.0f));
  b[2] = 0x1F;
  float out[32];
  ref_kernels().get_rows[int(weight_format::q4_0)](b.data(), 32, 0, out);
  CHECK(out[0] == 7.0f);
  CHECK(out[16] == -7.0f);
  CHECK(out[1] == 0.0f);
  CHECK(out[17] == 0.0f);
}

// Hand-made Q4_1/Q5_0/Q5_1 blocks, values worked out from ggml's layouts (docs/model-conventions.md):
// the fifth bit of element j is bit j of qh read as a little-endian uint32.
TEST_CASE("quant blocks: Q4_1, Q5_0, Q5_1 sizes and hand-computed values") {
  CHECK(sizeof(block_q4_1) == 20);
  CHECK(sizeof(block_q5_0) == 22);
  CHECK(sizeof(block_q5_1) == 24);
  float out[32];
  const auto& get_rows = ref_kernels().get_rows;
  {  // Q4_1, d = 0.5, m = -2: qs[0] = 0x1F -> element 0 = 0.5 * 15 - 2, element 16 = 0.5 * 1 - 2.
    std::vector<uint8_t> b(20, 0);
    put_u16(b.data(), fp32_to_fp16(0.5f));
    put_u16(b.data() + 2, fp32_to_fp16(-2.0f));
    b[4] = 0x1F;
    get_rows[int(weight_format::q4_1)](b.data(), 32, 0, out);
    CHECK(out[0] == 5.5f);
    CHECK(out[16] == -1.5f);
    CHECK(out[1] == -2.0f);
  }
  {  // Q5_0, d = 1: qh = bits 0, 17, 31; qs[0] = 0x1F, qs[1] = 0x20.
    std::vector<uint8_t> b(22, 0);
    put_u16(b.data(), fp32_to_fp16(1.0f));
    b[2] = 0x01;  // bit 0
    b[4] = 0x02;  // bit 17
    b[5] = 0x80;  // bit 31
    b[6] = 0x1F;
    b[7] = 0x20;
    get_rows[int(weight_format::q5_0)](b.data(), 32, 0, out);
    CHECK(out[0] == 15.0f);   // 0xF + 16 - 16
    CHECK(out[16] == -15.0f); // 0x1 - 16
    CHECK(out[1] == -16.0f);  // 0x0 - 16
    CHECK(out[17] == 2.0f);   // 0x2 + 16 - 16
    CHECK(out[31] == 0.0f);   // 0x0 + 16 - 16
    CHECK(out[15] == -16.0f);
  }
  {  // Q5_1, d = 0.25, m = 1: qh = bit 8 (byte 1, bit 0); qs[8] = 0x3C.
    std::vector<uint8_t> b(24, 0);
    put_u16(b.data(), fp32_to_fp16(0.25f));
    put_u16(b.data() + 2, fp32_to_fp16(1.0f));
    b[5] = 0x01;   // qh byte 1, bit 0 = bit 8
    b[8 + 8] = 0x3C;
    get_rows[int(weight_format::q5_1)](b.data(), 32, 0, out);
    CHECK(out[8] == 0.25f * (0xC + 16) + 1.0f);
    CHECK(out[24] == 0.25f * 0x3 + 1.0f);
    CHECK(out[0] == 1.0f);
  }
}

// Hand-made K-quant blocks (every byte not named is 0), values worked out from the layouts in
// docs/model-conventions.md.
TEST_CASE("quant blocks: K-quant sizes and hand-computed values") {
  CHECK(sizeof(block_q4_k) == 144);
  CHECK(sizeof(block_q5_k) == 176);
  CHECK(sizeof(block_q6_k) == 210);
  for (weight_format f : {weight_format::q4_k, weight_format::q5_k}) {
    CAPTURE(format_name(f));
    const bool five = f == weight_format::q5_k;
    std::vector<uint8_t> b(weight_row_bytes(f, 256), 0);
    put_u16(b.data(), fp32_to_fp16(1.0f));      // d
    put_u16(b.data() + 2, fp32_to_fp16(0.5f));  // dmin
    uint8_t* scales = b.data() + 4;
    scales[0] = 3;       // sub-block 0: scale 3
    scales[4] = 2;       //              min 2
    scales[9] = 0x35;    // sub-block 5: scale low 4 bits 5, min low 4 bits 3
    scales[1] = 2 << 6;  //              scale bits 4-5 = 2: scale 37 (sub-block 1: 0)
    scales[5] = 1 << 6;  //              min bits 4-5 = 1: min 19 (sub-block 1: 0)
    uint8_t* qs = b.data() + (five ? 48 : 16);
    qs[0] = 0x97;   // element 0 (sub-block 0, low nibble) = 7; element 32 (sub-block 1) = 9
    qs[64] = 0xA0;  // element 128 (sub-block 4) = 0; element 160 (sub-block 5, high nibble) = 10
    if (five) b[16] = 0x21;  // qh[0]: bit 0 -> element 0 + 16, bit 5 -> element 160 + 16
    const std::vector<float> v = dequantize_block(f, b);
    CHECK(v[0] == (five ? 23 * 3 - 0.5 * 2 : 7 * 3 - 0.5 * 2));
    CHECK(v[1] == -0.5f * 2);  // q = 0: just the min
    CHECK(v[32] == 0.0f);      // sub-block 1: scale 0, min 0
    CHECK(v[128] == 0.0f);     // sub-block 4: scale 0, min 0
    CHECK(v[160] == (five ? 26 * 37 - 0.5 * 19 : 10 * 37 - 0.5 * 19));
    CHECK(v[161] == -0.5f * 19);
  }
  {
    std::vector<uint8_t> b(210, 0);  // ql[128] qh[64] scales[16] d
    put_u16(b.data() + 208, fp32_to_fp16(0.5f));
    auto* scales = reinterpret_cast<int8_t*>(b.data() + 192);
    scales[0] = -3;  // elements 0..15
    scales[4] = 7;   // elements 64..79
    scales[12] = 5;  // elements 192..207
    b[0] = 0x4B;     // ql[0]: element 0 low 4 bits 11, element 64 low 4 bits 4
    b[128] = 0x22;   // qh[0]: element 0 high bits 2 (bits 0-1), element 64 high bits 2 (bits 4-5)
    b[72] = 0x30;    // ql[64 + 8]: element 128 + 64 + 8 = 200 low 4 bits 3 (high nibble)
    b[128 + 40] = 0x10;  // qh[32 + 8]: element 200 high bits 1 (bits 4-5)
    const std::vector<float> v = dequantize_block(weight_format::q6_k, b);
    CHECK(v[0] == 0.5f * -3 * (11 + 32 - 32));
    CHECK(v[1] == 0.5f * -3 * -32);  // q = 0
    CHECK(v[64] == 0.5f * 7 * (4 + 32 - 32));
    CHECK(v[200] == 0.5f * 5 * (3 + 16 - 32));
    CHECK(v[16] == 0.0f);  // scale 0
  }
}

TEST_CASE("matmul (n = 1) and get_rows (ref) match dequantize-then-dot in double") {
  const kernel_table& k = ref_kernels();
  for (weight_format f : kFormats) {
    for (int64_t cols : kCols) {
      if (!fits(f, cols)) continue;
      for (int64_t rows : kRows) {
        CAPTURE(format_name(f));
        CAPTURE(cols);
        CAPTURE(rows);
        const weights w = make_weights(f, rows, cols, uint64_t(cols * 31 + rows));
        lcg r(7 + cols);
        const std::vector<float> x = random_vec(r, cols);
        std::vector<float> y(rows, 123.0f);
        k.matmul[int(f)](w.bytes.data(), rows, cols, x.data(), 1, y.data(), 0, rows);
        CHECK(max_rel_err(w, rows, cols, x.data(), y.data()) <= tolerance(f));

        // Rows split into two calls give the same bits (no dependence on the split).
        std::vector<float> y2(rows, 0.0f);
        const int64_t mid = rows / 2;
        k.matmul[int(f)](w.bytes.data(), rows, cols, x.data(), 1, y2.data(), 0, mid);
        k.matmul[int(f)](w.bytes.data(), rows, cols, x.data(), 1, y2.data(), mid, rows);
        CHECK(std::memcmp(y.data(), y2.data(), rows * sizeof(float)) == 0);

        // get_rows is the exact dequantization.
        std::vector<float> row(cols);
        k.get_rows[int(f)](w.bytes.data(), cols, rows - 1, row.data());
        bool exact = true;
        for (int64_t j = 0; j < cols; ++j)
          exact &= double(row[j]) == w.dense[size_t((rows - 1) * cols + j)];
        CHECK(exact);
      }
    }
  }
}

TEST_CASE("matmul (ref): row t of a batch equals token t alone, bit for bit, and matches double") {
  const kernel_table& k = ref_kernels();
  for (weight_format f : kFormats) {
    for (int64_t cols : {int64_t{32}, int64_t{96}, int64_t{256}, int64_t{512}}) {
      if (!fits(f, cols)) continue;
      const int64_t rows = 17, n = 5;
      CAPTURE(format_name(f));
      const weights w = make_weights(f, rows, cols, 99 + cols);
      lcg r(3);
      const std::vector<float> x = random_vec(r, size_t(n * cols));
      std::vector<float> y(size_t(n * rows));
      k.matmul[int(f)](w.bytes.data(), rows, cols, x.data(), n, y.data(), 0, 7);
      k.matmul[int(f)](w.bytes.data(), rows, cols, x.data(), n, y.data(), 7, rows);
      for (int64_t t = 0; t < n; ++t) {
        std::vector<float> yv(rows);
        k.matmul[int(f)](w.bytes.data(), rows, cols, x.data() + t * cols, 1, yv.data(), 0, rows);
        CHECK(std::memcmp(yv.data(), y.data() + t * rows, rows * sizeof(float)) == 0);
        CHECK(max_rel_err(w, rows, cols, x.data() + t * cols, y.data() + t * rows) <= tolerance(f));
      }
    }
  }
}

TEST_CASE("rmsnorm, softmax, silu_mul, add (ref) match double") {
  const kernel_table& k = ref_kernels();
  for (int64_t n : {1, 3, 64, 4096}) {
    CAPTURE(n);
    lcg r{uint64_t(n)};
    const std::vector<float> x = random_vec(r, n, -3, 3);
    const std::vector<float> w = random_vec(r, n, 0.5, 1.5);
    const float eps = 1e-5f;

    std::vector<float> out(n);
    k.f32_rmsnorm(x.data(), w.data(), n, eps, out.data());
    double ss = 0;
    for (float v : x) ss += double(v) * v;
    const double scale = 1.0 / std::sqrt(ss / n + eps);
    double worst = 0;
    for (int64_t i = 0; i < n; ++i)
      worst = std::max(worst, std::fabs(out[i] - x[i] * scale * w[i]));
    CHECK(worst <= 1e-5);  // values up to ~5 in magnitude

    std::vector<float> sm = x;
    k.f32_softmax(sm.data(), n);
    double mx = x[0], sum = 0;
    for (float v : x) mx = std::max(mx, double(v));
    for (float v : x) sum += std::exp(double(v) - mx);
    worst = 0;
    for (int64_t i = 0; i < n; ++i)
      worst = std::max(worst, std::fabs(sm[i] - std::exp(x[i] - mx) / sum));
    CHECK(worst <= kMaxAbsErrElementwise);

    std::vector<float> g = x;
    k.f32_silu_mul(g.data(), w.data(), n);
    worst = 0;
    for (int64_t i = 0; i < n; ++i) {
      const double ref = double(x[i]) / (1.0 + std::exp(-double(x[i]))) * w[i];
      worst = std::max(worst, std::fabs(g[i] - ref) / std::max(1.0, std::fabs(ref)));
    }
    CHECK(worst <= kMaxAbsErrElementwise);

    std::vector<float> a = x;
    k.f32_add(a.data(), w.data(), n);
    bool exact = true;
    for (int64_t i = 0; i < n; ++i) exact &= a[i] == x[i] + w[i];
    CHECK(exact);
  }
}

TEST_CASE("softmax gives -inf entries probability 0") {
  float x[4] = {1.0f, -INFINITY, 2.0f, -INFINITY};
  ref_kernels().f32_softmax(x, 4);
  CHECK(x[1] == 0.0f);
  CHECK(x[3] == 0.0f);
  CHECK(x[0] + x[2] == doctest::Approx(1.0));
}

TEST_CASE("rope (ref) rotates adjacent pairs per head") {
  const int64_t n_head = 3, head_dim = 8;
  const int pos = 5;
  const double base = 10000.0;
  lcg r(11);
  const std::vector<float> x = random_vec(r, n_head * head_dim);
  std::vector<float> cs(head_dim / 2), sn(head_dim / 2);
  for (int i = 0; i < head_dim / 2; ++i) {
    const double a = pos * std::pow(base, -2.0 * i / head_dim);
    cs[i] = float(std::cos(a));
    sn[i] = float(std::sin(a));
  }
  std::vector<float> y = x;
  ref_kernels().f32_rope(y.data(), n_head, head_dim, cs.data(), sn.data());
  double worst = 0;
  for (int64_t h = 0; h < n_head; ++h) {
    for (int i = 0; i < head_dim / 2; ++i) {
      const double a = pos * std::pow(base, -2.0 * i / head_dim);
      const double x0 = x[h * head_dim + 2 * i], x1 = x[h * head_dim + 2 * i + 1];
      worst = std::max(worst,
                       std::fabs(y[h * head_dim + 2 * i] - (x0 * std::cos(a) - x1 * std::sin(a))));
      worst = std::max(
          worst, std::fabs(y[h * head_dim + 2 * i + 1] - (x0 * std::sin(a) + x1 * std::cos(a))));
    }
  }
  CHECK(worst <= kMaxAbsErrElementwise);
}

TEST_CASE("rope_neox (ref) rotates the pairs (i, i + head_dim/2) per head") {
  const int64_t n_head = 3, head_dim = 8;
  const int pos = 5;
  const double base = 1e6;
  lcg r(12);
  const std::vector<float> x = random_vec(r, n_head * head_dim);
  std::vector<float> cs(head_dim / 2), sn(head_dim / 2);
  for (int i = 0; i < head_dim / 2; ++i) {
    const double a = pos * std::pow(base, -2.0 * i / head_dim);
    cs[i] = float(std::cos(a));
    sn[i] = float(std::sin(a));
  }
  std::vector<float> y = x;
  ref_kernels().f32_rope_neox(y.data(), n_head, head_dim, cs.data(), sn.data());
  double worst = 0;
  for (int64_t h = 0; h < n_head; ++h) {
    for (int i = 0; i < head_dim / 2; ++i) {
      const double a = pos * std::pow(base, -2.0 * i / head_dim);
      const int64_t j0 = h * head_dim + i, j1 = j0 + head_dim / 2;
      const double x0 = x[j0], x1 = x[j1];
      worst = std::max(worst, std::fabs(y[j0] - (x0 * std::cos(a) - x1 * std::sin(a))));
      worst = std::max(worst, std::fabs(y[j1] - (x0 * std::sin(a) + x1 * std::cos(a))));
    }
  }
  CHECK(worst <= kMaxAbsErrElementwise);
  // Not the adjacent-pair layout: the two differ on the same input.
  std::vector<float> z = x;
  ref_kernels().f32_rope(z.data(), n_head, head_dim, cs.data(), sn.data());
  CHECK(z != y);
}

TEST_CASE("attention (ref) matches double, with grouped-query heads; causal batch == one by one") {
  const attention_shape shape{4, 2, 8};  // 4 query heads share 2 kv heads
  const int64_t kv_dim = shape.n_head_kv * shape.head_dim, q_dim = shape.n_head * shape.head_dim;
  const int64_t n_ctx = 20;
  lcg r(5);
  const std::vector<float> k = random_vec(r, n_ctx * kv_dim, -2, 2);
  const std::vector<float> v = random_vec(r, n_ctx * kv_dim);
  const std::vector<float> q = random_vec(r, 3 * q_dim, -2, 2);
  for (int64_t n_pos : {1, 5, 17}) {
    CAPTURE(n_pos);
    std::vector<float> att(shape.n_head * n_ctx), out(q_dim);
    ref_kernels().f32_attention(q.data(), k.data(), v.data(), n_pos, shape, att.data(), n_ctx,
                                out.data());
    double worst = 0;
    for (int64_t h = 0; h < shape.n_head; ++h) {
      const int64_t kvh = h / 2;
      std::vector<double> s(n_pos);
      double mx = -1e300, sum = 0;
      for (int64_t j = 0; j < n_pos; ++j) {
        double dot = 0;
        for (int64_t d = 0; d < 8; ++d) dot += double(q[h * 8 + d]) * k[j * kv_dim + kvh * 8 + d];
        s[j] = dot / std::sqrt(8.0);
        mx = std::max(mx, s[j]);
      }
      for (auto& e : s) sum += (e = std::exp(e - mx));
      double row_sum = 0;
      for (int64_t j = 0; j < n_pos; ++j) {
        worst = std::max(worst, std::fabs(att[h * n_ctx + j] - s[j] / sum));
        row_sum += att[h * n_ctx + j];
      }
      CHECK(row_sum == doctest::Approx(1.0).epsilon(1e-5));
      for (int64_t d = 0; d < 8; ++d) {
        double o = 0;
        for (int64_t j = 0; j < n_pos; ++j) o += s[j] / sum * v[j * kv_dim + kvh * 8 + d];
        worst = std::max(worst, std::fabs(out[h * 8 + d] - o));
      }
    }
    CHECK(worst <= 1e-5);
  }
}

TEST_CASE("select_kernels") {
  CHECK(select_kernels("ref") == &ref_kernels());
  CHECK(select_kernels("auto") != nullptr);
  CHECK(select_kernels("bogus") == nullptr);
#if defined(INK_XNNPACK)
  CHECK(select_kernels("xnnpack") != nullptr);
#else
  CHECK(select_kernels("xnnpack") == nullptr);
#endif
}

#if defined(INK_XNNPACK)
TEST_CASE("xnnpack f32 fully-connected matches double (batch 1 and 5), in row slices") {
  const kernel_table* k = select_kernels("xnnpack");
  REQUIRE(k != nullptr);
  REQUIRE(static_cast<bool>(k->f32_fc_create));
  CHECK(k->f32_fc_min_n == 1);
  for (int64_t cols : kCols) {
    for (int64_t rows : kRows) {
      CAPTURE(cols);
      CAPTURE(rows);
      const weights w = make_weights(weight_format::f32, rows, cols, uint64_t(cols + rows));
      const float* wf = reinterpret_cast<const float*>(w.bytes.data());
      // One slice, and three (as a 3-thread pool cuts the rows; an empty one when rows < 3).
      const int64_t whole[] = {0, rows};
      const int64_t thirds[] = {0, rows / 3, 2 * rows / 3, rows};
      void* fc1 = k->f32_fc_create(wf, rows, cols, whole, 1);
      void* fc3 = k->f32_fc_create(wf, rows, cols, thirds, 3);
      REQUIRE(fc1 != nullptr);
      REQUIRE(fc3 != nullptr);
      for (int64_t n : {1, 5}) {
        CAPTURE(n);
        lcg r{uint64_t(n)};
        const std::vector<float> x = random_vec(r, size_t(n * cols));
        std::vector<float> y(size_t(n * rows)), y3(size_t(n * rows), NAN);
        REQUIRE(k->f32_fc_run(fc1, x.data(), n, y.data(), 0, rows));
        for (int64_t t = 0; t < n; ++t) {
          CHECK(max_rel_err(w, rows, cols, x.data() + t * cols, y.data() + t * rows) <=
                kMaxRelErrXnnpack);
        }
        // Slice by slice, as the pool's threads run them: every row written, close to one slice.
        for (int i = 0; i < 3; ++i) {
          REQUIRE(k->f32_fc_run(fc3, x.data(), n, y3.data(), thirds[i], thirds[i + 1]));
        }
        double worst = 0;
        for (size_t i = 0; i < y.size(); ++i) {
          worst = std::max(
              worst, std::fabs(double(y3[i]) - y[i]) / std::max(1.0, std::fabs(double(y[i]))));
        }
        CHECK(worst <= kMaxRelErrXnnpack);
      }
      k->f32_fc_delete(fc1);
      k->f32_fc_delete(fc3);
    }
  }
}
#endif
