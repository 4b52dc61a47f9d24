"""Training tokens/s: core's trainer (`build/inkstone train`, one thread) against PyTorch CPU (one
thread, float32, autograd + torch.optim.AdamW) on the same model, weights and batches. Prints
both and their ratio; asserts nothing.

  /usr/bin/python3 tools/bench/train_torch.py [--steps 40] [--dim 64] [--layers 2] [--ctx 64]
      [--batch 16] [--text tests/fixtures/train/wujue-200.txt]
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools", "reference"))
import train_ref  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--dim", type=int, default=64)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--ff", type=int, default=172)
    ap.add_argument("--ctx", type=int, default=64)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--text", default=os.path.join(ROOT, "tests", "fixtures", "train",
                                                   "wujue-200.txt"))
    a = ap.parse_args()
    d = tempfile.mkdtemp(prefix="ink-train-bench-")
    args = [os.path.join(ROOT, "build", "inkstone"), "train", a.text, "--dump", d, "-t", "1",
            "--steps", str(a.steps), "--dim", str(a.dim), "--layers", str(a.layers), "--heads",
            str(a.heads), "--ff", str(a.ff), "--ctx", str(a.ctx), "--batch", str(a.batch),
            "--log-every", str(a.steps)]
    t0 = time.perf_counter()
    r = subprocess.run(args, capture_output=True, text=True, check=True)
    core_s = time.perf_counter() - t0
    core_tps = float(re.findall(r"tok/s (\d+)", r.stdout)[-1])

    torch.set_num_threads(1)
    cfg, params = train_ref.load_params(os.path.join(d, "init.gguf"), dtype=torch.float32)
    batches = torch.from_numpy(np.fromfile(os.path.join(d, "batches.bin"), dtype="<i4")
                               .astype(np.int64)).view(a.steps, a.batch, a.ctx + 1)
    opt = train_ref.make_optimizer(params, 0.9, 0.99, 1e-8, 0.1)
    t0 = time.perf_counter()
    train_ref.train_steps(params, cfg, batches, opt, 3e-3, 3e-4, 20, a.steps, 1.0)
    torch_tps = a.steps * a.batch * a.ctx / (time.perf_counter() - t0)
    n_params = sum(p.numel() for p in params.values())
    print(f"model: {n_params} parameters (dim {a.dim}, {a.layers} layers, ctx {a.ctx}, "
          f"vocab {params['token_embd.weight'].shape[0]}), batch {a.batch} x {a.ctx}, "
          f"{a.steps} steps, 1 thread")
    print(f"inkstone train: {core_tps:.0f} tok/s (process {core_s:.1f} s)")
    print(f"pytorch {torch.__version__} cpu: {torch_tps:.0f} tok/s")
    print(f"ratio inkstone / pytorch: {core_tps / torch_tps:.2f}x")


if __name__ == "__main__":
    main()
