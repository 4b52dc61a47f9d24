// Titles a visitor might type: seasons, times, places, things, partings; none is a famous poem's.
// The blind readings (write-pairs.mjs) and the writing bench (tools/bench/writing.mjs) write to
// these, in this order, so that their poems can be compared title by title.
export const TITLES = Object.freeze([
  '春望', '秋夜', '山居', '江上', '送友人', '夜雨', '登高', '月夜', '梅花', '夏日',
  '冬雪', '边塞', '渔父', '晚泊', '秋思', '寒食', '清明', '中秋', '重阳', '故乡',
  '寄远', '咏柳', '竹', '荷花', '菊', '晨起', '闲居', '访友不遇', '过山寺', '听雨',
  '观潮', '落花', '归舟', '黄昏', '雪夜', '春雨', '西湖', '长江', '夜泊', '题画',
  '牧童', '秋雁', '江村', '野望', '春晓', '暮归', '旅夜', '松', '孤舟', '溪行',
]);
