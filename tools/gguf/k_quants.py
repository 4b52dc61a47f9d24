"""Inkstone's own quantizer for ggml's K-quant types Q4_K, Q5_K and Q6_K (and their decoders).

The block layouts are ggml's (docs/model-conventions.md, "K-quants"), so the bytes load in
llama.cpp. The choice of scales is our own and simple (llama.cpp searches for better ones); every
block it writes is valid and its values are what the decoders below, the numpy reference and the
runtime all read back.

  Q4_K / Q5_K (super-block of 256 = 8 sub-blocks of 32; 144 / 176 bytes):
      value = d * sc[s] * q - dmin * m[s],  q in 0..15 / 0..31, sc and m 6-bit
    per sub-block: lo = min(0, min x), range step = (max x - lo) / qmax, offset = -lo;
    d = max step / 63, dmin = max offset / 63 (both rounded to f16); sc = round(step / d),
    m = round(offset / dmin); q = round((x + dmin m) / (d sc)) clipped to 0..qmax.
  Q6_K (256 = 16 sub-blocks of 16; 210 bytes):  value = d * sc[k] * (q - 32), q in 0..63
    per sub-block: step = max|x| / 31; d = max step / 127 (f16); sc = round(step / d) in 0..127;
    q - 32 = round(x / (d sc)) clipped to -32..31.
"""
import numpy as np

QK_K = 256
BLOCK_BYTES = {12: 144, 13: 176, 14: 210}  # ggml type id -> bytes per super-block


def _f16(v):
    return np.asarray(v, dtype=np.float64).astype(np.float16)


def _safe_div(a, b):
    return np.where(b > 0, a / np.where(b > 0, b, 1.0), 0.0)


def _pack_scales(sc, m):
    """sc, m: (nb, 8) ints in 0..63 -> (nb, 12) bytes. Bytes 0..3: sc 0..3 with the top 2 bits of
    sc 4..7 in bits 6-7; bytes 4..7: m 0..3 likewise with m 4..7; bytes 8..11: sc 4..7 low nibble
    | m 4..7 low nibble << 4."""
    out = np.empty((len(sc), 12), dtype=np.uint8)
    out[:, 0:4] = sc[:, 0:4] | ((sc[:, 4:8] >> 4) << 6)
    out[:, 4:8] = m[:, 0:4] | ((m[:, 4:8] >> 4) << 6)
    out[:, 8:12] = (sc[:, 4:8] & 0x0F) | ((m[:, 4:8] & 0x0F) << 4)
    return out


def _unpack_scales(p):
    """(nb, 12) bytes -> sc, m (nb, 8) ints (inverse of _pack_scales)."""
    p = p.astype(np.int64)
    sc = np.concatenate([p[:, 0:4] & 63, (p[:, 8:12] & 0x0F) | ((p[:, 0:4] >> 6) << 4)], axis=1)
    m = np.concatenate([p[:, 4:8] & 63, (p[:, 8:12] >> 4) | ((p[:, 4:8] >> 6) << 4)], axis=1)
    return sc, m


def _quantize_with_min(x, qmax):
    """-> d, dmin (nb,) f16; sc, m (nb, 8) ints; q (nb, 8, 32) ints in 0..qmax."""
    b = np.asarray(x, dtype=np.float64).reshape(-1, 8, 32)
    lo = np.minimum(b.min(axis=2), 0.0)
    step = (b.max(axis=2) - lo) / qmax
    offset = -lo
    d = _f16(step.max(axis=1) / 63)
    dmin = _f16(offset.max(axis=1) / 63)
    d64, dmin64 = d.astype(np.float64)[:, None], dmin.astype(np.float64)[:, None]
    sc = np.clip(np.rint(_safe_div(step, d64)), 0, 63).astype(np.int64)
    m = np.clip(np.rint(_safe_div(offset, dmin64)), 0, 63).astype(np.int64)
    eff = (d64 * sc)[:, :, None]
    q = np.rint(_safe_div(b + (dmin64 * m)[:, :, None], eff))
    return d, dmin, sc, m, np.clip(q, 0, qmax).astype(np.int64)


def _nibble_pairs(q4):
    """(nb, 8, 32) values 0..15 -> (nb, 128) bytes: qs[32i + l] = q[2i][l] | q[2i+1][l] << 4."""
    return (q4[:, 0::2, :] | (q4[:, 1::2, :] << 4)).reshape(len(q4), 128).astype(np.uint8)


def quantize_q4_k(x):
    d, dmin, sc, m, q = _quantize_with_min(x, 15)
    out = np.empty(len(q), dtype=[("d", "<f2"), ("dmin", "<f2"), ("scales", "u1", (12,)),
                                  ("qs", "u1", (128,))])
    out["d"], out["dmin"], out["scales"], out["qs"] = d, dmin, _pack_scales(sc, m), _nibble_pairs(q)
    return out.tobytes()


def quantize_q5_k(x):
    d, dmin, sc, m, q = _quantize_with_min(x, 31)
    qh = np.zeros((len(q), 32), dtype=np.int64)
    for s in range(8):  # bit s of qh[l]: the fifth bit of element 32s + l
        qh |= ((q[:, s, :] >> 4) & 1) << s
    out = np.empty(len(q), dtype=[("d", "<f2"), ("dmin", "<f2"), ("scales", "u1", (12,)),
                                  ("qh", "u1", (32,)), ("qs", "u1", (128,))])
    out["d"], out["dmin"], out["scales"] = d, dmin, _pack_scales(sc, m)
    out["qh"], out["qs"] = qh.astype(np.uint8), _nibble_pairs(q & 0x0F)
    return out.tobytes()


def quantize_q6_k(x):
    b = np.asarray(x, dtype=np.float64).reshape(-1, 16, 16)
    step = np.abs(b).max(axis=2) / 31
    d = _f16(step.max(axis=1) / 127)
    d64 = d.astype(np.float64)[:, None]
    sc = np.clip(np.rint(_safe_div(step, d64)), 0, 127).astype(np.int64)
    q = np.clip(np.rint(_safe_div(b, (d64 * sc)[:, :, None])), -32, 31).astype(np.int64)
    u = (q + 32).reshape(-1, 2, 4, 32)                # [half h, group g, l]
    ql = (u[:, :, 0:2, :] & 0x0F) | ((u[:, :, 2:4, :] & 0x0F) << 4)   # [h, g % 2, l]
    qh = sum((u[:, :, g, :] >> 4) << (2 * g) for g in range(4))       # [h, l]
    out = np.empty(len(u), dtype=[("ql", "u1", (128,)), ("qh", "u1", (64,)),
                                  ("scales", "i1", (16,)), ("d", "<f2")])
    out["ql"] = ql.reshape(len(u), 128).astype(np.uint8)
    out["qh"] = qh.reshape(len(u), 64).astype(np.uint8)
    out["scales"], out["d"] = sc.astype(np.int8), d
    return out.tobytes()


def dequantize_q4_k(raw, n):
    a = np.frombuffer(raw, dtype=[("d", "<f2"), ("dmin", "<f2"), ("scales", "u1", (12,)),
                                  ("qs", "u1", (128,))], count=n // QK_K)
    qs = a["qs"].reshape(-1, 4, 32).astype(np.int64)
    q = np.stack([qs & 0x0F, qs >> 4], axis=2).reshape(-1, 8, 32)
    return _with_min(a, q)


def dequantize_q5_k(raw, n):
    a = np.frombuffer(raw, dtype=[("d", "<f2"), ("dmin", "<f2"), ("scales", "u1", (12,)),
                                  ("qh", "u1", (32,)), ("qs", "u1", (128,))], count=n // QK_K)
    qs = a["qs"].reshape(-1, 4, 32).astype(np.int64)
    q = np.stack([qs & 0x0F, qs >> 4], axis=2).reshape(-1, 8, 32)
    qh = a["qh"].astype(np.int64)[:, None, :]
    q = q | (((qh >> np.arange(8)[None, :, None]) & 1) << 4)
    return _with_min(a, q)


def _with_min(a, q):
    sc, m = _unpack_scales(a["scales"])
    d = a["d"].astype(np.float64)[:, None, None]
    dmin = a["dmin"].astype(np.float64)[:, None, None]
    return (d * sc[:, :, None] * q - dmin * m[:, :, None]).astype(np.float32).reshape(-1)


def dequantize_q6_k(raw, n):
    a = np.frombuffer(raw, dtype=[("ql", "u1", (128,)), ("qh", "u1", (64,)),
                                  ("scales", "i1", (16,)), ("d", "<f2")], count=n // QK_K)
    ql = a["ql"].reshape(-1, 2, 2, 32).astype(np.int64)
    qh = a["qh"].reshape(-1, 2, 32).astype(np.int64)
    lo = np.concatenate([ql & 0x0F, ql >> 4], axis=2)                  # [h, g, l]
    hi = np.stack([(qh >> (2 * g)) & 3 for g in range(4)], axis=2)     # [h, g, l]
    q = ((lo | (hi << 4)) - 32).reshape(-1, 16, 16)
    d = a["d"].astype(np.float64)[:, None, None]
    sc = a["scales"].astype(np.float64)[:, :, None]
    return (d * sc * q).astype(np.float32).reshape(-1)


QUANTIZE = {12: quantize_q4_k, 13: quantize_q5_k, 14: quantize_q6_k}
DEQUANTIZE = {12: dequantize_q4_k, 13: dequantize_q5_k, 14: dequantize_q6_k}
