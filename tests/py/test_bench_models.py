"""Checks of the benchmark-model writers (tools/bench/make_bench_models.py, qwen_bench_model.py)
and of the GGUF writer's streamed path, read back by the reference's own GGUF reader
(tools/reference/llama_ref.py, which shares no code with the writer).

  /usr/bin/python3 -m unittest tests/py/test_bench_models.py
"""
import os
import sys
import tempfile
import unittest

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools", "reference"))
sys.path.insert(0, os.path.join(ROOT, "tools", "gguf"))
sys.path.insert(0, os.path.join(ROOT, "tools", "bench"))

import gguf_writer as gw  # noqa: E402
import llama_ref  # noqa: E402
import qwen_bench_model as qb  # noqa: E402


class StreamedWriter(unittest.TestCase):
    def test_chunks_read_back_as_written(self):
        rng = np.random.default_rng(7)
        # Row lengths 256 (K-quants), 96 (32-blocks), a vector; chunks of uneven row counts.
        a = rng.standard_normal((10, 256)).astype(np.float32)
        b = rng.standard_normal((7, 96)).astype(np.float32)
        v = rng.standard_normal(96).astype(np.float32)
        specs = [("a", a.shape, gw.GGML_Q6_K, lambda: iter([a[:3], a[3:4], a[4:]])),
                 ("b", b.shape, gw.GGML_Q4_0, lambda: iter([b[:5], b[5:]])),
                 ("v", v.shape, gw.GGML_F32, lambda: iter([v])),
                 ("c", b.shape, gw.GGML_Q8_0, lambda: iter([b]))]
        w = gw.GGUFWriter()
        w.add("general.architecture", "test")
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "m.gguf")
            w.write_streamed(path, specs)
            f = llama_ref.GGUFFile(path)
            self.assertEqual(f.metadata["general.architecture"], "test")
            self.assertEqual(f.tensors["a"][:2], ((256, 10), gw.GGML_Q6_K))
            # Each tensor equals its whole-array quantization decoded by the reference.
            for name, x, t in (("a", a, gw.GGML_Q6_K), ("b", b, gw.GGML_Q4_0), ("c", b, gw.GGML_Q8_0)):
                want = llama_ref.dequantize(gw.encode_tensor(x, t), t, x.size).reshape(x.shape)
                np.testing.assert_array_equal(f.tensor(name), want)
            np.testing.assert_array_equal(f.tensor("v"), v)
            self.assertFalse(os.path.exists(path + ".tmp"))

    def test_short_chunks_are_refused(self):
        a = np.zeros((4, 32), np.float32)
        w = gw.GGUFWriter()
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "m.gguf")
            with self.assertRaises(ValueError):
                w.write_streamed(path, [("a", a.shape, gw.GGML_Q8_0, lambda: iter([a[:3]]))])
            self.assertFalse(os.path.exists(path))


class QwenBenchModel(unittest.TestCase):
    def test_q4_k_m_mix(self):
        """llama.cpp's Q4_K_M on 24 layers gives attn_v / ffn_down Q6_K in layers 0-2, 5, 8, 11,
        14, 17, 20-23; 896-column matrices cannot hold K-quants (Q6_K -> Q8_0, Q4_K -> Q5_0)."""
        more = [0, 1, 2, 5, 8, 11, 14, 17, 20, 21, 22, 23]
        self.assertEqual([i for i in range(24) if qb.more_bits(i, 24)], more)
        for i in range(24):
            self.assertEqual(qb.q4_k_m_type("ffn_down", i, 4864),
                             gw.GGML_Q6_K if i in more else gw.GGML_Q4_K)
            self.assertEqual(qb.q4_k_m_type("attn_v", i, 896),
                             gw.GGML_Q8_0 if i in more else gw.GGML_Q5_0)
            for role in ("attn_q", "attn_k", "attn_output", "ffn_gate", "ffn_up"):
                self.assertEqual(qb.q4_k_m_type(role, i, 896), gw.GGML_Q5_0)
        self.assertEqual(qb.q4_k_m_type("token_embd", -1, 896), gw.GGML_Q8_0)
        self.assertEqual(qb.q4_k_m_type("token_embd", -1, 1024), gw.GGML_Q6_K)
        self.assertEqual(qb.q4_k_m_type("attn_q", 3, 1024), gw.GGML_Q4_K)

    def test_vocabulary(self):
        tokens, types, merges = qb.vocab()
        self.assertEqual(len(tokens), 151936)
        self.assertEqual(len(merges), 151387)
        self.assertEqual(len(set(tokens)), len(tokens))
        self.assertEqual(tokens.index("<|endoftext|>"), 151643)
        self.assertEqual(tokens.index("<|im_end|>"), 151645)
        self.assertEqual(types[151643:151665], [gw.LLAMA_TOKEN_CONTROL] * 22)
        self.assertEqual(tokens[-1], "[PAD151935]")
        # Merge r makes token 256 + r out of two tokens that exist before it.
        index = {t: i for i, t in enumerate(tokens)}
        for r, m in enumerate(merges):
            left, right = m.split(" ")
            self.assertLess(index[left], 256 + r)
            self.assertLess(index[right], 256 + r)
            self.assertEqual(index[left + right], 256 + r)

    def test_plan_matches_qwen25_05b(self):
        plan = qb.tensor_plan()
        n = sum(int(np.prod(s)) for _, s, _, _, _ in plan)
        self.assertEqual(n, 494032768)  # Qwen2.5-0.5B's parameter count (tied embeddings)
        self.assertEqual([p for p in plan if p[0] == "blk.0.attn_k.weight"][0][1], (128, 896))


if __name__ == "__main__":
    unittest.main()
