// Helpers shared by the tokenizer files (private to core/src).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

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

// Approximate Unicode classes for the GPT-2 pre-tokenizer (see tokenizer-bpe.cpp).
bool is_unicode_letter(uint32_t cp);
bool is_unicode_number(uint32_t cp);
bool is_unicode_space(uint32_t cp);

}  // namespace inkstone
