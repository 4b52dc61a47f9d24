// Tone and rhyme tables and the prosody analyser: well-known regulated poems analyse without
// faults; one changed character plants the fault it should.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "form-checker.h"
#include "inkstone/prosody.h"

using namespace inkstone;
using inkstone::testing::shipped_tables;

namespace {

struct known_poem {
  const char* name;
  const char* text;
  const char* form;
};

// Regulated poems whose classical analysis has no 失黏, 失對, 孤平, 三平尾 or 出韵.
const known_poem kClean[] = {
    {"王之涣《登鹳雀楼》", "白日依山尽，黄河入海流。欲穷千里目，更上一层楼。", "五言絕句"},
    {"王维《山居秋暝》",
     "空山新雨后，天气晚来秋。明月松间照，清泉石上流。竹喧归浣女，莲动下渔舟。随意春芳歇，王孙自可"
     "留。",
     "五言律詩"},
    {"杜甫《春望》",
     "国破山河在，城春草木深。感时花溅泪，恨别鸟惊心。烽火连三月，家书抵万金。白头搔更短，浑欲不胜"
     "簪。",
     "五言律詩"},
    {"孟浩然《过故人庄》",
     "故人具鸡黍，邀我至田家。绿树村边合，青山郭外斜。开轩面场圃，把酒话桑麻。待到重阳日，还来就菊"
     "花。",
     "五言律詩"},
    {"王昌龄《出塞》", "秦时明月汉时关，万里长征人未还。但使龙城飞将在，不教胡马度阴山。",
     "七言絕句"},
    {"李白《早发白帝城》", "朝辞白帝彩云间，千里江陵一日还。两岸猿声啼不住，轻舟已过万重山。",
     "七言絕句"},
    {"杜牧《山行》", "远上寒山石径斜，白云生处有人家。停车坐爱枫林晚，霜叶红于二月花。",
     "七言絕句"},
    {"杜甫《登高》",
     "风急天高猿啸哀，渚清沙白鸟飞回。无边落木萧萧下，不尽长江滚滚来。万里悲秋常作客，百年多病独登"
     "台。"
     "艰难苦恨繁霜鬓，潦倒新停浊酒杯。",
     "七言律詩"},
    {"杜甫《绝句》", "两个黄鹂鸣翠柳，一行白鹭上青天。窗含西岭千秋雪，门泊东吴万里船。",
     "七言絕句"},
};

std::string faults_text(const poem_analysis& a) {
  std::string s;
  for (const prosody_fault& f : a.faults) s += f.name + " " + f.message + "; ";
  return s;
}

bool has_fault(const poem_analysis& a, const std::string& kind, int line, int column) {
  for (const prosody_fault& f : a.faults) {
    if (f.kind == kind && f.line == line && f.column == column) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("prosody: tables parse and cover the common characters") {
  const prosody_tables& t = shipped_tables();
  CHECK(t.n_tones() > 10000);
  CHECK(t.n_rhymes() > 3000);                          // classical: 平 rhymes only
  CHECK(shipped_tables("xinyun").n_rhymes() > 10000);  // 中华新韵: every reading
  CHECK(t.tone_of(U'明') == tone_class::level);
  CHECK(t.tone_of(U'月') == tone_class::oblique);
  CHECK(t.tone_of(U'看') == tone_class::both);  // polyphonic: kān / kàn
  CHECK(t.tone_of(U'國') == t.tone_of(U'国'));  // Traditional and Simplified
  CHECK(t.tone_of(U'a') == tone_class::unknown);
  CHECK((t.rhyme_groups_of(U'光') & t.rhyme_groups_of(U'乡')) != 0);
  CHECK((t.rhyme_groups_of(U'光') & t.rhyme_groups_of(U'心')) == 0);
  // Every character of the clean poems has a tone entry.
  for (const known_poem& p : kClean) {
    for (char32_t c : decode_code_points(p.text)) {
      if (is_han(c)) CHECK_MESSAGE(t.tone_of(c) != tone_class::unknown, p.name);
    }
  }

  auto ok = prosody_tables::parse("# comment\n春\tP\r\n月\tZ\n看\tB\n",
                                  "@book\ttest\n@group\t3\t唐\n光\t3,5\n");
  REQUIRE(ok.ok());
  CHECK(ok->tone_of(U'看') == tone_class::both);
  CHECK(ok->rhyme_groups_of(U'光') == ((uint64_t{1} << 3) | (uint64_t{1} << 5)));
  CHECK(ok->rhyme_group_name(3) == "唐");
  CHECK(ok->rhyme_group_name(5) == "5");
  CHECK(ok->rhyme_book() == "test");
  for (auto [tones, rhymes] :
       std::vector<std::pair<const char*, const char*>>{{"春\tX\n", ""},
                                                        {"春春\tP\n", ""},
                                                        {"春\n", ""},
                                                        {"", "光\t0\n"},
                                                        {"", "光\t64\n"},
                                                        {"", "光\n"},
                                                        {"", "@group\t99\tx\n"}}) {
    CHECK(prosody_tables::parse(tones, rhymes).code() == status_code::invalid_argument);
  }
}

TEST_CASE("prosody: well-known regulated poems have no faults") {
  const prosody_tables& t = shipped_tables();
  for (const known_poem& p : kClean) {
    poem_analysis a = analyse_poem(p.text, t);
    CHECK_MESSAGE(a.form == p.form, p.name);
    CHECK_MESSAGE(a.faults.empty(), std::string(p.name), ": ", faults_text(a));
    CHECK_MESSAGE(a.rhyme_groups != 0, p.name);
  }
}

TEST_CASE("prosody: 中华新韵 hears the modern readings") {
  // 簪 (zān) no longer rhymes with 深心金 in Mandarin; with the classical book it does.
  const char* chun_wang =
      "国破山河在，城春草木深。感时花溅泪，恨别鸟惊心。烽火连三月，家书抵万金。白头搔更短，浑欲不胜"
      "簪。";
  poem_analysis x = analyse_poem(chun_wang, shipped_tables("xinyun"));
  REQUIRE(x.faults.size() == 1);
  CHECK(x.faults[0].kind == "chu_yun");
  CHECK(x.faults[0].line == 7);
  CHECK(shipped_tables("xinyun").rhyme_group_name(first_rhyme_group(x.rhyme_groups)) == "文");
  CHECK(analyse_poem(chun_wang, shipped_tables()).faults.empty());
  CHECK(shipped_tables().rhyme_group_name(
            first_rhyme_group(analyse_poem(chun_wang, shipped_tables()).rhyme_groups)) == "侵");
}

TEST_CASE("prosody: one changed character plants the fault") {
  const prosody_tables& t = shipped_tables();
  struct planted {
    const char* text;
    const char* kind;
    int line, column;
  };
  const planted cases[] = {
      // 黄河入海流 -> 白河入海流: 仄平仄仄平.
      {"白日依山尽，白河入海流。欲穷千里目，更上一层楼。", "gu_ping", 1, 0},
      // 欲穷千里目 -> 欲尽千里目: the second character no longer matches the line before.
      {"白日依山尽，黄河入海流。欲尽千里目，更上一层楼。", "shi_nian", 2, 1},
      // 黄河入海流 -> 黄水入海流: same tone as 日 in the couplet.
      {"白日依山尽，黄水入海流。欲穷千里目，更上一层楼。", "shi_dui", 1, 1},
      // 更上一层楼 -> 更上一层山: outside the rhyme of 流.
      {"白日依山尽，黄河入海流。欲穷千里目，更上一层山。", "chu_yun", 3, 4},
      // 天气晚来秋 -> 天气开来秋: three 平 at the end.
      {"空山新雨后，天气开来秋。明月松间照，清泉石上流。竹喧归浣女，莲动下渔舟。随意春芳歇，王孙自"
       "可留。",
       "san_ping_wei", 1, 2},
      // 万里长征人未还 -> 万里长征人未去: a 仄 rhyme in a 平-rhymed poem.
      {"秦时明月汉时关，万里长征人未去。但使龙城飞将在，不教胡马度阴山。", "ze_yun", 1, 6},
  };
  for (const planted& c : cases) {
    poem_analysis a = analyse_poem(c.text, t);
    CHECK_MESSAGE(has_fault(a, c.kind, c.line, c.column), std::string(c.text), " -> ",
                  faults_text(a));
  }
}

TEST_CASE("prosody: tones of both/unknown characters are never faults") {
  prosody_tables t = prosody_tables::parse("山\tP\n河\tP\n", "").value();
  // Only two characters known, so nothing is definite enough for a fault.
  poem_analysis a = analyse_poem("白日依山尽，黄河入海流。欲穷千里目，更上一层楼。", t);
  CHECK(a.faults.empty());
  CHECK(a.lines[0][3].tone == tone_class::level);
  CHECK(a.lines[0][0].tone == tone_class::unknown);
}

TEST_CASE("prosody: 仄韵 and irregular poems, and the JSON output") {
  const prosody_tables& t = shipped_tables();
  // 孟浩然《春晓》 rhymes on 仄 (晓 鸟 少): a 古绝, so no tonal faults are claimed.
  poem_analysis a = analyse_poem("春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少。", t);
  CHECK(a.form == "五言絕句 (仄韵)");
  CHECK(a.faults.empty());
  // Irregular text: tones and rhymes only.
  poem_analysis b = analyse_poem("床前明月光\n疑是地上霜\n举头望明月", t);
  CHECK(b.form.empty());
  CHECK(b.lines.size() == 3);
  CHECK(b.lines[1][4].rhyme_position);
  CHECK(b.faults.empty());
  CHECK(analyse_poem("", t).lines.empty());
  CHECK(analyse_poem("abc，。\xff\xfe", t).lines.empty());

  poem_analysis c = analyse_poem("白日依山尽，白河入海流。欲穷千里目，更上一层楼。", t);
  const std::string json = c.to_json(t);
  CHECK(json.find("\"form\":\"五言絕句\"") != std::string::npos);
  CHECK(json.find("{\"ch\":\"白\",\"tone\":\"Z\",\"rhyme\":false}") != std::string::npos);
  CHECK(json.find("{\"ch\":\"流\",\"tone\":\"P\",\"rhyme\":true,\"groups\":[") !=
        std::string::npos);
  CHECK(json.find("\"kind\":\"gu_ping\",\"name\":\"孤平\",\"line\":1,\"column\":0") !=
        std::string::npos);
  CHECK(json.front() == '{');
  CHECK(json.back() == '}');
}
