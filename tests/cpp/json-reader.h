// A small JSON reader for test fixtures (tests/fixtures/poetry/*.json): objects, arrays, numbers,
// strings (escapes decoded, \u to UTF-8), true/false/null. Trusted input: a malformed file makes
// parse() return false, with no attempt at a helpful message.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace inkstone::test_json {

struct value {
  enum class kind { null, boolean, number, string, array, object } type = kind::null;
  bool b = false;
  double num = 0;
  std::string str;
  std::vector<value> items;              // array
  std::map<std::string, value> members;  // object

  const value& operator[](const std::string& key) const {
    static const value missing;
    auto it = members.find(key);
    return it == members.end() ? missing : it->second;
  }
  const value& operator[](size_t i) const { return items[i]; }
  size_t size() const { return type == kind::array ? items.size() : members.size(); }
  std::vector<double> numbers() const {
    std::vector<double> out;
    for (const value& v : items) out.push_back(v.num);
    return out;
  }
};

class parser {
 public:
  explicit parser(std::string_view text) : s_(text) {}

  bool parse(value& out) {
    if (!parse_value(out)) return false;
    skip_ws();
    return i_ == s_.size();
  }

 private:
  void skip_ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == '\t'))
      ++i_;
  }
  bool eat(char c) {
    skip_ws();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  bool literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }
  static void put_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out += char(cp);
    } else if (cp < 0x800) {
      out += char(0xC0 | (cp >> 6));
      out += char(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += char(0xE0 | (cp >> 12));
      out += char(0x80 | ((cp >> 6) & 0x3F));
      out += char(0x80 | (cp & 0x3F));
    } else {
      out += char(0xF0 | (cp >> 18));
      out += char(0x80 | ((cp >> 12) & 0x3F));
      out += char(0x80 | ((cp >> 6) & 0x3F));
      out += char(0x80 | (cp & 0x3F));
    }
  }
  bool hex4(uint32_t& cp) {
    if (i_ + 4 > s_.size()) return false;
    cp = uint32_t(std::strtoul(std::string(s_.substr(i_, 4)).c_str(), nullptr, 16));
    i_ += 4;
    return true;
  }
  bool parse_string(std::string& out) {
    if (!eat('"')) return false;
    while (i_ < s_.size() && s_[i_] != '"') {
      const char c = s_[i_++];
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i_ >= s_.size()) return false;
      const char e = s_[i_++];
      switch (e) {
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'u': {
          uint32_t cp = 0;
          if (!hex4(cp)) return false;
          if (cp >= 0xD800 && cp < 0xDC00 && literal("\\u")) {  // surrogate pair
            uint32_t lo = 0;
            if (!hex4(lo)) return false;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          put_utf8(out, cp);
          break;
        }
        default:
          out += e;  // \" \\ \/
      }
    }
    return eat('"');
  }
  bool parse_value(value& v) {
    skip_ws();
    if (i_ >= s_.size()) return false;
    const char c = s_[i_];
    if (c == '{') {
      ++i_;
      v.type = value::kind::object;
      if (eat('}')) return true;
      do {
        std::string key;
        if (!parse_string(key) || !eat(':') || !parse_value(v.members[key])) return false;
      } while (eat(','));
      return eat('}');
    }
    if (c == '[') {
      ++i_;
      v.type = value::kind::array;
      if (eat(']')) return true;
      do {
        v.items.emplace_back();
        if (!parse_value(v.items.back())) return false;
      } while (eat(','));
      return eat(']');
    }
    if (c == '"') {
      v.type = value::kind::string;
      return parse_string(v.str);
    }
    if (literal("true")) {
      v.type = value::kind::boolean;
      v.b = true;
      return true;
    }
    if (literal("false")) {
      v.type = value::kind::boolean;
      return true;
    }
    if (literal("null")) return true;
    const std::string rest(s_.substr(i_, 64));
    char* end = nullptr;
    v.num = std::strtod(rest.c_str(), &end);
    if (end == rest.c_str()) return false;
    v.type = value::kind::number;
    i_ += size_t(end - rest.c_str());
    return true;
  }

  std::string_view s_;
  size_t i_ = 0;
};

inline bool parse(std::string_view text, value& out) { return parser(text).parse(out); }

}  // namespace inkstone::test_json
