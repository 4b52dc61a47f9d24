// UTF-8, strictly (RFC 3629): the one decoder every part of the runtime uses (tokenizers, stream
// decoder, prosody tables, constraint engine, bindings).
//
// Well-formed means: the shortest encoding (no overlongs such as C0 AF for '/'), no surrogates
// (U+D800..U+DFFF, e.g. ED A0 80), nothing above U+10FFFF (F4 90 80 80 and leads F5..FF), every
// continuation byte in 80..BF. Per the second-byte ranges of RFC 3629: after E0 it is A0..BF,
// after ED 80..9F, after F0 90..BF, after F4 80..8F.
//
// Replacement policy (decode_code_points, utf8_take_complete): every byte that does not start a
// well-formed sequence becomes one U+FFFD and decoding resumes at the next byte, so a broken
// 3-byte sequence E4 B8 41 gives U+FFFD U+FFFD 'A'. A well-formed but incomplete sequence at the
// end of the input is "incomplete": a stream waits for more bytes; a whole string replaces each
// of its bytes the same way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace inkstone {

inline constexpr char32_t kReplacementChar = U'\uFFFD';
inline constexpr std::string_view kReplacementUtf8 = "\xEF\xBF\xBD";

// One decoding step at s[i] (i < s.size()).
struct utf8_step {
  enum kind_t : uint8_t {
    valid,       // cp is the code point of s[i .. i + n_bytes)
    invalid,     // s[i] starts no well-formed sequence; cp = U+FFFD, n_bytes = 1
    incomplete,  // s[i ..] is a well-formed prefix cut by the end of s; cp = U+FFFD,
                 // n_bytes = s.size() - i
  };
  kind_t kind;
  char32_t cp;
  size_t n_bytes;
};
utf8_step utf8_decode(std::string_view s, size_t i);

// Length of the sequence a lead byte starts (1..4), or 0 for a continuation or a byte that never
// starts a well-formed sequence (C0, C1, F5..FF).
int utf8_sequence_length(uint8_t lead);

// Whether all of s is well-formed (the empty string is).
bool utf8_is_valid(std::string_view s);
// Length of s without its incomplete tail (see utf8_step::incomplete); invalid bytes count as
// complete (they decode to U+FFFD).
size_t utf8_complete_prefix(std::string_view s);

// Decodes s; every byte that starts no well-formed sequence (an incomplete tail included) becomes
// U+FFFD.
std::u32string decode_code_points(std::string_view s);
// Appends the UTF-8 encoding of cp (cp <= U+10FFFF; a surrogate is encoded as is).
void append_code_point(std::string& out, char32_t cp);
std::string encode_code_points(std::u32string_view cps);

// Streaming: moves the complete characters at the front of `pending` to `out`, each byte that
// starts no well-formed sequence as U+FFFD; an incomplete tail stays in `pending`.
void utf8_take_complete(std::string& pending, std::string& out);

}  // namespace inkstone
