// The PWA's interface strings (site/pwa: the install bar, banners, update notices and the Models
// dialog), shown on the playground and the classroom alike, in English, Simplified Chinese and
// Traditional Chinese as written in Taiwan (the standard of site/classroom/strings-zh-hant.js:
// OpenCC's s2tw character forms and Taiwan's words: 檔案, 記憶體, 裝置, 儲存空間, 分頁,
// 執行, 網址, 位元組; quotation marks 「」). The three tables have the same keys and the same
// {placeholders} (tests/js/pwa-strings.test.mjs).
//
// The language is the page's: both pages set <html lang> to 'en', 'zh-Hans' or 'zh-Hant'
// (site/app/app.js, site/classroom/strings.js). A text bound with say() or sayAttr() is said
// again whenever <html lang> changes, so the PWA parts switch with the page. Text that came from
// a file, a model or a URL only ever goes in through {placeholders}, and strings are only ever
// set as text (textContent or an attribute), never as markup.

/** @typedef {'en'|'zh-Hans'|'zh-Hant'} Lang */
/** @typedef {Record<string, string | number>} Vars */

/** @type {Record<string, string>} */
const EN = {
  models: 'Models',
  close: 'Close',
  install: 'Install app',
  usageTitle: 'Storage used by Inkstone on this device / available',
  quotaFull: 'Browser storage is full, so Inkstone cannot work offline. Delete a model under “Models” or free some space, then reload.',
  updateReady: 'A new version of Inkstone is ready.',
  updatedElsewhere: 'Inkstone was updated in another tab.',
  reload: 'Reload',
  currentModel: 'Current model: {name}',
  dropHere: 'Drop a .gguf model here, or',
  chooseFile: 'Choose a GGUF file…',
  urlPlaceholder: 'https://…/model.gguf or a path here',
  urlLabel: 'Model URL',
  fetch: 'Fetch',
  cancel: 'Cancel',
  reportHeading: 'Header report',
  keepOffline: 'Keep it offline on this device',
  useModel: 'Use this model',
  onDevice: 'Models on this device',
  persist: 'Keep offline (persistent storage)',
  persistGranted: 'Storage is persistent: the browser will not evict the app and models on its own.',
  persistDenied: 'The browser did not grant persistent storage (it may still keep the files).',
  reading: 'Reading the header of {name}…',
  notGguf: '“{name}” is not a GGUF model file (it does not begin with the bytes “GGUF”).',
  canRun: '{name} can run here.',
  rowFile: 'File',
  rowName: 'Name',
  rowArch: 'Architecture',
  rowParams: 'Parameters',
  rowTypes: 'Weight types',
  rowVocab: 'Vocabulary',
  rowContext: 'Context',
  rowLayers: 'Layers × width',
  rowMemory: 'Estimated memory',
  valFile: '{name} ({size})',
  valVocab: '{n} tokens, {tokenizer} tokenizer',
  valContext: '{n} tokens',
  valLayers: '{layers} × {width} ({heads} heads, {kv} KV)',
  downloading: 'Downloading {name}…',
  downloadingBytes: 'Downloading {name}: {loaded}',
  downloadingOf: 'Downloading {name}: {loaded} of {total}',
  downloadCancelled: 'Download cancelled.',
  downloadHash: 'Could not download {name}: the bytes do not match their SHA-256 (an incomplete or different file).',
  downloadFailed: 'Could not download {name}: {message}',
  keepNoSpace: 'Not enough storage to keep {name} offline ({size}). Delete a model below or free space; it will still be used now.',
  keepFailed: 'Could not keep {name} offline: {message}',
  cannotSwitch: 'This page cannot switch models.',
  loading: 'Loading {name}…',
  loaded: '{name} is loaded ({arch}, {params} parameters).',
  loadOom: '{name} does not fit in this browser’s memory for WebAssembly.',
  loadFailed: 'Could not load {name}: {message}',
  use: 'Use',
  delete: 'Delete',
  noModels: 'No models kept yet.',
  storage: 'Storage: {used} used of {quota} available.',
  storagePersistent: 'Storage: {used} used of {quota} available (persistent).',
  refuseTruncatedHeader: 'This GGUF file is truncated: it ends ({size}) before its header does. Download it again.',
  refuseTruncatedData: 'This GGUF file is truncated: its tensors need {need} but the file has only {size}. Download it again.',
  refuseMemory: 'This model needs about {need} once loaded, more than a browser page can give it ({limit}). Choose a smaller model or a smaller quantization (Q4_K_M).',
  refuseInvalid: 'This file is not a usable GGUF model: {message}',
  refuseDamaged: 'This GGUF file is damaged: {message}',
  refuseArch: 'Unsupported architecture “{arch}”: Inkstone runs llama-family models (general.architecture = llama) only.',
  refuseType: 'Unsupported weight type: {types}. Inkstone runs these weight types: {runnable}.',
  refuseUnsupported: 'This model cannot run here: {message}',
  refuseUnread: 'Could not read this file: {message}',
};

/** @type {Record<string, string>} */
const ZH_HANS = {
  models: '模型',
  close: '关闭',
  install: '安装应用',
  usageTitle: '砚在这台设备上占用的存储空间／可用空间',
  quotaFull: '浏览器存储空间已满，无法离线使用砚。请在“模型”里删除旧模型或腾出空间后重新载入。',
  updateReady: '砚有新版本了。',
  updatedElsewhere: '砚已在另一个标签页里更新。',
  reload: '重新载入',
  currentModel: '当前模型：{name}',
  dropHere: '把 .gguf 模型拖到这里，或',
  chooseFile: '选择 GGUF 文件…',
  urlPlaceholder: 'https://…/model.gguf 或本站上的路径',
  urlLabel: '模型网址',
  fetch: '下载',
  cancel: '取消',
  reportHeading: '文件头报告',
  keepOffline: '在这台设备上离线保存',
  useModel: '使用这个模型',
  onDevice: '这台设备上的模型',
  persist: '离线保存（持久存储）',
  persistGranted: '存储已设为持久：浏览器不会自行清除应用和模型。',
  persistDenied: '浏览器没有同意持久存储（它仍可能保留这些文件）。',
  reading: '正在读取 {name} 的文件头……',
  notGguf: '“{name}”不是 GGUF 模型文件（开头不是字节“GGUF”）。',
  canRun: '{name} 可以在这里运行。',
  rowFile: '文件',
  rowName: '名称',
  rowArch: '架构',
  rowParams: '参数',
  rowTypes: '权重类型',
  rowVocab: '词汇表',
  rowContext: '上下文',
  rowLayers: '层数 × 宽度',
  rowMemory: '估计内存',
  valFile: '{name}（{size}）',
  valVocab: '{n} 个词元，{tokenizer} 分词器',
  valContext: '{n} 个词元',
  valLayers: '{layers} × {width}（{heads} 个头，{kv} 个 KV 头）',
  downloading: '正在下载 {name}……',
  downloadingBytes: '正在下载 {name}：{loaded}',
  downloadingOf: '正在下载 {name}：{loaded}，共 {total}',
  downloadCancelled: '下载已取消。',
  downloadHash: '无法下载 {name}：字节与它的 SHA-256 不符（文件不完整或不是同一个文件）。',
  downloadFailed: '无法下载 {name}：{message}',
  keepNoSpace: '存储空间不足，无法离线保存 {name}（{size}）。请在下面删除一个模型或腾出空间；这次仍会使用它。',
  keepFailed: '无法离线保存 {name}：{message}',
  cannotSwitch: '这个页面不能切换模型。',
  loading: '正在载入 {name}……',
  loaded: '{name} 已载入（{arch}，{params} 个参数）。',
  loadOom: '{name} 放不进这个浏览器给 WebAssembly 的内存。',
  loadFailed: '无法载入 {name}：{message}',
  use: '使用',
  delete: '删除',
  noModels: '还没有保存的模型。',
  storage: '存储空间：已用 {used}，共 {quota} 可用。',
  storagePersistent: '存储空间：已用 {used}，共 {quota} 可用（持久）。',
  refuseTruncatedHeader: '这个 GGUF 文件不完整：文件（{size}）在文件头结束之前就断了。请重新下载。',
  refuseTruncatedData: '这个 GGUF 文件不完整：它的张量需要 {need}，文件却只有 {size}。请重新下载。',
  refuseMemory: '这个模型载入后约需 {need}，超过网页能给它的内存（{limit}）。请选一个更小的模型或更小的量化（Q4_K_M）。',
  refuseInvalid: '这个文件不是可用的 GGUF 模型：{message}',
  refuseDamaged: '这个 GGUF 文件已损坏：{message}',
  refuseArch: '不支持的架构“{arch}”：砚只运行 llama 系列的模型（general.architecture = llama）。',
  refuseType: '不支持的权重类型：{types}。砚能运行的权重类型：{runnable}。',
  refuseUnsupported: '这个模型不能在这里运行：{message}',
  refuseUnread: '无法读取这个文件：{message}',
};

/** @type {Record<string, string>} */
const ZH_HANT = {
  models: '模型',
  close: '關閉',
  install: '安裝應用程式',
  usageTitle: '硯在這個裝置上使用的儲存空間／可用空間',
  quotaFull: '瀏覽器儲存空間已滿，無法離線使用硯。請在「模型」裡刪除舊模型或騰出空間後重新載入。',
  updateReady: '硯有新版本了。',
  updatedElsewhere: '硯已在另一個分頁裡更新。',
  reload: '重新載入',
  currentModel: '目前模型：{name}',
  dropHere: '把 .gguf 模型拖曳到這裡，或',
  chooseFile: '選擇 GGUF 檔案…',
  urlPlaceholder: 'https://…/model.gguf 或本站上的路徑',
  urlLabel: '模型網址',
  fetch: '下載',
  cancel: '取消',
  reportHeading: '檔頭報告',
  keepOffline: '在這個裝置上離線儲存',
  useModel: '使用這個模型',
  onDevice: '這個裝置上的模型',
  persist: '離線保留（持久儲存）',
  persistGranted: '儲存空間已設為持久：瀏覽器不會自行清除應用程式和模型。',
  persistDenied: '瀏覽器沒有同意持久儲存（它仍可能保留這些檔案）。',
  reading: '正在讀取 {name} 的檔頭……',
  notGguf: '「{name}」不是 GGUF 模型檔案（開頭不是位元組「GGUF」）。',
  canRun: '{name} 可以在這裡執行。',
  rowFile: '檔案',
  rowName: '名稱',
  rowArch: '架構',
  rowParams: '參數',
  rowTypes: '權重型別',
  rowVocab: '詞彙表',
  rowContext: '上下文',
  rowLayers: '層數 × 寬度',
  rowMemory: '估計記憶體',
  valFile: '{name}（{size}）',
  valVocab: '{n} 個詞元，{tokenizer} 分詞器',
  valContext: '{n} 個詞元',
  valLayers: '{layers} × {width}（{heads} 個頭，{kv} 個 KV 頭）',
  downloading: '正在下載 {name}……',
  downloadingBytes: '正在下載 {name}：{loaded}',
  downloadingOf: '正在下載 {name}：{loaded}，共 {total}',
  downloadCancelled: '下載已取消。',
  downloadHash: '無法下載 {name}：位元組與它的 SHA-256 不符（檔案不完整或不是同一個檔案）。',
  downloadFailed: '無法下載 {name}：{message}',
  keepNoSpace: '儲存空間不足，無法離線儲存 {name}（{size}）。請在下面刪除一個模型或騰出空間；這次仍會使用它。',
  keepFailed: '無法離線儲存 {name}：{message}',
  cannotSwitch: '這個頁面不能切換模型。',
  loading: '正在載入 {name}……',
  loaded: '{name} 已載入（{arch}，{params} 個參數）。',
  loadOom: '{name} 放不進這個瀏覽器給 WebAssembly 的記憶體。',
  loadFailed: '無法載入 {name}：{message}',
  use: '使用',
  delete: '刪除',
  noModels: '還沒有儲存的模型。',
  storage: '儲存空間：已用 {used}，共 {quota} 可用。',
  storagePersistent: '儲存空間：已用 {used}，共 {quota} 可用（持久）。',
  refuseTruncatedHeader: '這個 GGUF 檔案不完整：檔案（{size}）在檔頭結束之前就斷了。請重新下載。',
  refuseTruncatedData: '這個 GGUF 檔案不完整：它的張量需要 {need}，檔案卻只有 {size}。請重新下載。',
  refuseMemory: '這個模型載入後約需 {need}，超過網頁能給它的記憶體（{limit}）。請選一個更小的模型或更小的量化（Q4_K_M）。',
  refuseInvalid: '這個檔案不是可用的 GGUF 模型：{message}',
  refuseDamaged: '這個 GGUF 檔案已損壞：{message}',
  refuseArch: '不支援的架構「{arch}」：硯只執行 llama 系列的模型（general.architecture = llama）。',
  refuseType: '不支援的權重型別：{types}。硯能執行的權重型別：{runnable}。',
  refuseUnsupported: '這個模型不能在這裡執行：{message}',
  refuseUnread: '無法讀取這個檔案：{message}',
};

/** @type {Record<Lang, Record<string, string>>} */
export const STRINGS = { en: EN, 'zh-Hans': ZH_HANS, 'zh-Hant': ZH_HANT };

/**
 * The table for a BCP 47 tag: Traditional for zh-Hant and the regions that write it (TW, HK,
 * MO), Simplified for any other Chinese, English otherwise.
 * @param {string} tag
 * @returns {Lang}
 */
export function langOf(tag) {
  const t = (tag || '').toLowerCase();
  if (!/^zh\b/.test(t)) return 'en';
  return /^zh-(hant|tw|hk|mo)\b/.test(t) ? 'zh-Hant' : 'zh-Hans';
}

/** The page's language now. */
export function pageLang() {
  return langOf(typeof document === 'undefined' ? '' : document.documentElement.lang);
}

/**
 * A string in the page's language with {name} filled in ({name} without a var stays).
 * @param {string} key
 * @param {Vars} [vars]
 * @param {Lang} [lang]
 */
export function t(key, vars = {}, lang = pageLang()) {
  const text = STRINGS[lang][key] ?? STRINGS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
}

/** What each bound node says: its text (attr '') or an attribute. Bound nodes carry
 * data-pwa-say, so that only those on the page are said again (and the rest can be collected).
 * @type {WeakMap<Element, Map<string, {key: string, vars: Vars}>>} */
const bound = new WeakMap();

/** @param {Element} node @param {string} attr @param {{key: string, vars: Vars}} what */
function apply(node, attr, what) {
  const text = t(what.key, what.vars);
  if (attr) node.setAttribute(attr, text);
  else node.textContent = text;
}

/**
 * Sets a node's text to a string in the page's language, and again whenever the language
 * changes; key null empties it (and unbinds). Vars are inserted as text.
 * @param {Element} node
 * @param {string | null} key
 * @param {Vars} [vars]
 */
export function say(node, key, vars = {}) {
  sayAttr(node, '', key, vars);
}

/**
 * Like say(), for an attribute (title, aria-label, placeholder); attr '' is the text.
 * @param {Element} node
 * @param {string} attr
 * @param {string | null} key
 * @param {Vars} [vars]
 */
export function sayAttr(node, attr, key, vars = {}) {
  let entry = bound.get(node);
  if (key === null) {
    entry?.delete(attr);
    if (attr) node.removeAttribute(attr);
    else {
      node.textContent = '';
      node.removeAttribute('data-say');
    }
    return;
  }
  // The text's key, for code and tests that must not read the words (they change with the language).
  if (!attr) node.setAttribute('data-say', key);
  if (!entry) bound.set(node, (entry = new Map()));
  node.setAttribute('data-pwa-say', '');
  const what = { key, vars };
  entry.set(attr, what);
  apply(node, attr, what);
}

/** Says every bound text on the page again (the page's language changed). */
export function sayAgain() {
  for (const node of document.querySelectorAll('[data-pwa-say]')) {
    for (const [attr, what] of bound.get(node) || []) apply(node, attr, what);
  }
}

if (typeof document !== 'undefined' && typeof MutationObserver !== 'undefined') {
  new MutationObserver(sayAgain).observe(document.documentElement, { attributes: true, attributeFilter: ['lang'] });
}
