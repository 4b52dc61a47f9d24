#!/usr/bin/python3
"""Independent numpy reference of the llama-family forward pass (Inkstone): llama, qwen2, qwen3.

Written from docs/model-conventions.md only: it has its own minimal GGUF v2/v3 reader and its own
dequantizers (it does not import tools/gguf/gguf_writer.py), so a bug shared with the writer or
with the C++ runtime cannot hide. Computation is in float64 on the dequantized weights, so the
goldens are the exact maths for the weights stored in the file; float32 implementations are
expected to agree within a small tolerance.

With --quantize-activations it models the shipped browser path instead (the wasmsimd kernels,
core/kernels/wasmsimd/quantize-activations.cpp): before every product with quantized weights
(QUANT_TYPES) the activations are rounded to float32 and quantized to int8 per 32-block, as that
file documents; everything else stays float64 (see quantize_q8_activations). With
--llama-cpp-activations it models llama.cpp's CPU arithmetic the same way: activations quantized
to the block format llama.cpp pairs with each weight type (Q8_0, Q8_1 or Q8_K; see forward).

  /usr/bin/python3 tools/reference/llama_ref.py model.gguf --tokens 1,5,9 [--out file] \
      [--quantize-activations | --llama-cpp-activations]

prints (or writes) one line per position: `logits <pos> v0 v1 ... v(n_vocab-1)` (%.9g).
"""
import argparse
import struct
import sys

import numpy as np

# ---------------------------------------------------------------------------- GGUF reading

# metadata value type ids (GGUF spec)
_U8, _I8, _U16, _I16, _U32, _I32, _F32, _BOOL, _STR, _ARR, _U64, _I64, _F64 = range(13)
_SCALARS = {_U8: "<B", _I8: "<b", _U16: "<H", _I16: "<h", _U32: "<I", _I32: "<i", _F32: "<f",
            _BOOL: "<B", _U64: "<Q", _I64: "<q", _F64: "<d"}

# tensor type ids -> (block elements, block bytes)
TYPE_F32, TYPE_F16, TYPE_Q4_0, TYPE_Q4_1, TYPE_Q5_0, TYPE_Q5_1, TYPE_Q8_0 = 0, 1, 2, 3, 6, 7, 8
TYPE_Q4_K, TYPE_Q5_K, TYPE_Q6_K = 12, 13, 14
_BLOCK = {TYPE_F32: (1, 4), TYPE_F16: (1, 2), TYPE_Q4_0: (32, 18), TYPE_Q4_1: (32, 20),
          TYPE_Q5_0: (32, 22), TYPE_Q5_1: (32, 24), TYPE_Q8_0: (32, 34),
          TYPE_Q4_K: (256, 144), TYPE_Q5_K: (256, 176), TYPE_Q6_K: (256, 210)}
# Weight types whose products the wasmsimd kernels compute on int8 activations.
QUANT_TYPES = (TYPE_Q8_0, TYPE_Q4_0, TYPE_Q4_1, TYPE_Q5_0, TYPE_Q5_1, TYPE_Q4_K, TYPE_Q5_K,
               TYPE_Q6_K)
# The activation blocks llama.cpp's CPU backend quantizes to for a product with each weight type
# (ggml-cpu's type traits, vec_dot_type): see the "activations" section below.
LLAMA_CPP_ACTIVATIONS = {TYPE_Q4_0: "q8_0", TYPE_Q5_0: "q8_0", TYPE_Q8_0: "q8_0",
                         TYPE_Q4_1: "q8_1", TYPE_Q5_1: "q8_1",
                         TYPE_Q4_K: "q8_k", TYPE_Q5_K: "q8_k", TYPE_Q6_K: "q8_k"}


class GGUFError(Exception):
    pass


class _Cursor:
    def __init__(self, buf):
        self.buf = buf
        self.pos = 0

    def take(self, n):
        if n < 0 or self.pos + n > len(self.buf):
            raise GGUFError(f"truncated at byte {self.pos} (need {n})")
        b = self.buf[self.pos:self.pos + n]
        self.pos += n
        return b

    def unpack(self, fmt):
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    def string(self):
        n = self.unpack("<Q")
        return self.take(n).decode("utf-8")

    def value(self, vtype):
        if vtype in _SCALARS:
            v = self.unpack(_SCALARS[vtype])
            return bool(v) if vtype == _BOOL else v
        if vtype == _STR:
            return self.string()
        if vtype == _ARR:
            etype = self.unpack("<I")
            n = self.unpack("<Q")
            return [self.value(etype) for _ in range(n)]
        raise GGUFError(f"unknown value type {vtype}")


class GGUFFile:
    """metadata: dict key -> python value; tensors: dict name -> (ne tuple, type, abs offset)."""

    def __init__(self, path):
        with open(path, "rb") as f:
            self.buf = f.read()
        c = _Cursor(self.buf)
        if c.take(4) != b"GGUF":
            raise GGUFError("bad magic")
        self.version = c.unpack("<I")
        if self.version not in (2, 3):
            raise GGUFError(f"unsupported version {self.version}")
        n_tensors = c.unpack("<Q")
        n_kv = c.unpack("<Q")
        self.metadata = {}
        self.types = {}
        for _ in range(n_kv):
            key = c.string()
            vtype = c.unpack("<I")
            self.metadata[key] = c.value(vtype)
            self.types[key] = vtype
        infos = []
        for _ in range(n_tensors):
            name = c.string()
            n_dims = c.unpack("<I")
            ne = tuple(c.unpack("<Q") for _ in range(n_dims))
            ttype = c.unpack("<I")
            off = c.unpack("<Q")
            infos.append((name, ne, ttype, off))
        align = self.metadata.get("general.alignment", 32)
        data_start = (c.pos + align - 1) // align * align
        self.tensors = {name: (ne, t, data_start + off) for name, ne, t, off in infos}

    def tensor(self, name):
        """float64 array in PyTorch order (rows, cols): shape = reversed(ne)."""
        ne, ttype, off = self.tensors[name]
        n = int(np.prod(ne)) if ne else 1
        if ttype not in _BLOCK:
            raise GGUFError(f"{name}: tensor type {ttype} not supported by the reference")
        blk_n, blk_b = _BLOCK[ttype]
        raw = self.buf[off:off + n // blk_n * blk_b]
        if len(raw) != n // blk_n * blk_b:
            raise GGUFError(f"{name}: data past end of file")
        vals = dequantize(raw, ttype, n)
        return vals.reshape(tuple(reversed(ne)))

    def tensor_mins(self, name):
        """Q4_1 / Q5_1: the min m of every block, float64 (rows, cols / 32); else None."""
        ne, ttype, off = self.tensors[name]
        if ttype not in (TYPE_Q4_1, TYPE_Q5_1):
            return None
        blocks = np.frombuffer(self.buf, dtype=np.uint8, count=int(np.prod(ne)) // 32 *
                               _BLOCK[ttype][1], offset=off).reshape(-1, _BLOCK[ttype][1])
        return _half(blocks, 2).reshape(tuple(reversed(ne))[:-1] + (ne[0] // 32,))


def dequantize(raw, ttype, n):
    """Bytes of n elements of ggml type ttype -> float64 values."""
    if ttype == TYPE_F32:
        return np.frombuffer(raw, dtype="<f4").astype(np.float64)
    if ttype == TYPE_F16:
        return np.frombuffer(raw, dtype="<f2").astype(np.float64)
    nb = n // 32
    if ttype == TYPE_Q8_0:
        # block: f16 d, int8 q[32]; x = d * q
        blocks = np.frombuffer(raw, dtype=np.uint8).reshape(nb, 34)
        d = blocks[:, 0:2].copy().view("<f2").astype(np.float64)            # (nb, 1)
        q = blocks[:, 2:].view(np.int8).astype(np.float64)                  # (nb, 32)
        return (d * q).reshape(-1)
    if ttype == TYPE_Q4_0:
        # block: f16 d, uint8 qs[16]; element j<16 = low nibble of qs[j], j>=16 = high nibble
        # of qs[j-16]; x = d * (nibble - 8)
        blocks = np.frombuffer(raw, dtype=np.uint8).reshape(nb, 18)
        d = blocks[:, 0:2].copy().view("<f2").astype(np.float64)
        qs = blocks[:, 2:]
        nib = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float64) - 8.0
        return (d * nib).reshape(-1)
    if ttype in (TYPE_Q4_1, TYPE_Q5_0, TYPE_Q5_1):
        return _dequantize_legacy(raw, nb, ttype)
    if ttype in (TYPE_Q4_K, TYPE_Q5_K):
        return _dequantize_q45_k(raw, n, ttype == TYPE_Q5_K)
    if ttype == TYPE_Q6_K:
        return _dequantize_q6_k(raw, n)
    raise GGUFError(f"tensor type {ttype} not supported")


def _half(b, at):
    """(nb, bytes) uint8 -> the f16 at byte offset `at` of each row, as float64 (nb,)."""
    return b[:, at:at + 2].copy().view("<f2").astype(np.float64)[:, 0]


def _dequantize_legacy(raw, nb, ttype):
    """Q4_1 (20 bytes): f16 d, f16 m, qs[16]                x = d * q + m
    Q5_0 (22 bytes): f16 d, qh[4], qs[16]                   x = d * (q - 16)
    Q5_1 (24 bytes): f16 d, f16 m, qh[4], qs[16]            x = d * q + m
    Element j (0..31): bits 0-3 of q are the low nibble of qs[j] for j < 16, the high nibble of
    qs[j - 16] for j >= 16; bit 4 (Q5_0, Q5_1) is bit j of the 4 bytes qh as a little-endian
    uint32 (qh[j // 8] >> (j % 8))."""
    size = _BLOCK[ttype][1]
    b = np.frombuffer(raw, dtype=np.uint8).reshape(nb, size)
    qs = b[:, size - 16:].astype(np.int64)
    q = np.concatenate([qs & 15, qs >> 4], axis=1)                      # (nb, 32)
    if ttype != TYPE_Q4_1:
        at = size - 20                                                   # qh[4] before qs
        j = np.arange(32)
        q = q + 16 * ((b[:, at + j // 8].astype(np.int64) >> (j % 8)) & 1)
    d = _half(b, 0)[:, None]
    if ttype == TYPE_Q5_0:
        return (d * (q - 16)).reshape(-1)
    return (d * q + _half(b, 2)[:, None]).reshape(-1)


def _k_scale_min(packed, s):
    """Q4_K/Q5_K: (scale, min) of sub-block s (0..7), 6-bit integers (nb,), from the 12 packed
    bytes: s < 4: low 6 bits of byte s and byte s + 4; s >= 4: the low / high nibble of byte
    s + 4, with bits 4-5 from the top 2 bits of byte s - 4 (scale) / byte s (min)."""
    p = packed.astype(np.int64)
    if s < 4:
        return p[:, s] & 63, p[:, s + 4] & 63
    return ((p[:, s + 4] & 15) | ((p[:, s - 4] >> 6) << 4),
            (p[:, s + 4] >> 4) | ((p[:, s] >> 6) << 4))


def _dequantize_q45_k(raw, n, five_bits):
    """Q4_K (144 bytes): f16 d, f16 dmin, scales[12], qs[128].
    Q5_K (176 bytes): f16 d, f16 dmin, scales[12], qh[32], qs[128].
    Element 32s + l of the super-block (sub-block s = 0..7, l = 0..31):
      q = low nibble of qs[32 (s // 2) + l] if s is even, else its high nibble
          (Q5_K: plus 16 * bit s of qh[l])
      x = d * scale_s * q - dmin * min_s"""
    size = 176 if five_bits else 144
    b = np.frombuffer(raw, dtype=np.uint8).reshape(n // 256, size)
    d, dmin = _half(b, 0), _half(b, 2)
    packed = b[:, 4:16]
    qh = b[:, 16:48].astype(np.int64) if five_bits else None
    qs = b[:, size - 128:].astype(np.int64)
    out = np.empty((n // 256, 256))
    for s in range(8):
        scale, mn = _k_scale_min(packed, s)
        byte = qs[:, 32 * (s // 2):32 * (s // 2) + 32]
        q = (byte & 15) if s % 2 == 0 else (byte >> 4)
        if five_bits:
            q = q + 16 * ((qh >> s) & 1)
        out[:, 32 * s:32 * s + 32] = ((d * scale)[:, None] * q - (dmin * mn)[:, None])
    return out.reshape(-1)


def _dequantize_q6_k(raw, n):
    """Q6_K (210 bytes): ql[128], qh[64], int8 scales[16], f16 d. Element e (0..255), with
    h = e // 128, g = (e % 128) // 32, l = e % 32:
      low 4 bits  = ql[64h + 32 (g % 2) + l], its low nibble if g < 2 else its high nibble
      high 2 bits = (qh[32h + l] >> 2g) & 3
      x = d * scales[e // 16] * (q - 32)"""
    b = np.frombuffer(raw, dtype=np.uint8).reshape(n // 256, 210)
    ql = b[:, 0:128].astype(np.int64)
    qh = b[:, 128:192].astype(np.int64)
    scales = b[:, 192:208].view(np.int8).astype(np.float64)
    d = _half(b, 208)
    e = np.arange(256)
    h, g, l = e // 128, (e % 128) // 32, e % 32
    lo_byte = ql[:, 64 * h + 32 * (g % 2) + l]
    lo = np.where(g < 2, lo_byte & 15, lo_byte >> 4)
    hi = (qh[:, 32 * h + l] >> (2 * g)) & 3
    q = (lo | (hi << 4)) - 32
    return (d[:, None] * scales[:, e // 16] * q).reshape(-1)


# ---------------------------------------------------------------------------- activations

def _f32(v):
    """Round float64 values to the nearest float32 (ties to even), kept as float64."""
    return np.asarray(v, dtype=np.float64).astype(np.float32).astype(np.float64)


def quantize_q8_activations(x):
    """x (..., cols), cols % 32 == 0 -> (q, d): int8 values (..., cols) as float64 and the
    float32 scale of each 32-block (..., cols / 32), as the wasmsimd integer path does:

        d   = max_j |x_j| / 127                in float32 (x itself is float32 there)
        1/d = 1 / d, or 0 when d == 0           in float32
        q_j = round_half_even(x_j * (1/d))      the product rounded to float32 first

    The dequantized activation is q_j * d. Each float32 step is one IEEE operation on float32
    operands: done in float64 and rounded once to float32 it gives the same float32 (a float64
    quotient or product of two float32 values rounds to the correctly rounded float32 one), so
    _f32 of a float64 result is exactly the float32 operation."""
    scaled, d = _q8_scaled(x)
    q = np.rint(scaled)                                                     # half to even
    assert np.all(np.abs(q) <= 127)
    return q.reshape(np.shape(x)), d


def _q8_scaled(x):
    """x (..., cols) -> (x_j * (1/d) as float32, blocked (..., nb, 32); d (..., nb))."""
    x = np.asarray(x, dtype=np.float64)
    if x.shape[-1] % 32 != 0:
        raise ValueError(f"quantize_q8_activations: {x.shape[-1]} columns, not a multiple of 32")
    blocks = _f32(x).reshape(x.shape[:-1] + (x.shape[-1] // 32, 32))
    d = _f32(np.abs(blocks).max(axis=-1) / 127.0)                          # (..., nb)
    with np.errstate(divide="ignore", over="ignore"):
        inv = np.where(d != 0.0, _f32(1.0 / np.where(d != 0.0, d, 1.0)), 0.0)
    return _f32(blocks * inv[..., None]), d


def q8_tie_margin(x):
    """x (n, cols) -> (n): per row, the smallest distance of any x_j * (1/d) to a rounding tie
    (k + 1/2), in quantization steps. A float32 runtime whose x differs from this float64 one by
    a few ulps rounds that element the other way when the margin is below its error."""
    scaled, _ = _q8_scaled(x)
    dist = np.abs(np.abs(scaled - np.floor(scaled)) - 0.5)
    return dist.reshape(dist.shape[0], -1).min(axis=1)


def dequantize_q8_activations(x):
    """x (..., cols) -> the values the integer path multiplies with: q_j * d of each block."""
    x = np.asarray(x, dtype=np.float64)
    q, d = quantize_q8_activations(x)
    nb = x.shape[-1] // 32
    return (q.reshape(x.shape[:-1] + (nb, 32)) * d[..., None]).reshape(x.shape)


def _q8_k_scaled(x):
    """llama.cpp's Q8_K activation blocks (ggml quantize_row_q8_K), the operand of its
    Q4_K/Q5_K/Q6_K dot products: per 256-block, with m the float32 value of largest magnitude
    (the first one on a tie), iscale = -127 / m in float32, q_j = round_half_even(iscale * x_j)
    (the product in float32) clamped to <= 127, d = 1 / iscale in float32; an all-zero block has
    d = 0, q = 0. -> (iscale * x_j as float32, blocked (..., nb, 256); d (..., nb))."""
    x = np.asarray(x, dtype=np.float64)
    if x.shape[-1] % 256 != 0:
        raise ValueError(f"Q8_K activations: {x.shape[-1]} columns, not a multiple of 256")
    blocks = _f32(x).reshape(x.shape[:-1] + (x.shape[-1] // 256, 256))
    m = np.take_along_axis(blocks, np.abs(blocks).argmax(axis=-1)[..., None], -1)[..., 0]
    with np.errstate(divide="ignore"):
        iscale = np.where(m != 0.0, _f32(-127.0 / np.where(m != 0.0, m, 1.0)), 0.0)
        d = np.where(iscale != 0.0, _f32(1.0 / np.where(iscale != 0.0, iscale, 1.0)), 0.0)
    return _f32(blocks * iscale[..., None]), d


def dequantize_q8_k_activations(x):
    """x (..., cols) -> q_j * d of llama.cpp's Q8_K blocks (see _q8_k_scaled)."""
    scaled, d = _q8_k_scaled(x)
    q = np.minimum(np.rint(scaled), 127.0)
    return (q * d[..., None]).reshape(np.shape(x))


def q8_k_tie_margin(x):
    """As q8_tie_margin, for the Q8_K blocks."""
    scaled, _ = _q8_k_scaled(x)
    dist = np.abs(np.abs(scaled - np.floor(scaled)) - 0.5)
    return dist.reshape(dist.shape[0], -1).min(axis=1)


def _q8_0_llama_cpp_scaled(x):
    """llama.cpp's Q8_0 activation blocks, the operand of its Q4_0/Q5_0/Q8_0 dot products, as
    ggml-cpu's quantize_row_q8_0 makes them on x86 (AVX and up, the CPU variants node-llama-cpp
    runs): per 32-block, with a = max_j |x_j| of the float32 values,
        d   = a / 127                     in float32; the block stores f16(d)
        id  = 127 / a, or 0 when a == 0    in float32 (not 1 / d)
        q_j = round_half_even(x_j * id)   the product rounded to float32 first (_MM_ROUND_NEAREST)
    ggml's scalar reference (quantize_row_q8_0_ref) takes id = 1 / d and rounds half away from
    zero (roundf); both agree except within an ulp of a tie, which the tie margin measures.
    -> (x_j * id as float32, blocked (..., nb, 32); d as float32 (..., nb))."""
    x = np.asarray(x, dtype=np.float64)
    if x.shape[-1] % 32 != 0:
        raise ValueError(f"Q8_0 activations: {x.shape[-1]} columns, not a multiple of 32")
    blocks = _f32(x).reshape(x.shape[:-1] + (x.shape[-1] // 32, 32))
    a = np.abs(blocks).max(axis=-1)
    with np.errstate(divide="ignore"):
        inv = np.where(a != 0.0, _f32(127.0 / np.where(a != 0.0, a, 1.0)), 0.0)
    return _f32(blocks * inv[..., None]), _f32(a / 127.0)


def _f16(v):
    """Round to the nearest float16 (ties to even), kept as float64."""
    return np.asarray(v, dtype=np.float64).astype(np.float16).astype(np.float64)


def dequantize_q8_0_llama_cpp_activations(x):
    """x (..., cols) -> q_j * f16(d) of llama.cpp's Q8_0 blocks (see _q8_0_llama_cpp_scaled)."""
    scaled, d = _q8_0_llama_cpp_scaled(x)
    return (np.rint(scaled) * _f16(d)[..., None]).reshape(np.shape(x))


def q8_1_sum_correction(x):
    """x (..., cols) -> (..., cols / 32): what llama.cpp's Q8_1 blocks (the operand of its Q4_1/
    Q5_1 dot products) change in the min term. A Q8_1 block is the Q8_0 block (same q_j, same
    f16(d)) plus s = f16(d * sum_j q_j), d the float32 scale, the product in float32; the dot
    product adds m * s for the weight block's min m, where the dequantized activations would give
    m * f16(d) * sum_j q_j. Returns s - f16(d) * sum_j q_j per block: a Q4_1/Q5_1 product is
    dequantize_q8_0_llama_cpp_activations(x) @ w.T + q8_1_sum_correction(x) @ mins.T."""
    scaled, d = _q8_0_llama_cpp_scaled(x)
    qsum = np.rint(scaled).sum(axis=-1)
    return _f16(_f32(d * qsum)) - _f16(d) * qsum


def q8_0_llama_cpp_tie_margin(x):
    """As q8_tie_margin, for llama.cpp's Q8_0 (and Q8_1) blocks."""
    scaled, _ = _q8_0_llama_cpp_scaled(x)
    dist = np.abs(np.abs(scaled - np.floor(scaled)) - 0.5)
    return dist.reshape(dist.shape[0], -1).min(axis=1)


# ---------------------------------------------------------------------------- model

# Architectures (docs/model-conventions.md, "Architectures"): RoPE layout and the extra tensors
# of each layer that the architecture requires ("bias": blk.N.attn_{q,k,v}.bias, "qk_norm":
# blk.N.attn_{q,k}_norm.weight).
ARCHS = {"llama": dict(neox=False, extras=()),
         "qwen2": dict(neox=True, extras=("bias",)),
         "qwen3": dict(neox=True, extras=("qk_norm",))}


class Model:
    def __init__(self, path):
        g = GGUFFile(path)
        md = g.metadata
        self.arch = md.get("general.architecture")
        if self.arch not in ARCHS:
            raise GGUFError(f"architecture {self.arch!r} is not one of {sorted(ARCHS)}")
        a = self.arch + "."
        self.n_embd = md[a + "embedding_length"]
        self.n_layer = md[a + "block_count"]
        self.n_ff = md[a + "feed_forward_length"]
        self.n_head = md[a + "attention.head_count"]
        self.n_head_kv = md.get(a + "attention.head_count_kv", self.n_head)
        self.head_dim = md.get(a + "attention.key_length", self.n_embd // self.n_head)
        assert md.get(a + "attention.value_length", self.head_dim) == self.head_dim
        self.rope_base = float(md.get(a + "rope.freq_base", 10000.0))
        self.rope_neox = ARCHS[self.arch]["neox"]
        self.eps = float(md.get(a + "attention.layer_norm_rms_epsilon", 1e-5))
        self.n_ctx = md[a + "context_length"]
        assert md.get(a + "rope.dimension_count", self.head_dim) == self.head_dim
        # The ggml type of each weight (as in self.layers / "output"), and for Q4_1/Q5_1 the min
        # of each block (GGUFFile.tensor_mins: llama.cpp's Q8_1 arithmetic needs them).
        ttype = {n: t for n, (_, t, _) in g.tensors.items()}
        out_name = "output.weight" if "output.weight" in g.tensors else "token_embd.weight"
        self.output_type = ttype[out_name]
        self.output_mins = g.tensor_mins(out_name)
        self.output_quantized = self.output_type in QUANT_TYPES
        self.tok_embd = g.tensor("token_embd.weight")                      # (n_vocab, n_embd)
        self.n_vocab = self.tok_embd.shape[0]
        self.out_norm = g.tensor("output_norm.weight")                     # (n_embd)
        self.output = (g.tensor("output.weight") if "output.weight" in g.tensors
                       else self.tok_embd)                                 # (n_vocab, n_embd)
        self.layers = []
        self.layer_types = []      # per layer: key of self.layers[i] -> ggml type (matrices)
        self.layer_mins = []       # per layer: key -> block mins (Q4_1/Q5_1 matrices only)
        self.layer_quantized = []  # per layer: the keys of self.layers[i] stored quantized
        matrices = dict(wq="attn_q", wk="attn_k", wv="attn_v", wo="attn_output",
                        w_gate="ffn_gate", w_up="ffn_up", w_down="ffn_down")
        extras = ARCHS[self.arch]["extras"]
        for i in range(self.n_layer):
            t = lambda s, kind="weight": g.tensor(f"blk.{i}.{s}.{kind}")  # noqa: E731
            L = dict(attn_norm=t("attn_norm"), wq=t("attn_q"), wk=t("attn_k"), wv=t("attn_v"),
                     wo=t("attn_output"), ffn_norm=t("ffn_norm"), w_gate=t("ffn_gate"),
                     w_up=t("ffn_up"), w_down=t("ffn_down"))
            if "bias" in extras:                                           # qwen2
                L.update(bq=t("attn_q", "bias"), bk=t("attn_k", "bias"), bv=t("attn_v", "bias"))
            if "qk_norm" in extras:                                        # qwen3
                L.update(q_norm=t("attn_q_norm"), k_norm=t("attn_k_norm"))  # (head_dim)
            self.layers.append(L)
            names = {k: f"blk.{i}.{s}.weight" for k, s in matrices.items()}
            self.layer_types.append({k: ttype[n] for k, n in names.items()})
            self.layer_mins.append({k: g.tensor_mins(n) for k, n in names.items()
                                    if ttype[n] in (TYPE_Q4_1, TYPE_Q5_1)})
            self.layer_quantized.append({k for k, t in self.layer_types[-1].items()
                                         if t in QUANT_TYPES})


def rmsnorm(x, w, eps):
    """x: (..., d) normalised over the last axis, times weight w (d)."""
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w


def rope(x, base, neox=False):
    """x: (n_pos, n_heads, head_dim); rotate the pairs of position p by p * base^(-2i/head_dim),
    i < head_dim/2. The pairs are (2i, 2i+1) (adjacent, llama) or, with neox, (i, i+head_dim/2)
    (halves, qwen2/qwen3)."""
    n_pos, _, hd = x.shape
    i = np.arange(hd // 2, dtype=np.float64)
    theta = base ** (-2.0 * i / hd)                                        # (hd/2)
    ang = np.arange(n_pos, dtype=np.float64)[:, None] * theta[None, :]     # (n_pos, hd/2)
    cos = np.cos(ang)[:, None, :]
    sin = np.sin(ang)[:, None, :]
    first, second = (slice(0, hd // 2), slice(hd // 2, hd)) if neox else \
        (slice(0, None, 2), slice(1, None, 2))
    x0 = x[..., first]
    x1 = x[..., second]
    out = np.empty_like(x)
    out[..., first] = x0 * cos - x1 * sin
    out[..., second] = x0 * sin + x1 * cos
    return out


def silu(z):
    return z / (1.0 + np.exp(-z))


def forward(m, tokens, return_attn=False, quantize_activations=False, tie_margins=None):
    """tokens: list of ids at positions 0..n-1 -> logits (n, n_vocab) float64.
    quantize_activations: the arithmetic of every product with quantized weights (QUANT_TYPES):
      False        exact (float64 activations)
      True         the wasmsimd integer path: the input goes through dequantize_q8_activations
      "llama.cpp"  llama.cpp's CPU path, whose activation blocks depend on the weight type
                   (LLAMA_CPP_ACTIVATIONS): Q8_K (dequantize_q8_k_activations) for Q4_K, Q5_K,
                   Q6_K; Q8_0 (dequantize_q8_0_llama_cpp_activations) for Q4_0, Q5_0, Q8_0;
                   Q8_1 for Q4_1, Q5_1 (Q8_0's values, plus q8_1_sum_correction times the
                   weight blocks' mins).
    tie_margins: a list that receives (n) floats: per position p, the smallest tie margin
    (q8_tie_margin or its llama.cpp counterparts) of any activation quantized at positions 0..p
    (a rounding that goes the other way at an earlier position reaches p through the KV cache of
    the next layers)."""
    if quantize_activations not in (False, True, "llama.cpp"):
        raise ValueError(f"quantize_activations={quantize_activations!r}")
    n = len(tokens)
    margin = np.full(n, np.inf)

    def product(h, w, wtype, mins):
        """h (n, cols) @ w.T for w (rows, cols) stored as wtype, in the chosen arithmetic."""
        if not quantize_activations or wtype not in QUANT_TYPES:
            return h @ w.T
        if quantize_activations is True:
            np.minimum(margin, q8_tie_margin(h), out=margin)
            return dequantize_q8_activations(h) @ w.T
        blocks = LLAMA_CPP_ACTIVATIONS[wtype]
        if blocks == "q8_k":
            np.minimum(margin, q8_k_tie_margin(h), out=margin)
            return dequantize_q8_k_activations(h) @ w.T
        np.minimum(margin, q8_0_llama_cpp_tie_margin(h), out=margin)
        y = dequantize_q8_0_llama_cpp_activations(h) @ w.T
        if blocks == "q8_1":
            y = y + q8_1_sum_correction(h) @ mins.T
        return y

    hd, nh, nkv = m.head_dim, m.n_head, m.n_head_kv
    group = nh // nkv
    x = m.tok_embd[np.asarray(tokens)]                                      # (n, n_embd)
    causal = np.tril(np.ones((n, n), dtype=bool))
    attns = []
    for L, T, M in zip(m.layers, m.layer_types, m.layer_mins):
        mm = lambda h, w: product(h, L[w], T[w], M.get(w))  # noqa: E731   h @ L[w].T
        h = rmsnorm(x, L["attn_norm"], m.eps)                               # (n, n_embd)
        q = mm(h, "wq")                                                     # (n, n_head*hd)
        k = mm(h, "wk")                                                     # (n, n_head_kv*hd)
        v = mm(h, "wv")
        if "bq" in L:                                                       # qwen2: biases
            q, k, v = q + L["bq"], k + L["bk"], v + L["bv"]
        q = q.reshape(n, nh, hd)                                            # (n, n_head, hd)
        k = k.reshape(n, nkv, hd)                                           # (n, n_head_kv, hd)
        v = v.reshape(n, nkv, hd)
        if "q_norm" in L:                                                   # qwen3: per head
            q = rmsnorm(q, L["q_norm"], m.eps)
            k = rmsnorm(k, L["k_norm"], m.eps)
        q = rope(q, m.rope_base, m.rope_neox)
        k = rope(k, m.rope_base, m.rope_neox)
        o = np.empty((n, nh, hd))
        layer_attn = np.empty((nh, n, n))
        for hq in range(nh):
            kh = hq // group
            s = q[:, hq, :] @ k[:, kh, :].T / np.sqrt(hd)                   # (n, n)
            s = np.where(causal, s, -np.inf)
            s = s - s.max(axis=1, keepdims=True)
            a = np.exp(s)
            a /= a.sum(axis=1, keepdims=True)
            layer_attn[hq] = a
            o[:, hq, :] = a @ v[:, kh, :]
        attns.append(layer_attn)
        x = x + mm(o.reshape(n, nh * hd), "wo")
        h = rmsnorm(x, L["ffn_norm"], m.eps)
        f = silu(mm(h, "w_gate")) * mm(h, "w_up")                           # (n, n_ff)
        x = x + mm(f, "w_down")
    h = rmsnorm(x, m.out_norm, m.eps)
    logits = product(h, m.output, m.output_type, m.output_mins)            # (n, n_vocab)
    if tie_margins is not None:
        tie_margins.extend(np.minimum.accumulate(margin).tolist())
    return (logits, attns) if return_attn else logits


def format_logits(logits):
    return "".join(f"logits {p} " + " ".join("%.9g" % v for v in row) + "\n"
                   for p, row in enumerate(logits))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model")
    ap.add_argument("--tokens", required=True, help="comma-separated token ids")
    ap.add_argument("--out", help="write here instead of stdout")
    ap.add_argument("--quantize-activations", action="store_true",
                    help="model the wasmsimd path (int8 activations per 32-block)")
    ap.add_argument("--llama-cpp-activations", action="store_true",
                    help="model llama.cpp's CPU path (Q8_0 / Q8_1 / Q8_K per weight type)")
    a = ap.parse_args(argv)
    tokens = [int(t) for t in a.tokens.split(",") if t.strip()]
    m = Model(a.model)
    mode = "llama.cpp" if a.llama_cpp_activations else a.quantize_activations
    text = format_logits(forward(m, tokens, quantize_activations=mode))
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
