// The tiling driver shared by the SIMD matrix products (wasmsimd/matmul-*.cpp, avx2/matmul-*.cpp).
//
// A product Y (n, rows) = X (n, cols) W^T over output rows [row_begin, row_end) is cut into
// register tiles of R weight rows x T tokens (R = 4 or 1, T = kTokens or a smaller power of 2). A
// 4-row tile takes one row from each quarter of the range (rows q, q + m, q + 2m, q + 3m, m = range
// / 4): adjacent rows would interleave 4 short streams (a Q8_0 row of 768 is 816 bytes) and defeat
// the hardware prefetcher when the weights come from DRAM (measured: 4 vs 9.5 GB/s); quarters are 4
// long sequential streams. The range % 4 rows left over run as single-row tiles. Each tile walks
// every token of the batch before moving on, so a batch reads each weight once; n = 1 (decode) runs
// the T = 1 tiles only. Every output row is computed by the same instruction sequence whatever tile
// it falls in, so results do not depend on how a thread pool splits the rows.
#pragma once

#include <cstdint>

namespace inkstone {

// Tiles of R rows over tokens t .. n-1: T = kTokens (a power of 2) while that many remain, then
// halves of it (kTokens = 4: 4, 4, ..., then at most one 2 and one 1).
template <int R, int kTokens, class Tile>
inline void for_each_token_tile(int64_t t, int64_t n, const int64_t* rr, Tile& tile) {
  static_assert(kTokens > 0 && (kTokens & (kTokens - 1)) == 0);
  for (; t + kTokens <= n; t += kTokens) tile.template operator()<R, kTokens>(t, rr);
  if constexpr (kTokens > 1) for_each_token_tile<R, kTokens / 2>(t, n, rr, tile);
}

// Calls tile.template operator()<R, T>(t, rr) for every tile: rows rr[0 .. R), tokens t .. t+T-1.
template <int kTokens = 2, class Tile>
inline void for_each_tile(int64_t n, int64_t row_begin, int64_t row_end, Tile&& tile) {
  const int64_t m = (row_end - row_begin) / 4;
  for (int64_t q = row_begin; q < row_begin + m; ++q) {
    const int64_t rr[4] = {q, q + m, q + 2 * m, q + 3 * m};
    for_each_token_tile<4, kTokens>(0, n, rr, tile);
  }
  for (int64_t r = row_begin + 4 * m; r < row_end; ++r)
    for_each_token_tile<1, kTokens>(0, n, &r, tile);
}

}  // namespace inkstone
