"""Q4_1, Q5_0 and Q5_1 (ggml's legacy 32-weight blocks): the writer's quantizer and decoder
(tools/gguf/legacy_quants.py), the reference's own dequantizer (tools/reference/llama_ref.py),
the model of llama.cpp's Q8_0 / Q8_1 activations, and the w96 fixture models. Expected values
are worked out here by hand from the layouts (docs/model-conventions.md), not by the code under
test.

  /usr/bin/python3 -m unittest discover tests/py
"""
import ctypes
import glob
import os
import struct
import sys
import unittest

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools", "reference"))
sys.path.insert(0, os.path.join(ROOT, "tools", "gguf"))

import gguf_writer as gw  # noqa: E402
import llama_ref  # noqa: E402

FIX = os.path.join(ROOT, "tests", "fixtures")
REQUIRE_ALL = os.environ.get("INK_REQUIRE_ALL") == "1" or os.environ.get("CI") == "true"
Q4_1, Q5_0, Q5_1 = 3, 6, 7
BLOCK_BYTES = {Q4_1: 20, Q5_0: 22, Q5_1: 24}
F16_HALF_ULP = 2.0 ** -11   # relative rounding error of a normal float16


def f32(v):
    return struct.unpack("<f", struct.pack("<f", v))[0]


def f16(v):
    return struct.unpack("<e", struct.pack("<e", v))[0]


def both_decoders(raw, t, n):
    """The writer's decoder and the reference's, each on the same bytes."""
    return gw.decode_tensor(raw, t, n).tolist(), llama_ref.dequantize(raw, t, n).tolist()


class LayoutTest(unittest.TestCase):
    """Blocks made by hand (every byte not named is 0)."""

    def test_q4_1_block(self):
        qs = bytes([0x1F] + [(j << 4) | (15 - j) for j in range(1, 16)])
        raw = struct.pack("<ee", 0.5, -2.0) + qs
        self.assertEqual(len(raw), 20)
        want = [0.0] * 32
        want[0], want[16] = 0.5 * 15 - 2, 0.5 * 1 - 2        # low, high nibble of qs[0]
        for j in range(1, 16):
            want[j], want[16 + j] = 0.5 * (15 - j) - 2, 0.5 * j - 2
        for got in both_decoders(raw, Q4_1, 32):
            self.assertEqual(got, want)

    def test_q5_0_block(self):
        qh = (1 << 0) | (1 << 17) | (1 << 31)                  # bytes 01 00 02 80
        raw = struct.pack("<e", 0.25) + bytes([0x01, 0x00, 0x02, 0x80]) + \
            bytes([0x1F, 0x20] + [0] * 14)
        self.assertEqual(raw[2:6], struct.pack("<I", qh))
        want = [0.25 * -16] * 32                               # q = 0: d * (0 - 16)
        want[0] = 0.25 * (15 + 16 - 16)                        # nibble 15, fifth bit set
        want[16] = 0.25 * (1 - 16)                             # high nibble of qs[0], no bit 16
        want[1] = 0.25 * (0 - 16)
        want[17] = 0.25 * (2 + 16 - 16)                        # high nibble of qs[1], bit 17
        want[31] = 0.25 * (0 + 16 - 16)                        # bit 31: the top of byte 3
        for got in both_decoders(raw, Q5_0, 32):
            self.assertEqual(got, want)

    def test_q5_1_block(self):
        raw = struct.pack("<ee", 0.25, 1.0) + bytes([0x00, 0x01, 0x00, 0x80]) + \
            bytes([0] * 8 + [0x3C] + [0] * 7)
        want = [1.0] * 32                                      # q = 0: the min alone
        want[8] = 0.25 * (0xC + 16) + 1                        # bit 8 = bit 0 of qh[1]
        want[24] = 0.25 * 3 + 1                                # high nibble of qs[8], no bit 24
        want[31] = 0.25 * 16 + 1
        for got in both_decoders(raw, Q5_1, 32):
            self.assertEqual(got, want)

    def test_tensor_mins(self):
        """The reference reads each Q4_1 / Q5_1 block's min (llama.cpp's Q8_1 path needs it)."""
        g = llama_ref.GGUFFile(os.path.join(FIX, "models", "tiny-kquant-q4_1-w96.gguf"))
        ne, t, off = g.tensors["blk.0.attn_q.weight"]
        self.assertEqual((ne, t), ((96, 96), Q4_1))
        mins = g.tensor_mins("blk.0.attn_q.weight")
        self.assertEqual(mins.shape, (96, 3))
        for row, b in ((0, 0), (5, 2), (95, 1)):
            at = off + (row * 3 + b) * 20 + 2                  # f16 m after f16 d
            self.assertEqual(mins[row, b], struct.unpack("<e", g.buf[at:at + 2])[0])
        self.assertIsNone(g.tensor_mins("output_norm.weight"))


class QuantizerTest(unittest.TestCase):
    def _decode(self, x, t):
        raw = gw.encode_tensor(x, t)
        self.assertEqual(len(raw), x.size // 32 * BLOCK_BYTES[t])
        self.assertEqual(gw.tensor_nbytes(x.shape, t), len(raw))
        return raw, llama_ref.dequantize(raw, t, x.size).reshape(x.shape)

    def test_round_trip_within_half_a_step(self):
        """|x - decoded| <= half the block's step, plus what rounding d and m to f16 adds; Q5_0's
        grid reaches 16 steps on the side of the largest magnitude and 15 on the other, so a
        value beyond 15.5 steps there is off by |x| - 15 steps (less than one step)."""
        rng = np.random.default_rng(11)
        x = (rng.standard_normal((8, 128)) * rng.uniform(1e-3, 3, (8, 1))).astype(np.float32)
        x[0] = 0.0
        x[1] = np.abs(x[1]) + 0.5                               # all positive: m > 0
        x[2, :32] = 0.75                                         # one constant block
        x[3, :2] = [2.0, -1.98]                                  # Q5_0: -1.98 is 15.84 steps
        for t, qmax in ((Q4_1, 15), (Q5_0, 31), (Q5_1, 31)):
            raw, y = self._decode(x, t)
            b = x.reshape(-1, 32).astype(np.float64)
            if t == Q5_0:
                extreme = b[np.arange(len(b)), np.abs(b).argmax(axis=1)][:, None]
                step = np.abs(extreme) / 16
                beyond = np.maximum(0.5 * step, np.where(b * extreme < 0, np.abs(b) - 15 * step, 0))
                bound = beyond + 16 * step * F16_HALF_ULP
            else:
                step = (b.max(axis=1) - b.min(axis=1))[:, None] / qmax
                bound = step * (0.5 + qmax * F16_HALF_ULP) + \
                    np.abs(b.min(axis=1))[:, None] * F16_HALF_ULP
            err = np.abs(y.reshape(-1, 32) - b)
            self.assertTrue(np.all(err <= bound * (1 + 1e-6) + 1e-12), f"type {t}")
            self.assertLess(err.max(), 1.01 * step.max())
            self.assertEqual(y[0].tolist(), [0.0] * 128)
            if t != Q5_0:
                self.assertEqual(y[2, :32].tolist(), [0.75] * 32)  # d = 0: the min alone
        self.assertAlmostEqual(float(y[3, 1]), -1.98, delta=0.5 * 2.0 / 31 + 1e-3)
        _, y = self._decode(x, Q5_0)
        self.assertEqual(y[3, 1], -0.125 * 15)                  # clamped: 15 steps, not 15.84

    def test_q5_0_scale_takes_the_sign_of_the_largest_magnitude(self):
        """ggml: d = v / -16 for the value v of largest magnitude, so v itself is q = 0; a value
        of the other sign and the same magnitude would be q = 32 and is clamped to 31."""
        x = np.zeros(32, dtype=np.float32)
        x[3], x[7] = 4.0, -4.0                                  # the first of equal magnitudes
        x[8], x[9] = 0.125, -0.125                              # half a step either side of 0
        raw, y = self._decode(x, Q5_0)
        self.assertEqual(struct.unpack("<e", raw[:2])[0], -0.25)
        self.assertEqual(y[3], 4.0)
        self.assertEqual(y[7], -0.25 * (31 - 16))              # -3.75, not -4
        # q = trunc(x / d + 16.5): -0.5 + 16.5 -> 16 (0.0), 0.5 + 16.5 -> 17 (-0.25); rounding
        # half to even would give 0.0 for both.
        self.assertEqual((y[8], y[9]), (0.0, -0.25))
        x[3], x[7] = -4.0, 4.0
        raw, y = self._decode(x, Q5_0)
        self.assertEqual(struct.unpack("<e", raw[:2])[0], 0.25)
        self.assertEqual((y[3], y[7]), (-4.0, 3.75))

    def test_min_formats_round_half_up_from_the_block_min(self):
        """Q4_1 / Q5_1: m = the block's min (not min(0, min) as in the K-quants), d = range /
        qmax, q = trunc((x - m) / d + 0.5): a half step rounds up."""
        x = np.linspace(-1.0, 14.0, 32, dtype=np.float32)       # range 15: d = 1 for Q4_1
        x[5] = 1.5                                              # (x - m) / d = 2.5 -> 3
        x[6] = 2.25                                             # 3.25 -> 3
        raw, y = self._decode(x, Q4_1)
        self.assertEqual(struct.unpack("<ee", raw[:4]), (1.0, -1.0))
        self.assertEqual((y[5], y[6]), (2.0, 2.0))
        x = np.linspace(2.0, 33.0, 32, dtype=np.float32)        # all positive, range 31
        x[4] = 2.0 + 4.5                                        # 4.5 -> 5 (the fifth bit: 0)
        x[20] = 2.0 + 20.5                                      # 20.5 -> 21 (fifth bit set)
        raw, y = self._decode(x, Q5_1)
        self.assertEqual(struct.unpack("<ee", raw[:4]), (1.0, 2.0))
        self.assertEqual((y[4], y[20], y[31]), (7.0, 23.0, 33.0))
        self.assertEqual(raw[4 + 2] & 0x10, 0x10)               # qh bit 20: byte 2, bit 4

    def test_rows_must_be_whole_blocks(self):
        for t in (Q4_1, Q5_0, Q5_1):
            with self.assertRaises(ValueError):
                gw.GGUFWriter().add_tensor("w", np.zeros((2, 48)), t)


def ggml_library():
    """ggml's own quantizers: node-llama-cpp's prebuilt libggml-base (a root devDependency)."""
    found = glob.glob(os.path.join(ROOT, "node_modules", "@node-llama-cpp", "*", "bins", "*",
                                   "libggml-base.*"))
    return sorted(p for p in found if p.endswith((".so", ".dylib")))


class GgmlBytesTest(unittest.TestCase):
    """Our quantizer writes the bytes ggml's reference quantizers write (quantize_row_*_ref in
    ggml-quants.c, called here from node-llama-cpp's build of ggml)."""

    def test_same_bytes_as_ggml(self):
        libs = ggml_library()
        if not libs:
            msg = "node-llama-cpp's libggml-base (npm install: a root devDependency)"
            if REQUIRE_ALL:
                raise AssertionError(f"missing {msg}")
            raise unittest.SkipTest(f"missing {msg}")
        lib = ctypes.CDLL(libs[0])
        rng = np.random.default_rng(12)
        cases = [rng.standard_normal(32 * 512), rng.standard_normal(32 * 512) * 1e-3,
                 np.round(rng.standard_normal(32 * 512) * 8),      # many exact half steps
                 rng.uniform(0, 1, 32 * 512), np.zeros(64),
                 np.r_[np.full(32, 0.7), [-2.0], np.full(30, 0.1), [2.0]]]
        for t, name in ((Q4_1, "quantize_row_q4_1_ref"), (Q5_0, "quantize_row_q5_0_ref"),
                        (Q5_1, "quantize_row_q5_1_ref"), (gw.GGML_Q4_0, "quantize_row_q4_0_ref")):
            fn = getattr(lib, name)
            fn.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64]
            for i, x in enumerate(cases):
                x = np.ascontiguousarray(x, dtype=np.float32)
                out = ctypes.create_string_buffer(gw.tensor_nbytes(x.shape, t))
                fn(x.ctypes.data, out, x.size)
                self.assertEqual(gw.encode_tensor(x, t), out.raw, f"{name}, case {i}")


class LlamaCppActivationsTest(unittest.TestCase):
    """llama.cpp's Q8_0 / Q8_1 activation blocks (x86 CPU path), worked out by hand."""

    X = [1.0, 0.5, 1.5 / 127.0, -2.5 / 127.0, 1.0 / 254.0, -0.25]

    def test_q8_0_block(self):
        # max |x| = 1: id = 127 / 1 = 127 exactly; x * 127 = 127, 63.5, 1.5, -2.5, 0.5, -31.75
        # round half to even; the scale the block stores is f16(f32(1 / 127)).
        x = np.zeros(64)
        x[32:38] = self.X
        q = [127, 64, 2, -2, 0, -32]
        d16 = f16(f32(1.0 / 127.0))
        self.assertNotEqual(d16, f32(1.0 / 127.0))
        deq = llama_ref.dequantize_q8_0_llama_cpp_activations(x.reshape(1, 64))
        self.assertEqual(deq[0, :32].tolist(), [0.0] * 32)     # an all-zero block: id = 0
        self.assertEqual(deq[0, 32:38].tolist(), [v * d16 for v in q])
        self.assertEqual(llama_ref.q8_0_llama_cpp_tie_margin(x.reshape(1, 64)).tolist(), [0.0])

    def test_q8_1_sum_correction(self):
        # s = f16(f32(d * sum q)) with the float32 d; the dequantized values sum to f16(d) sum q.
        x = np.zeros(64)
        x[32:38] = self.X
        qsum = 127 + 64 + 2 - 2 + 0 - 32
        d = f32(1.0 / 127.0)
        got = llama_ref.q8_1_sum_correction(x.reshape(1, 64))
        self.assertEqual(got.tolist(), [[0.0, f16(f32(d * qsum)) - f16(d) * qsum]])
        self.assertNotEqual(got[0, 1], 0.0)

    def test_q4_1_product_is_llama_cpp_dot_product(self):
        """For a Q4_1 matrix, the reference's llama.cpp product (Q8_0 values times the weights,
        plus the Q8_1 correction times the block mins) equals ggml's vec_dot_q4_1_q8_1 written
        out here with integers per block: d_w f16(d_x) sum_j q_w q_x + m_w s_x."""
        path = os.path.join(FIX, "models", "tiny-kquant-q4_1-w96.gguf")
        g = llama_ref.GGUFFile(path)
        _, _, off = g.tensors["blk.1.ffn_up.weight"]            # (256, 96) Q4_1
        w = g.tensor("blk.1.ffn_up.weight")
        mins = g.tensor_mins("blk.1.ffn_up.weight")
        x = np.random.default_rng(13).standard_normal(96)
        got = (llama_ref.dequantize_q8_0_llama_cpp_activations(x[None]) @ w.T +
               llama_ref.q8_1_sum_correction(x[None]) @ mins.T)[0]
        for row in (0, 77, 255):
            acc = 0.0
            for b in range(3):
                xs = [f32(v) for v in x[32 * b:32 * b + 32]]
                a = max(abs(v) for v in xs)
                d_x, inv = f32(a / 127), f32(127 / a)
                q_x = [round(f32(v * inv)) for v in xs]        # Python's round: half to even
                s_x = f16(f32(d_x * sum(q_x)))
                at = off + (row * 3 + b) * 20
                d_w, m_w = struct.unpack("<ee", g.buf[at:at + 4])
                qs = g.buf[at + 4:at + 20]
                q_w = [v & 15 for v in qs] + [v >> 4 for v in qs]
                acc += d_w * f16(d_x) * sum(i * j for i, j in zip(q_w, q_x)) + m_w * s_x
            self.assertAlmostEqual(got[row], acc, delta=1e-12 * max(1.0, abs(acc)))

    def test_activation_blocks_by_weight_type(self):
        """llama.cpp mode: K-quant products see Q8_K blocks, Q8_0/Q5_0 ones Q8_0 blocks,
        Q4_1/Q5_1 ones Q8_1 blocks (ggml-cpu's vec_dot_type)."""
        self.assertEqual(llama_ref.LLAMA_CPP_ACTIVATIONS,
                         {2: "q8_0", 6: "q8_0", 8: "q8_0", 3: "q8_1", 7: "q8_1",
                          12: "q8_k", 13: "q8_k", 14: "q8_k"})
        self.assertEqual(set(llama_ref.QUANT_TYPES), set(llama_ref.LLAMA_CPP_ACTIVATIONS))
        m = llama_ref.Model(os.path.join(FIX, "models", "tiny-kquant-q4_k_m-w96.gguf"))
        with self.assertRaises(ValueError):
            llama_ref.forward(m, [1], quantize_activations="q8_k")


W96_TYPES = {
    # llama.cpp's Q4_K_M / Q5_K_M for rows of 96: Q4_K -> Q5_0, Q5_K -> Q5_1, Q6_K -> Q8_0
    "tiny-kquant-q4_k_m-w96": dict(token_embd=8, attn_q=6, attn_k=6, attn_output=6, ffn_gate=6,
                                   ffn_up=6, attn_v=(8, 6), ffn_down=(14, 12)),
    "tiny-kquant-q5_k_m-w96": dict(token_embd=8, attn_q=7, attn_k=7, attn_output=7, ffn_gate=7,
                                   ffn_up=7, attn_v=(8, 7), ffn_down=(14, 13)),
    "tiny-kquant-q4_1-w96": dict(token_embd=3, attn_q=3, attn_k=3, attn_output=3, ffn_gate=3,
                                 ffn_up=3, attn_v=3, ffn_down=3),
}


def read_golden(path):
    """-> (model path, [(tokens, logits rows, tie margins or None)])."""
    seqs = []
    with open(path) as f:
        model = f.readline().split()[1]
        for line in f:
            w = line.split()
            if w[0] == "seq":
                seqs.append(([int(t) for t in w[2:]], [], None))
            elif w[0] == "logits":
                seqs[-1][1].append([float(v) for v in w[2:]])
            else:
                assert w[0] == "tie_margins"
                seqs[-1] = seqs[-1][:2] + ([float(v) for v in w[1:]],)
    return model, seqs


class W96FixtureTest(unittest.TestCase):
    def test_tensor_types(self):
        for stem, want in W96_TYPES.items():
            g = llama_ref.GGUFFile(os.path.join(FIX, "models", stem + ".gguf"))
            md = g.metadata
            self.assertEqual((md["llama.embedding_length"], md["llama.block_count"],
                              md["llama.feed_forward_length"], md["llama.attention.head_count"],
                              md["llama.attention.head_count_kv"]), (96, 2, 256, 6, 2))
            self.assertNotIn("output.weight", g.tensors)         # tied
            got = {}
            for name, (ne, t, _) in g.tensors.items():
                if len(ne) == 1:
                    self.assertEqual(t, 0, name)                 # norms F32
                    continue
                got[name] = t
            expect = {"token_embd.weight": want["token_embd"]}
            for i in range(2):
                for s in ("attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up",
                          "ffn_down"):
                    v = want[s]
                    expect[f"blk.{i}.{s}.weight"] = v[i] if isinstance(v, tuple) else v
            self.assertEqual(got, expect, stem)

    def test_goldens_are_the_reference(self):
        """The three golden files of each w96 model: exact, wasmsimd and llama.cpp arithmetic,
        each with its tie margins; the quantized ones move the logits, by less than 5e-2."""
        for stem in W96_TYPES:
            m = None
            exact = None
            for sub, mode in (("golden-kquant", False), ("golden-kquant-wasmsimd", True),
                              ("golden-kquant-llama-cpp", "llama.cpp")):
                model_rel, seqs = read_golden(os.path.join(FIX, sub, stem + ".txt"))
                self.assertEqual(model_rel, f"tests/fixtures/models/{stem}.gguf")
                m = m or llama_ref.Model(os.path.join(ROOT, model_rel))
                self.assertEqual([len(s) for s, _, _ in seqs], [1, 7, 20, 12])
                got = []
                for seq, logits, margins in seqs:
                    tm = []
                    want = llama_ref.forward(m, seq, quantize_activations=mode, tie_margins=tm)
                    np.testing.assert_allclose(np.array(logits), want, rtol=1e-8, atol=1e-12,
                                               err_msg=f"{sub}/{stem}")
                    if mode is False:
                        self.assertIsNone(margins)
                    else:
                        np.testing.assert_allclose(margins, tm, rtol=1e-2, atol=1e-9)
                    got.append(want)
                if mode is False:
                    exact = got
                    continue
                moved = max(np.abs(a - b).max() / max(1.0, np.abs(b).max())
                            for a, b in zip(got, exact))
                self.assertGreater(moved, 1e-3, f"{sub}/{stem}")
                self.assertLess(moved, 5e-2, f"{sub}/{stem}")


if __name__ == "__main__":
    unittest.main()
