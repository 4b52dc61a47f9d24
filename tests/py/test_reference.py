"""Checks of the numpy reference (tools/reference/llama_ref.py) and of the fixtures, against
hand computations written here with plain Python scalars (no shared code with the reference).

  /usr/bin/python3 -m unittest discover tests/py
"""
import json
import math
import os
import struct
import sys
import tempfile
import unittest

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools", "reference"))
sys.path.insert(0, os.path.join(ROOT, "tools", "gguf"))

import gguf_check  # noqa: E402
import gguf_writer as gw  # noqa: E402
import llama_ref  # noqa: E402

FIX = os.path.join(ROOT, "tests", "fixtures")
kMaxAbsDiffScalar = 1e-9     # float64 reference vs float64 scalar loops


# ---------------------------------------------------------------------------- scalar forward

def scalar_forward(model_path, tokens):
    """The forward pass of docs/model-conventions.md with Python floats and loops only.
    Weights are taken from the reference's reader (dequantization is tested separately)."""
    m = llama_ref.Model(model_path)
    E = m.n_embd
    hd, nh, nkv = m.head_dim, m.n_head, m.n_head_kv

    def mat(w):
        return [list(map(float, row)) for row in w]

    def matvec(w, x):
        return [sum(wi * xi for wi, xi in zip(row, x)) for row in w]

    def rmsnorm(x, w):
        s = 1.0 / math.sqrt(sum(v * v for v in x) / len(x) + m.eps)
        return [v * s * float(wi) for v, wi in zip(x, w)]

    # docs/model-conventions.md, "Architectures": qwen2/qwen3 pair x[i] with x[i + hd/2]
    neox = m.arch in ("qwen2", "qwen3")

    def rope(vec, p):
        out = list(vec)
        for h in range(len(vec) // hd):
            for i in range(hd // 2):
                a = p * m.rope_base ** (-2.0 * i / hd)
                j0, j1 = (h * hd + i, h * hd + i + hd // 2) if neox else \
                    (h * hd + 2 * i, h * hd + 2 * i + 1)
                x0, x1 = vec[j0], vec[j1]
                out[j0] = x0 * math.cos(a) - x1 * math.sin(a)
                out[j1] = x0 * math.sin(a) + x1 * math.cos(a)
        return out

    def project(L, name, h):
        """W h, + bias (qwen2), then RMSNorm per head (qwen3): q/k/v before RoPE."""
        y = matvec(L["w" + name], h)
        if "b" + name in L:
            y = [yi + float(bi) for yi, bi in zip(y, L["b" + name])]
        if name + "_norm" in L:
            y = sum((rmsnorm(y[j:j + hd], L[name + "_norm"]) for j in range(0, len(y), hd)), [])
        return y

    layers = [{k: (mat(v) if v.ndim == 2 else list(v)) for k, v in L.items()} for L in m.layers]
    emb, out_w = mat(m.tok_embd), mat(m.output)
    k_cache = [[] for _ in layers]
    v_cache = [[] for _ in layers]
    all_logits = []
    for p, tok in enumerate(tokens):
        x = list(emb[tok])
        for li, L in enumerate(layers):
            h = rmsnorm(x, L["attn_norm"])
            q = rope(project(L, "q", h), p)
            k_cache[li].append(rope(project(L, "k", h), p))
            v_cache[li].append(project(L, "v", h))
            o = []
            for hq in range(nh):
                kh = hq // (nh // nkv)
                s = [sum(q[hq * hd + d] * kj[kh * hd + d] for d in range(hd)) / math.sqrt(hd)
                     for kj in k_cache[li]]
                mx = max(s)
                e = [math.exp(v - mx) for v in s]
                a = [v / sum(e) for v in e]
                o += [sum(a[j] * v_cache[li][j][kh * hd + d] for j in range(p + 1))
                      for d in range(hd)]
            x = [xi + yi for xi, yi in zip(x, matvec(L["wo"], o))]
            h = rmsnorm(x, L["ffn_norm"])
            g = matvec(L["w_gate"], h)
            u = matvec(L["w_up"], h)
            f = [gi / (1.0 + math.exp(-gi)) * ui for gi, ui in zip(g, u)]
            x = [xi + yi for xi, yi in zip(x, matvec(L["w_down"], f))]
        all_logits.append(matvec(out_w, rmsnorm(x, m.out_norm)))
    return np.array(all_logits)


def write_model(path, *, n_vocab, n_embd, n_head, n_head_kv, n_ff, n_layer, seed, wtype=0,
                tweak=None):
    rng = np.random.default_rng(seed)
    hd = n_embd // n_head
    w = gw.GGUFWriter()
    gw.add_llama_hparams(w, n_vocab=n_vocab, n_embd=n_embd, n_layer=n_layer, n_head=n_head,
                         n_head_kv=n_head_kv, n_ff=n_ff, n_ctx=16)
    t = {"token_embd.weight": rng.standard_normal((n_vocab, n_embd)) * 0.5}
    for i in range(n_layer):
        p = f"blk.{i}."
        t[p + "attn_norm.weight"] = rng.uniform(0.8, 1.2, n_embd)
        t[p + "attn_q.weight"] = rng.standard_normal((n_head * hd, n_embd)) * 0.4
        t[p + "attn_k.weight"] = rng.standard_normal((n_head_kv * hd, n_embd)) * 0.4
        t[p + "attn_v.weight"] = rng.standard_normal((n_head_kv * hd, n_embd)) * 0.3
        t[p + "attn_output.weight"] = rng.standard_normal((n_embd, n_head * hd)) * 0.3
        t[p + "ffn_norm.weight"] = rng.uniform(0.8, 1.2, n_embd)
        t[p + "ffn_gate.weight"] = rng.standard_normal((n_ff, n_embd)) * 0.3
        t[p + "ffn_up.weight"] = rng.standard_normal((n_ff, n_embd)) * 0.3
        t[p + "ffn_down.weight"] = rng.standard_normal((n_embd, n_ff)) * 0.3
    t["output_norm.weight"] = rng.uniform(0.8, 1.2, n_embd)
    if tweak:
        tweak(t)
    for name, x in t.items():
        w.add_tensor(name, x, gw.GGML_F32 if x.ndim == 1 else wtype)
    w.write(path)
    return {k: np.asarray(v, dtype=np.float32).astype(np.float64) for k, v in t.items()}


class ForwardTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def test_one_layer_one_head_step_by_step(self):
        path = os.path.join(self.tmp.name, "m.gguf")
        W = write_model(path, n_vocab=7, n_embd=4, n_head=1, n_head_kv=1, n_ff=6, n_layer=1,
                        seed=5)
        toks = [3, 1, 5]
        eps = 1e-5

        def norm(x, w):
            return x / np.sqrt(np.mean(x * x) + eps) * w

        def rot(v, p):                          # head_dim 4: pairs (0,1) and (2,3)
            a0, a1 = p * 1.0, p * 10000.0 ** -0.5
            return np.array([v[0] * math.cos(a0) - v[1] * math.sin(a0),
                             v[0] * math.sin(a0) + v[1] * math.cos(a0),
                             v[2] * math.cos(a1) - v[3] * math.sin(a1),
                             v[2] * math.sin(a1) + v[3] * math.cos(a1)])

        xs = [W["token_embd.weight"][t] for t in toks]
        hs = [norm(x, W["blk.0.attn_norm.weight"]) for x in xs]
        qs = [rot(W["blk.0.attn_q.weight"] @ h, p) for p, h in enumerate(hs)]
        ks = [rot(W["blk.0.attn_k.weight"] @ h, p) for p, h in enumerate(hs)]
        vs = [W["blk.0.attn_v.weight"] @ h for h in hs]
        expect = []
        for p in range(3):
            s = np.array([qs[p] @ ks[j] / 2.0 for j in range(p + 1)])   # sqrt(4) = 2
            a = np.exp(s - s.max()) / np.exp(s - s.max()).sum()
            o = sum(a[j] * vs[j] for j in range(p + 1))
            x = xs[p] + W["blk.0.attn_output.weight"] @ o
            h = norm(x, W["blk.0.ffn_norm.weight"])
            g = W["blk.0.ffn_gate.weight"] @ h
            x = x + W["blk.0.ffn_down.weight"] @ (g / (1 + np.exp(-g)) *
                                                   (W["blk.0.ffn_up.weight"] @ h))
            expect.append(W["token_embd.weight"] @ norm(x, W["output_norm.weight"]))  # tied
        got = llama_ref.forward(llama_ref.Model(path), toks)
        np.testing.assert_allclose(got, np.array(expect), rtol=0, atol=kMaxAbsDiffScalar)

    def test_position_zero_attention_is_v(self):
        """At position 0 softmax has one element, so the attention output is v whatever q and k
        are: with Wo = I and ffn_down = 0, x = e + v."""
        path = os.path.join(self.tmp.name, "m.gguf")

        def tweak(t):
            t["blk.0.attn_output.weight"] = np.eye(8)
            t["blk.0.ffn_down.weight"] = np.zeros((8, 16))
        W = write_model(path, n_vocab=9, n_embd=8, n_head=2, n_head_kv=1, n_ff=16, n_layer=1,
                        seed=6, tweak=tweak)
        m = llama_ref.Model(path)
        logits, attns = llama_ref.forward(m, [4], return_attn=True)
        self.assertTrue(np.all(attns[0][:, 0, 0] == 1.0))
        e = W["token_embd.weight"][4]
        h = e / np.sqrt(np.mean(e * e) + 1e-5) * W["blk.0.attn_norm.weight"]
        v = W["blk.0.attn_v.weight"] @ h                       # (4,): one kv head for 2 heads
        x = e + np.concatenate([v, v])
        want = W["token_embd.weight"] @ (x / np.sqrt(np.mean(x * x) + 1e-5) *
                                         W["output_norm.weight"])
        np.testing.assert_allclose(logits[0], want, rtol=0, atol=1e-12)

    def test_fixture_models_match_scalar_loops(self):
        for name in ("tiny-llama-f32", "tiny-gqa-untied-q8_0", "tiny-llama-defaults-f32",
                     "tiny-gpt2-f32"):
            path = os.path.join(FIX, "models", name + ".gguf")
            toks = [1, 40, 300, 7] if "gpt2" not in name else [316, 40, 300, 7]
            want = scalar_forward(path, toks)
            got = llama_ref.forward(llama_ref.Model(path), toks)
            np.testing.assert_allclose(got, want, rtol=0, atol=kMaxAbsDiffScalar, err_msg=name)
        for name in ("tiny-qwen2-a-f32", "tiny-qwen2-b-q8_0", "tiny-qwen3-a-f32",
                     "tiny-qwen3-b-q8_0"):
            path = os.path.join(FIX, "models", name + ".gguf")
            im_start = llama_ref.GGUFFile(path).metadata["tokenizer.ggml.tokens"].index(
                "<|im_start|>")
            toks = [im_start, 40, 300, 7]  # a control token, bytes, a merge
            want = scalar_forward(path, toks)
            got = llama_ref.forward(llama_ref.Model(path), toks)
            np.testing.assert_allclose(got, want, rtol=0, atol=kMaxAbsDiffScalar, err_msg=name)


class RopeTest(unittest.TestCase):
    def test_position_one_by_hand(self):
        # head_dim 4, base 10000: pair 0 turns by 1 rad, pair 1 by 10000^(-1/2) = 0.01 rad
        x = np.array([[[1.0, 0.0, 0.0, 1.0]], [[1.0, 0.0, 0.0, 1.0]]])   # positions 0, 1
        y = llama_ref.rope(x, 10000.0)
        np.testing.assert_allclose(y[0, 0], [1.0, 0.0, 0.0, 1.0], atol=1e-15)
        np.testing.assert_allclose(y[1, 0], [math.cos(1), math.sin(1), -math.sin(0.01),
                                             math.cos(0.01)], atol=1e-15)

    def test_adjacent_pairs_not_halves(self):
        # only x[2] is set: in the adjacent-pair layout it pairs with x[3], not with x[0]
        x = np.zeros((2, 1, 4)); x[1, 0, 2] = 1.0
        y = llama_ref.rope(x, 10000.0)[1, 0]
        self.assertEqual(y[0], 0.0)
        self.assertEqual(y[1], 0.0)
        self.assertAlmostEqual(y[2], math.cos(0.01), places=15)
        self.assertAlmostEqual(y[3], math.sin(0.01), places=15)


    def test_neox_pairs_halves_by_hand(self):
        # qwen2/qwen3: head_dim 4 pairs (0, 2) and (1, 3); at position 1 pair 0 turns by 1 rad,
        # pair 1 by 0.01 rad. Only x[2] set: it rotates with x[0].
        x = np.zeros((2, 1, 4)); x[1, 0, 2] = 1.0
        y = llama_ref.rope(x, 10000.0, neox=True)[1, 0]
        np.testing.assert_allclose(y, [-math.sin(1), 0.0, math.cos(1), 0.0], atol=1e-15)
        x = np.zeros((2, 1, 4)); x[1, 0, 1] = 1.0
        y = llama_ref.rope(x, 10000.0, neox=True)[1, 0]
        np.testing.assert_allclose(y, [0.0, math.cos(0.01), 0.0, math.sin(0.01)], atol=1e-15)


class DequantTest(unittest.TestCase):
    def test_q8_0_block(self):
        qs = list(range(-16, 16))
        raw = struct.pack("<e", 0.5) + struct.pack("<32b", *qs)
        self.assertEqual(raw[:2], b"\x00\x38")                    # f16 0.5
        got = llama_ref.dequantize(raw, 8, 32)
        self.assertEqual(got.tolist(), [0.5 * q for q in qs])

    def test_q4_0_block(self):
        qs = bytes([0x1F] + [(j << 4) | (15 - j) for j in range(1, 16)])
        raw = struct.pack("<e", 0.25) + qs
        got = llama_ref.dequantize(raw, 2, 32).tolist()
        self.assertEqual(got[0], (0xF - 8) * 0.25)                # low nibble of qs[0]
        self.assertEqual(got[16], (0x1 - 8) * 0.25)               # high nibble of qs[0]
        for j in range(1, 16):
            self.assertEqual(got[j], (15 - j - 8) * 0.25)
            self.assertEqual(got[16 + j], (j - 8) * 0.25)

    def test_f16(self):
        raw = bytes([0x00, 0x3C, 0x00, 0xC0, 0x00, 0x00, 0x55, 0x35])   # 1, -2, 0, 0.333...
        got = llama_ref.dequantize(raw, 1, 4).tolist()
        self.assertEqual(got[:3], [1.0, -2.0, 0.0])
        self.assertEqual(got[3], 0.333251953125)

    # K-quant blocks made by hand (every byte not named is 0); values from the layouts in
    # docs/model-conventions.md, worked out here.
    def _q45_k_block(self, five):
        b = bytearray(176 if five else 144)
        b[0:2] = struct.pack("<e", 1.0)          # d
        b[2:4] = struct.pack("<e", 0.5)          # dmin
        sc = 4                                   # scales[12] start
        b[sc + 0] = 3                            # sub-block 0: scale 3
        b[sc + 4] = 2                            #              min 2
        b[sc + 9] = 0x35                         # sub-block 5: scale bits 0-3 = 5, min bits 0-3 = 3
        b[sc + 1] = 2 << 6                       #              scale bits 4-5 = 2 -> 37
        b[sc + 5] = 1 << 6                       #              min bits 4-5 = 1 -> 19
        qs = 48 if five else 16
        b[qs + 0] = 0x97                         # element 0 -> 7, element 32 -> 9
        b[qs + 64] = 0xA0                        # element 128 -> 0, element 160 -> 10
        if five:
            b[16] = 0x21                         # qh[0]: +16 for element 0 (bit 0), 160 (bit 5)
        return bytes(b)

    def test_q4_k_block(self):
        got = llama_ref.dequantize(self._q45_k_block(False), 12, 256).tolist()
        self.assertEqual(got[0], 1.0 * 3 * 7 - 0.5 * 2)
        self.assertEqual(got[1], -1.0)           # q = 0: the min alone
        self.assertEqual(got[32], 0.0)           # sub-block 1: scale 0, min 0
        self.assertEqual(got[128], 0.0)
        self.assertEqual(got[160], 37 * 10 - 0.5 * 19)
        self.assertEqual(got[161], -0.5 * 19)
        self.assertEqual(got[200:], [0.0] * 56)  # sub-blocks 6, 7: scale 0, min 0

    def test_q5_k_block(self):
        got = llama_ref.dequantize(self._q45_k_block(True), 13, 256).tolist()
        self.assertEqual(got[0], 3 * (7 + 16) - 0.5 * 2)
        self.assertEqual(got[1], -1.0)
        self.assertEqual(got[160], 37 * (10 + 16) - 0.5 * 19)
        self.assertEqual(got[161], -0.5 * 19)

    def test_q6_k_block(self):
        b = bytearray(210)                       # ql[128] qh[64] int8 scales[16] f16 d
        b[208:210] = struct.pack("<e", 0.5)
        b[192 + 0] = 256 - 3                     # scale -3: elements 0..15
        b[192 + 4] = 7                           # elements 64..79
        b[192 + 12] = 5                          # elements 192..207
        b[0] = 0x4B                              # element 0: low 4 bits 11; element 64: 4
        b[128] = 0x22                            # qh[0]: element 0 high bits 2, element 64: 2
        b[72] = 0x30                             # ql[64 + 8] high nibble: element 200 -> 3
        b[128 + 40] = 0x10                       # qh[32 + 8] bits 4-5: element 200 -> 1
        got = llama_ref.dequantize(bytes(b), 14, 256).tolist()
        self.assertEqual(got[0], 0.5 * -3 * 11)  # q = 11 + 2 * 16 = 43; 43 - 32
        self.assertEqual(got[1], 0.5 * -3 * -32)
        self.assertEqual(got[64], 0.5 * 7 * 4)   # 4 + 32 - 32
        self.assertEqual(got[200], 0.5 * 5 * (3 + 16 - 32))
        self.assertEqual(got[16], 0.0)           # scale 0

    def test_k_quantizer_round_trip(self):
        """Our quantizer (tools/gguf/k_quants.py) writes blocks that the reference reads back
        close to the input: relative RMS error per type, and zeros stay zeros."""
        rng = np.random.default_rng(7)
        x = rng.standard_normal((6, 512)).astype(np.float32)
        x[0] = 0.0                               # an all-zero row: d = dmin = 0
        x[1] = np.abs(x[1]) + 0.5                # all positive: no min offset needed
        for t, worst in ((gw.GGML_Q4_K, 0.09), (gw.GGML_Q5_K, 0.045), (gw.GGML_Q6_K, 0.025)):
            raw = gw.encode_tensor(x, t)
            self.assertEqual(len(raw), 12 * {12: 144, 13: 176, 14: 210}[t])
            y = llama_ref.dequantize(raw, t, x.size).reshape(x.shape)
            self.assertEqual(y[0].tolist(), [0.0] * 512)
            rel = np.sqrt(((y[1:] - x[1:]) ** 2).mean() / (x[1:] ** 2).mean())
            self.assertLess(rel, worst, f"type {t}")
        with self.assertRaises(ValueError):
            gw.GGUFWriter().add_tensor("w", np.zeros((2, 128)), gw.GGML_Q4_K)

    def test_reference_agrees_with_writer_decoder(self):
        """Two independent dequantizers (reference vs tools/gguf) on every fixture tensor."""
        for name in ("tiny-llama-f16", "tiny-llama-q8_0", "tiny-llama-q4_0",
                     "tiny-kquant-q4_k_m", "tiny-kquant-q5_k", "tiny-kquant-q6_k",
                     "tiny-kquant-q4_k_m-w96", "tiny-kquant-q5_k_m-w96", "tiny-kquant-q4_1-w96"):
            g = llama_ref.GGUFFile(os.path.join(FIX, "models", name + ".gguf"))
            for tname, (ne, t, off) in g.tensors.items():
                n = int(np.prod(ne))
                blk = {0: (1, 4), 1: (1, 2), 2: (32, 18), 3: (32, 20), 6: (32, 22), 7: (32, 24),
                       8: (32, 34), 12: (256, 144), 13: (256, 176), 14: (256, 210)}[t]
                raw = g.buf[off:off + n // blk[0] * blk[1]]
                np.testing.assert_array_equal(g.tensor(tname).reshape(-1),
                                              gw.decode_tensor(raw, t, n), err_msg=tname)


class ActivationQuantTest(unittest.TestCase):
    """quantize_q8_activations against blocks worked out by hand from the rounding that
    core/kernels/wasmsimd/quantize-activations.cpp documents (float32 d = max|x| / 127, float32
    1/d, q = round-half-even of the float32 product x * (1/d))."""

    def test_exact_scale_block_ties_to_even(self):
        # max |x| = 127/64: d = 1/64 and 1/d = 64 exactly, so x * 64 is the unrounded q.
        x = np.zeros(32)
        x[:7] = [-127, 2.5, 3.5, -2.5, 0.5, 1.5 - 1e-12, 0.49]
        x /= 64.0
        q, d = llama_ref.quantize_q8_activations(x)
        self.assertEqual(d.tolist(), [1.0 / 64.0])
        # 2.5 -> 2 and 3.5 -> 4 (half to even); (1.5 - 1e-12)/64 is 1.5/64 once x is float32,
        # so it rounds to 2 where float64 x would give 1.
        self.assertEqual(q.tolist(), [-127, 2, 4, -2, 0, 2, 0] + [0] * 25)

    def test_inexact_scale_and_zero_block(self):
        f32 = lambda v: struct.unpack("<f", struct.pack("<f", v))[0]  # noqa: E731
        d = f32(1.0 / 127.0)                      # 0.007874015718698502, not 1/127
        self.assertEqual(f32(1.0 / d), 127.0)     # ... but its float32 reciprocal is 127
        x = np.zeros(64)                          # block 0 all zero: d = 0, q = 0
        x[32:38] = [1.0, 0.5, 1.5 / 127.0, -2.5 / 127.0, 1.0 / 254.0, -0.25]
        q, dd = llama_ref.quantize_q8_activations(x.reshape(1, 64))
        self.assertEqual(dd.tolist(), [[0.0, d]])
        # 127 * [1, 1/2, 1.5/127, -2.5/127, 1/254, -1/4] = 127, 63.5, 1.5, -2.5, 0.5, -31.75
        self.assertEqual(q[0, :32].tolist(), [0] * 32)
        self.assertEqual(q[0, 32:].tolist(), [127, 64, 2, -2, 0, -32] + [0] * 26)
        deq = llama_ref.dequantize_q8_activations(x.reshape(1, 64))
        self.assertEqual(deq[0, 32:38].tolist(), [127 * d, 64 * d, 2 * d, -2 * d, 0.0, -32 * d])

    def test_tie_margin(self):
        x = np.zeros((2, 32))
        x[0, :3] = [127 / 64, 2.5 / 64, 3.25 / 64]    # a tie: margin 0
        x[1, :3] = [127 / 64, 2.375 / 64, 3.125 / 64]  # closest to a tie: 0.375 from 2.5
        self.assertEqual(llama_ref.q8_tie_margin(x).tolist(), [0.0, 0.125])

    def test_forward_quantizes_only_quantized_weights(self):
        toks = [1, 40, 300, 7]
        m = llama_ref.Model(os.path.join(FIX, "models", "tiny-llama-f32.gguf"))
        np.testing.assert_array_equal(llama_ref.forward(m, toks, quantize_activations=True),
                                      llama_ref.forward(m, toks))
        m = llama_ref.Model(os.path.join(FIX, "models", "tiny-llama-q8_0.gguf"))
        exact = llama_ref.forward(m, toks)
        diff = np.abs(llama_ref.forward(m, toks, quantize_activations=True) - exact).max()
        # Half a step of 8 bits: moves the logits, by much less than they are.
        self.assertGreater(diff, 1e-4)
        self.assertLess(diff, 5e-2 * np.abs(exact).max())

    def test_wasmsimd_goldens_are_the_reference(self):
        sys.path.insert(0, os.path.join(ROOT, "tools", "fixtures"))
        import make_wasmsimd_goldens as mk
        files = sorted(os.listdir(os.path.join(FIX, "golden-wasmsimd")))
        self.assertEqual(len(files), 5)
        for fname in files:
            model_rel, seqs = mk.read_golden_seqs(os.path.join(FIX, "golden", fname))
            m = llama_ref.Model(os.path.join(ROOT, model_rel))
            with open(os.path.join(FIX, "golden-wasmsimd", fname)) as f:
                lines = f.read().splitlines()
            self.assertEqual(lines[0], f"model {model_rel}")
            rows = [[float(v) for v in ln.split()[2:]] for ln in lines if ln.startswith("logits")]
            want = np.concatenate([llama_ref.forward(m, s, quantize_activations=True)
                                   for s in seqs])
            np.testing.assert_allclose(np.array(rows), want, rtol=1e-8, atol=1e-12,
                                       err_msg=fname)

    def test_kquant_quantized_activation_goldens_are_the_reference(self):
        """golden-kquant-wasmsimd: the K-quant models with int8 activations per 32-block;
        golden-kquant-llama-cpp: with llama.cpp's activation blocks (Q8_K / Q8_0 / Q8_1)."""
        for sub, mode in (("golden-kquant-wasmsimd", True), ("golden-kquant-llama-cpp",
                                                              "llama.cpp")):
            files = sorted(os.listdir(os.path.join(FIX, sub)))
            self.assertEqual(files, sorted(os.listdir(os.path.join(FIX, "golden-kquant"))))
            self.assertEqual(len(files), 6)
            for fname in files:
                model_rel, blocks = read_golden(os.path.join(FIX, "golden-kquant", fname))
                m = llama_ref.Model(os.path.join(ROOT, model_rel))
                _, quant = read_golden(os.path.join(FIX, sub, fname))
                self.assertEqual([s for s, _ in quant], [s for s, _ in blocks])
                for seq, logits in quant:
                    want = llama_ref.forward(m, seq, quantize_activations=mode)
                    np.testing.assert_allclose(np.array(logits), want, rtol=1e-8, atol=1e-12,
                                               err_msg=f"{sub}/{fname}")
                    self.assertGreater(np.abs(want - llama_ref.forward(m, seq)).max(), 1e-3)


class TokenizerRefTest(unittest.TestCase):
    """Encodings derived by hand from the vocabularies listed in tests/fixtures/README.md."""

    def test_llama(self):
        import tokenizer_ref
        tok = tokenizer_ref.Tokenizer(os.path.join(FIX, "models", "tiny-llama-f32.gguf"))
        # ▁the▁moon: he(-1) the(-2) ▁the(-3) mo(-10) ▁mo(-11) on(-14) ▁moon(-27)
        self.assertEqual(tok.encode("the moon"), [295, 319])
        # ▁cat: no pair is a piece; c is not a piece -> <0x63> = 3 + 0x63
        self.assertEqual(tok.encode("cat"), [278, 3 + 0x63, 259, 274])
        # ▁明月: ▁明(-24) then ▁明月(-30)
        self.assertEqual(tok.encode("明月"), [322])

    def test_gpt2(self):
        import tokenizer_ref
        tok = tokenizer_ref.Tokenizer(os.path.join(FIX, "models", "tiny-gpt2-f32.gguf"))
        # pieces It | 's | " 2024"; Ġ2024: "0 2"(51) -> "02 4"(52) -> "2 024"(53); Ġ = byte 32
        self.assertEqual(tok.encode("It's 2024"), [313, 305, 32, 309])
        # "_" is neither a letter nor a number: GPT-2's pattern makes it a piece of its own
        # (` ?[^\s\p{L}\p{N}]+`), kept, not dropped: "_" (byte 0x5F, id 95) | "024" (id 308)
        self.assertEqual(tok.encode("_024"), [95, 308])
        self.assertEqual(tok.encode("a_b"), [97, 95, 98])


def read_golden(path):
    blocks = []
    with open(path) as f:
        model = f.readline().split()[1]
        for line in f:
            w = line.split()
            if w[0] == "seq":
                blocks.append(([int(t) for t in w[2:]], []))
                assert int(w[1]) == len(blocks[-1][0])
            elif w[0] != "tie_margins":                    # golden-*wasmsimd: margins
                assert w[0] == "logits" and int(w[1]) == len(blocks[-1][1])
                blocks[-1][1].append([float(v) for v in w[2:]])
    return model, blocks


class FixtureTest(unittest.TestCase):
    def test_goldens_are_the_reference(self):
        files = [os.path.join("golden", f) for f in sorted(os.listdir(os.path.join(FIX, "golden")))]
        self.assertGreaterEqual(len(files), 8)
        kquant = sorted(os.listdir(os.path.join(FIX, "golden-kquant")))
        self.assertEqual(len(kquant), 6)
        for fname in files + [os.path.join("golden-kquant", f) for f in kquant]:
            model, blocks = read_golden(os.path.join(FIX, fname))
            m = llama_ref.Model(os.path.join(ROOT, model))
            self.assertGreaterEqual(len(blocks), 4)
            self.assertIn(1, [len(s) for s, _ in blocks])
            for seq, logits in blocks:
                want = llama_ref.forward(m, seq)
                self.assertEqual(len(logits), len(seq))
                self.assertEqual(len(logits[0]), m.n_vocab)
                np.testing.assert_allclose(np.array(logits), want, rtol=1e-8, atol=1e-12)  # %.9g

    def test_qwen_goldens_are_the_reference(self):
        files = sorted(os.listdir(os.path.join(FIX, "golden-qwen")))
        self.assertEqual(len(files), 6)
        archs = set()
        for fname in files:
            model, blocks = read_golden(os.path.join(FIX, "golden-qwen", fname))
            m = llama_ref.Model(os.path.join(ROOT, model))
            archs.add(m.arch)
            for seq, logits in blocks:
                np.testing.assert_allclose(np.array(logits), llama_ref.forward(m, seq),
                                           rtol=1e-8, atol=1e-12)
            if m.output_quantized:
                _, qblocks = read_golden(os.path.join(FIX, "golden-qwen-wasmsimd", fname))
                for seq, logits in qblocks:
                    want = llama_ref.forward(m, seq, quantize_activations=True)
                    np.testing.assert_allclose(np.array(logits), want, rtol=1e-8, atol=1e-12)
        self.assertEqual(archs, {"qwen2", "qwen3"})

    def test_qwen_models_have_their_architecture_tensors(self):
        m = llama_ref.Model(os.path.join(FIX, "models", "tiny-qwen3-a-f32.gguf"))
        self.assertEqual((m.head_dim, m.n_head, m.n_embd), (32, 4, 64))   # q_dim 128 != n_embd
        self.assertEqual(m.layers[0]["q_norm"].shape, (32,))
        self.assertNotIn("bq", m.layers[0])
        m = llama_ref.Model(os.path.join(FIX, "models", "tiny-qwen2-b-q8_0.gguf"))
        self.assertEqual(m.layers[1]["bk"].shape, (32,))                   # 2 kv heads * 16
        self.assertNotIn("q_norm", m.layers[1])

    def test_goldens_are_not_trivial(self):
        _, blocks = read_golden(os.path.join(FIX, "golden", "tiny-llama-f32.txt"))
        for _, logits in blocks:
            for row in logits:
                p = np.exp(np.array(row) - max(row))
                p /= p.sum()
                self.assertGreater(p.max(), 5.0 / len(row))       # far from uniform

    def test_broken_manifest(self):
        codes = set()
        with open(os.path.join(ROOT, "docs", "status-codes.md")) as f:
            for line in f:
                if line.startswith("| `"):
                    codes.add(line.split("`")[1])
        with open(os.path.join(FIX, "broken", "manifest.json")) as f:
            manifest = json.load(f)
        self.assertGreaterEqual(len(manifest), 24)
        for e in manifest:
            self.assertIn(e["code"], codes, e["file"])
            with open(os.path.join(FIX, "broken", e["file"]), "rb") as f:
                self.assertEqual(gguf_check.check(f.read()), e["code"], e["file"])

    def test_valid_models_pass_the_checker(self):
        for fname in sorted(os.listdir(os.path.join(FIX, "models"))):
            if fname.endswith(".gguf"):
                with open(os.path.join(FIX, "models", fname), "rb") as f:
                    self.assertEqual(gguf_check.check(f.read(), model=fname != "all-types.gguf"),
                                     "ok", fname)

    def test_all_types_expected(self):
        g = llama_ref.GGUFFile(os.path.join(FIX, "models", "all-types.gguf"))
        with open(os.path.join(FIX, "models", "all-types.expected.txt"), encoding="utf-8") as f:
            lines = f.read().splitlines()
        n_kv = 0
        for line in lines:
            if line.startswith("#") or line.startswith("tensor ") or line.startswith("values "):
                continue
            key, tname, text = (line.split(" ", 2) + [""])[:3]
            n_kv += 1
            v = g.metadata[key]
            if tname == "str":
                self.assertEqual(json.loads(text), v)
            elif tname in ("f32", "f64"):
                self.assertEqual(float(text), v)
            elif tname == "bool":
                self.assertEqual(text == "true", v)
            elif not tname.startswith("arr"):
                self.assertEqual(int(text), v)
            else:
                self.assertEqual(int(text.split(" ", 1)[0]), len(v), key)
        self.assertEqual(n_kv, len(g.metadata))


if __name__ == "__main__":
    unittest.main()
