// Inputs the fuzzers once failed on (tests/fuzz/regressions/), kept as ordinary tests.
#include <doctest/doctest.h>

#include "gguf-builder.h"
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

}  // namespace inkstone
