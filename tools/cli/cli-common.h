// What every command of the CLI shares: exit codes (docs/status-codes.md, "CLI exit codes"),
// error messages that name the command and the option, option values, files, JSON text, and
// where the prosody tables live.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "inkstone/status.h"

namespace inkstone::cli {

// ------------------------------------------------------------------ exit codes
// docs/status-codes.md: 0 success; 1 any other failure; 2 usage or a bad option value
// (invalid_argument); 3 io_error; 4 invalid_model; 5 unsupported_model; 6 out_of_memory;
// 7 context_full.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
int exit_code_for(status_code code);

// Prints "inkstone CMD: code_name: message" to stderr and returns exit_code_for(s.code).
int fail(const char* cmd, const status& s);
// A usage error: prints "inkstone CMD: invalid_argument: message (see inkstone CMD --help)"
// and returns 2.
int usage_error(const char* cmd, const std::string& message);

// ------------------------------------------------------------------ option values
// Integer / number option values; invalid_argument naming the option and the accepted range:
// "--drafts: 'x' is not an integer in 1..64".
result<int64_t> parse_int(std::string_view option, const char* value, int64_t lo, int64_t hi);
result<uint64_t> parse_u64(std::string_view option, const char* value);
result<double> parse_number(std::string_view option, const char* value, double lo, double hi);

// ------------------------------------------------------------------ files
// The whole file; io_error naming the path and the reason.
result<std::vector<uint8_t>> read_file_bytes(const std::string& path);
result<std::string> read_file_text(const std::string& path);
// All of stdin.
std::string read_stdin();
bool stderr_is_terminal();

// ------------------------------------------------------------------ JSON
// A JSON string literal (quotes included). Control characters are escaped; bytes that are not
// well-formed UTF-8 become U+FFFD, so the output is always valid JSON.
std::string json_string(std::string_view s);
// A number as JSON with `digits` significant digits (7 for a float, 17 round-trips a double);
// NaN and infinities become null.
std::string json_number(double v, int digits = 9);

// ------------------------------------------------------------------ prosody tables
// The directory of tones.tsv, rhyme-*.tsv and cipai.tsv: `dir` when given, else
// $INK_PROSODY_DIR, else assets/prosody next to the executable's build directory
// (BIN/../assets/prosody, BIN/../../assets/prosody), else ./assets/prosody.
// io_error when none holds tones.tsv.
result<std::string> find_prosody_dir(const std::string& dir);
// The rhyme book ids the site offers and the 詞 book ("xinyun", "classical", "ci").
const std::vector<std::string>& rhyme_book_ids();
// The file of a rhyme book: DIR/rhyme-ID.tsv for a known id, the value itself when it names a
// .tsv file; invalid_argument (naming --rhyme-book) otherwise.
result<std::string> rhyme_book_path(const std::string& prosody_dir, const std::string& book);

}  // namespace inkstone::cli
