"""Train the Inkstone poetry model on the output of tools/corpus/prepare.py (CPU, PyTorch 1.13).

Every training window is 257 tokens of the packed training stream starting at a sequence's <s>
(so position 0 is always <s>, as at inference); the model is trained on windows[:, :-1] ->
windows[:, 1:]. The window starts of step s come from numpy's default_rng([seed, s]), so the data
order depends only on the seed and the step, and a resumed run sees the same batches.

Schedule: linear warm-up over --warmup steps, times a cosine decay to 10% of --lr.
  --schedule time (default): the cosine runs over wall-clock progress from the first start to
    --deadline (or --max-seconds), and the run stops at the deadline. The machine is shared, so
    its speed is unknown in advance; this always finishes the decay on time. The progress of
    every step is saved in the checkpoint ("progress"); pass it back with --replay PROGRESS.json
    to replay the same schedule (and the same number of steps) deterministically.
  --schedule steps: the cosine runs over --total-steps (deterministic given the seed).

Checkpoints (model, optimizer, step, plan) go to --ckpt every --ckpt-every seconds and at the
end; a run started with the same --ckpt resumes from the latest one.

Continued training across machines (version 2): --init-gguf starts from the weights of a GGUF file
(the committed Q8_0 file reads back within 3e-5 of the F32 model), adding rows for tokens appended
to the vocabulary since, with a fresh optimizer and a --warmup of its own. --record names a small
JSON progress record (step, tokens, validation curve) that is rewritten at every checkpoint and
committed with the Q8_0 file; a run on a fresh machine takes its step and token count from it, so
a step-based schedule (--schedule steps) continues where the last machine stopped.

Sampling: if the data has train_weight.npy (one weight per sequence, from dist/rank), window
starts are drawn in proportion to it. The file `threads` in --ckpt, if present, sets the number of
threads (read every 50 steps), so a shared machine can be given back a core without a restart;
a file `stop` there ends the run cleanly (checkpoint, record) at the next 50th step.
"""
import argparse
import datetime
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import Config, Llama  # noqa: E402


def log(f, **kv):
    kv["time"] = datetime.datetime.utcnow().strftime("%H:%M:%S")
    line = json.dumps(kv, ensure_ascii=False)
    print(line, flush=True)
    f.write(line + "\n")
    f.flush()


def batch(stream, starts, rng, bsz, win, p=None):
    idx = rng.choice(starts, size=bsz, p=p)
    return torch.from_numpy(np.stack([stream[i:i + win + 1] for i in idx]).astype(np.int64))


def lr_at(step, progress, peak, warmup, floor=0.1):
    """progress in [0, 1]: share of the schedule done (steps or wall clock); step counts from
    the optimizer's first step."""
    t = min(1.0, max(0.0, progress))
    return peak * min(1.0, (step + 1) / warmup) * (floor + (1 - floor) * 0.5 *
                                                    (1 + math.cos(math.pi * t)))


@torch.no_grad()
def quick_val(model, val_stream, val_starts, n_win, win):
    """Mean loss (nats/token) on the first n_win validation windows (a fixed set)."""
    model.eval()
    starts = val_starts[val_starts + win + 1 <= len(val_stream)][:n_win]
    tot, n = 0.0, 0
    for i in range(0, len(starts), 16):
        x = torch.from_numpy(np.stack([val_stream[s:s + win + 1] for s in starts[i:i + 16]])
                             .astype(np.int64))
        logits = model(x[:, :-1])
        tot += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), x[:, 1:].reshape(-1),
                               reduction="sum").item()
        n += x[:, 1:].numel()
    model.train()
    return tot / n


def init_from_gguf(model, path):
    """Copy a GGUF's weights into model; rows of tokens the file lacks start as the mean of the
    form-tag rows (259..263) for tags, and of all rows otherwise. -> number of rows added."""
    from export_gguf import read_gguf
    meta, tensors = read_gguf(path)
    with torch.no_grad():
        for gname, p in model.gguf_names():
            x = torch.from_numpy(np.ascontiguousarray(tensors[gname]))
            if x.shape == p.shape:
                p.copy_(x)
                continue
            assert gname == "token_embd.weight" and x.shape[1:] == p.shape[1:], gname
            n = x.shape[0]
            p[:n] = x
            p[n:] = x[259:264].mean(0)
    return model.cfg.n_vocab - len(meta["tokenizer.ggml.tokens"])


def write_record(path, rec):
    if not path:
        return
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(rec, f, ensure_ascii=False, indent=1)
        f.write("\n")
    os.replace(tmp, path)


def save(path, model, opt, step, cfg, args, tokens, extra):
    tmp = path + ".tmp"
    torch.save(dict({"model": model.state_dict(), "opt": opt.state_dict(), "step": step,
                     "config": cfg.__dict__, "args": vars(args), "tokens": tokens}, **extra), tmp)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True, help="output dir of tools/corpus/prepare.py")
    ap.add_argument("--ckpt", required=True, help="checkpoint dir (latest: ckpt.pt)")
    ap.add_argument("--deadline", default="", help="UTC wall clock to stop by, e.g. 16:38")
    ap.add_argument("--max-seconds", type=float, default=0)
    ap.add_argument("--schedule", choices=("time", "steps"), default="time")
    ap.add_argument("--total-steps", type=int, default=0, help="for --schedule steps")
    ap.add_argument("--replay", default="", help="JSON list of per-step progress to replay")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--warmup", type=int, default=150)
    ap.add_argument("--wd", type=float, default=0.1)
    ap.add_argument("--ckpt-every", type=float, default=600)
    ap.add_argument("--n-embd", type=int, default=256)
    ap.add_argument("--n-layer", type=int, default=4)
    ap.add_argument("--n-head", type=int, default=4)
    ap.add_argument("--n-ff", type=int, default=704)
    ap.add_argument("--n-ctx", type=int, default=256)
    ap.add_argument("--init-gguf", default="", help="start from these weights (no ckpt.pt yet)")
    ap.add_argument("--record", default="", help="progress record JSON (committed)")
    args = ap.parse_args()

    t0 = time.time()
    if args.deadline:
        now = datetime.datetime.utcnow()
        hh, mm = map(int, args.deadline.split(":")[:2])
        dl = now.replace(hour=hh, minute=mm, second=0, microsecond=0)
        deadline = t0 + (dl - now).total_seconds()
    elif args.max_seconds:
        deadline = t0 + args.max_seconds
    else:
        deadline = float("inf")

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    vocab = json.load(open(os.path.join(args.data, "vocab.json"), encoding="utf-8"))
    cfg = Config(n_vocab=len(vocab["tokens"]), n_embd=args.n_embd, n_layer=args.n_layer,
                 n_head=args.n_head, n_head_kv=args.n_head, n_ff=args.n_ff, n_ctx=args.n_ctx)
    stream = np.fromfile(os.path.join(args.data, "train.bin"), dtype=np.uint16)
    starts = np.load(os.path.join(args.data, "train_idx.npy"))
    win = cfg.n_ctx
    starts = starts[starts + win + 1 <= len(stream)]
    val_stream = np.fromfile(os.path.join(args.data, "val.bin"), dtype=np.uint16)
    val_starts = np.load(os.path.join(args.data, "val_idx.npy"))
    p_start = None
    wpath = os.path.join(args.data, "train_weight.npy")
    if os.path.exists(wpath):
        w = np.load(wpath).astype(np.float64)
        all_starts = np.load(os.path.join(args.data, "train_idx.npy"))
        w = w[all_starts + win + 1 <= len(stream)]
        p_start = w / w.sum()
    vals = {"val": (val_stream, val_starts)}
    if os.path.exists(os.path.join(args.data, "val_ci.bin")):
        vals["val_ci"] = (np.fromfile(os.path.join(args.data, "val_ci.bin"), dtype=np.uint16),
                          np.load(os.path.join(args.data, "val_ci_idx.npy")))

    model = Llama(cfg)
    decay = [p for n, p in model.named_parameters() if p.dim() == 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.wd},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.95), eps=1e-8)
    os.makedirs(args.ckpt, exist_ok=True)
    path = os.path.join(args.ckpt, "ckpt.pt")
    logf = open(os.path.join(args.ckpt, "train.log"), "a", encoding="utf-8")
    step, tokens, progress_log = 0, 0, []
    opt_step0 = 0  # the step at which this optimizer started (warm-up counts from it)
    t_begin = t0
    rec = {}
    if args.record and os.path.exists(args.record):
        rec = json.load(open(args.record, encoding="utf-8"))
    if os.path.exists(path):
        ck = torch.load(path)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        step, tokens = ck["step"], ck["tokens"]
        progress_log = ck.get("progress", [0.0] * step)[:step]  # old ckpts: warm-up only
        t_begin = ck.get("t_begin", t0)
        opt_step0 = ck.get("opt_step0", 0)
        log(logf, event="resume", step=step)
    elif args.init_gguf:
        added = init_from_gguf(model, args.init_gguf)
        step, tokens = rec.get("step", 0), rec.get("tokens", 0)
        opt_step0 = step
        progress_log = [0.0] * step
        log(logf, event="init", gguf=args.init_gguf, rows_added=added, step=step, tokens=tokens)
    rec.setdefault("curve", [])
    rec.setdefault("tokens_before", 0)
    replay = json.load(open(args.replay)) if args.replay else None
    if args.schedule == "steps" and not args.total_steps and not replay:
        sys.exit("--schedule steps needs --total-steps")
    n_params = sum(p.numel() for p in model.parameters())
    log(logf, event="start", params=n_params, config=cfg.__dict__, args=vars(args),
        train_tokens=int(len(stream)),
        seconds_left=None if deadline == float("inf") else round(deadline - t0))

    def progress():
        if replay is not None:
            return replay[step]
        if args.schedule == "steps":
            return step / args.total_steps
        return (time.time() - t_begin) / (deadline - t_begin)

    def extra():
        return {"t_begin": t_begin, "progress": progress_log, "opt_step0": opt_step0}

    def checkpoint(event):
        vl = {k: round(quick_val(model, v[0], v[1], 64, win), 4) for k, v in vals.items()}
        save(path, model, opt, step, cfg, args, tokens, extra())
        log(logf, event=event, step=step, tokens=tokens, **vl)
        rec.update(step=step, tokens=tokens, config=cfg.__dict__,
                   args={k: v for k, v in vars(args).items() if k not in ("deadline",)})
        rec["curve"].append(dict(step=step, tokens=tokens, time=datetime.datetime.utcnow()
                                 .strftime("%Y-%m-%dT%H:%M:%SZ"), **vl))
        write_record(args.record, rec)
        return vl

    if step == opt_step0 and not rec["curve"]:
        checkpoint("start")  # the validation loss of the weights we start from
    last_ckpt = time.time()
    run_t0, run_step0 = time.time(), step
    loss_ema = None
    while True:
        if replay is not None and step >= len(replay):
            break
        if args.schedule == "steps" and replay is None and step >= args.total_steps:
            break
        if replay is None and time.time() > deadline:
            log(logf, event="deadline", step=step)
            break
        prog = round(progress(), 6)
        progress_log.append(prog)
        rng = np.random.default_rng([args.seed, step])
        x = batch(stream, starts, rng, args.batch, win, p_start)
        for g in opt.param_groups:
            g["lr"] = lr_at(step - opt_step0, prog, args.lr, args.warmup)
        logits = model(x[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, cfg.n_vocab), x[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gn = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        tokens += args.batch * win
        loss_ema = loss.item() if loss_ema is None else 0.98 * loss_ema + 0.02 * loss.item()
        if step % 50 == 0:
            el = time.time() - run_t0
            log(logf, step=step, loss=round(loss.item(), 4), loss_ema=round(loss_ema, 4),
                lr=round(opt.param_groups[0]["lr"], 6), progress=prog, gnorm=round(gn.item(), 3),
                tok_per_s=round((step - run_step0) * args.batch * win / el), tokens=tokens)
            tpath = os.path.join(args.ckpt, "threads")
            if os.path.exists(tpath):
                n = int(open(tpath).read().strip() or args.threads)
                if n != torch.get_num_threads():
                    torch.set_num_threads(n)
                    log(logf, event="threads", n=n)
            if os.path.exists(os.path.join(args.ckpt, "stop")):
                log(logf, event="stop-file", step=step)
                break
        if time.time() - last_ckpt > args.ckpt_every:
            checkpoint("ckpt")
            last_ckpt = time.time()
    vl = checkpoint("end")
    with open(os.path.join(args.ckpt, "progress.json"), "w") as f:
        json.dump(progress_log, f)
    log(logf, event="done", step=step, tokens=tokens, val_loss=vl["val"],
        seconds=round(time.time() - t0), run_seconds=round(time.time() - t_begin),
        tok_per_s=round((step - run_step0) * args.batch * win / (time.time() - run_t0)))

if __name__ == "__main__":
    main()
