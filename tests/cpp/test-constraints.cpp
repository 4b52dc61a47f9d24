// The constraint engine: forms, presets and the spec parser; random-logit generations over a
// synthetic vocabulary (single characters, several-character tokens, bytes, punctuation) checked
// by the independent checker (form-checker.h); forced impossible combinations; and >= 1000
// seeded generations with the real poetry model.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "form-checker.h"
#include "inkstone/constraint-engine.h"
#include "inkstone/generator.h"
#include "inkstone/model.h"
#include "inkstone/prosody.h"
#include "inkstone/sampler.h"
#include "inkstone/tokenizer.h"

using namespace inkstone;
using inkstone::testing::check_poem;
using inkstone::testing::shipped_tables;

namespace {

constexpr int kMaxSteps = 400;  // a generation longer than this has looped

// Characters always in the synthetic vocabulary (heads and probes are picked from them).
const char* const kCommonChars =
    "春夏秋冬山水风花雪月江河天地日星云雨人心思看过长重行听教忘望论胜中为相将空平";

// Several-character pieces in the synthetic vocabulary (each must be checked per character).
const char* const kMultiPieces[] = {"明月", "春风", "白云",   "山中", "江南好", "，白", "。春",
                                    "光，", "天。", "秋风起", "ab",   "，\n",   "花落"};

// A llama-style vocabulary: <unk> <s> </s>, 256 byte tokens, every `stride`-th character of the
// tables, punctuation, newline, some ASCII and the several-character pieces.
tokenizer synthetic_vocab(int stride = 2, bool with_han = true, bool with_comma = true) {
  tokenizer_config cfg;
  cfg.kind = tokenizer_kind::llama;
  cfg.add_space_prefix = false;
  cfg.pieces = {"<unk>", "<s>", "</s>"};
  cfg.types = {token_type::unknown, token_type::control, token_type::control};
  for (int b = 0; b < 256; b++) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "<0x%02X>", b);
    cfg.pieces.push_back(buf);
    cfg.types.push_back(token_type::byte);
  }
  auto add = [&](std::string piece) {
    cfg.pieces.push_back(std::move(piece));
    cfg.types.push_back(token_type::normal);
  };
  add("<七绝>");
  cfg.types.back() = token_type::user_defined;
  if (with_han) {
    std::ifstream in(INK_SOURCE_DIR "/assets/prosody/tones.tsv");
    std::string line;
    int i = 0;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      std::string ch = line.substr(0, line.find('\t'));
      std::u32string cps = decode_code_points(ch);
      if (cps.size() == 1 && cps[0] < 0x10000 && i++ % stride == 0) add(ch);
    }
    for (char32_t c : decode_code_points(kCommonChars)) {
      std::string ch = encode_code_points(std::u32string(1, c));
      if (std::find(cfg.pieces.begin(), cfg.pieces.end(), ch) == cfg.pieces.end()) add(ch);
    }
    for (const char* m : kMultiPieces) add(m);
  }
  if (with_comma) add("，");
  add("。");
  add("\n");
  add("a");
  add("?");
  cfg.bos = 1;
  cfg.eos = 2;
  cfg.unk = 0;
  auto t = tokenizer::from_config(std::move(cfg));
  REQUIRE(t.ok());
  return std::move(t).value();
}

struct gen_result {
  std::string text;
  bool eos = false;
  int n_steps = 0;
  int n_relaxed = 0;
  int n_multi = 0;  // accepted tokens spelling several characters
  std::vector<filter_report> reports;
};

// Random logits (normal, sd 3; several-character pieces raised so they are drawn often), the
// real sampler, the engine as its filter.
gen_result generate_random(const tokenizer& tok, constraint_engine& engine, uint64_t seed) {
  sampler_params sp;
  sp.seed = seed;
  sp.temperature = 1.0f;
  sp.top_k = 0;
  sp.top_p = 1.0f;
  sp.min_p = 0.0f;
  auto s = sampler::create(tok.n_vocab(), sp);
  REQUIRE(s.ok());
  s->reset({});
  std::mt19937 rng(static_cast<uint32_t>(seed));
  std::normal_distribution<float> normal(0.0f, 3.0f);
  std::vector<float> logits(tok.n_vocab());
  gen_result r;
  for (; r.n_steps < kMaxSteps; r.n_steps++) {
    for (int32_t id = 0; id < tok.n_vocab(); id++) {
      logits[id] = normal(rng);
      if (decode_code_points(tok.token_bytes(id)).size() > 1) logits[id] += 8.0f;
    }
    const int32_t token = s->sample(logits, &engine);
    r.reports.push_back(s->last().report);
    r.n_relaxed += s->last().report.relaxed;
    s->accept(token, &engine);
    if (token == tok.eos()) {
      r.eos = true;
      break;
    }
    const std::string bytes = tok.token_bytes(token);
    if (decode_code_points(bytes).size() > 1) r.n_multi++;
    r.text += bytes;
  }
  return r;
}

std::unique_ptr<constraint_engine> make_engine(const form_spec& form, const tokenizer& tok) {
  auto e = constraint_engine::create(form, tok, shipped_tables());
  REQUIRE(e.ok());
  return std::move(e).value();
}

form_spec preset(const char* kind, preset_options o = {}) {
  auto f = make_preset(kind, o);
  REQUIRE(f.ok());
  return std::move(f).value();
}

// Han characters of the tables whose tone is `tone`, that have a rhyme group.
std::u32string chars_with_tone(tone_class tone, size_t n) {
  std::u32string out;
  const prosody_tables& t = shipped_tables();
  for (char32_t c : decode_code_points(kCommonChars)) {
    if (t.tone_of(c) == tone && out.find(c) == out.npos) out += c;
    if (out.size() == n) break;
  }
  return out;
}

std::string failures_text(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + "; ";
  return s;
}

// The prosody analyser (analyse_poem, written from 王力's definitions of the faults, apart from
// the engine and from form-checker.h) as a second checker. Returns the faults it reports that the
// form should have excluded: with tones enforced, none of 失黏 失對 孤平 三平尾 出韵 仄韵 may
// appear; with tones free, still no 出韵 (rhyme is always enforced). `allow_head_gu_ping`: a
// 藏頭 character whose tone the engine had to relax may make its 五言 line 孤平 (column 0).
std::vector<std::string> analyser_faults(std::string_view text, const form_spec& f,
                                         const prosody_tables& tables,
                                         bool allow_head_gu_ping = false) {
  std::string_view body = text;
  if (!f.free_before_end.empty()) {
    const size_t at = text.find(f.free_before_end);
    if (at != std::string_view::npos) body = text.substr(at + f.free_before_end.size());
  }
  const poem_analysis a = analyse_poem(body, tables);
  std::vector<std::string> out;
  const std::string kind = f.name.substr(0, f.name.find(' '));
  if (a.form.rfind(kind, 0) != 0) out.push_back("analysed as '" + a.form + "', not " + kind);
  for (const prosody_fault& fault : a.faults) {
    if (!f.enforce_tones && fault.kind != "chu_yun") continue;
    if (allow_head_gu_ping && fault.kind == "gu_ping" && fault.column == 0) continue;
    out.push_back(fault.name + " (" + fault.kind + "): " + fault.message);
  }
  return out;
}

}  // namespace

// ------------------------------------------------------------------ presets and specs
TEST_CASE("constraints: presets follow the standard templates") {
  // 五言絕句 仄起, first line not rhyming (the default): A B C D.
  form_spec f = preset("五言絕句");
  REQUIRE(f.lines.size() == 4);
  const char* want5[] = {"中仄平平仄", "平平中仄平", "中平平仄仄", "中仄仄平平"};
  for (int l = 0; l < 4; l++) {
    std::u32string tpl = decode_code_points(want5[l]);
    for (int c = 0; c < 5; c++) {
      const tone_req r = tpl[c] == U'平'   ? tone_req::level
                         : tpl[c] == U'仄' ? tone_req::oblique
                                           : tone_req::any;
      CHECK(f.lines[l].tones[c] == r);
    }
    CHECK(f.lines[l].rhyme == (l % 2 == 1));
    CHECK(f.lines[l].punct == (l % 2 == 0 ? "，" : "。"));
  }
  // 七言律詩 平起 首句入韵 (the default for 七言): D B C D A B C D.
  form_spec q = preset("七律");
  REQUIRE(q.lines.size() == 8);
  CHECK(q.lines[0].rhyme);
  const char* want7[] = {"中平中仄仄平平", "中仄平平中仄平", "中仄中平平仄仄", "中平中仄仄平平",
                         "中平中仄平平仄", "中仄平平中仄平", "中仄中平平仄仄", "中平中仄仄平平"};
  for (int l = 0; l < 8; l++) {
    std::u32string tpl = decode_code_points(want7[l]);
    for (int c = 0; c < 7; c++) {
      const tone_req r = tpl[c] == U'平'   ? tone_req::level
                         : tpl[c] == U'仄' ? tone_req::oblique
                                           : tone_req::any;
      CHECK_MESSAGE(q.lines[l].tones[c] == r, "line ", l, " col ", c);
    }
  }
  // 平起 / 仄起 name the second character of the first line.
  for (const char* kind : {"五言絕句", "七言絕句", "五言律詩", "七言律詩"}) {
    for (const char* start : {"平起", "仄起"}) {
      for (int flr : {0, 1}) {
        preset_options o;
        o.start = start;
        o.first_line_rhymes = flr;
        form_spec s = preset(kind, o);
        CHECK(s.lines[0].tones[1] ==
              (std::string(start) == "平起" ? tone_req::level : tone_req::oblique));
        CHECK(s.lines[0].rhyme == (flr == 1));
        CHECK(s.lines[0].tones.back() == (flr ? tone_req::level : tone_req::oblique));
      }
    }
  }
  CHECK(make_preset("六言", {}).code() == status_code::invalid_argument);
}

// All 16 presets against templates written out by hand from 王力《詩詞格律》.
//   五言 basic lines: A 仄仄平平仄  B 平平仄仄平  C 平平平仄仄  D 仄仄仄平平
//   七言: the same with two syllables of the opposite tone in front:
//         A 平平仄仄平平仄  B 仄仄平平仄仄平  C 仄仄平平平仄仄  D 平平仄仄仄平平
//   絕句 仄起/平起 (by the second character of line 1), 首句不入韵: A B C D / C D A B (五言),
//   C D A B / A B C D (七言); 首句入韵 swaps line 1 for the rhyming line with the same second
//   character (A -> D, C -> B). 律詩 = the quatrain, then the quatrain again with line 5 the
//   non-rhyming line that 黏 to line 4.
// 中 (either) is written where the presets document it (form.h): the first character of
// 五言 A, C, D and the first and third of 七言 lines, plus the third (五言 B) or fifth (七言 B)
// of the B line, i.e. 一三五不論 except where it would make 孤平 (first of 五言 B, third of 七言
// B), 三平尾 (third of 五言 D, fifth of 七言 D) or a 拗 needing 救 (third of 五言 A, fifth of 七言
// A; third of 五言 C and fifth of 七言 C are kept 平 as well: the presets choose the base tone
// there). The test takes 中 literally: the preset must say any there, and 平/仄 elsewhere.
TEST_CASE("constraints: all 16 presets equal the hand-written 王力 templates") {
  struct variant {
    const char* kind;
    const char* start;
    int first_line_rhymes;
    const char* lines;  // "/"-separated
  };
  const variant table[] = {
      {"五言絕句", "仄起", 0, "中仄平平仄/平平中仄平/中平平仄仄/中仄仄平平"},
      {"五言絕句", "仄起", 1, "中仄仄平平/平平中仄平/中平平仄仄/中仄仄平平"},
      {"五言絕句", "平起", 0, "中平平仄仄/中仄仄平平/中仄平平仄/平平中仄平"},
      {"五言絕句", "平起", 1, "平平中仄平/中仄仄平平/中仄平平仄/平平中仄平"},
      {"七言絕句", "仄起", 0, "中仄中平平仄仄/中平中仄仄平平/中平中仄平平仄/中仄平平中仄平"},
      {"七言絕句", "仄起", 1, "中仄平平中仄平/中平中仄仄平平/中平中仄平平仄/中仄平平中仄平"},
      {"七言絕句", "平起", 0, "中平中仄平平仄/中仄平平中仄平/中仄中平平仄仄/中平中仄仄平平"},
      {"七言絕句", "平起", 1, "中平中仄仄平平/中仄平平中仄平/中仄中平平仄仄/中平中仄仄平平"},
      {"五言律詩", "仄起", 0,
       "中仄平平仄/平平中仄平/中平平仄仄/中仄仄平平/中仄平平仄/平平中仄平/中平平仄仄/中仄仄平平"},
      {"五言律詩", "仄起", 1,
       "中仄仄平平/平平中仄平/中平平仄仄/中仄仄平平/中仄平平仄/平平中仄平/中平平仄仄/中仄仄平平"},
      {"五言律詩", "平起", 0,
       "中平平仄仄/中仄仄平平/中仄平平仄/平平中仄平/中平平仄仄/中仄仄平平/中仄平平仄/平平中仄平"},
      {"五言律詩", "平起", 1,
       "平平中仄平/中仄仄平平/中仄平平仄/平平中仄平/中平平仄仄/中仄仄平平/中仄平平仄/平平中仄平"},
      {"七言律詩", "仄起", 0,
       "中仄中平平仄仄/中平中仄仄平平/中平中仄平平仄/中仄平平中仄平/"
       "中仄中平平仄仄/中平中仄仄平平/中平中仄平平仄/中仄平平中仄平"},
      {"七言律詩", "仄起", 1,
       "中仄平平中仄平/中平中仄仄平平/中平中仄平平仄/中仄平平中仄平/"
       "中仄中平平仄仄/中平中仄仄平平/中平中仄平平仄/中仄平平中仄平"},
      {"七言律詩", "平起", 0,
       "中平中仄平平仄/中仄平平中仄平/中仄中平平仄仄/中平中仄仄平平/"
       "中平中仄平平仄/中仄平平中仄平/中仄中平平仄仄/中平中仄仄平平"},
      {"七言律詩", "平起", 1,
       "中平中仄仄平平/中仄平平中仄平/中仄中平平仄仄/中平中仄仄平平/"
       "中平中仄平平仄/中仄平平中仄平/中仄中平平仄仄/中平中仄仄平平"},
  };
  // The basic lines, to check the table's transcription: with 中 read as the basic tone, every
  // line is one of them.
  const std::u32string basic[] = {U"仄仄平平仄",     U"平平仄仄平",     U"平平平仄仄",
                                  U"仄仄仄平平",     U"平平仄仄平平仄", U"仄仄平平仄仄平",
                                  U"仄仄平平平仄仄", U"平平仄仄仄平平"};
  auto split = [](const char* s) {
    std::vector<std::u32string> out(1);
    for (char32_t c : decode_code_points(s)) {
      if (c == U'/') {
        out.emplace_back();
        continue;
      }
      out.back() += c;
    }
    return out;
  };
  auto fits_basic = [&](const std::u32string& line) {
    for (const std::u32string& b : basic) {
      if (b.size() != line.size()) continue;
      bool ok = true;
      for (size_t c = 0; c < b.size(); c++) ok = ok && (line[c] == U'中' || line[c] == b[c]);
      if (ok) return true;
    }
    return false;
  };
  CHECK(std::size(table) == 16);
  for (const variant& v : table) {
    CAPTURE(std::string(v.kind) + " " + v.start + (v.first_line_rhymes ? " 首句入韵" : ""));
    const std::vector<std::u32string> want = split(v.lines);
    const size_t n_chars = std::string(v.kind).find("五") == 0 ? 5 : 7;
    const size_t n_lines = std::string(v.kind).find("律") != std::string::npos ? 8 : 4;
    REQUIRE(want.size() == n_lines);
    // The table itself: basic lines, second character as named, 對 within couplets, 黏 between.
    for (size_t l = 0; l < n_lines; l++) {
      CAPTURE(l);
      REQUIRE(want[l].size() == n_chars);
      CHECK(fits_basic(want[l]));
      if (l == 0) CHECK(want[0][1] == (std::string(v.start) == "平起" ? U'平' : U'仄'));
      if (l % 2 == 1) CHECK(want[l][1] != want[l - 1][1]);
      if (l % 2 == 0 && l > 0) CHECK(want[l][1] == want[l - 1][1]);
      const bool rhymes = l % 2 == 1 || (l == 0 && v.first_line_rhymes);
      CHECK(want[l].back() == (rhymes ? U'平' : U'仄'));
    }
    // The preset.
    preset_options o;
    o.start = v.start;
    o.first_line_rhymes = v.first_line_rhymes;
    const form_spec f = preset(v.kind, o);
    REQUIRE(f.lines.size() == n_lines);
    for (size_t l = 0; l < n_lines; l++) {
      CAPTURE(l);
      const form_line& line = f.lines[l];
      REQUIRE(line.n_chars == static_cast<int>(n_chars));
      REQUIRE(line.tones.size() == n_chars);
      std::u32string got;
      for (tone_req r : line.tones) {
        got += r == tone_req::level ? U'平' : r == tone_req::oblique ? U'仄' : U'中';
      }
      CHECK(encode_code_points(got) == encode_code_points(want[l]));
      CHECK(line.rhyme == (l % 2 == 1 || (l == 0 && v.first_line_rhymes)));
      CHECK(line.punct == (l % 2 == 0 ? "，" : "。"));
      CHECK(line.head == 0);
    }
  }
}

TEST_CASE("constraints: the spec parser") {
  const prosody_tables& t = shipped_tables();
  auto a = parse_form_spec(
      R"({"form":"七言絕句","start":"仄起","heads":"春夏秋冬","tones":false,)"
      R"("no_repeat":true,"banned":"的了","rhyme_with":"光","title":"free","newline":"couplet"})",
      t);
  REQUIRE_MESSAGE(a.ok(), a.error().to_string());
  CHECK(a->lines.size() == 4);
  CHECK(a->lines[0].head == U'春');
  CHECK(a->lines[3].head == U'冬');
  CHECK(!a->enforce_tones);
  CHECK(a->enforce_rhyme);
  CHECK(a->no_repeat);
  CHECK(a->banned == U"的了");
  CHECK(a->rhyme_mask == t.rhyme_groups_of(U'光'));
  CHECK(a->free_before_end == "\n");
  CHECK(a->lines[1].punct == "。\n");
  CHECK(a->lines[0].tones[1] == tone_req::oblique);

  auto c = parse_form_spec(
      R"({"lines":[{"chars":3,"tones":"PZ*","punct":"\uff0c"},{"chars":4,"rhyme":true,"head":"\u6625"}],)"
      R"( "rhyme_group": 10})",
      t);
  REQUIRE_MESSAGE(c.ok(), c.error().to_string());
  CHECK(c->lines[0].n_chars == 3);
  CHECK(c->lines[0].tones[2] == tone_req::any);
  CHECK(c->lines[0].punct == "，");
  CHECK(c->lines[1].punct == "。");
  CHECK(c->lines[1].head == U'春');
  CHECK(c->rhyme_mask == (uint64_t{1} << 10));

  for (const char* bad :
       {"", "{", "[]", R"({"form":"七绝",})", R"({"form":"八绝"})", R"({"lines":[]})",
        R"({"lines":[{"chars":0}]})", R"({"lines":[{"chars":5,"tones":"平平"}]})",
        R"({"colour":"red"})", R"({"form":"七绝","tones":"yes"})",
        R"({"form":"七绝","heads":"春夏秋冬雪"})", R"({"form":"七绝","rhyme_with":"a"})",
        R"({"form":"七绝","title":"x"})", R"({"form":"七绝","rhyme_group":99})", "\"\\ud800\"",
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"}) {
    auto r = parse_form_spec(bad, t);
    CHECK_MESSAGE(r.code() == status_code::invalid_argument, bad);
  }
  // The message names the key at fault by its full path (tests/fuzz/regressions/
  // form-spec-line-error-context-order.json was "lines[0]: form spec: \"chars\": ...").
  const std::pair<const char*, const char*> named[] = {
      {R"({"lines":[{"chars":5},{"chars":"，"}]})",
       R"(form spec: "lines[1].chars": expected an integer in 1..64)"},
      {R"({"lines":[{"chars":5,"rhyme":1}]})",
       R"(form spec: "lines[0].rhyme": expected a bool or a rhyme slot name)"},
      {R"({"lines":[{"chars":5,"head":7}]})", R"(form spec: "lines[0].head": expected a string)"},
      {R"({"lines":[{"chars":2,"tones":"平平平"}]})",
       R"(form spec: "lines[0].tones": length differs from chars)"},
      {R"({"form":"七绝","tones":"yes"})", R"(form spec: "tones": expected true or false)"},
  };
  for (const auto& [spec, message] : named) {
    auto r = parse_form_spec(spec, t);
    REQUIRE_MESSAGE(!r.ok(), spec);
    CHECK(r.error().message == message);
  }
}

// ------------------------------------------------------------------ random logits
TEST_CASE("constraints: 1000 random-logit generations satisfy their forms") {
  const tokenizer tok = synthetic_vocab();
  const prosody_tables& tables = shipped_tables();
  const char* kinds[] = {"五言絕句", "七言絕句", "五言律詩", "七言律詩"};
  const std::u32string heads = chars_with_tone(tone_class::both, 8);
  REQUIRE(heads.size() == 8);
  int n_runs = 0, n_multi = 0, n_relaxed = 0, n_steps = 0, n_analysed_tones = 0;
  double masked = 0;
  for (int run = 0; run < 1000; run++) {
    preset_options o;
    o.start = run % 2 ? "平起" : "仄起";
    o.first_line_rhymes = (run / 2) % 3 == 2 ? -1 : (run / 2) % 3;
    o.enforce_tones = (run / 6) % 2 == 0;
    const char* kind = kinds[(run / 12) % 4];
    if ((run / 48) % 2)
      o.heads = heads.substr(0, std::string(kind).find("律") != std::string::npos ? 8 : 4);
    form_spec f = preset(kind, o);
    f.no_repeat = run % 5 == 0;
    if (run % 7 == 0) f.banned = U"的一不";
    if (run % 11 == 0) f.free_before_end = "\n";
    auto engine = make_engine(f, tok);
    gen_result r = generate_random(tok, *engine, 1000 + run);
    n_runs++;
    n_multi += r.n_multi;
    n_relaxed += r.n_relaxed;
    n_steps += r.n_steps;
    for (const auto& rep : r.reports) masked += rep.masked_mass;
    CHECK_MESSAGE(r.eos, "run ", run, " did not end: ", r.text);
    CHECK(engine->complete());
    auto bad = check_poem(r.text, f, tables);
    CHECK_MESSAGE(bad.empty(), "run ", run, " ", f.name, ": ", r.text, " -> ", failures_text(bad));
    auto faults = analyser_faults(r.text, f, tables);
    CHECK_MESSAGE(faults.empty(), "run ", run, " ", f.name, ": ", r.text,
                  " -> analyser: ", failures_text(faults));
    n_analysed_tones += f.enforce_tones;
    if (!bad.empty() || !faults.empty()) break;
  }
  CHECK(n_runs == 1000);
  CHECK(n_analysed_tones == 502);  // runs with tones enforced, all read fault-free
  CHECK(n_relaxed == 0);           // every preset is satisfiable with this vocabulary
  CHECK(n_multi > 100);            // the several-character path was exercised
  MESSAGE("random-logit runs: ", n_runs, ", several-character tokens accepted: ", n_multi,
          ", mean masked mass per step: ", masked / n_steps);
}

TEST_CASE("constraints: random-logit generations with the 中华新韵 book") {
  const prosody_tables& xinyun = shipped_tables("xinyun");
  const tokenizer tok = synthetic_vocab();
  const char* kinds[] = {"五言絕句", "七言絕句", "五言律詩", "七言律詩"};
  for (int run = 0; run < 100; run++) {
    preset_options o;
    o.start = run % 2 ? "平起" : "仄起";
    o.enforce_tones = run % 3 != 0;
    auto f = make_preset(kinds[run % 4], o);
    REQUIRE(f.ok());
    auto e = constraint_engine::create(*f, tok, xinyun);
    REQUIRE(e.ok());
    gen_result r = generate_random(tok, **e, 300 + run);
    CHECK(r.eos);
    CHECK(r.n_relaxed == 0);
    auto bad = check_poem(r.text, *f, xinyun);
    CHECK_MESSAGE(bad.empty(), r.text, " -> ", failures_text(bad));
  }
}

TEST_CASE("constraints: a custom form, free title and given start") {
  const tokenizer tok = synthetic_vocab();
  const prosody_tables& tables = shipped_tables();
  auto f = parse_form_spec(
      R"({"lines":[{"chars":3,"punct":"，"},{"chars":3,"rhyme":true,"punct":"。\n"},)"
      R"({"chars":4,"tones":"平平仄仄","punct":"，"},{"chars":4,"rhyme":true,"tones":"仄仄平平"}],)"
      R"("title":"free","no_repeat":true})",
      tables);
  REQUIRE(f.ok());
  for (int run = 0; run < 50; run++) {
    auto e = make_engine(*f, tok);
    gen_result r = generate_random(tok, *e, 77 + run);
    CHECK(r.eos);
    auto bad = check_poem(r.text, *f, tables);
    CHECK_MESSAGE(bad.empty(), r.text, " -> ", failures_text(bad));
  }

  // A given first line: the engine continues the form from it.
  form_spec w = preset("五言絕句", {.enforce_tones = false});
  for (const char* start : {"床前明月光，", "床前明月光", "床前明"}) {
    auto e = make_engine(w, tok);
    REQUIRE(e->prime(start).ok());
    CHECK(e->line() == (std::string(start) == "床前明"   ? 0
                        : std::string(start).size() > 15 ? 1
                                                         : 0));
    gen_result r = generate_random(tok, *e, 5);
    CHECK(r.eos);
    auto bad = check_poem(std::string(start) + r.text, w, tables);
    CHECK_MESSAGE(bad.empty(), start, r.text, " -> ", failures_text(bad));
  }
  auto e = make_engine(w, tok);
  CHECK(e->prime("床前明月光啊，").code == status_code::invalid_argument);
  auto e2 = make_engine(w, tok);
  CHECK(e2->prime("床前明月光，疑是地上霜。举头望明月，低头思故乡。还有").code ==
        status_code::invalid_argument);
}

// ------------------------------------------------------------------ impossible combinations
TEST_CASE("constraints: impossible combinations relax in the documented order") {
  const tokenizer tok = synthetic_vocab();
  const prosody_tables& tables = shipped_tables();

  SUBCASE("a 藏頭 character whose tone contradicts the template: tone is relaxed there") {
    // 五言絕句 仄起: line 2 is 平平中仄平, its head must be 平; give a 仄-only character.
    const std::u32string z = chars_with_tone(tone_class::oblique, 4);
    REQUIRE(z.size() == 4);
    preset_options o;
    o.heads = z;
    form_spec f = preset("五言絕句", o);
    auto e = make_engine(f, tok);
    gen_result r = generate_random(tok, *e, 9);
    REQUIRE(r.eos);
    int n_relaxed = 0;
    for (const auto& rep : r.reports) {
      if (!rep.relaxed) continue;
      n_relaxed++;
      CHECK(rep.note.find("relaxed tone at line") == 0);
    }
    CHECK(n_relaxed >= 1);
    // The only faults are the tones of the heads at 平 positions; everything else holds.
    for (const std::string& b : check_poem(r.text, f, tables)) {
      CHECK_MESSAGE(b.find("col 1: wants 平") != std::string::npos, b);
    }
    std::u32string cps = decode_code_points(r.text);
    CHECK(cps[0] == z[0]);
    CHECK(cps[6] == z[1]);
  }

  SUBCASE("every character of the fixed rhyme group banned: rhyme is relaxed") {
    form_spec f = preset("五言絕句", {.enforce_tones = false});
    f.rhyme_mask = tables.rhyme_groups_of(U'光') & (~tables.rhyme_groups_of(U'光') + 1);
    for (int32_t id = 0; id < tok.n_vocab(); id++) {
      std::u32string cps = decode_code_points(tok.token_bytes(id));
      if (cps.size() == 1 && (tables.rhyme_groups_of(cps[0]) & f.rhyme_mask)) f.banned += cps[0];
    }
    auto e = make_engine(f, tok);
    gen_result r = generate_random(tok, *e, 10);
    REQUIRE(r.eos);
    int n_relaxed = 0;
    for (const auto& rep : r.reports) {
      if (!rep.relaxed) continue;
      n_relaxed++;
      CHECK(rep.note.find("relaxed tone repeat rhyme at line") == 0);
    }
    CHECK(n_relaxed == 2);  // the two rhyme positions
    CHECK(decode_code_points(r.text).size() == 24);
  }

  SUBCASE("a vocabulary without Han characters: structure is relaxed, generation ends") {
    const tokenizer bare = synthetic_vocab(1, false);
    form_spec f = preset("七言律詩", {});
    auto e = make_engine(f, bare);
    gen_result r = generate_random(bare, *e, 11);
    CHECK(r.n_steps < kMaxSteps);
    CHECK(r.eos);
    CHECK(r.n_relaxed > 0);
    for (const auto& rep : r.reports) {
      if (rep.relaxed) CHECK(rep.note.find("structure") != std::string::npos);
    }
  }

  SUBCASE("a vocabulary without the comma: the punctuation position is relaxed") {
    const tokenizer no_comma = synthetic_vocab(3, true, false);
    form_spec f = preset("五言絕句", {});
    auto e = make_engine(f, no_comma);
    gen_result r = generate_random(no_comma, *e, 12);
    CHECK(r.eos);
    CHECK(r.n_steps < kMaxSteps);
    CHECK(r.n_relaxed >= 1);
  }

  SUBCASE("the report names the rule that removed the most") {
    form_spec f = preset("五言絕句", {});
    auto e = make_engine(f, tok);
    std::vector<float> probs(tok.n_vocab(), 0.0f);
    std::vector<uint8_t> allowed(tok.n_vocab(), 1);
    // All mass on a 平-only character at a column wanting 仄 (line 1, col 2: 中仄平平仄).
    REQUIRE(e->prime("春").ok());
    const int32_t level = tok.find_piece("平");
    REQUIRE(level >= 0);
    REQUIRE(tables.tone_of(U'平') == tone_class::level);
    probs[level] = 1.0f;
    filter_report rep = e->allow(probs, allowed);
    CHECK(rep.top_rule == "tone");
    CHECK(rep.masked_mass == doctest::Approx(1.0));
    CHECK(allowed[level] == 0);
    CHECK(allowed[tok.eos()] == 0);
    CHECK(allowed[tok.find_piece("，")] == 0);
    CHECK(!rep.relaxed);
  }
}

// ------------------------------------------------------------------ the real model
namespace {

std::string poetry_model_path() {
  const char* env = std::getenv("INK_POETRY_MODEL");
  return env && *env ? env : INK_SOURCE_DIR "/assets/models/inkstone-poetry-q8_0.gguf";
}

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("constraints: 1000 generations with the poetry model satisfy their forms") {
  const std::string path = poetry_model_path();
  const std::vector<uint8_t> bytes = read_file(path);
  REQUIRE_MESSAGE(!bytes.empty(), "poetry model not found at ", path,
                  " (set INK_POETRY_MODEL to a GGUF poetry model)");
  auto m = load_model(bytes);
  REQUIRE_MESSAGE(m.ok(), m.error().to_string());
  const tokenizer& tok = m->vocab;
  const prosody_tables& tables = shipped_tables();
  auto g = generator::create(*m, session_options{.n_ctx = 256});
  REQUIRE(g.ok());

  const char* kinds[] = {"五言絕句", "七言絕句", "五言律詩", "七言律詩"};
  const char* tags[] = {"<五绝>", "<七绝>", "<五律>", "<七律>"};
  const char* titles[] = {"春望", "秋思", "山居", "江上", "夜雨", "登楼", "送别", "月夜"};
  const char* head_sets[] = {"春夏秋冬山水风月", "江山如画天地长明", "花开人间白云千里"};
  int n_ok = 0, n_relaxed_runs = 0, n_runs = 0, n_analyser_ok = 0;
  double masked = 0;
  int n_steps_total = 0;
  for (int run = 0; run < 1000; run++) {
    const int k = run % 4;
    preset_options o;
    o.start = (run / 4) % 2 ? "平起" : "仄起";
    o.enforce_tones = (run / 8) % 2 == 0;
    if ((run / 16) % 2) {
      o.heads = decode_code_points(head_sets[run % 3]).substr(0, k >= 2 ? 8 : 4);
    }
    form_spec f = preset(kinds[k], o);
    auto e = make_engine(f, tok);
    std::vector<int32_t> prompt = {tok.bos()};
    const int32_t tag = tok.find_piece(tags[k]);
    if (tag >= 0) prompt.push_back(tag);
    for (int32_t t : tok.encode(std::string(titles[run % 8]) + "\n", false)) prompt.push_back(t);
    generate_options go;
    go.seed = 5000 + run;
    go.temperature = 0.9f;
    go.max_tokens = 200;
    go.filter = e.get();
    REQUIRE(g.value()->begin(prompt, go).ok());
    std::string text;
    bool relaxed = false;
    for (;;) {
      auto r = g.value()->step();
      REQUIRE_MESSAGE(r.ok(), r.error().to_string());
      n_steps_total++;
      masked += r->masked_mass;
      relaxed = relaxed || r->report.relaxed;
      if (r->token != tok.eos()) text += tok.token_bytes(r->token);
      if (r->done) {
        CHECK_MESSAGE(r->reason == stop_reason::eos, "run ", run, ": ", text);
        break;
      }
    }
    n_runs++;
    n_relaxed_runs += relaxed;
    auto bad = check_poem(text, f, tables);
    const bool heads_tone_conflict = relaxed && !o.heads.empty() && o.enforce_tones;
    if (heads_tone_conflict) {
      // A head whose tone contradicts its position may only break that tone.
      for (const std::string& b : bad) CHECK_MESSAGE(b.find("col 1: wants") != b.npos, b);
    } else {
      CHECK_MESSAGE(bad.empty(), "run ", run, " ", f.name, ": ", text, " -> ", failures_text(bad));
      CHECK_MESSAGE(!relaxed, "run ", run, " relaxed: ", text);
    }
    const auto faults = analyser_faults(text, f, tables, heads_tone_conflict);
    CHECK_MESSAGE(faults.empty(), "run ", run, " ", f.name, ": ", text,
                  " -> analyser: ", failures_text(faults));
    n_analyser_ok += faults.empty();
    n_ok += bad.empty();
  }
  CHECK(n_runs == 1000);
  CHECK(n_analyser_ok == n_runs);
  MESSAGE("model runs: ", n_runs, ", passing the checker: ", n_ok,
          ", without an analyser fault the form excludes: ", n_analyser_ok,
          ", runs with a relaxed step (heads vs tones): ", n_relaxed_runs,
          ", mean masked mass per step: ", masked / n_steps_total);
}
