// token_stream_decoder: token bytes to text for streaming; complete characters pass, an
// incomplete tail waits (utf8_take_complete, inkstone/utf8.h).
#include <string>

#include "inkstone/tokenizer.h"
#include "inkstone/utf8.h"

namespace inkstone {

std::string token_stream_decoder::push(int32_t id) {
  std::string bytes = tok_->token_bytes(id);
  if (at_start_ && !bytes.empty()) {
    at_start_ = false;
    if (strip_leading_space_ && bytes[0] == ' ') bytes.erase(0, 1);
  }
  pending_ += bytes;
  std::string out;
  utf8_take_complete(pending_, out);
  return out;
}

std::string token_stream_decoder::flush() {
  std::string out;
  utf8_take_complete(pending_, out);
  if (!pending_.empty()) out += kReplacementUtf8;  // an incomplete character at the very end
  pending_.clear();
  return out;
}

void token_stream_decoder::reset() {
  pending_.clear();
  at_start_ = true;
}

}  // namespace inkstone
