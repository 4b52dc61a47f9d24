#include "inkstone/status.h"

namespace inkstone {

namespace {

struct code_entry {
  status_code code;
  const char* name;
  const char* category;
};

// Order matches the enum; checked by test-status.cpp.
constexpr code_entry kCodes[] = {
    {status_code::ok, "ok", "ok"},
    {status_code::bad_magic, "bad_magic", "invalid_model"},
    {status_code::unsupported_version, "unsupported_version", "unsupported_model"},
    {status_code::truncated, "truncated", "invalid_model"},
    {status_code::limit_exceeded, "limit_exceeded", "invalid_model"},
    {status_code::bad_alignment, "bad_alignment", "invalid_model"},
    {status_code::bad_offset, "bad_offset", "invalid_model"},
    {status_code::bad_value_type, "bad_value_type", "invalid_model"},
    {status_code::duplicate_name, "duplicate_name", "invalid_model"},
    {status_code::overflow, "overflow", "invalid_model"},
    {status_code::unsupported_tensor_type, "unsupported_tensor_type", "unsupported_model"},
    {status_code::unsupported_architecture, "unsupported_architecture", "unsupported_model"},
    {status_code::missing_key, "missing_key", "invalid_model"},
    {status_code::missing_tensor, "missing_tensor", "invalid_model"},
    {status_code::bad_shape, "bad_shape", "invalid_model"},
    {status_code::bad_tokenizer, "bad_tokenizer", "invalid_model"},
    {status_code::unsupported_tokenizer, "unsupported_tokenizer", "unsupported_model"},
    {status_code::out_of_memory, "out_of_memory", "out_of_memory"},
    {status_code::context_full, "context_full", "context_full"},
    {status_code::invalid_argument, "invalid_argument", "invalid_argument"},
    {status_code::invalid_state, "invalid_state", "invalid_state"},
    {status_code::io_error, "io_error", "io_error"},
    {status_code::aborted, "aborted", "aborted"},
};
static_assert(sizeof(kCodes) / sizeof(kCodes[0]) == kNumStatusCodes);

const code_entry* entry(status_code code) {
  const int i = static_cast<int>(code);
  if (i < 0 || i >= kNumStatusCodes) return nullptr;
  return &kCodes[i];
}

}  // namespace

const char* code_name(status_code code) {
  const code_entry* e = entry(code);
  return e ? e->name : "unknown";
}

const char* code_category(status_code code) {
  const code_entry* e = entry(code);
  return e ? e->category : "unknown";
}

std::optional<status_code> code_from_name(std::string_view name) {
  for (const code_entry& e : kCodes) {
    if (name == e.name) return e.code;
  }
  return std::nullopt;
}

status status::with_context(std::string_view context) const& {
  status copy = *this;
  return std::move(copy).with_context(context);
}

status status::with_context(std::string_view context) && {
  if (ok()) return std::move(*this);
  std::string msg;
  msg.reserve(context.size() + 2 + message.size());
  msg += context;
  msg += ": ";
  msg += message;
  message = std::move(msg);
  return std::move(*this);
}

std::string status::to_string() const {
  if (ok()) return "ok";
  std::string out = code_name(code);
  out += ": ";
  out += message;
  return out;
}

}  // namespace inkstone
