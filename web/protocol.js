// The page <-> worker protocol. web/client.js is the only page-side user; web/worker.js the only
// worker-side one. Bump PROTOCOL_VERSION whenever a message changes shape.
//
// Requests (page -> worker):   { id, type, payload }
// Replies  (worker -> page):   { id, ok: true, result } | { id, ok: false, error: { code, message,
//                              detail? } }  (detail: the runtime's fine code, e.g. 'truncated')
// Events   (worker -> page):   { type: 'token', id, ...TokenEvent }    one per generated token,
//                                                                       id = the generate request
//                              { type: 'train-progress', id, ...TrainProgressEvent }  per chunk
//                              { type: 'train-checkpoint', id, step, state }  of a train-resume
//                              { type: 'fatal', error: { code: 'crashed', message } }
//                                                                       the wasm aborted; every
//                                                                       pending request is dead
//                                                                       and the worker must be
//                                                                       replaced
// Every request gets exactly one reply, except after a `fatal` event (none follow).
//
// Request types and their payload -> result:
//   init        { wasmBase, build: 'auto'|'inkstone'|'inkstone-mt', nThreads, cancelBuffer?,
//                 wasmBinary?, lifeline? }                      -> InitResult
//               cancelBuffer: a SharedArrayBuffer (Int32Array[1]) the page writes the id of a
//               generate request to cancel into (only when crossOriginIsolated).
//               wasmBinary: the .wasm bytes (Node tests; browsers fetch from wasmBase).
//               lifeline: a Web Locks name. The worker takes that lock before it replies and
//               holds it until it ends, so the page learns of any end of the worker (also a
//               silent one: self.close(), a browser that stops it) when the lock is released.
//               InitResult.lifeline says whether the worker holds it.
//   load        { bytes: ArrayBuffer (transferred), nCtx, nThreads, maxMemoryBytes, minSplitMacs }
//                                                                        -> ModelInfo
//   inspect     { bytes: ArrayBuffer (a prefix of the file is enough) }  -> ModelInfo (header)
//   info        {}                                                       -> ModelInfo
//   tokenize    { text, addBos, special? }                               -> { tokens }
//               special: control pieces in the text are matched whole (ChatML markup)
//   detokenize  { tokens }                                               -> { text }
//   pieces      { tokens }                              -> { pieces: string[], bytes: Uint8Array[] }
//               each token's raw piece (byte tokens as <0xNN>, "" for a bad id) and the bytes
//               it decodes to (empty for control tokens and a bad id)
//   generate    { prompt?: string, promptTokens?: number[], addBos?, special?, options: SamplingOptions }
//               -> token events, then GenerateSummary. A cancelled generation replies
//                  { ok: false, error: { code: 'aborted' } }. An option left out takes the
//                  core's default (generate_options in core/include/inkstone/generator.h).
//   cancel      { target: id of a generate request }                     -> {}
//               Handled at once (not queued behind the generation it cancels). Its reply is
//               posted when the worker reads it, so token events of the target that arrive
//               after this reply were computed after the cancel was seen: at most one.
//   prosody     { tones: string, rhyme: string }  the contents of assets/prosody/tones.tsv and
//               a rhyme-*.tsv; used by every later constraint and analyse
//                                                  -> { nTones, nRhymes, nRhymeGroups, rhymeBook }
//   cipai       { table: string }  the contents of assets/prosody/cipai.tsv: 詞牌 patterns for
//               {"cipai": name} constraints and for analyse  -> { nPatterns }
//   analyse     { text, cipai?, variant? }         -> PoemAnalysis (tones, rhymes, faults; a 詞
//               read by its 詞牌 once a cipai table is set: the one its structure fits, or the
//               one named by `cipai` (and `variant`), which a text written to it is read as)
//   presets     {}                                 -> { forms: string[], cipai: CipaiPattern[] }
//               names of preset forms, and the 詞牌 patterns of the cipai table ([] when none)
//   memory      {}                                 -> { heapBytes } size of the wasm heap (it
//               grows, never shrinks: a measure of the most memory ever used)
//   stats       {}                                 -> SessionStats: work items each thread of
//               the loaded session has run since the model was loaded (shows that threads
//               really shared the work; wasm_bindings/API.md `stats()`)
//   unload      {}                                                       -> {}
//   train-start { text, config?: TrainConfig, seed?, state?: ArrayBuffer }        -> TrainInfo
//               a Trainer (replacing any other) with a character vocabulary of the text; every
//               heldOutEvery-th line is held out. config: { dim 64, layers 2, heads 4, kvHeads,
//               ff 172, ctx 64, batch 16, steps 300, lr 3e-3, minLr 3e-4, warmup 20,
//               weightDecay 0.1, clip 1, heldOutEvery 20, maxChars 4096 }. state: a
//               train-checkpoint's (or train-state's) bytes to continue from, bit for bit.
//   train-info  {}                                                          -> TrainInfo
//   train-resume TrainRunOptions -> train-progress events (one per chunk of steps) and
//               train-checkpoint events { type, id, step, state: ArrayBuffer } (the page keeps the
//               last: after a crash a new worker continues from it), then { step, reason:
//               'done'|'paused' }. Starts a run from the current step (the first one too).
//   train-pause {}  handled at once (like cancel): the running train-resume stops after its
//               current chunk and replies 'paused'                           -> {}
//   train-stop  {}  pauses at once, then (queued) frees the trainer          -> {}
//   train-held-out { windows? }                                              -> { loss }
//   train-sample { prompt, maxTokens?, temperature?, seed? }  sampled from the current weights
//               (saved as a GGUF and loaded, as the playground would)      -> { text }
//   train-save  { name? }                      -> { gguf: ArrayBuffer (transferred) } F32 GGUF
//   train-state {}                             -> { state: ArrayBuffer, step }
//   crash       {}  (tests only) makes the wasm abort: produces a `fatal` event. Handled at
//               once, like cancel (so it can strike in the middle of a generation).
//
// Requests other than `cancel` and `crash` run one at a time in arrival order. The worker never waits for a
// reply from the page: token events are posted as they are produced, and between tokens the
// worker yields to its event loop (or reads cancelBuffer) to notice a cancel.

export const PROTOCOL_VERSION = 1;

/** @typedef {'init'|'load'|'inspect'|'info'|'tokenize'|'detokenize'|'pieces'|'generate'|'cancel'|'prosody'|'cipai'|'analyse'|'presets'|'memory'|'stats'|'unload'|'crash'|'train-start'|'train-info'|'train-resume'|'train-pause'|'train-stop'|'train-held-out'|'train-sample'|'train-save'|'train-state'} RequestType */

/**
 * What a trainer reports (`train-start`, `train-info`; wasm_bindings/API.md "Training").
 * @typedef {object} TrainInfo
 * @property {number} nVocab        259 fixed tokens + one per character of the text
 * @property {number} nChars        characters in the vocabulary
 * @property {number} nEmbd
 * @property {number} nLayer
 * @property {number} nHead
 * @property {number} nHeadKv
 * @property {number} nFf
 * @property {number} nCtx
 * @property {number} batch         windows per step
 * @property {number} nParams
 * @property {number} trainTokens   tokens of the training lines
 * @property {number} heldOutTokens tokens of the held-out lines (every heldOutEvery-th line)
 * @property {number} step          steps taken
 * @property {number} totalSteps    the schedule's length (warm-up, then cosine to minLr)
 * @property {number} lr
 * @property {number} minLr
 * @property {number} warmup
 * @property {number} nThreads      threads the trainer steps with (config nThreads)
 */

/**
 * Options of a run (`train-resume`).
 * @typedef {object} TrainRunOptions
 * @property {number} [untilStep]          stop after this step (default: totalSteps)
 * @property {number} [chunk]              steps per progress event (5)
 * @property {number} [evalEveryMs]        held-out loss at most this often (2000)
 * @property {number} [heldOutWindows]     windows of the held-out loss (16)
 * @property {{prompt?: string, maxTokens?: number, temperature?: number, seed?: number}} [sample]
 *           a text sampled from the current weights at most every sampleEveryMs (none when absent)
 * @property {number} [sampleEveryMs]      (4000)
 * @property {number} [checkpointEveryMs]  a train-checkpoint event at most this often (10000)
 */

/**
 * One chunk of a run.
 * @typedef {object} TrainProgressEvent
 * @property {'train-progress'} type
 * @property {number} id               the train-resume request
 * @property {number} step             steps taken so far
 * @property {number[]} losses         training loss of each step of the chunk
 * @property {number} loss             the last of them
 * @property {number} gradNorm         global gradient norm of the last step (before clipping)
 * @property {number} lr               learning rate of the last step
 * @property {number} tokens           tokens trained on in this chunk
 * @property {number} ms               wall time of the chunk
 * @property {number} tokensPerSecond
 * @property {number} [heldOutLoss]    when evaluated this chunk
 * @property {string} [sample]         when sampled this chunk
 */

/**
 * The client's channel for the other page-side modules of web/ (web/poetry.js): they send
 * their requests through `ink[CHANNEL]()` instead of reaching into the client. Not for pages.
 */
export const CHANNEL = Symbol('inkstone.channel');

/**
 * What `ink[CHANNEL]()` returns.
 * @typedef {object} ClientChannel
 * @property {(type: RequestType, payload: unknown, options?: {transfer?: Transferable[], onEvent?: (event: any) => void}) => Promise<any>} request
 *           sends a request once the worker is ready (after a crash recovery in progress);
 *           onEvent receives the request's events (train-progress, train-checkpoint)
 * @property {(key: string, request: {type: RequestType, payload: unknown} | null) => void} restore
 *           a request the client sends again to every new worker after a crash, before it
 *           reloads the model (one per key; null forgets it)
 */

/**
 * Per-thread work counters of the loaded session (`stats`).
 * @typedef {object} SessionStats
 * @property {number[]} workItemsByThread  index 0: the worker's own thread; length nThreads
 */

/**
 * What `analyse` returns (core/include/inkstone/prosody.h, poem_analysis::to_json).
 * @typedef {object} PoemAnalysis
 * @property {string} form   "五言絕句" ..., "詞" for a text of a 詞牌, or "" when neither
 * @property {number[]} rhyme_groups
 * @property {string[]} rhyme_group_names
 * @property {{ch: string, tone: 'P'|'Z'|'B'|'?', rhyme: boolean, groups?: number[], slot?: number}[][]} lines
 * @property {{kind: string, name: string, line: number, column: number, message: string}[]} faults
 * @property {{name: string, variant: number, others: string[]}} [cipai]  the 詞牌 of a 詞
 */

/**
 * A 詞牌 pattern (core/include/inkstone/cipai.h; tones: 平/仄 fixed, ⊕/⊖ preferred, 中 either).
 * @typedef {object} CipaiPattern
 * @property {string} name        Simplified, as in the corpus ("浣溪沙")
 * @property {number} variant     0 the main structure, 1.. 又一體
 * @property {number} poems       宋詞 of this 詞牌 the pattern was derived from
 * @property {number} agreeing    of those, how many follow this structure
 * @property {number} stanzaBreak first line of the 下闋 (-1: one stanza)
 * @property {string[]} slotTones per rhyme slot: "平" or "仄"
 * @property {{chars: number, tones: string, punct: string, slot: number}[]} lines
 */

/**
 * @typedef {object} Request
 * @property {number} id
 * @property {RequestType} type
 * @property {any} payload
 */

/**
 * @typedef {object} WireError
 * @property {string} code     one of the ErrorCode values in errors.js
 * @property {string} message
 * @property {string} [detail] the runtime's fine code (docs/status-codes.md), when known
 */

/**
 * @typedef {{id: number, ok: true, result: any} | {id: number, ok: false, error: WireError}} Reply
 */

/**
 * @typedef {object} InitResult
 * @property {number} protocolVersion
 * @property {'inkstone'|'inkstone-mt'} build
 * @property {number} nThreads          threads the session will use (1 for the plain build)
 * @property {{threads: boolean, simd: boolean, apiVersion: number}} wasm  buildInfo() of the module
 * @property {boolean} lifeline         the worker holds the `lifeline` lock of the init payload
 */

/**
 * @typedef {object} Alternative
 * @property {number} token
 * @property {string} text   the token's piece (byte tokens shown as <0xNN>)
 * @property {number} prob   probability in the final (sampled) distribution
 */

/**
 * One generated token.
 * @typedef {object} TokenEvent
 * @property {'token'} type
 * @property {number} id             the generate request
 * @property {number} index          0-based index among the generated tokens
 * @property {number} token
 * @property {string} text           streamed UTF-8-safe text ("" while a character is incomplete)
 * @property {number} prob           probability of the chosen token (final distribution)
 * @property {boolean} forced        true when the token was forced, not sampled
 * @property {Alternative[]} [alternatives]  top alternatives (probes.topAlternatives > 0)
 * @property {Float32Array} [attention]      (nLayer, nHead, nPos) weights of this step
 * @property {number} [nPos]                 positions the attention covers
 * @property {number} [maskedMass]           probability removed by the constraint this step
 * @property {number} [draw]                 the uniform draw (-1 when greedy)
 * @property {Float32Array} [logits]         raw logits this token was chosen from
 * @property {Float32Array} [distribution]   final distribution over the vocabulary
 * @property {Float32Array} [condLogits]     under guidance (probes.guidance): the conditioned run's logits
 * @property {Float32Array} [uncondLogits]   under guidance (probes.guidance): the unconditioned run's logits
 * @property {string} [rule]                 the constraint rule that removed the most mass
 * @property {QkvProbe} [qkv]                Q, K, V of one layer and head (probes.qkv)
 * @property {number} ms                     wall time of this step in the worker
 */

/**
 * The Q/K/V probe of one layer and head, for the query that produced this step's logits (the
 * newest token in the KV cache): softmax(q·Kᵀ / √headDim) is that head's row of `attention`,
 * and `out` = Σ_j a_j v_j is the head's output before the output projection.
 * @typedef {object} QkvProbe
 * @property {number} layer
 * @property {number} head
 * @property {number} headDim
 * @property {Float32Array} q          (headDim) query after RoPE
 * @property {Float32Array} k          (nPos, headDim) keys after RoPE (the head's kv head)
 * @property {Float32Array} v          (nPos, headDim) values
 * @property {Float32Array} out        (headDim) the head's attention output
 * @property {Float32Array} embedding  (nEmbd) the newest token's input embedding row
 */

/**
 * @typedef {object} GenerateSummary
 * @property {'done'} type
 * @property {number} id
 * @property {number[]} tokens       generated token ids
 * @property {string} text           generated text
 * @property {number} nPrompt        prompt tokens (with a forced prefix)
 * @property {'eos'|'max_tokens'|'context_full'|'stop'} reason
 * @property {{prefillMs: number, firstTokenMs: number, decodeMs: number, totalMs: number}} timings
 *           firstTokenMs: from the request to the first token (prefill included)
 * @property {number} tokensPerSecond   generated tokens / decode time
 */

/**
 * Probes recorded per step (cheap when off).
 * @typedef {object} ProbeOptions
 * @property {number} [topAlternatives]  N best alternatives with probabilities (0: off)
 * @property {boolean} [attention]       attention weights of every layer/head
 * @property {boolean} [distribution]    the whole final distribution
 * @property {boolean} [logits]          the raw logits
 * @property {{layer: number, head: number}} [qkv]  Q/K/V of one layer and head (implies attention)
 * @property {boolean} [guidance]        under guidance, the two runs' logits (condLogits, uncondLogits)
 */

/**
 * Sampling options (wasm_bindings/API.md `begin`).
 * @typedef {object} SamplingOptions
 * @property {number} [seed]
 * @property {number} [temperature]      0 = greedy
 * @property {number} [topK]
 * @property {number} [topP]
 * @property {number} [minP]
 * @property {number} [repeatPenalty]
 * @property {number} [repeatLastN]
 * @property {number} [maxTokens]
 * @property {Record<number, number>} [logitBias]
 * @property {string|object|null} [constraint]  constraint spec (JSON string or object)
 * @property {ProbeOptions} [probes]
 * @property {boolean} [slideWindow]
 * @property {boolean} [stopAtEos]
 * @property {number[]} [forceTokens]    tokens to force first, one step each (replay, an opening line)
 * @property {number[]} [forcedPrefix]   tokens taken before the first step without steps of their
 *                                       own, prefilled with the prompt (the classroom's rules)
 * @property {number} [guidanceScale]    classifier-free guidance (1 = off)
 * @property {number[]} [guidancePrompt] the unconditioned prompt's tokens (with guidanceScale ≠ 1)
 */

/**
 * Model report (wasm_bindings/API.md `info()` / `inspectModel`).
 * @typedef {object} ModelInfo
 * @property {string} architecture
 * @property {string} name
 * @property {number} nVocab
 * @property {number} nCtx           context of this session (inspect: the trained one)
 * @property {number} nCtxTrain
 * @property {number} nEmbd
 * @property {number} nLayer
 * @property {number} nHead
 * @property {number} nHeadKv
 * @property {number} nFf
 * @property {number} headDim
 * @property {number} ropeBase
 * @property {number} rmsEps
 * @property {boolean} tiedOutput
 * @property {'llama'|'gpt2'} tokenizer
 * @property {number} bos
 * @property {number} eos
 * @property {number} nParams
 * @property {number} weightBytes
 * @property {string[]} weightTypes
 * @property {number} fileBytes
 * @property {number} [memoryBytes]  loaded sessions: file + KV cache + scratch
 * @property {string} [kernels]      loaded sessions: 'wasmsimd' | 'ref'
 * @property {number} [nThreads]     loaded sessions
 * @property {Record<string, any>} meta   every metadata key (long arrays summarised)
 * @property {boolean} [runnable]    inspect: would load (data aside)
 * @property {{code: string, detail: string, message: string}} [problem]  inspect: why not
 * @property {{version: number, alignment: number, nTensors: number, nKv: number,
 *             dataOffset: number, dataEnd: number, bytesGiven: number, dataComplete: boolean,
 *             tensors: {name: string, type: string, shape: number[], bytes: number}[]}} [header]
 *           inspect only
 */
