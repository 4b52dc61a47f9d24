// Helpers shared by the tokenizer files (private to core/src).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "inkstone/tokenizer.h"
#include "inkstone/utf8.h"

namespace inkstone {

// Decodes the code point at s[*i] (utf8_decode) and advances *i. An invalid or truncated sequence
// yields the byte value | kRawByteFlag (never a real code point) and advances by one byte, so
// every input byte is consumed exactly once.
inline constexpr uint32_t kRawByteFlag = 0x80000000u;
uint32_t utf8_next(std::string_view s, size_t* i);
void utf8_append(std::string& out, uint32_t cp);

// GPT-2's bytes_to_unicode(): printable bytes map to themselves, the rest to 256 + k.
uint32_t gpt2_byte_to_unicode(uint8_t b);
int gpt2_unicode_to_byte(uint32_t cp);  // -1 when cp is not in the map

// Unicode classes of the BPE pre-tokenizers (tokenizer-pretokenize.cpp): \p{L} (general
// category L*), \p{N} (N*), \s (White_Space). A raw byte (kRawByteFlag) is in none of them.
bool is_unicode_letter(uint32_t cp);
bool is_unicode_number(uint32_t cp);
bool is_unicode_space(uint32_t cp);

// Splits text into the words of pre-tokenizer `pre` (byte ranges of text, in order, covering it).
void bpe_pretokenize(bpe_pre pre, std::string_view text, std::vector<std::string_view>& words);

}  // namespace inkstone
