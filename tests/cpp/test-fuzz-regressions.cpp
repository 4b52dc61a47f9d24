// Inputs the fuzzers once failed on (tests/fuzz/regressions/), kept as ordinary tests.
#include <doctest/doctest.h>

#include "gguf-builder.h"
#include "inkstone/gguf.h"
#include "inkstone/model.h"

namespace inkstone {

TEST_CASE("fuzz regression: a huge block_count is refused without sizing an allocation by it") {
  // Found by fuzz-gguf: llama.block_count mutated to ~10^9 made load_model resize the layer
  // vector before looking for the layers' tensors (an ASan out-of-memory abort).
  const auto bytes = test::read_file_bytes(INK_SOURCE_DIR "/tests/fuzz/regressions/gguf-huge-block-count");
  REQUIRE(!bytes.empty());
  const auto m = load_model(bytes);
  REQUIRE(!m.ok());
  CHECK(code_category(m.code()) == std::string("invalid_model"));
}

TEST_CASE("fuzz regression: a GGUF without tensors ends where its header ends") {
  // Found by fuzz-gguf: a v3 header with 0 tensors, 0 kvs and 5 bytes after it (29 bytes) is a
  // complete file, but data_end() said 32 (the aligned data offset), past its end.
  const auto bytes = test::read_file_bytes(INK_SOURCE_DIR "/tests/fuzz/regressions/gguf-no-tensors-no-padding.gguf");
  REQUIRE(bytes.size() == 29);
  const auto g = gguf_file::parse(bytes);
  REQUIRE(g.ok());
  CHECK(g->tensors().empty());
  CHECK(g->data_complete());
  CHECK(g->data_end() == 24);  // magic, version, n_tensors, n_kv
  CHECK(g->data_end() <= bytes.size());
}

}  // namespace inkstone
