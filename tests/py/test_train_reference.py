"""Gradients and AdamW steps of core's trainer against PyTorch (tools/reference/train_ref.py).

`build/inkstone train --dump DIR` writes the initial weights (init.gguf), the gradient of every
weight on the first batch (grads.gguf), every step's batch (batches.bin) and loss (losses.txt).
PyTorch, in float64, is fed the same weights and batches. Fixture configs: plain and grouped-query
attention, tied and untied output, three shapes.

  /usr/bin/python3 -m unittest tests/py/test_train_reference.py
"""
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools", "reference"))
import train_ref  # noqa: E402

BIN = os.path.join(ROOT, "build", "inkstone")
TEXT = os.path.join(ROOT, "tests", "fixtures", "train", "wujue-200.txt")
REQUIRE_ALL = os.environ.get("INK_REQUIRE_ALL") == "1" or os.environ.get("CI") == "true"

# |g_core - g_torch| / |g_torch| per weight tensor (L2 norms): f32 sums against float64 (measured: about 1e-6).
kGradRelTol = 2e-5
# Per step |loss_core - loss_torch| / loss_torch over 20 AdamW steps.
kLossRelTol = 1e-4
N_STEPS = 20

# name, CLI options. n_vocab comes from the fixture text (1538).
CONFIGS = [
    ("plain-tied", ["--dim", "32", "--layers", "2", "--heads", "4", "--ff", "48", "--ctx", "16",
                    "--batch", "4"]),
    ("gqa-untied", ["--dim", "48", "--layers", "1", "--heads", "6", "--kv-heads", "2", "--ff",
                    "64", "--ctx", "12", "--batch", "3", "--untied"]),
    ("mqa-tied", ["--dim", "32", "--layers", "2", "--heads", "4", "--kv-heads", "1", "--ff", "40",
                  "--ctx", "8", "--batch", "5"]),
    ("plain-untied", ["--dim", "24", "--layers", "3", "--heads", "2", "--ff", "36", "--ctx", "10",
                      "--batch", "2", "--untied"]),
]
OPT = dict(lr=1e-2, min_lr=1e-3, warmup=5, total=N_STEPS, clip=1.0, beta1=0.9, beta2=0.99,
           eps=1e-8, weight_decay=0.1)
OPT_ARGS = ["--steps", str(N_STEPS), "--lr", "1e-2", "--min-lr", "1e-3", "--warmup", "5",
            "--clip", "1", "--beta1", "0.9", "--beta2", "0.99", "--wd", "0.1"]


class TrainReferenceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.exists(BIN):
            if REQUIRE_ALL:
                raise AssertionError(f"missing {BIN} (make native)")
            raise unittest.SkipTest(f"missing {BIN} (make native)")
        torch.set_num_threads(1)

    def run_config(self, name, args, threads):
        d = tempfile.mkdtemp(prefix=f"ink-train-{name}-")
        r = subprocess.run([BIN, "train", TEXT, "--dump", d, "--seed", "7", "-t", str(threads),
                            "--log-every", "100"] + args + OPT_ARGS,
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        return d

    def test_gradients_and_adamw_steps_match_pytorch(self):
        for name, args in CONFIGS:
            with self.subTest(config=name):
                d = self.run_config(name, args, threads=2)
                cfg, params = train_ref.load_params(os.path.join(d, "init.gguf"))
                grads = train_ref.load_tensors(os.path.join(d, "grads.gguf"))
                n_seq = int(args[args.index("--batch") + 1])
                n_tok = cfg["n_ctx"]
                batches = torch.from_numpy(
                    np.fromfile(os.path.join(d, "batches.bin"), dtype="<i4").astype(np.int64)
                ).view(N_STEPS, n_seq, n_tok + 1)
                core = np.loadtxt(os.path.join(d, "losses.txt"))  # (steps, [loss, grad norm])
                self.assertEqual(core.shape, (N_STEPS, 2))
                self.assertEqual("output.weight" in params, "--untied" in args)

                # Every weight's gradient on the first batch.
                loss = train_ref.batch_loss(params, cfg, batches[0])
                loss.backward()
                self.assertEqual(set(grads), set(params))
                for pname, p in params.items():
                    want = p.grad.reshape(-1)
                    err = (grads[pname] - want).norm() / want.norm()
                    self.assertLess(err.item(), kGradRelTol, f"{name}: {pname}")
                total_norm = torch.cat([p.grad.reshape(-1) for p in params.values()]).norm()
                self.assertAlmostEqual(core[0, 1] / total_norm.item(), 1.0, delta=kGradRelTol)

                # 20 AdamW steps on the same batches, step by step.
                for p in params.values():
                    p.grad = None
                opt = train_ref.make_optimizer(params, OPT["beta1"], OPT["beta2"], OPT["eps"],
                                               OPT["weight_decay"])
                losses = train_ref.train_steps(params, cfg, batches, opt, OPT["lr"],
                                               OPT["min_lr"], OPT["warmup"], OPT["total"],
                                               OPT["clip"])
                for step, (got, want) in enumerate(zip(core[:, 0], losses)):
                    self.assertLess(abs(got - want) / want, kLossRelTol, f"{name} step {step}")
                # The run learns: 20 steps lower the loss.
                self.assertLess(losses[-1], losses[0])


if __name__ == "__main__":
    unittest.main()
