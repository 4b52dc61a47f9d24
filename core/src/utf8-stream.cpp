// UTF-8 validation for streaming: complete characters pass, an incomplete tail waits.
#include <string>

#include "inkstone/tokenizer.h"

namespace inkstone {

namespace {

constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD

// Valid range of the second byte after `lead` (excludes overlongs, surrogates, > U+10FFFF).
void second_byte_range(uint8_t lead, uint8_t* lo, uint8_t* hi) {
  *lo = 0x80;
  *hi = 0xBF;
  if (lead == 0xE0) *lo = 0xA0;
  if (lead == 0xED) *hi = 0x9F;
  if (lead == 0xF0) *lo = 0x90;
  if (lead == 0xF4) *hi = 0x8F;
}

// Number of bytes at p[0..n) that form a valid prefix of the sequence started by p[0]
// (p[0] itself counts); the sequence length is `len`.
size_t valid_prefix(const uint8_t* p, size_t n, int len) {
  size_t k = 1;
  for (; k < n && k < static_cast<size_t>(len); ++k) {
    uint8_t lo = 0x80, hi = 0xBF;
    if (k == 1) second_byte_range(p[0], &lo, &hi);
    if (p[k] < lo || p[k] > hi) break;
  }
  return k;
}

}  // namespace

int utf8_sequence_length(uint8_t lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

void utf8_take_complete(std::string& pending, std::string& out) {
  const uint8_t* p = reinterpret_cast<const uint8_t*>(pending.data());
  const size_t n = pending.size();
  size_t i = 0;
  while (i < n) {
    const int len = utf8_sequence_length(p[i]);
    if (len == 0) {  // stray continuation or invalid lead byte
      out += kReplacement;
      ++i;
      continue;
    }
    const size_t avail = n - i;
    const size_t ok = valid_prefix(p + i, avail, len);
    if (ok == static_cast<size_t>(len)) {
      out.append(pending, i, static_cast<size_t>(len));
      i += static_cast<size_t>(len);
      continue;
    }
    if (ok == avail) break;  // incomplete but valid so far: wait for more bytes
    out += kReplacement;     // broken sequence: replace the lead byte, resync after it
    ++i;
  }
  pending.erase(0, i);
}

// ---------------------------------------------------------------- token_stream_decoder

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
  if (!pending_.empty()) out += kReplacement;  // an incomplete character at the very end
  pending_.clear();
  return out;
}

void token_stream_decoder::reset() {
  pending_.clear();
  at_start_ = true;
}

}  // namespace inkstone
