// The constraint engine: a token_filter that keeps generation inside a form (constraint-engine.h).
//
// Construction decodes every token once into token_info (its character, tone bits, rhyme-group
// mask and a dense character id), so the usual step — one-character tokens at a character slot —
// is a few loads and compares per token. Tokens spelling several characters, the free text
// before the body and partial UTF-8 left by a relaxed step go through a slower simulation that
// walks a copy of the state character by character.
#include "inkstone/constraint-engine.h"

#include <algorithm>
#include <array>
#include <bit>

#include "inkstone/tokenizer.h"
#include "inkstone/utf8.h"

namespace inkstone {

namespace {

// Rule bits; the order is the attribution order (lowest set bit wins).
constexpr uint8_t kStructure = 1 << 0;
constexpr uint8_t kHead = 1 << 1;
constexpr uint8_t kBanned = 1 << 2;
constexpr uint8_t kRhyme = 1 << 3;
constexpr uint8_t kRepeat = 1 << 4;
constexpr uint8_t kTone = 1 << 5;
constexpr uint8_t kAllRules = 0x3F;
// Relaxation order: the rule dropped first comes first.
constexpr uint8_t kRelaxOrder[] = {kTone, kRepeat, kRhyme, kBanned, kHead, kStructure};

constexpr uint8_t kUsed = 1;       // used_ bit: the character appears in the body
constexpr uint8_t kUsedRhyme = 2;  // used_ bit: the character was a rhyme
constexpr uint8_t kReserved = 4;   // used_ bit: an acrostic head (kept for its line)

const char* const kRuleNames[kNumConstraintRules] = {"structure", "head",   "banned",
                                                     "rhyme",     "repeat", "tone"};

// How many bytes of `delim` the end of `tail` already matches (longest proper prefix).
size_t delim_progress(std::string_view tail, std::string_view delim) {
  for (size_t k = std::min(delim.size() - 1, tail.size()); k > 0; k--) {
    if (tail.substr(tail.size() - k) == delim.substr(0, k)) return k;
  }
  return 0;
}

}  // namespace

const char* constraint_rule_name(int rule) {
  return rule >= 0 && rule < kNumConstraintRules ? kRuleNames[rule] : "none";
}

// ------------------------------------------------------------------ construction
result<std::unique_ptr<constraint_engine>> constraint_engine::create(form_spec form,
                                                                     const tokenizer& tok,
                                                                     const prosody_tables& tables) {
  if (form.lines.empty()) {
    return make_error(status_code::invalid_argument, "constraint engine: the form has no lines");
  }
  std::unique_ptr<constraint_engine> e(new constraint_engine());
  // Flatten the form.
  for (size_t l = 0; l < form.lines.size(); l++) {
    const form_line& fl = form.lines[l];
    if (fl.n_chars < 1 || fl.n_chars > 64) {
      return make_error(status_code::invalid_argument, "constraint engine: line ", l + 1,
                        ": characters per line must be 1..64");
    }
    if (fl.rhyme_slot >= kMaxRhymeSlots) {
      return make_error(status_code::invalid_argument, "constraint engine: line ", l + 1,
                        ": rhyme slot ", int{fl.rhyme_slot}, " (at most ", kMaxRhymeSlots,
                        " slots)");
    }
    if (!fl.tones.empty() && fl.tones.size() != static_cast<size_t>(fl.n_chars)) {
      return make_error(status_code::invalid_argument, "constraint engine: line ", l + 1,
                        ": tone template length differs from the line length");
    }
    for (int c = 0; c < fl.n_chars; c++) {
      item it;
      it.head = c == 0 ? fl.head : 0;
      it.tone = fl.tones.empty() ? 0 : static_cast<uint8_t>(fl.tones[c]);
      it.rhyme = fl.rhyme && c == fl.n_chars - 1;
      it.slot = it.rhyme ? fl.rhyme_slot : 0;
      it.line = static_cast<int16_t>(l);
      it.column = static_cast<int16_t>(c);
      e->items_.push_back(it);
    }
    std::u32string punct = decode_code_points(fl.punct);
    for (size_t k = 0; k < punct.size(); k++) {
      item it;
      it.literal = punct[k];
      it.line = static_cast<int16_t>(l);
      it.column = static_cast<int16_t>(fl.n_chars + k);
      e->items_.push_back(it);
    }
  }
  if (!form.free_before_end.empty() && form.free_before_max_bytes < 0) {
    return make_error(status_code::invalid_argument, "constraint engine: negative free text cap");
  }

  // Decode every token.
  e->tables_ = &tables;
  e->n_vocab_ = tok.n_vocab();
  e->eos_ = tok.eos();
  e->tokens_.resize(e->n_vocab_);
  e->bytes_.resize(e->n_vocab_);
  e->dense_chars_.push_back(0);  // dense id 0: a character outside the vocabulary
  auto intern = [&](char32_t cp) -> uint32_t {
    auto [it, fresh] = e->dense_of_.try_emplace(cp, static_cast<uint32_t>(e->dense_chars_.size()));
    if (fresh) e->dense_chars_.push_back(cp);
    return it->second;
  };
  for (int32_t id = 0; id < e->n_vocab_; id++) {
    token_info& ti = e->tokens_[id];
    std::string bytes = tok.token_bytes(id);
    e->bytes_[id] = bytes;
    if (id == e->eos_) {
      ti.kind = kEos;
      continue;
    }
    const token_type type = tok.type(id);
    if (bytes.empty() || type == token_type::unknown || type == token_type::user_defined) {
      ti.kind = kControl;  // decodes to nothing, to U+FFFD, or is a tag like <七绝>
      continue;
    }
    if (type == token_type::byte || !utf8_is_valid(bytes)) {
      ti.kind = kPartial;
      continue;
    }
    std::u32string cps = decode_code_points(bytes);
    ti.cp = cps[0];
    ti.dense = intern(cps[0]);
    ti.tone = static_cast<uint8_t>(tables.tone_of(cps[0]));
    ti.rhyme = tables.rhyme_groups_of(cps[0]);
    if (cps.size() == 1) {
      ti.kind = kSingle;
      continue;
    }
    ti.kind = kMulti;
    ti.multi = static_cast<int32_t>(e->multi_.size());
    for (char32_t cp : cps) intern(cp);
    e->multi_.push_back(std::move(cps));
  }
  e->banned_.assign(e->dense_chars_.size(), 0);
  for (char32_t cp : form.banned) {
    uint32_t d = e->dense_of(cp);
    if (d != 0) e->banned_[d] = 1;
  }
  e->fails_.assign(e->n_vocab_, 0);
  e->form_ = std::move(form);
  e->reset();
  return e;
}

void constraint_engine::reset() {
  phase_ = form_.free_before_end.empty() ? 1 : 0;
  item_ = 0;
  free_bytes_ = 0;
  free_tail_.clear();
  pending_.clear();
  used_.assign(dense_chars_.size(), 0);
  for (const form_line& l : form_.lines) {
    if (l.head != 0 && dense_of(l.head) != 0) used_[dense_of(l.head)] |= kReserved;
  }
  rhyme_masks_.assign(form_.n_rhyme_slots(), 0);
  rhyme_masks_[0] = form_.rhyme_mask;
  for (size_t k = 0; k < form_.slot_masks.size() && k + 1 < rhyme_masks_.size(); k++) {
    rhyme_masks_[k + 1] = form_.slot_masks[k];
  }
  if (phase_ == 1 && items_.empty()) phase_ = 2;
}

uint32_t constraint_engine::dense_of(char32_t cp) const {
  auto it = dense_of_.find(cp);
  return it == dense_of_.end() ? 0 : it->second;
}

bool constraint_engine::complete() const { return phase_ == 2; }

int constraint_engine::line() const {
  if (phase_ == 2) return static_cast<int>(form_.lines.size());
  return phase_ == 0 ? 0 : items_[item_].line;
}

int constraint_engine::column() const { return phase_ == 1 ? items_[item_].column : 0; }

// ------------------------------------------------------------------ rules
// Failing rule bits for one character at one item (repeat checked against used_ only).
uint8_t constraint_engine::fail_bits_char(const item& it, char32_t cp, uint32_t dense, uint8_t tone,
                                          uint64_t rhyme, uint64_t rhyme_mask) const {
  if (it.literal != 0) return cp == it.literal ? 0 : kStructure;
  if (!is_han(cp)) return kStructure;
  uint8_t bits = 0;
  if (it.head != 0 && cp != it.head) bits |= kHead;
  if (banned_[dense]) bits |= kBanned;
  if (it.rhyme && form_.enforce_rhyme) {
    uint64_t want = rhyme_mask != 0 ? rhyme_mask : ~uint64_t{0};
    if ((rhyme & want) == 0 || (used_[dense] & kUsedRhyme)) bits |= kRhyme;
  }
  if (form_.no_repeat && (used_[dense] & (kUsed | kReserved)) && cp != it.head) bits |= kRepeat;
  if (it.tone != 0 && form_.enforce_tones && (tone & it.tone) == 0) bits |= kTone;
  return bits;
}

// The general case: walks a copy of the state over the token's bytes.
uint8_t constraint_engine::fail_bits_multi(const token_info& t) const {
  const int32_t id = static_cast<int32_t>(&t - tokens_.data());
  if (t.kind == kEos) return phase_ == 2 ? 0 : kStructure;
  if (phase_ == 2) return form_.free_after ? 0 : kStructure;
  if (t.kind == kControl) return kStructure;

  std::string_view bytes = bytes_[id];
  int phase = phase_;
  if (phase == 0) {
    const std::string& delim = form_.free_before_end;
    std::string tail = free_tail_;
    int n_bytes = free_bytes_;
    size_t i = 0;
    for (; i < bytes.size() && phase == 0; i++) {
      if (n_bytes >= form_.free_before_max_bytes) {
        // Over the cap: only the delimiter may follow.
        if (bytes[i] != delim[delim_progress(tail, delim)]) return kStructure;
      }
      tail += bytes[i];
      n_bytes++;
      if (tail.size() >= delim.size() && tail.ends_with(delim)) phase = 1;
      if (tail.size() > 16) tail.erase(0, tail.size() - 16);
    }
    if (phase == 0) return 0;
    bytes = bytes.substr(i);
    if (bytes.empty()) return 0;
  }

  // Body: characters from here must be whole and fit the items they fill.
  std::string text = phase_ == 1 ? pending_ + std::string(bytes) : std::string(bytes);
  if (utf8_complete_prefix(text) != text.size()) return kStructure;
  std::u32string cps = decode_code_points(text);
  size_t pos = item_;
  if (phase_ == 0) pos = 0;
  std::array<uint64_t, kMaxRhymeSlots> masks{};  // a copy: this token's rhymes may set them
  std::copy(rhyme_masks_.begin(), rhyme_masks_.end(), masks.begin());
  uint8_t bits = 0;
  std::u32string local_used;  // characters of this token placed before the current one
  std::u32string local_rhymes;
  for (char32_t cp : cps) {
    if (pos >= items_.size()) {
      if (form_.free_after) return bits;
      return bits | kStructure;
    }
    const item& it = items_[pos];
    const uint32_t dense = dense_of(cp);
    const uint64_t rhyme = tables_->rhyme_groups_of(cp);
    uint64_t& mask = masks[it.slot];
    uint8_t b =
        fail_bits_char(it, cp, dense, static_cast<uint8_t>(tables_->tone_of(cp)), rhyme, mask);
    if (b & kStructure) return bits | kStructure;
    if (it.literal == 0) {
      if (form_.no_repeat && local_used.find(cp) != local_used.npos) b |= kRepeat;
      if (it.rhyme && form_.enforce_rhyme && local_rhymes.find(cp) != local_rhymes.npos) {
        b |= kRhyme;
      }
      local_used += cp;
      if (it.rhyme) {
        local_rhymes += cp;
        if (mask == 0)
          mask = rhyme;
        else if (mask & rhyme)
          mask &= rhyme;
      }
    }
    bits |= b;
    pos++;
  }
  return bits;
}

// ------------------------------------------------------------------ the step
filter_report constraint_engine::allow(std::span<const float> probs, std::span<uint8_t> allowed) {
  const int32_t n = static_cast<int32_t>(allowed.size());
  if (static_cast<int32_t>(fails_.size()) < n) fails_.resize(n);
  const bool fast = phase_ == 1 && pending_.empty();
  const item* it = fast ? &items_[item_] : nullptr;
  int32_t n_ok = 0;
  for (int32_t id = 0; id < n; id++) {
    uint8_t bits;
    if (id >= n_vocab_) {
      bits = kStructure;  // the model has more rows than the tokenizer has pieces
    } else {
      const token_info& t = tokens_[id];
      if (fast && t.kind == kSingle) {
        bits = fail_bits_char(*it, t.cp, t.dense, t.tone, t.rhyme, rhyme_masks_[it->slot]);
      } else if (fast && t.kind != kMulti) {
        bits = kStructure;  // partial, control and EOS tokens inside the body
      } else {
        bits = fail_bits_multi(t);
      }
    }
    fails_[id] = bits;
    n_ok += bits == 0;
  }

  filter_report report;
  uint8_t enabled = kAllRules;
  if (n_ok == 0) {
    report.relaxed = true;
    report.note = "relaxed";
    for (uint8_t rule : kRelaxOrder) {
      enabled &= ~rule;
      report.note += ' ';
      report.note += kRuleNames[std::countr_zero(rule)];
      n_ok = 0;
      for (int32_t id = 0; id < n; id++) n_ok += (fails_[id] & enabled) == 0;
      if (n_ok > 0) break;
    }
    report.note += " at line " + std::to_string(line() + 1) + " column " +
                   std::to_string(column() + 1) + ": no token fits";
  }

  float mass[kNumConstraintRules] = {};
  const bool have_probs = probs.size() >= allowed.size();
  for (int32_t id = 0; id < n; id++) {
    const uint8_t bits = fails_[id] & enabled;
    allowed[id] = bits == 0;
    if (bits != 0 && have_probs) mass[std::countr_zero(bits)] += probs[id];
  }
  int top = -1;
  for (int r = 0; r < kNumConstraintRules; r++) {
    report.masked_mass += mass[r];
    if (mass[r] > 0 && (top < 0 || mass[r] > mass[top])) top = r;
  }
  if (top >= 0) report.top_rule = kRuleNames[top];
  return report;
}

// ------------------------------------------------------------------ state updates
void constraint_engine::advance_char(char32_t cp) {
  if (phase_ != 1) return;
  const item& it = items_[item_];
  if (it.literal == 0) {
    const uint32_t d = dense_of(cp);
    if (d != 0) used_[d] |= it.rhyme ? (kUsed | kUsedRhyme) : kUsed;
    if (it.rhyme) {
      const uint64_t g = tables_->rhyme_groups_of(cp);
      uint64_t& mask = rhyme_masks_[it.slot];
      if (mask == 0)
        mask = g;
      else if (mask & g)
        mask &= g;
    }
  }
  if (++item_ == items_.size()) phase_ = 2;
}

void constraint_engine::advance_bytes(std::string_view bytes) {
  size_t i = 0;
  if (phase_ == 0) {
    const std::string& delim = form_.free_before_end;
    for (; i < bytes.size() && phase_ == 0; i++) {
      free_tail_ += bytes[i];
      free_bytes_++;
      if (free_tail_.size() >= delim.size() && free_tail_.ends_with(delim)) {
        phase_ = items_.empty() ? 2 : 1;
      }
      if (free_tail_.size() > 16) free_tail_.erase(0, free_tail_.size() - 16);
    }
  }
  if (phase_ != 1) return;
  pending_.append(bytes.substr(i));
  const size_t n = utf8_complete_prefix(pending_);
  std::u32string cps = decode_code_points(std::string_view(pending_).substr(0, n));
  pending_.erase(0, n);
  for (char32_t cp : cps) advance_char(cp);
}

void constraint_engine::accept(int32_t token) {
  if (token < 0 || token >= n_vocab_) return;
  if (token == eos_) {
    phase_ = 2;
    return;
  }
  if (phase_ == 2) return;
  advance_bytes(bytes_[token]);
}

status constraint_engine::prime(std::string_view text) {
  size_t i = 0;
  for (; i < text.size() && phase_ == 0; i++) advance_bytes(text.substr(i, 1));  // free text
  for (char32_t cp : decode_code_points(text.substr(i))) {
    if (phase_ == 2) {
      if (cp == U'\n' || cp == U' ') continue;
      return make_error(status_code::invalid_argument, "start text: longer than the form");
    }
    const item* it = &items_[item_];
    if (it->literal != 0) {
      if (!is_han(cp)) {
        advance_char(cp);  // the punctuation (the user's own, if different)
        continue;
      }
      // Punctuation left out: skip the forced characters up to the next slot.
      while (phase_ == 1 && items_[item_].literal != 0) advance_char(items_[item_].literal);
      if (phase_ != 1) {
        return make_error(status_code::invalid_argument, "start text: longer than the form");
      }
      it = &items_[item_];
    }
    if (!is_han(cp)) {
      if (cp == U'\n' || cp == U' ' || cp == U'\u3000') continue;
      return make_error(status_code::invalid_argument, "start text: line ", it->line + 1, " has ",
                        it->column, " characters, the form wants ", form_.lines[it->line].n_chars);
    }
    advance_char(cp);
  }
  return status::success();
}

result<std::unique_ptr<constraint_engine>> make_constraint_filter(std::string_view spec_json,
                                                                  const tokenizer& tok,
                                                                  const prosody_tables& tables,
                                                                  const cipai_table* cipai) {
  INK_ASSIGN_OR_RETURN(form_spec form, parse_form_spec(spec_json, tables, cipai));
  return constraint_engine::create(std::move(form), tok, tables);
}

}  // namespace inkstone
