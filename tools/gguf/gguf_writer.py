"""Minimal GGUF v3 writer (spec: ggml's docs/gguf.md), written for Inkstone.

Used by the fixture generator and the poetry-model exporter. Knows the metadata value types and
the tensor types F32, F16, Q8_0 and Q4_0 with ggml's block layouts:
  Q8_0 block (34 bytes): f16 scale d, int8 qs[32];            x = d * q
  Q4_0 block (18 bytes): f16 scale d, uint8 qs[16];           x = d * (nibble - 8)
     element j < 16 is the low nibble of qs[j], element j + 16 its high nibble.
the legacy Q4_1, Q5_0, Q5_1 (32 weights a block; ggml's reference rounding, legacy_quants.py)
and the K-quants Q4_K, Q5_K, Q6_K (super-blocks of 256; our own quantizer, k_quants.py).
Tensor dims are written innermost first (ne[0] = row length), as ggml does.
"""
import os
import struct

import numpy as np

import k_quants
import legacy_quants

GGUF_MAGIC = b"GGUF"
GGUF_VERSION = 3
DEFAULT_ALIGNMENT = 32

# metadata value types
T_UINT8, T_INT8, T_UINT16, T_INT16, T_UINT32, T_INT32, T_FLOAT32, T_BOOL, T_STRING, T_ARRAY, \
    T_UINT64, T_INT64, T_FLOAT64 = range(13)
_SCALAR_FMT = {T_UINT8: "<B", T_INT8: "<b", T_UINT16: "<H", T_INT16: "<h", T_UINT32: "<I",
               T_INT32: "<i", T_FLOAT32: "<f", T_BOOL: "<?", T_UINT64: "<Q", T_INT64: "<q",
               T_FLOAT64: "<d"}

# ggml tensor types
GGML_F32, GGML_F16, GGML_Q4_0, GGML_Q8_0 = 0, 1, 2, 8
GGML_Q4_1, GGML_Q5_0, GGML_Q5_1 = legacy_quants.GGML_Q4_1, legacy_quants.GGML_Q5_0, \
    legacy_quants.GGML_Q5_1
GGML_Q4_K, GGML_Q5_K, GGML_Q6_K = 12, 13, 14
QK = 32  # elements per quant block
BLOCK_ELEMENTS = {GGML_Q4_0: QK, GGML_Q8_0: QK, GGML_Q4_1: QK, GGML_Q5_0: QK, GGML_Q5_1: QK,
                  GGML_Q4_K: k_quants.QK_K, GGML_Q5_K: k_quants.QK_K, GGML_Q6_K: k_quants.QK_K}


def quantize_q8_0(x):
    """x: float32 array whose last dim is a multiple of 32 -> bytes (row-major blocks)."""
    b = np.asarray(x, dtype=np.float32).reshape(-1, QK)
    amax = np.abs(b).max(axis=1)
    d = amax / 127.0
    inv = np.where(d > 0, 1.0 / np.where(d > 0, d, 1), 0.0)
    q = np.clip(np.round(b * inv[:, None]), -127, 127).astype(np.int8)
    out = np.empty(len(b), dtype=[("d", "<f2"), ("qs", "i1", (QK,))])
    out["d"] = d.astype(np.float16)
    out["qs"] = q
    return out.tobytes()


def dequantize_q8_0(raw, n):
    a = np.frombuffer(raw, dtype=[("d", "<f2"), ("qs", "i1", (QK,))], count=n // QK)
    return (a["d"].astype(np.float32)[:, None] * a["qs"].astype(np.float32)).reshape(-1)


def quantize_q4_0(x):
    """ggml's reference: d = max / -8 where max is the signed value of largest magnitude."""
    b = np.asarray(x, dtype=np.float32).reshape(-1, QK)
    idx = np.abs(b).argmax(axis=1)
    mx = b[np.arange(len(b)), idx]
    d = mx / -8.0
    inv = np.where(d != 0, 1.0 / np.where(d != 0, d, 1), 0.0)
    q = np.clip(np.floor(b * inv[:, None] + 8.5), 0, 15).astype(np.uint8)
    qs = (q[:, :16] | (q[:, 16:] << 4)).astype(np.uint8)
    out = np.empty(len(b), dtype=[("d", "<f2"), ("qs", "u1", (16,))])
    out["d"] = d.astype(np.float16)
    out["qs"] = qs
    return out.tobytes()


def dequantize_q4_0(raw, n):
    a = np.frombuffer(raw, dtype=[("d", "<f2"), ("qs", "u1", (16,))], count=n // QK)
    lo = (a["qs"] & 0x0F).astype(np.int32) - 8
    hi = (a["qs"] >> 4).astype(np.int32) - 8
    q = np.concatenate([lo, hi], axis=1).astype(np.float32)
    return (a["d"].astype(np.float32)[:, None] * q).reshape(-1)


def encode_tensor(x, ggml_type):
    x = np.ascontiguousarray(x, dtype=np.float32)
    if ggml_type == GGML_F32:
        return x.tobytes()
    if ggml_type == GGML_F16:
        return x.astype("<f2").tobytes()
    if ggml_type == GGML_Q8_0:
        return quantize_q8_0(x)
    if ggml_type == GGML_Q4_0:
        return quantize_q4_0(x)
    if ggml_type in legacy_quants.QUANTIZE:
        return legacy_quants.QUANTIZE[ggml_type](x)
    if ggml_type in k_quants.QUANTIZE:
        return k_quants.QUANTIZE[ggml_type](x)
    raise ValueError(f"unsupported tensor type {ggml_type}")


def decode_tensor(raw, ggml_type, n):
    """Bytes -> float32 values as the runtime should see them (the reference's view)."""
    if ggml_type == GGML_F32:
        return np.frombuffer(raw, dtype="<f4", count=n).copy()
    if ggml_type == GGML_F16:
        return np.frombuffer(raw, dtype="<f2", count=n).astype(np.float32)
    if ggml_type == GGML_Q8_0:
        return dequantize_q8_0(raw, n)
    if ggml_type == GGML_Q4_0:
        return dequantize_q4_0(raw, n)
    if ggml_type in legacy_quants.DEQUANTIZE:
        return legacy_quants.DEQUANTIZE[ggml_type](raw, n)
    if ggml_type in k_quants.DEQUANTIZE:
        return k_quants.DEQUANTIZE[ggml_type](raw, n)
    raise ValueError(f"unsupported tensor type {ggml_type}")


def _str(s):
    b = s.encode("utf-8") if isinstance(s, str) else bytes(s)
    return struct.pack("<Q", len(b)) + b


def _infer_type(v):
    if isinstance(v, bool):
        return T_BOOL
    if isinstance(v, int):
        return T_UINT32 if 0 <= v < 2**32 else T_INT64
    if isinstance(v, float):
        return T_FLOAT32
    if isinstance(v, (str, bytes)):
        return T_STRING
    raise TypeError(f"cannot infer GGUF type of {v!r}")


def encode_value(vtype, v):
    if vtype == T_STRING:
        return _str(v)
    if vtype == T_ARRAY:
        etype, items = v
        out = [struct.pack("<IQ", etype, len(items))]
        if etype in _SCALAR_FMT and etype != T_BOOL:
            arr = np.asarray(items, dtype=np.dtype(_SCALAR_FMT[etype]))
            out.append(arr.tobytes())
        else:
            out.extend(encode_value(etype, it) for it in items)
        return b"".join(out)
    return struct.pack(_SCALAR_FMT[vtype], v)


class GGUFWriter:
    """Collect metadata and tensors, then write(path). Values: add(key, value[, vtype]);
    arrays: add_array(key, elem_type, items) (items may be nested (etype, items) for T_ARRAY)."""

    def __init__(self, alignment=DEFAULT_ALIGNMENT):
        self.kv = []
        self.tensors = []
        self.alignment = alignment
        if alignment != DEFAULT_ALIGNMENT:
            self.add("general.alignment", alignment, T_UINT32)

    def add(self, key, value, vtype=None):
        self.kv.append((key, vtype if vtype is not None else _infer_type(value), value))

    def add_array(self, key, elem_type, items):
        self.kv.append((key, T_ARRAY, (elem_type, list(items))))

    def add_tensor(self, name, x, ggml_type=GGML_F32):
        """x: numpy array in PyTorch/C order (rows, cols); stored with ne = reversed shape."""
        x = np.asarray(x, dtype=np.float32)
        block = BLOCK_ELEMENTS.get(ggml_type, 1)
        if x.shape[-1] % block:
            raise ValueError(f"{name}: row length {x.shape[-1]} is not a multiple of {block}")
        self.tensors.append((name, tuple(reversed(x.shape)), ggml_type, encode_tensor(x, ggml_type)))

    def _header(self, infos):
        """infos: (name, ne, ggml type, data bytes) per tensor, in file order -> padded header."""
        head = [GGUF_MAGIC, struct.pack("<IQQ", GGUF_VERSION, len(infos), len(self.kv))]
        for key, vtype, value in self.kv:
            head.append(_str(key) + struct.pack("<I", vtype) + encode_value(vtype, value))
        offset = 0
        for name, ne, gtype, nbytes in infos:
            head.append(_str(name) + struct.pack("<I", len(ne)) +
                        b"".join(struct.pack("<Q", d) for d in ne) + struct.pack("<IQ", gtype, offset))
            offset += nbytes + (-nbytes) % self.alignment
        head_bytes = b"".join(head)
        return head_bytes + b"\0" * ((-len(head_bytes)) % self.alignment)

    def to_bytes(self):
        head = self._header([(n, ne, g, len(raw)) for n, ne, g, raw in self.tensors])
        return head + b"".join(raw + b"\0" * ((-len(raw)) % self.alignment)
                               for _, _, _, raw in self.tensors)

    def write(self, path):
        with open(path, "wb") as f:
            f.write(self.to_bytes())

    def write_streamed(self, path, specs):
        """Write the metadata added so far and the tensors of `specs` without holding them all:
        specs = [(name, shape in PyTorch order, ggml type, chunks)], chunks() yielding float32
        arrays of whole rows in order (row-wise quantization makes the chunks independent). The
        file appears under `path` only once complete (written to path + ".tmp" first)."""
        infos = [(name, tuple(reversed(shape)), gtype, tensor_nbytes(shape, gtype))
                 for name, shape, gtype, _ in specs]
        tmp = path + ".tmp"
        with open(tmp, "wb") as out:
            out.write(self._header(infos))
            for (name, shape, gtype, chunks), (_, _, _, nbytes) in zip(specs, infos):
                if shape[-1] % BLOCK_ELEMENTS.get(gtype, 1):
                    raise ValueError(f"{name}: row length {shape[-1]} is not a multiple of "
                                     f"{BLOCK_ELEMENTS[gtype]}")
                written = 0
                for x in chunks():
                    raw = encode_tensor(x, gtype)
                    out.write(raw)
                    written += len(raw)
                if written != nbytes:
                    raise ValueError(f"{name}: wrote {written} bytes, expected {nbytes}")
                out.write(b"\0" * ((-written) % self.alignment))
        os.replace(tmp, path)


def tensor_nbytes(shape, ggml_type):
    """Bytes of a tensor of `shape` stored as `ggml_type`."""
    n = int(np.prod(shape))
    if ggml_type == GGML_F32:
        return 4 * n
    if ggml_type == GGML_F16:
        return 2 * n
    per_block = {GGML_Q8_0: 34, GGML_Q4_0: 18, **legacy_quants.BLOCK_BYTES,
                 **k_quants.BLOCK_BYTES}[ggml_type]
    return n // BLOCK_ELEMENTS[ggml_type] * per_block


LLAMA_TOKEN_NORMAL, LLAMA_TOKEN_UNKNOWN, LLAMA_TOKEN_CONTROL, LLAMA_TOKEN_USER_DEFINED, \
    LLAMA_TOKEN_UNUSED, LLAMA_TOKEN_BYTE = 1, 2, 3, 4, 5, 6


def add_llama_hparams(w, *, n_vocab, n_embd, n_layer, n_head, n_head_kv, n_ff, n_ctx,
                      rope_base=10000.0, rms_eps=1e-5, name="model"):
    w.add("general.architecture", "llama")
    w.add("general.name", name)
    w.add("llama.context_length", n_ctx, T_UINT32)
    w.add("llama.embedding_length", n_embd, T_UINT32)
    w.add("llama.block_count", n_layer, T_UINT32)
    w.add("llama.feed_forward_length", n_ff, T_UINT32)
    w.add("llama.attention.head_count", n_head, T_UINT32)
    w.add("llama.attention.head_count_kv", n_head_kv, T_UINT32)
    w.add("llama.rope.dimension_count", n_embd // n_head, T_UINT32)
    w.add("llama.rope.freq_base", float(rope_base), T_FLOAT32)
    w.add("llama.attention.layer_norm_rms_epsilon", float(rms_eps), T_FLOAT32)
    w.add("llama.vocab_size", n_vocab, T_UINT32)
