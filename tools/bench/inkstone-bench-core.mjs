// The Inkstone side of the side-by-side benchmark, shared by Node (node-runner.mjs) and the
// browser worker (page/inkstone-worker.mjs): load a GGUF into a wasm module built from
// wasm_bindings/ (API: wasm_bindings/API.md), prefill a prompt, decode greedily, and time it.

/** Prompt text whose words are single tokens of the benchmark vocabularies (make_bench_models.py:
 * pieces "▁a", "▁b", ..., "▁aa", ...), so Inkstone and llama.cpp both see n_words tokens (+ BOS). */
export function benchPromptText(nWords) {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const words = [];
  for (let i = 0; i < nWords; i++) {
    let k = (i * 37) % 700;
    let s = '';
    for (;;) {
      s = letters[k % 26] + s;
      k = Math.floor(k / 26) - 1;
      if (k < 0) break;
    }
    words.push(s);
  }
  return words.join(' ');
}

/**
 * Token ids of the 256 byte tokens of the benchmark vocabularies (make_bench_models.py: <unk>
 * <s> </s>, then <0x00> .. <0xFF>). Both engines ban them while decoding the random-weight
 * models: a lone byte token is not valid UTF-8, and wllama fails on it ("invalid UTF-8 byte"
 * from its JSON layer). Banning costs each engine one pass over the logits.
 */
export const BENCH_BYTE_TOKENS = Array.from({ length: 256 }, (_, i) => i + 3);

/**
 * The same for the Qwen-shaped model (make_bench_models.py Q05, qwen_bench_model.py): its ids
 * 0..255 are the byte-level symbols in byte order, and those of bytes 0x80..0xFF are not UTF-8
 * alone. Its other tokens are Chinese characters and words, letter strings and control tokens.
 */
export const QWEN_BENCH_BYTE_TOKENS = Array.from({ length: 128 }, (_, i) => i + 128);

/**
 * What a benchmark model is, from its name: 'poetry' (the shipped model: its own prompt, no
 * bans), 'qwen' (Q05-*), else 'llama' (S15, P8, S110).
 * @param {string} name  model stem, e.g. 'Q05-q4_k_m'
 * @param {boolean} [poetry]
 */
export function benchKind(name, poetry = false) {
  if (poetry) return 'poetry';
  return /^Q05-/.test(name) ? 'qwen' : 'llama';
}

/** Prompt text and banned tokens of a benchmark model kind (benchKind). */
export function benchSetup(kind, nPrompt) {
  if (kind === 'poetry') return { promptText: POETRY_PROMPT_TEXT, banTokens: [] };
  return { promptText: benchPromptText(nPrompt - 1),
    banTokens: kind === 'qwen' ? QWEN_BENCH_BYTE_TOKENS : BENCH_BYTE_TOKENS };
}

/** A prompt for the poetry model (character-level): repeated classical lines. */
export const POETRY_PROMPT_TEXT =
  '床前明月光，疑是地上霜。舉頭望明月，低頭思故鄉。白日依山盡，黃河入海流。欲窮千里目，更上一層樓。' +
  '春眠不覺曉，處處聞啼鳥。夜來風雨聲，花落知多少。千山鳥飛絕，萬徑人蹤滅。孤舟蓑笠翁，獨釣寒江雪。' +
  '紅豆生南國，春來發幾枝。願君多采擷，此物最相思。空山不見人，但聞人語響。返景入深林，復照青苔上。';

function check(r, what) {
  if (!r || r.ok === false) throw new Error(`${what}: ${r ? `${r.code}: ${r.message}` : 'no result'}`);
  return r;
}

/**
 * @param {any} M  the instantiated Emscripten module (createInkstoneModule)
 * @param {Uint8Array} bytes  the GGUF file
 * @param {{nThreads: number, nPrompt: number, nDecode: number, promptText: string,
 *          kernels?: string, warmup?: boolean, mark?: (label: string) => void,
 *          banTokens?: number[], nAgree?: number}} o
 *   mark: called at 'prefill-start', 'prefill-end', 'decode-end' of the measured run (the browser
 *   benchmark samples the CPU time Chromium used between them)
 *   nAgree: after the measured run, also decode this many greedy tokens from promptText as it
 *   is (its tokens, after BOS where the file's add_bos_token asks for one; not repeated or cut
 *   to nPrompt) with EOS banned, for the comparison
 *   with llama.cpp (ignore_eos): result.agreement = { nPrompt, tokens }
 */
export function benchInkstone(M, bytes, o) {
  const now = () => performance.now();
  const t0 = now();
  const ptr = M._malloc(bytes.length);
  if (!ptr) throw new Error('malloc failed for the model bytes');
  M.HEAPU8.set(bytes, ptr);
  const created = check(
    M.createSession(ptr, bytes.length, {
      nCtx: o.nPrompt + o.nDecode + 16,
      nThreads: o.nThreads,
      nBatch: o.nPrompt,
      ...(o.kernels ? { kernels: o.kernels } : {}),
    }),
    'createSession',
  );
  const s = created.session;
  const loadMs = now() - t0;
  try {
    const info = s.info();
    // BOS where the file asks for it, as llama.cpp (and so wllama) does: Qwen's files say
    // add_bos_token false; tokenize(text, true) would put one first regardless.
    const addBosMeta = info.meta?.['tokenizer.ggml.add_bos_token'];
    const addBos = typeof addBosMeta === 'boolean' ? addBosMeta : info.tokenizer !== 'gpt2';
    let tokens = check(s.tokenize(o.promptText, addBos), 'tokenize').tokens;
    const body = addBos ? tokens.slice(1) : tokens;
    while (tokens.length < o.nPrompt) tokens = tokens.concat(body);  // repeat (no 2nd BOS)
    tokens = tokens.slice(0, o.nPrompt);
    const gen = { seed: 1, temperature: 0, maxTokens: o.nDecode, stopAtEos: false,
      logitBias: Object.fromEntries((o.banTokens || []).map((t) => [t, -1e30])) };

    // CPU time of this process where the platform tells it (Node): on a shared machine it shows
    // how much of the wall time the benchmark actually ran.
    const cpuMs = typeof process === 'object' && process.cpuUsage
      ? () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; }
      : () => NaN;
    const run = (promptTokens, nSteps, mark = () => {}) => {
      mark('prefill-start');
      const cb = cpuMs();
      const tb = now();
      const b = check(s.begin(promptTokens, { ...gen, maxTokens: nSteps }), 'begin');
      const prefillMs = now() - tb;
      const prefillCpuMs = cpuMs() - cb;
      mark('prefill-end');
      let firstTokenMs = NaN;
      let steps = 0;
      const td = now();
      for (let i = 0; i < nSteps; i++) {
        const st = check(s.step(), 'step');
        steps++;
        if (i === 0) firstTokenMs = now() - tb;
        if (st.done) break;
      }
      const decodeMs = now() - td;
      mark('decode-end');
      const decodeCpuMs = cpuMs() - cb - prefillCpuMs;
      return { prefillMs, innerPrefillMs: b.prefillMs, decodeMs, steps, firstTokenMs, prefillCpuMs, decodeCpuMs };
    };
    // Warm-up: V8 compiles hot wasm functions with TurboFan in the background and swaps them in
    // on the next call (no on-stack replacement), so the first run of each kernel is baseline code.
    if (o.warmup !== false) run(tokens.slice(0, Math.min(32, tokens.length)), Math.min(8, o.nDecode));
    const r = run(tokens, o.nDecode, o.mark);
    let agreement;
    if (o.nAgree) {
      const prompt = check(s.tokenize(o.promptText, addBos), 'tokenize').tokens;
      // EOS banned as llama.cpp's ignore_eos does (a -inf bias), which the wllama side uses.
      const logitBias = { ...gen.logitBias, [info.eos]: -Infinity };
      check(s.begin(prompt, { ...gen, logitBias, maxTokens: o.nAgree }), 'begin');
      const greedy = [];
      for (let i = 0; i < o.nAgree; i++) {
        const st = check(s.step(), 'step');
        if (st.token >= 0) greedy.push(st.token);
        if (st.done) break;
      }
      agreement = { nPrompt: prompt.length, tokens: greedy };
    }
    return {
      engine: 'inkstone',
      kernels: info.kernels ?? o.kernels ?? 'auto',
      threads: o.nThreads,
      nPrompt: tokens.length,
      nDecode: r.steps,
      loadMs,
      prefillMs: r.prefillMs,
      promptTokS: (1000 * tokens.length) / r.prefillMs,
      decodeMs: r.decodeMs,
      decodeTokS: (1000 * r.steps) / r.decodeMs,
      ttftMs: r.firstTokenMs,
      promptTokPerCpuS: (1000 * tokens.length) / r.prefillCpuMs,
      decodeTokPerCpuS: (1000 * r.steps) / r.decodeCpuMs,
      wasmHeapBytes: M.HEAPU8.length,
      agreement,
    };
  } finally {
    s.delete();
  }
}
