// Which things a poem mentions, found by a keyword table (Simplified and
// Traditional forms side by side). The painter draws from this list.

/**
 * @typedef {'mountain'|'water'|'moon'|'sun'|'sunset'|'snow'|'blossom'|'bird'|'boat'|'pine'|'willow'|
 *   'cloud'|'rain'|'bamboo'|'pavilion'|'grass'|'mist'|'tree'|'autumn'|'spring'|'night'|'star'|
 *   'figure'|'village'|'bridge'|'waterfall'|'wind'|'rock'} MotifId
 */

/**
 * @typedef {object} Motif
 * @property {MotifId} id
 * @property {number} count     how many times its keywords occur
 * @property {number} firstLine index of the first line that mentions it (-1: the title)
 */

/**
 * Keyword table, in drawing-relevant order. Multi-character keywords are
 * matched before single characters, and their characters are not counted again.
 * @type {ReadonlyArray<readonly [MotifId, readonly string[]]>}
 */
export const MOTIF_KEYWORDS = Object.freeze([
  ['sunset', ['黄昏', '黃昏', '夕阳', '夕陽', '斜阳', '斜陽', '落日', '残阳', '殘陽', '夕照', '晚霞', '落霞', '暮']],
  ['mountain', ['山', '峰', '岭', '嶺', '岳', '嶽', '峦', '巒', '岑', '嶂', '崖', '峡', '峽', '丘', '巅', '巔', '峨']],
  ['water', ['水', '江', '河', '湖', '波', '浪', '潮', '海', '溪', '泉', '涧', '澗', '津', '渡', '浦', '洲', '滩', '灘', '流', '潭', '池', '川']],
  ['moon', ['月', '蟾', '婵娟', '嬋娟', '玉兔', '桂魄']],
  ['sun', ['日', '阳', '陽', '晖', '暉', '曦', '朝霞']],
  ['snow', ['雪', '霜', '冰', '凍', '冻']],
  ['blossom', ['花', '梅', '桃', '杏', '李', '樱', '櫻', '芳', '红', '紅', '蕊', '兰', '蘭', '菊', '荷', '莲', '蓮']],
  ['bird', ['鸟', '鳥', '雁', '鹤', '鶴', '燕', '鸥', '鷗', '鹭', '鷺', '鸿', '鴻', '莺', '鶯', '鸦', '鴉', '禽', '鹊', '鵲', '飞', '飛']],
  ['boat', ['舟', '船', '帆', '棹', '橹', '櫓', '篷', '楫', '艇', '钓', '釣']],
  ['pine', ['松']],
  ['willow', ['柳', '杨', '楊']],
  ['cloud', ['云', '雲', '霞']],
  ['rain', ['雨', '霖', '露']],
  ['bamboo', ['竹', '篁']],
  ['pavilion', ['楼', '樓', '亭', '寺', '阁', '閣', '台', '臺', '殿', '塔', '宫', '宮', '庙', '廟', '观', '觀', '榭']],
  ['grass', ['草', '芳草', '萋', '苔', '芦', '蘆', '荻', '蒹葭', '蓬', '蒿']],
  ['mist', ['烟', '煙', '雾', '霧', '霭', '靄', '岚', '嵐', '雰', '蒙', '朦', '迷']],
  ['tree', ['树', '樹', '林', '木', '枝', '叶', '葉', '桐', '槐', '桑', '森']],
  ['autumn', ['秋', '枫', '楓', '黄叶', '黃葉', '霜叶', '霜葉', '红叶', '紅葉', '落叶', '落葉', '萧', '蕭']],
  ['spring', ['春', '绿', '綠', '青', '翠', '碧']],
  ['night', ['夜', '宵', '暗', '夕']],
  ['star', ['星', '辰', '银河', '銀河', '河汉', '河漢']],
  ['figure', ['人', '客', '翁', '僧', '樵', '渔', '漁', '君', '吾', '我', '友', '士', '童', '行人', '游子', '遊子']],
  ['village', ['村', '家', '舍', '屋', '门', '門', '扉', '篱', '籬', '庐', '廬', '城', '乡', '鄉', '园', '園']],
  ['bridge', ['桥', '橋']],
  ['waterfall', ['瀑', '飞流', '飛流']],
  ['wind', ['风', '風']],
  ['rock', ['石', '岩', '矶', '磯']],
]);

/**
 * Words that contain a motif's character but do not mean the thing (二月 is a
 * month, not a moon); they are blanked out before matching.
 */
export const NOT_MOTIFS = Object.freeze([
  '岁月', '歲月', '年月', '正月', '二月', '三月', '四月', '五月', '六月', '七月', '八月', '九月', '十月', '腊月', '臘月',
  '今日', '明日', '昨日', '何日', '日日', '终日', '終日', '一日', '他日', '近日', '日夜', '山水画', '山水畫',
]);

/** All motif ids, in table order. */
export const MOTIF_IDS = Object.freeze(MOTIF_KEYWORDS.map(([id]) => id));

/**
 * Finds the motifs a poem (and its title) mentions.
 * @param {string} poem   lines separated by '\n' (punctuation is ignored)
 * @param {string} [title]
 * @returns {Motif[]} in table order
 */
export function findMotifs(poem, title = '') {
  /** @type {Map<MotifId, Motif>} */
  const found = new Map();
  const lines = [title, ...poem.split(/[\n，。,.！？!?；;、]/)];
  lines.forEach((line, index) => {
    let rest = line;
    for (const word of NOT_MOTIFS) rest = rest.split(word).join('\u3000'.repeat(word.length));
    const lineIndex = index === 0 ? -1 : index - 1;
    // Longest keywords first, so 夕阳 is a sunset and not also a sun.
    for (const length of [3, 2, 1]) {
      for (const [id, words] of MOTIF_KEYWORDS) {
        for (const word of words) {
          if ([...word].length !== length) continue;
          let at = rest.indexOf(word);
          while (at >= 0) {
            const motif = found.get(id) ?? { id, count: 0, firstLine: lineIndex };
            motif.count++;
            found.set(id, motif);
            rest = rest.slice(0, at) + '\u3000'.repeat(word.length) + rest.slice(at + word.length);
            at = rest.indexOf(word);
          }
        }
      }
    }
  });
  return MOTIF_IDS.filter((id) => found.has(id)).map((id) => /** @type {Motif} */ (found.get(id)));
}
