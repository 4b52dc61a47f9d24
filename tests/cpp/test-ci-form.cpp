// 詞 forms: rhyme slots (a form that changes rhyme), the spec shape of assets/prosody/cipai.json,
// and the engine holding each slot to its own group and tone. The 菩薩蠻 here is written by hand
// from 龍榆生《唐宋詞格律》 (雙調四十四字, 前後片各兩仄韻、兩平韻), not from cipai.json.
#include <doctest/doctest.h>

#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "inkstone/constraint-engine.h"
#include "inkstone/gguf.h"
#include "inkstone/prosody.h"
#include "inkstone/tokenizer.h"

using namespace inkstone;

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The 詞 book: 平 and 仄 groups derived from the 宋詞 (tools/prosody/build-ci-rhymes.py).
const prosody_tables& ci_tables() {
  static const prosody_tables t = [] {
    const std::string dir = INK_SOURCE_DIR "/assets/prosody/";
    auto r = prosody_tables::parse(read_text(dir + "tones.tsv"), read_text(dir + "rhyme-ci.tsv"));
    REQUIRE_MESSAGE(r.ok(), r.error().to_string());
    return std::move(r).value();
  }();
  return t;
}

// 菩薩蠻 (龍榆生): 中平中仄平平仄(仄韻) 中平中仄平平仄(叶) 中仄仄平平(換平) 中平中仄平(叶) /
// 中平平仄仄(換仄) 中仄平平仄(叶) 中仄仄平平(換平) 中平中仄平(叶).
constexpr const char* kPusaman = R"({"name": "菩萨蛮", "lines": [
  {"chars": 7, "tones": "中平中仄平平仄", "punct": "。", "rhyme": "a"},
  {"chars": 7, "tones": "中平中仄平平仄", "punct": "。", "rhyme": "a"},
  {"chars": 5, "tones": "中仄仄平平", "punct": "。", "rhyme": "b"},
  {"chars": 5, "tones": "中平中仄平", "punct": "。", "rhyme": "b"},
  {"chars": 5, "tones": "中平平仄仄", "punct": "。", "rhyme": "c"},
  {"chars": 5, "tones": "中仄平平仄", "punct": "。", "rhyme": "c"},
  {"chars": 5, "tones": "中仄仄平平", "punct": "。", "rhyme": "d"},
  {"chars": 5, "tones": "中平中仄平", "punct": "。", "rhyme": "d"}],
  "slots": {"a": {"tone": "仄"}, "b": {"tone": "平"}, "c": {"tone": "仄"}, "d": {"tone": "平"}}})";

const tokenizer& poetry_vocab() {
  static const tokenizer t = [] {
    static std::string bytes =
        read_text(INK_SOURCE_DIR "/assets/models/inkstone-poetry-q8_0.gguf");
    auto g = gguf_file::parse(std::span<const uint8_t>(
        reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
    REQUIRE_MESSAGE(g.ok(), g.error().to_string());
    auto tok = tokenizer::from_gguf(*g);
    REQUIRE_MESSAGE(tok.ok(), tok.error().to_string());
    return std::move(tok).value();
  }();
  return t;
}

// Draws uniformly among the tokens the engine allows, until EOS or the form is complete.
std::u32string draw(constraint_engine& e, const tokenizer& tok, std::mt19937& rng) {
  std::vector<float> probs(tok.n_vocab(), 1.0f / tok.n_vocab());
  std::vector<uint8_t> allowed(tok.n_vocab());
  std::string text;
  for (int step = 0; step < 200 && !e.complete(); step++) {
    filter_report rep = e.allow(probs, allowed);
    REQUIRE_MESSAGE(!rep.relaxed, rep.note);
    std::vector<int32_t> ok;
    for (int32_t id = 0; id < tok.n_vocab(); id++) {
      if (allowed[id]) ok.push_back(id);
    }
    REQUIRE(!ok.empty());
    const int32_t id = ok[std::uniform_int_distribution<size_t>(0, ok.size() - 1)(rng)];
    e.accept(id);
    text += tok.token_bytes(id);
  }
  return decode_code_points(text);
}

}  // namespace

TEST_CASE("詞 forms: rhyme slots in the spec") {
  auto f = parse_form_spec(kPusaman, ci_tables());
  REQUIRE_MESSAGE(f.ok(), f.error().to_string());
  CHECK(f->n_rhyme_slots() == 4);
  const int want_slot[] = {0, 0, 1, 1, 2, 2, 3, 3};
  for (int i = 0; i < 8; i++) {
    CHECK(f->lines[i].rhyme);
    CHECK(f->lines[i].rhyme_slot == want_slot[i]);
  }
  CHECK(f->slot_masks.size() == 3);

  // A slot's tone goes into the last position of its lines; a slot's group is its own.
  auto g = parse_form_spec(R"({"lines": [{"chars": 4, "rhyme": "x"}, {"chars": 4, "rhyme": "y"}],
      "slots": {"x": {"tone": "平", "rhyme_with": "天"}, "y": {"tone": "仄", "rhyme_with": "雨"}}})",
                           ci_tables());
  REQUIRE_MESSAGE(g.ok(), g.error().to_string());
  CHECK(g->lines[0].tones.back() == tone_req::level);
  CHECK(g->lines[1].tones.back() == tone_req::oblique);
  CHECK(g->rhyme_mask == ci_tables().rhyme_groups_of(U'天'));
  REQUIRE(g->slot_masks.size() == 1);
  CHECK(g->slot_masks[0] == ci_tables().rhyme_groups_of(U'雨'));
  CHECK((g->rhyme_mask & g->slot_masks[0]) == 0);

  const char* bad[][2] = {
      {R"({"lines": [{"chars": 4, "rhyme": true}, {"chars": 4, "rhyme": "a"}]})", "lines[1].rhyme"},
      {R"({"lines": [{"chars": 4, "rhyme": "a"}, {"chars": 4, "rhyme": true}]})", "lines[1].rhyme"},
      {R"({"lines": [{"chars": 4, "rhyme": 3}]})", "lines[0].rhyme"},
      {R"({"lines": [{"chars": 4, "rhyme": "a"}], "slots": {"b": {}}})", "slots.b"},
      {R"({"lines": [{"chars": 4, "rhyme": "a"}], "slots": {"a": {"tone": "平仄"}}})",
       "slots.a.tone"},
      {R"({"lines": [{"chars": 2, "tones": "平平", "rhyme": "a"}], "slots": {"a": {"tone": "仄"}}})",
       "lines[0].tones"},
      {R"({"lines": [{"chars": 2, "rhyme": "a"}], "slots": {"a": {"rhyme_with": "x"}}})",
       "slots.a.rhyme_with"},
  };
  for (const auto& [spec, key] : bad) {
    auto r = parse_form_spec(spec, ci_tables());
    REQUIRE_MESSAGE(!r.ok(), spec);
    CHECK(r.error().code == status_code::invalid_argument);
    CHECK_MESSAGE(r.error().message.find(key) != std::string::npos, r.error().message);
  }
}

TEST_CASE("詞 forms: 200 random 菩薩蠻 keep four rhymes, each in its own group and tone") {
  const prosody_tables& t = ci_tables();
  auto f = parse_form_spec(kPusaman, t);
  REQUIRE(f.ok());
  auto e = constraint_engine::create(*f, poetry_vocab(), t);
  REQUIRE_MESSAGE(e.ok(), e.error().to_string());
  std::mt19937 rng(7);
  int n_changed = 0;
  for (int run = 0; run < 200; run++) {
    (*e)->reset();
    const std::u32string poem = draw(**e, poetry_vocab(), rng);
    REQUIRE((*e)->complete());
    // Independent reading: split at 。, take each line's last character.
    std::vector<std::u32string> lines;
    std::u32string cur;
    for (char32_t c : poem) {
      if (c == U'。') {
        lines.push_back(cur);
        cur.clear();
      } else {
        cur += c;
      }
    }
    REQUIRE(lines.size() == 8);
    const size_t want_len[] = {7, 7, 5, 5, 5, 5, 5, 5};
    uint64_t slot_groups[4];
    for (int i = 0; i < 8; i++) {
      REQUIRE(lines[i].size() == want_len[i]);
      const char32_t last = lines[i].back();
      const tone_class tone = t.tone_of(last);
      const bool level_slot = (i / 2) % 2 == 1;  // slots b and d rhyme on 平
      CHECK_MESSAGE((static_cast<int>(tone) & (level_slot ? 1 : 2)) != 0, "run ", run, " line ",
                    i + 1);
      const uint64_t g = t.rhyme_groups_of(last);
      if (i % 2 == 0) {
        slot_groups[i / 2] = g;
      } else {
        CHECK_MESSAGE((slot_groups[i / 2] & g) != 0, "run ", run, ": lines ", i, " and ", i + 1,
                      " do not rhyme");
      }
    }
    n_changed += (slot_groups[0] & slot_groups[2]) == 0;  // the 仄 rhyme changed (not forced)
  }
  MESSAGE("菩薩蠻 runs whose second 仄 rhyme differs from the first: ", n_changed, " of 200");
  CHECK(n_changed > 100);  // slots are independent: a and c are not held to one group
}
