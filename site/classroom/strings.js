// The classroom's interface strings in Chinese and English, the interface language and theme.
//
// The language and theme are the playground's settings (site/app/settings.js, one localStorage
// record), so both pages look and speak alike; the classroom's toggles write the same record.
// Markup names its strings like the playground's (site/app/i18n.js):
//   data-i18n="key"  textContent · data-i18n-title="key"  title · data-i18n-aria-label="key"
// Strings are only ever set as text. {name} in a string is replaced by t()'s vars.

import { loadSettings, saveSettings } from '../app/settings.js';
import { initialLang } from '../app/i18n.js';

/** @typedef {'zh'|'en'} Lang */

/** @type {Record<Lang, Record<string, string>>} */
export const STRINGS = {
  en: {
    documentTitle: '砚 · Classroom',
    pageTitle: 'Classroom',
    backTitle: 'Back to the playground',
    navLabel: 'Classroom',
    playground: 'Playground',
    copyLink: 'Copy link',
    copyLinkTitle: 'Copy a link that restores this state',
    tour: 'Tour',
    tourTitle: 'Guided tour (G)',
    presenter: 'Presenter',
    presenterTitle: 'Presenter mode (P)',
    langToggle: '中',
    langToggleTitle: '中文界面',
    themeToggleTitle: 'Light / dark',
    setupLabel: 'Prompt',
    form: 'Form',
    formFree: 'free',
    title: 'Title',
    seed: 'Seed',
    rules: 'Form rules',
    rulesTitle: "Apply the form's tone, rhyme and length rules as a mask",
    start: 'Start',
    tourLabel: 'Guided tour',
    guidePrev: '← Back',
    guideNext: 'Next →',
    guideClose: 'Close the tour (Esc)',
    hText: 'Text',
    hTextSub: 'the model reads tokens',
    textView: 'Text view',
    viewAttention: 'Attention',
    viewTokens: 'Tokens',
    back: '← Back',
    backStepTitle: 'Back up one token (←)',
    next: 'Next token →',
    nextTitle: 'Sample the next token (→ or Space)',
    run: 'To line end',
    runTitle: 'Sample up to the end of the line (L)',
    tokenList: 'Token list',
    colPiece: 'piece',
    colId: 'id',
    colSource: 'source',
    hDist: 'Next token',
    hDistSub: 'probabilities over the whole vocabulary',
    temperature: 'Temperature',
    barsLabel: 'Most likely next tokens',
    hAttn: 'Attention',
    hAttnSub: 'of the newest token',
    layer: 'Layer',
    head: 'Head',
    attnHint: 'Rows: every layer and head, and their average. Columns: the positions the newest token can see. Click a row to pick it; hover a cell for its value.',
    causal: 'Causal matrix',
    causalHint: "Each generated token's attention row for the chosen layer and head: the future (upper right) is never seen.",
    hFormula: 'The formula, computed',
    hEmbed: 'Embedding',
    hEmbedSub: 'the vector the newest token starts as',
    hLanes: 'Temperature lanes',
    hLanesSub: 'same prompt, same random numbers',
    laneTokens: 'tokens',
    runLanes: 'Run lanes',
    footNote: "Every number on this page was computed by the model running in your browser (or by the runtime's own sampler rules applied to its logits). Keys: → / Space next token · ← back · L line · 1–9 pick a bar · P presenter · G guided tour · F full screen.",

    'status.loading': 'Loading the model…',
    'status.loadingPct': 'Loading the model… {pct}%',
    'status.verify': 'Checking the model (SHA-256)…',
    'status.ready': 'Ready. Press → (or Next token) to take one step; ← backs up; click a bar to branch.',
    'status.started': 'Ready. Press → for the next token.',
    'status.copied': 'Link copied: it opens this prompt, seed, step, layer/head and temperature.',
    'status.link': 'Link: {href}',
    'error.network_error': 'The model file could not be downloaded ({url}).',
    'error.hash_mismatch': 'The model file failed its SHA-256 check (an incomplete or different download): reload the page.',
    'error.quota_exceeded': 'Browser storage is full: the model runs now but is not kept for offline use.',
    'error.out_of_memory': 'Not enough memory for the model on this device.',
    'error.unsupported_browser': 'This browser lacks WebAssembly SIMD, which the runtime needs.',
    'error.invalid_model': 'The model file cannot be used by this runtime.',
    'error.context_full': 'The context is full: back up or start again.',
    'error.crashed': 'The runtime crashed and was restarted; try again.',
    'error.aborted': 'Cancelled.',
    'error.other': 'Something went wrong (see the console).',
    modelLine: 'Model: {name} · {layers} layers × {heads} heads · {dims}-dimensional · vocabulary {vocab} ({tokenizer}) · {params} M parameters · {types} · id {id}',
    stepCount: 'step {n}',

    'how.prompt': 'prompt',
    'how.sampled': 'sampled',
    'how.greedy': 'greedy',
    'how.picked': 'picked',
    tokAttention: '{piece} · position {pos} · weight {w}',
    tokId: 'token {id} · position {pos}',
    nextSlot: 'the next token',
    overlayAverage: 'average of every layer and head',
    layerHead: 'layer {layer}, head {head}',
    hintAttention: 'Shading: how much the newest token (outlined) attends to each position — {which}.',
    hintTokens: '{n} tokens ({prompt} in the prompt, including <s>). Numbers are token ids.',
    backedUp: 'Backed up: {n} later token(s) kept — “Next” retakes them if the draw agrees; picking another token starts a branch.',
    branchAt: 'branch at step {at}: {text}',

    statEntropy: 'entropy',
    statEntropyValue: '{bits} bits',
    statEntropyNote: "the model's own (T = 1): {bits}",
    statChoices: 'effective choices',
    statChoicesNote: "2^entropy · the model's own: {n}",
    statKept: 'tokens kept',
    statKeptNote: 'of {n} in the vocabulary',
    off: 'off',
    greedyT: '0 (greedy)',
    barTake: 'take “{piece}” (token {id}) instead: branch here',
    barBefore: 'before cuts: {p} · logit {logit}',
    cutBy: 'cut by {cut}',
    beforeCuts: '{p} before cuts',
    rest: 'Every other token together: {p} ({more} more kept, {removed} removed by cuts{rules}). Sum over the vocabulary: {sum}.',
    restRules: ', plus those the rules removed',
    drawGreedy: 'Temperature 0: greedy — no random number; the most likely token is taken.',
    drawU: 'Random number #{n} of seed {seed}: u = {u} → lands on “{piece}”',
    moreTokens: '{n} more tokens',
    maskRemoved: 'Form rules removed ',
    maskOf: ' of the probability this step{rule}.',
    maskRule: ' (mostly: {rule})',
    maskWarn: 'The model “wanted” a forbidden character here.',
    maskList: 'Forbidden, most likely first: ',

    heatCorner: 'head ↓  key →',
    causalCorner: 'query ↓  key →',
    average: 'average',
    tokenN: 'token {id}',
    tipQuery: 'query {q}',
    tipFuture: '{who} → position {pos}: in the future (never seen), weight 0',
    tipValue: '{who} → position {pos} “{piece}”: {v}',

    colPos: 'pos',
    colToken: 'token',
    colRuntimeA: 'runtime aⱼ',
    runtimeO: 'runtime o',
    noQkv: 'This runtime build does not report Q, K and V; the formula panel needs the qkv probe.',
    formulaDims: "Layer {layer}, head {head} (of {nLayer} × {nHead}). q: 1 × {d} (the newest token's query, after RoPE) · K, V: {nPos} × {d} (one row per visible position) · d_k = {d}, √d_k = {scale} · output: 1 × {d}.",
    formulaCheck: "Largest difference between the output computed here and the runtime's: {err}.",
    formulaMode: 'What the formula is computed on',
    formulaModeHead: "this model's head",
    formulaModeWorked: 'worked example (2×5)',
    listSep: ', ',
    workedCorrect: 'correct',
    workedFlawed: 'flawed',
    'workedStep.scores': '1 · scores',
    'workedStep.scaled': '2 · divide by √dₖ',
    'workedStep.weights': '3 · weights',
    'workedStep.output': '4 · weighted sum of the rows of V',
    workedParts: 'parts here',
    workedNote: 'Each row of softmax(S) sums to 1. The rows of S\u00a0·\u00a0softmax(S) sum to {sums}: they are not weights.',
    noEmbedding: 'This runtime build does not report the embedding.',
    embeddingDims: 'Token {id} “{piece}” becomes a row of the embedding table: {n} numbers (red positive, blue negative), length {norm}. Every layer then adds to this vector; attention is where positions exchange information.',

    laneU: 'u (seed {seed})',
    laneTip: 'token {id} · p = {p} · u = {u}',
    laneGreedy: 'none (greedy)',
    lanesHint: "Each lane is a normal run of the runtime with the same seed: step i uses the same random number u in every lane, so the lanes differ only by temperature. Shading: the chosen token's probability.",

    'tour.tokens.title': '1 · What a token is',
    'tour.tokens.text': 'The model never sees characters, only numbers: the text is cut into tokens, each with an id from a fixed vocabulary. This model has one token per Chinese character, plus form tags like <七绝>, a line break, and 256 byte tokens for anything else.',
    'tour.tokens.action': 'Show the token ids',
    'tour.embeddings.title': '2 · Embeddings',
    'tour.embeddings.text': "Each token id picks one row of a learned table: a vector of numbers. This is the newest token's row, exactly as stored in the model. The layers keep adding to this vector as it passes through them.",
    'tour.embeddings.action': 'Take a step and show its vector',
    'tour.attention.title': '3 · Attention',
    'tour.attention.text': 'In every layer, each head lets the newest token look back at all earlier positions and decide how much of each to mix in. The weights in a row add up to 1, and a token can never look at the future. The formula panel below computes one head by hand; its worked example (2×5) shows every step on small matrices.',
    'tour.attention.action': 'Look through the next head',
    'tour.probabilities.title': '4 · Probabilities',
    'tour.probabilities.text': 'After the last layer the model gives a score (logit) to every token in the vocabulary; softmax turns the scores into probabilities. Temperature sharpens (low) or flattens (high) them; top-k and top-p cut the long tail.',
    'tour.probabilities.action': 'Change the temperature',
    'tour.sampling.title': '5 · Sampling',
    'tour.sampling.text': 'A random number u between 0 and 1 is drawn; stacking the probabilities end to end, the token whose stretch contains u is written. Same seed, same numbers: the same poem every time.',
    'tour.sampling.action': 'Draw the next token',
  },
  zh: {
    documentTitle: '砚 · 课堂',
    pageTitle: '课堂',
    backTitle: '回到写诗页',
    navLabel: '课堂',
    playground: '写诗',
    copyLink: '复制链接',
    copyLinkTitle: '复制一个能还原当前状态的链接',
    tour: '导览',
    tourTitle: '分步导览（G）',
    presenter: '演示',
    presenterTitle: '演示模式（P）',
    langToggle: 'EN',
    langToggleTitle: 'English interface',
    themeToggleTitle: '浅色／深色',
    setupLabel: '提示',
    form: '体裁',
    formFree: '不限',
    title: '题目',
    seed: '种子',
    rules: '格律规则',
    rulesTitle: '把体裁的平仄、押韵和字数规则当作屏蔽',
    start: '开始',
    tourLabel: '分步导览',
    guidePrev: '← 上一步',
    guideNext: '下一步 →',
    guideClose: '关闭导览（Esc）',
    hText: '文本',
    hTextSub: '模型读的是词元',
    textView: '文本视图',
    viewAttention: '注意力',
    viewTokens: '词元',
    back: '← 后退',
    backStepTitle: '退回一个词元（←）',
    next: '下一个词元 →',
    nextTitle: '抽取下一个词元（→ 或空格）',
    run: '到行末',
    runTitle: '一直抽到这一行结束（L）',
    tokenList: '词元列表',
    colPiece: '字',
    colId: '编号',
    colSource: '来源',
    hDist: '下一个词元',
    hDistSub: '整个词表上的概率',
    temperature: '温度',
    barsLabel: '最可能的下一个词元',
    hAttn: '注意力',
    hAttnSub: '最新词元的注意力',
    layer: '层',
    head: '头',
    attnHint: '每一行是一层的一个头，最后一行是平均；每一列是最新词元看得见的位置。点一行选中它；把指针停在格子上看数值。',
    causal: '因果矩阵',
    causalHint: '每个生成的词元在所选层、头上的注意力行：右上方的未来永远看不见。',
    hFormula: '公式，实际算一遍',
    hEmbed: '嵌入向量',
    hEmbedSub: '最新词元起步时的向量',
    hLanes: '温度对照',
    hLanesSub: '同一提示，同一串随机数',
    laneTokens: '词元数',
    runLanes: '运行对照',
    footNote: '本页每个数字都由在你浏览器里运行的模型算出（或由运行时自己的采样规则作用在它的 logits 上）。按键：→／空格 下一个词元 · ← 后退 · L 到行末 · 1–9 选一条 · P 演示 · G 导览 · F 全屏。',

    'status.loading': '正在载入模型……',
    'status.loadingPct': '正在载入模型…… {pct}%',
    'status.verify': '正在校验模型（SHA-256）……',
    'status.ready': '就绪。按 →（或“下一个词元”）走一步；← 后退；点一条概率可以换成它。',
    'status.started': '就绪。按 → 取下一个词元。',
    'status.copied': '链接已复制：它会打开这个提示、种子、步数、层／头和温度。',
    'status.link': '链接：{href}',
    'error.network_error': '模型文件下载失败（{url}）。',
    'error.hash_mismatch': '模型文件没有通过 SHA-256 校验（下载不完整或文件不同）：请重新载入页面。',
    'error.quota_exceeded': '浏览器存储已满：模型这次可以用，但没有存下来，离线时用不了。',
    'error.out_of_memory': '内存不足，模型放不下。',
    'error.unsupported_browser': '这个浏览器不支持 WebAssembly SIMD，无法运行模型。',
    'error.invalid_model': '这个模型文件无法被运行时使用。',
    'error.context_full': '上下文已满：请后退或重新开始。',
    'error.crashed': '运行时崩溃后已重启；请再试一次。',
    'error.aborted': '已取消。',
    'error.other': '出了点问题（详见控制台）。',
    modelLine: '模型：{name} · {layers} 层 × {heads} 头 · {dims} 维 · 词表 {vocab}（{tokenizer}）· {params} M 参数 · {types} · 编号 {id}',
    stepCount: '第 {n} 步',

    'how.prompt': '提示',
    'how.sampled': '抽样',
    'how.greedy': '贪心',
    'how.picked': '手选',
    tokAttention: '{piece} · 位置 {pos} · 权重 {w}',
    tokId: '词元 {id} · 位置 {pos}',
    nextSlot: '下一个词元',
    overlayAverage: '所有层和头的平均',
    layerHead: '第 {layer} 层，第 {head} 头',
    hintAttention: '底色：最新词元（加框）对每个位置的注意力有多少——{which}。',
    hintTokens: '{n} 个词元（提示里 {prompt} 个，含 <s>）。数字是词元编号。',
    backedUp: '已后退：保留了后面 {n} 个词元——抽到同一个时“下一个词元”会重走它们；选别的词元就开一条分支。',
    branchAt: '第 {at} 步的分支：{text}',

    statEntropy: '熵',
    statEntropyValue: '{bits} 比特',
    statEntropyNote: '模型本身（T = 1）：{bits}',
    statChoices: '有效选择数',
    statChoicesNote: '2^熵 · 模型本身：{n}',
    statKept: '保留的词元',
    statKeptNote: '词表共 {n} 个',
    off: '关',
    greedyT: '0（贪心）',
    barTake: '改取“{piece}”（词元 {id}）：在这里开分支',
    barBefore: '截断前：{p} · logit {logit}',
    cutBy: '被 {cut} 截掉',
    beforeCuts: '截断前 {p}',
    rest: '其余所有词元合计：{p}（另有 {more} 个保留，{removed} 个被截掉{rules}）。整个词表之和：{sum}。',
    restRules: '，另加被格律规则去掉的',
    drawGreedy: '温度为 0：贪心——不用随机数，取最可能的词元。',
    drawU: '种子 {seed} 的第 {n} 个随机数：u = {u} → 落在“{piece}”',
    moreTokens: '另外 {n} 个词元',
    maskRemoved: '格律规则去掉了 ',
    maskOf: ' 的概率{rule}。',
    maskRule: '（主要是：{rule}）',
    maskWarn: '模型在这里“想要”一个被禁止的字。',
    maskList: '被禁止的字，最可能的在前：',

    heatCorner: '头 ↓  位置 →',
    causalCorner: '查询 ↓  位置 →',
    average: '平均',
    tokenN: '词元 {id}',
    tipQuery: '查询 {q}',
    tipFuture: '{who} → 位置 {pos}：在未来（看不见），权重 0',
    tipValue: '{who} → 位置 {pos}“{piece}”：{v}',

    colPos: '位置',
    colToken: '词元',
    colRuntimeA: '运行时 aⱼ',
    runtimeO: '运行时 o',
    noQkv: '这个运行时版本不报告 Q、K、V；公式面板需要 qkv 探针。',
    formulaDims: '第 {layer} 层，第 {head} 头（共 {nLayer} × {nHead}）。q：1 × {d}（最新词元的查询向量，已加 RoPE）· K、V：{nPos} × {d}（每个看得见的位置一行）· d_k = {d}，√d_k = {scale} · 输出：1 × {d}。',
    formulaCheck: '这里算出的输出与运行时的输出之间最大的差：{err}。',
    formulaMode: '公式算的是',
    formulaModeHead: '本模型的这个头',
    formulaModeWorked: '算例（2×5）',
    listSep: '、',
    workedCorrect: '正确',
    workedFlawed: '错误',
    'workedStep.scores': '1 · 打分',
    'workedStep.scaled': '2 · 除以 √dₖ',
    'workedStep.weights': '3 · 权重',
    'workedStep.output': '4 · 用权重对 V 的各行加权求和',
    workedParts: '从这里分岔',
    workedNote: 'softmax(S) 的每一行之和都是 1。S\u00a0·\u00a0softmax(S) 的各行之和是 {sums}：它们不是权重。',
    noEmbedding: '这个运行时版本不报告嵌入向量。',
    embeddingDims: '词元 {id}“{piece}”变成嵌入表的一行：{n} 个数（红为正，蓝为负），长度 {norm}。之后每一层都往这个向量上加东西；注意力是各位置交换信息的地方。',

    laneU: 'u（种子 {seed}）',
    laneTip: '词元 {id} · p = {p} · u = {u}',
    laneGreedy: '无（贪心）',
    lanesHint: '每条对照都是运行时的一次普通生成，用同一个种子：第 i 步在每条里用同一个随机数 u，所以它们只差在温度。底色：所取词元的概率。',

    'tour.tokens.title': '1 · 什么是词元',
    'tour.tokens.text': '模型看不到字，只看到数：文本被切成词元，每个词元在固定的词表里有一个编号。这个模型每个汉字一个词元，另有 <七绝> 这样的体裁标记、换行，以及表示其他一切的 256 个字节词元。',
    'tour.tokens.action': '显示词元编号',
    'tour.embeddings.title': '2 · 嵌入向量',
    'tour.embeddings.text': '每个词元编号选中一张学来的表里的一行：一串数。这就是最新词元的那一行，和模型里存的一模一样。向量穿过各层时，每层都往上加东西。',
    'tour.embeddings.action': '走一步，看它的向量',
    'tour.attention.title': '3 · 注意力',
    'tour.attention.text': '每一层里，每个头让最新的词元回看前面所有位置，决定各取多少。一行的权重加起来是 1，而且词元永远看不到未来。下面的公式面板把一个头手算一遍；它的“算例（2×5）”用小矩阵展示每一步。',
    'tour.attention.action': '看下一个头',
    'tour.probabilities.title': '4 · 概率',
    'tour.probabilities.text': '最后一层之后，模型给词表里每个词元一个分数（logit）；softmax 把分数变成概率。温度低时分布更尖，高时更平；top-k 和 top-p 截掉长尾。',
    'tour.probabilities.action': '改变温度',
    'tour.sampling.title': '5 · 抽样',
    'tour.sampling.text': '抽一个 0 到 1 之间的随机数 u；把概率首尾相接排开，u 落在哪一段，就写下哪个词元。同一个种子，同一串数：每次都是同一首诗。',
    'tour.sampling.action': '抽下一个词元',
  },
};

/** The interface language: the playground's saved choice, else the browser's. */
let lang = /** @type {Lang} */ (initialLang(loadSettings().lang));

export function currentLang() {
  return lang;
}

/**
 * A string in the interface language with {name} filled in.
 * @param {string} key
 * @param {Record<string, string | number>} [vars]
 */
export function t(key, vars = {}) {
  const text = STRINGS[lang][key] ?? STRINGS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
}

/** Writes the strings into the markup, sets <html lang> and the title. */
export function applyStrings() {
  document.documentElement.lang = lang === 'zh' ? 'zh-Hans' : 'en';
  document.title = t('documentTitle');
  for (const node of document.querySelectorAll('[data-i18n]')) {
    node.textContent = t(/** @type {HTMLElement} */ (node).dataset.i18n || '');
  }
  for (const node of document.querySelectorAll('[data-i18n-title]')) {
    node.setAttribute('title', t(/** @type {HTMLElement} */ (node).dataset.i18nTitle || ''));
  }
  for (const node of document.querySelectorAll('[data-i18n-aria-label]')) {
    node.setAttribute('aria-label', t(/** @type {HTMLElement} */ (node).dataset.i18nAriaLabel || ''));
  }
}

/** Switches the language and keeps it in the shared settings. @param {Lang} next */
export function setLang(next) {
  lang = next;
  saveSettings({ ...loadSettings(), lang: next });
  applyStrings();
}

// ------------------------------------------------------------------ theme

/** Light or dark: the saved choice, else the system's. */
export function applyTheme() {
  const saved = loadSettings().theme;
  const dark = saved === 'dark' || (saved === '' && window.matchMedia('(prefers-color-scheme: dark)').matches);
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
}

/** Flips the theme and keeps the choice in the shared settings. */
export function toggleTheme() {
  const dark = document.documentElement.dataset.theme !== 'dark';
  saveSettings({ ...loadSettings(), theme: dark ? 'dark' : 'light' });
  applyTheme();
}
