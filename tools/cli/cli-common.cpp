// cli-common.h: exit codes, option values, files, JSON text, the prosody directory.
#include "cli-common.h"

#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "inkstone/utf8.h"

namespace inkstone::cli {

// ------------------------------------------------------------------ exit codes

int exit_code_for(status_code code) {
  if (code == status_code::ok) return kExitOk;
  const std::string_view category = code_category(code);
  if (category == "invalid_argument") return kExitUsage;
  if (category == "io_error") return 3;
  if (category == "invalid_model") return 4;
  if (category == "unsupported_model") return 5;
  if (category == "out_of_memory") return 6;
  if (category == "context_full") return 7;
  return kExitFailure;  // invalid_state, aborted
}

int fail(const char* cmd, const status& s) {
  std::fprintf(stderr, "inkstone %s: %s\n", cmd, s.to_string().c_str());
  return exit_code_for(s.code);
}

int usage_error(const char* cmd, const std::string& message) {
  std::fprintf(stderr, "inkstone %s: invalid_argument: %s (see inkstone %s --help)\n", cmd,
               message.c_str(), cmd);
  return kExitUsage;
}

// ------------------------------------------------------------------ option values

result<int64_t> parse_int(std::string_view option, const char* value, int64_t lo, int64_t hi) {
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(value, &end, 10);
  if (end == value || *end != '\0' || errno == ERANGE || v < lo || v > hi) {
    return make_error(status_code::invalid_argument, option, ": '", value,
                      "' is not an integer in ", lo, "..", hi);
  }
  return static_cast<int64_t>(v);
}

result<uint64_t> parse_u64(std::string_view option, const char* value) {
  errno = 0;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(value, &end, 10);
  if (end == value || *end != '\0' || errno == ERANGE || value[0] == '-') {
    return make_error(status_code::invalid_argument, option, ": '", value,
                      "' is not a non-negative integer");
  }
  return static_cast<uint64_t>(v);
}

result<double> parse_number(std::string_view option, const char* value, double lo, double hi) {
  char* end = nullptr;
  const double v = std::strtod(value, &end);
  if (end == value || *end != '\0' || !std::isfinite(v) || v < lo || v > hi) {
    std::ostringstream range;
    range << lo << ".." << hi;
    return make_error(status_code::invalid_argument, option, ": '", value, "' is not a number in ",
                      range.str());
  }
  return v;
}

// ------------------------------------------------------------------ files

result<std::vector<uint8_t>> read_file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return make_error(status_code::io_error, "cannot open ", path, ": ", std::strerror(errno));
  }
  std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) return make_error(status_code::io_error, "cannot read ", path);
  return bytes;
}

result<std::string> read_file_text(const std::string& path) {
  INK_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, read_file_bytes(path));
  return std::string(bytes.begin(), bytes.end());
}

std::string read_stdin() {
  return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
}

bool stderr_is_terminal() { return isatty(STDERR_FILENO) == 1; }

// ------------------------------------------------------------------ JSON

std::string json_string(std::string_view s) {
  std::string out = "\"";
  out.reserve(s.size() + 2);
  for (size_t i = 0; i < s.size();) {
    const utf8_step step = utf8_decode(s, i);
    if (step.kind != utf8_step::valid) {
      out += kReplacementUtf8;
      i += step.kind == utf8_step::invalid ? 1 : step.n_bytes;
      continue;
    }
    const char32_t c = step.cp;
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      out += buf;
    } else {
      out.append(s.substr(i, step.n_bytes));
    }
    i += step.n_bytes;
  }
  return out + "\"";
}

std::string json_number(double v, int digits) {
  if (!std::isfinite(v)) return "null";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}

// ------------------------------------------------------------------ prosody tables

namespace {

namespace fs = std::filesystem;

bool holds_tables(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / "tones.tsv", ec);
}

}  // namespace

result<std::string> find_prosody_dir(const std::string& dir) {
  if (!dir.empty()) {
    if (!holds_tables(dir)) {
      return make_error(status_code::io_error, "--prosody: no tones.tsv in ", dir);
    }
    return dir;
  }
  const char* env = std::getenv("INK_PROSODY_DIR");
  if (env != nullptr && *env != '\0') {
    if (!holds_tables(env)) {
      return make_error(status_code::io_error, "INK_PROSODY_DIR: no tones.tsv in ", env);
    }
    return std::string(env);
  }
  std::vector<fs::path> candidates;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    candidates.push_back(exe.parent_path().parent_path() / "assets" / "prosody");
    candidates.push_back(exe.parent_path().parent_path().parent_path() / "assets" / "prosody");
  }
  candidates.push_back(fs::path("assets") / "prosody");
  for (const fs::path& c : candidates) {
    if (holds_tables(c)) return c.string();
  }
  return make_error(status_code::io_error,
                    "cannot find the prosody tables (assets/prosody/tones.tsv); give --prosody "
                    "DIR or set INK_PROSODY_DIR");
}

const std::vector<std::string>& rhyme_book_ids() {
  static const std::vector<std::string> ids = {"xinyun", "classical", "ci"};
  return ids;
}

result<std::string> rhyme_book_path(const std::string& prosody_dir, const std::string& book) {
  for (const std::string& id : rhyme_book_ids()) {
    if (book == id) return (fs::path(prosody_dir) / ("rhyme-" + id + ".tsv")).string();
  }
  if (book.size() > 4 && book.compare(book.size() - 4, 4, ".tsv") == 0) return book;
  return make_error(status_code::invalid_argument, "--rhyme-book: unknown rhyme book '", book,
                    "' (xinyun 中华新韵, classical 平水韵, ci 詞韻, or a rhyme-*.tsv file)");
}

}  // namespace inkstone::cli
