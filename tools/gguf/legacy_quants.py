"""ggml's legacy 32-weight formats Q4_1, Q5_0 and Q5_1: quantizers and decoders (Inkstone).

llama.cpp writes these where a K-quant cannot go: its Q4_K_M / Q5_K_M files store the matrices
whose rows are not a multiple of 256 (Qwen2.5-0.5B's 896 columns) as Q5_0 / Q5_1. Layouts
(little-endian, 32 weights a block; docs/model-conventions.md):

  Q4_1 (20 bytes): f16 d, f16 m, uint8 qs[16]               x = d * q + m,        q in 0..15
  Q5_0 (22 bytes): f16 d, uint8 qh[4], uint8 qs[16]         x = d * (q - 16),     q in 0..31
  Q5_1 (24 bytes): f16 d, f16 m, uint8 qh[4], uint8 qs[16]  x = d * q + m,        q in 0..31
    the low 4 bits of element j are the low nibble of qs[j] (j < 16) or the high nibble of
    qs[j - 16]; its fifth bit (Q5_*) is bit j of qh read as a little-endian uint32.

The quantizers make the same bytes as ggml's reference ones (quantize_row_q4_1_ref,
quantize_row_q5_0_ref, quantize_row_q5_1_ref), so a file written here is the file llama.cpp's
own quantizer would write from the same float32 weights. Every step is a float32 operation, as
there:
  Q4_1 / Q5_1: lo, hi = min, max of the block; d = (hi - lo) / qmax; id = 1 / d (0 if d = 0);
               q = trunc((x - lo) * id + 0.5)  (Q4_1: at most 15); stored d, m = f16(d), f16(lo)
  Q5_0:        v = the value of largest magnitude (the first such); d = v / -16; id = 1 / d
               (0 if d = 0); q = min(31, trunc(x * id + 16.5)); stored f16(d)
The scale is computed in float32 and rounded to f16 only when stored: q is chosen for the float32
d, not for the f16 one the block holds (ggml's choice, kept).
"""
import numpy as np

QK = 32
GGML_Q4_1, GGML_Q5_0, GGML_Q5_1 = 3, 6, 7
BLOCK_BYTES = {GGML_Q4_1: 20, GGML_Q5_0: 22, GGML_Q5_1: 24}

_F32 = np.float32
_DTYPES = {
    GGML_Q4_1: [("d", "<f2"), ("m", "<f2"), ("qs", "u1", (16,))],
    GGML_Q5_0: [("d", "<f2"), ("qh", "<u4"), ("qs", "u1", (16,))],
    GGML_Q5_1: [("d", "<f2"), ("m", "<f2"), ("qh", "<u4"), ("qs", "u1", (16,))],
}
for _t, _dt in _DTYPES.items():
    assert np.dtype(_dt).itemsize == BLOCK_BYTES[_t]


def _blocks(x):
    return np.asarray(x, dtype=np.float32).reshape(-1, QK)


def _reciprocal(d):
    """float32 1 / d, and 0 where d == 0."""
    safe = np.where(d != 0, d, _F32(1))
    return np.where(d != 0, _F32(1) / safe, _F32(0)).astype(np.float32)


def _truncate(v):
    """C's float -> integer conversion (toward zero), for the non-negative values used here."""
    assert np.all(v >= 0)
    return np.trunc(v).astype(np.int64)


def _pack(t, q, d, m=None):
    """q (nb, 32) ints -> bytes of type t: low nibbles in qs, fifth bits in qh (Q5_*)."""
    out = np.empty(len(q), dtype=_DTYPES[t])
    out["d"] = d.astype(np.float16)
    if m is not None:
        out["m"] = m.astype(np.float16)
    low = q & 0x0F
    out["qs"] = (low[:, :16] | (low[:, 16:] << 4)).astype(np.uint8)
    if t != GGML_Q4_1:
        bits = (q >> 4) & 1
        out["qh"] = (bits << np.arange(QK, dtype=np.int64)).sum(axis=1).astype(np.uint32)
    return out.tobytes()


def _quantize_with_min(x, t, qmax):
    b = _blocks(x)
    lo, hi = b.min(axis=1), b.max(axis=1)
    d = (hi - lo) / _F32(qmax)                                  # float32
    scaled = (b - lo[:, None]) * _reciprocal(d)[:, None]        # float32, each op rounded
    q = _truncate(scaled + _F32(0.5))
    if t == GGML_Q4_1:
        q = np.minimum(q, 15)
    return _pack(t, q, d, lo)


def quantize_q4_1(x):
    """float32 values, a multiple of 32 -> Q4_1 blocks (ggml's quantize_row_q4_1_ref)."""
    return _quantize_with_min(x, GGML_Q4_1, 15)


def quantize_q5_1(x):
    """float32 values, a multiple of 32 -> Q5_1 blocks (ggml's quantize_row_q5_1_ref). There q
    is not clamped: (hi - lo) * (1 / d) stays within float32 rounding of 31, so q <= 31."""
    return _quantize_with_min(x, GGML_Q5_1, 31)


def quantize_q5_0(x):
    """float32 values, a multiple of 32 -> Q5_0 blocks (ggml's quantize_row_q5_0_ref): the
    largest-magnitude value maps to q = 0 (-16 d); one of the opposite sign and equal magnitude
    would map to 32 and is clamped to 31."""
    b = _blocks(x)
    extreme = b[np.arange(len(b)), np.abs(b).argmax(axis=1)]
    d = extreme / _F32(-16)
    q = np.minimum(_truncate(b * _reciprocal(d)[:, None] + _F32(16.5)), 31)
    return _pack(GGML_Q5_0, q, d)


def _unpack(a, t):
    """Structured blocks -> q (nb, 32) ints in 0..15 (Q4_1) or 0..31 (Q5_*)."""
    qs = a["qs"].astype(np.int64)
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1)
    if t != GGML_Q4_1:
        qh = a["qh"].astype(np.int64)[:, None]
        q |= ((qh >> np.arange(QK)) & 1) << 4
    return q


def dequantize(raw, t, n):
    """Bytes of n values of type t (Q4_1, Q5_0 or Q5_1) -> float32 values."""
    a = np.frombuffer(raw, dtype=_DTYPES[t], count=n // QK)
    q = _unpack(a, t).astype(np.float64)
    d = a["d"].astype(np.float64)[:, None]
    if t == GGML_Q5_0:
        return (d * (q - 16)).astype(np.float32).reshape(-1)
    return (d * q + a["m"].astype(np.float64)[:, None]).astype(np.float32).reshape(-1)


QUANTIZE = {GGML_Q4_1: quantize_q4_1, GGML_Q5_0: quantize_q5_0, GGML_Q5_1: quantize_q5_1}
DEQUANTIZE = {t: (lambda raw, n, t=t: dequantize(raw, t, n)) for t in QUANTIZE}
