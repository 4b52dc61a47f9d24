#!/usr/bin/python3
"""A strict reference validator for Inkstone model files: returns the fine status code
(docs/status-codes.md) that a bounds-checked loader should report first, or "ok".

It exists to keep tests/fixtures/broken/manifest.json honest (tests/py checks that every broken
file gives its listed code here and every valid model gives "ok"). Check order, caps and the
choices it encodes are described in tests/fixtures/README.md (section "broken/").

  /usr/bin/python3 tools/reference/gguf_check.py file.gguf [...]
"""
import struct
import sys

CAP_N_TENSORS = 65536
CAP_N_KV = 65536
CAP_STRING = 1 << 20          # bytes, keys and string values
CAP_ARRAY = 1 << 24           # elements
CAP_N_DIMS = 4
U64_MAX = (1 << 64) - 1
I64_MAX = (1 << 63) - 1

_SCALAR = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<B", 10: "<Q",
           11: "<q", 12: "<d"}
_INT_TYPES = {0, 1, 2, 3, 4, 5, 10, 11}
_T_STRING, _T_ARRAY, _T_U32 = 8, 9, 4
_TENSOR_BLOCK = {0: (1, 4), 1: (1, 2), 2: (32, 18), 8: (32, 34),   # F32 F16 Q4_0 Q8_0
                 3: (32, 20), 6: (32, 22), 7: (32, 24),             # Q4_1 Q5_0 Q5_1
                 12: (256, 144), 13: (256, 176), 14: (256, 210)}  # Q4_K Q5_K Q6_K


class Fail(Exception):
    def __init__(self, code, msg):
        super().__init__(f"{code}: {msg}")
        self.code = code


class _R:
    def __init__(self, buf):
        self.buf, self.pos = buf, 0

    def take(self, n, what):
        if self.pos + n > len(self.buf):
            raise Fail("truncated", f"{what} at byte {self.pos}")
        b = self.buf[self.pos:self.pos + n]
        self.pos += n
        return b

    def u(self, fmt, what):
        return struct.unpack(fmt, self.take(struct.calcsize(fmt), what))[0]

    def string(self, what):
        n = self.u("<Q", what + " length")
        if n > CAP_STRING:
            raise Fail("limit_exceeded", f"{what} length {n}")
        return self.take(n, what).decode("utf-8", errors="replace")

    def value(self, t, what):
        if t in _SCALAR:
            return self.u(_SCALAR[t], what)
        if t == _T_STRING:
            return self.string(what)
        if t == _T_ARRAY:
            et = self.u("<I", what + " element type")
            if et > 12:
                raise Fail("bad_value_type", f"{what}: element type {et}")
            n = self.u("<Q", what + " array length")
            if n > CAP_ARRAY:
                raise Fail("limit_exceeded", f"{what}: array length {n}")
            return (et, [self.value(et, what) for _ in range(n)])
        raise Fail("bad_value_type", f"{what}: value type {t}")


def read_gguf(buf):
    """-> (metadata {key: (type, value)}, tensors {name: (ne, type, offset, n_bytes)})."""
    r = _R(buf)
    if r.take(4, "magic") != b"GGUF":
        raise Fail("bad_magic", "magic")
    version = r.u("<I", "version")
    if version not in (2, 3):
        raise Fail("unsupported_version", str(version))
    n_tensors = r.u("<Q", "n_tensors")
    if n_tensors > CAP_N_TENSORS:
        raise Fail("limit_exceeded", f"n_tensors {n_tensors}")
    n_kv = r.u("<Q", "n_kv")
    if n_kv > CAP_N_KV:
        raise Fail("limit_exceeded", f"n_kv {n_kv}")
    md = {}
    for i in range(n_kv):
        key = r.string(f"kv {i} key")
        if key in md:
            raise Fail("duplicate_name", key)
        t = r.u("<I", f"{key} type")
        md[key] = (t, r.value(t, key))
    align = 32
    if "general.alignment" in md:
        t, v = md["general.alignment"]
        if t != _T_U32 or v == 0 or v & (v - 1):
            raise Fail("bad_alignment", f"general.alignment type {t} value {v}")
        align = v
    infos = []
    names = set()
    for i in range(n_tensors):
        name = r.string(f"tensor {i} name")
        if name in names:
            raise Fail("duplicate_name", name)
        names.add(name)
        n_dims = r.u("<I", f"{name} n_dims")
        if n_dims > CAP_N_DIMS:
            raise Fail("limit_exceeded", f"{name}: n_dims {n_dims}")
        ne = [r.u("<Q", f"{name} ne") for _ in range(n_dims)]
        t = r.u("<I", f"{name} type")
        off = r.u("<Q", f"{name} offset")
        infos.append((name, ne, t, off))
    data_start = (r.pos + align - 1) // align * align
    tensors = {}
    for name, ne, t, off in infos:
        if t not in _TENSOR_BLOCK:
            raise Fail("unsupported_tensor_type", f"{name}: type {t}")
        n = 1
        for d in ne:
            n *= d
            if n > I64_MAX:
                raise Fail("overflow", f"{name}: element count")
        blk_n, blk_b = _TENSOR_BLOCK[t]
        if ne and ne[0] % blk_n:
            raise Fail("bad_shape", f"{name}: row length {ne[0]} not a multiple of {blk_n}")
        n_bytes = n // blk_n * blk_b
        if n_bytes > U64_MAX:
            raise Fail("overflow", f"{name}: byte size")
        if off % align:
            raise Fail("bad_alignment", f"{name}: offset {off}")
        if data_start + off + n_bytes > len(buf):
            raise Fail("bad_offset", f"{name}: data past the end of the file")
        tensors[name] = (ne, t, off, n_bytes)
    spans = sorted((off, off + nb, name) for name, (_, _, off, nb) in tensors.items())
    for (a0, a1, an), (b0, b1, bn) in zip(spans, spans[1:]):
        if b0 < a1:
            raise Fail("bad_offset", f"{an} and {bn} overlap")
    return md, tensors


def check_model(md, tensors):
    def get(key, kind, default=None):
        if key not in md:
            if default is None:
                raise Fail("missing_key", key)
            return default
        t, v = md[key]
        ok = (t in _INT_TYPES) if kind == "int" else (t in (6, 12)) if kind == "float" else \
            (t == _T_STRING) if kind == "str" else (t == _T_ARRAY)
        if not ok:
            raise Fail("bad_value_type", f"{key}: type {t}")
        return v

    arch = get("general.architecture", "str")
    if arch not in ("llama", "qwen2", "qwen3"):
        raise Fail("unsupported_architecture", arch)
    a = arch + "."
    n_ctx = get(a + "context_length", "int")
    n_embd = get(a + "embedding_length", "int")
    n_layer = get(a + "block_count", "int")
    n_ff = get(a + "feed_forward_length", "int")
    n_head = get(a + "attention.head_count", "int")
    n_head_kv = get(a + "attention.head_count_kv", "int", n_head)
    get(a + "rope.freq_base", "float", 10000.0)
    get(a + "attention.layer_norm_rms_epsilon", "float", 1e-5)
    if min(n_ctx, n_embd, n_layer, n_ff, n_head, n_head_kv) == 0 or n_embd % n_head or \
            n_head % n_head_kv:
        raise Fail("bad_shape", "inconsistent hyper-parameters")
    hd = get(a + "attention.key_length", "int", n_embd // n_head)
    if hd == 0 or get(a + "attention.value_length", "int", hd) != hd:
        raise Fail("bad_shape", "value_length != key_length")
    if get(a + "rope.dimension_count", "int", hd) != hd:
        raise Fail("bad_shape", "rope.dimension_count != head_dim")
    # tokenizer arrays decide n_vocab
    tok_model = get("tokenizer.ggml.model", "str")
    if tok_model not in ("llama", "gpt2"):
        raise Fail("unsupported_tokenizer", tok_model)
    if "tokenizer.ggml.tokens" not in md:
        raise Fail("bad_tokenizer", "no tokens")
    tokens = get("tokenizer.ggml.tokens", "arr")[1]
    n_vocab = get(a + "vocab_size", "int", len(tokens))
    if n_vocab != len(tokens):
        raise Fail("bad_tokenizer", "vocab_size != tokens")

    def need(name, shape, norm=False):
        if name not in tensors:
            raise Fail("missing_tensor", name)
        ne, t, _, _ = tensors[name]
        if norm and t != 0:
            raise Fail("unsupported_tensor_type", f"{name}: norm type {t}")
        if list(reversed(ne)) != list(shape):
            raise Fail("bad_shape", f"{name}: {list(reversed(ne))} != {list(shape)}")

    need("token_embd.weight", (n_vocab, n_embd))
    for i in range(n_layer):
        p = f"blk.{i}."
        need(p + "attn_norm.weight", (n_embd,), True)
        need(p + "attn_q.weight", (n_head * hd, n_embd))
        need(p + "attn_k.weight", (n_head_kv * hd, n_embd))
        need(p + "attn_v.weight", (n_head_kv * hd, n_embd))
        need(p + "attn_output.weight", (n_embd, n_head * hd))
        if arch == "qwen2":
            need(p + "attn_q.bias", (n_head * hd,), True)
            need(p + "attn_k.bias", (n_head_kv * hd,), True)
            need(p + "attn_v.bias", (n_head_kv * hd,), True)
        if arch == "qwen3":
            need(p + "attn_q_norm.weight", (hd,), True)
            need(p + "attn_k_norm.weight", (hd,), True)
        need(p + "ffn_norm.weight", (n_embd,), True)
        need(p + "ffn_gate.weight", (n_ff, n_embd))
        need(p + "ffn_up.weight", (n_ff, n_embd))
        need(p + "ffn_down.weight", (n_embd, n_ff))
    need("output_norm.weight", (n_embd,), True)
    if "output.weight" in tensors:
        need("output.weight", (n_vocab, n_embd))
    for key in ("tokenizer.ggml.scores", "tokenizer.ggml.token_type"):
        if key in md and len(get(key, "arr")[1]) != n_vocab:
            raise Fail("bad_tokenizer", f"{key} length")
    if tok_model == "gpt2" and "tokenizer.ggml.merges" not in md:
        raise Fail("bad_tokenizer", "gpt2 without merges")
    for key in ("bos", "eos", "unknown", "padding"):
        k = f"tokenizer.ggml.{key}_token_id"
        if k in md and get(k, "int") >= n_vocab:
            raise Fail("bad_tokenizer", f"{k} out of range")


def check(buf, model=True):
    """-> "ok" or the fine code of the first problem."""
    try:
        md, tensors = read_gguf(buf)
        if model:
            check_model(md, tensors)
    except Fail as e:
        return e.code
    return "ok"


if __name__ == "__main__":
    for path in sys.argv[1:]:
        with open(path, "rb") as f:
            print(path, check(f.read()))
