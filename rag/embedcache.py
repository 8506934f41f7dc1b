"""The embedding cache: vectors by (model, text hash) in one SQLite file.

Why: every build derives the whole index from its sources, so unchanged text must cost nothing;
passages are embedded in batches and each batch is written to the cache as soon as it is done,
so an interrupted build keeps what it embedded. The cache is also where a build's vectors wait:
:func:`embed_missing` keeps no vector in memory, and :func:`read_vectors` hands them back a block at
a time, so a large report costs its final arrays, not every vector twice over.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np

Progress = Callable[[str, int, int], None]
BATCH = 32  # passages per encoder call; a batch is padded to its longest text
BLOCK = 500  # hashes per SQLite query (below SQLite's limit on bound parameters)


class EmbeddingCache:
    """Vectors by (model, text hash) in one SQLite file, so unchanged text is never embedded twice."""

    def __init__(self, path: Path, model: str, *, any_thread: bool = False):
        path.parent.mkdir(parents=True, exist_ok=True)
        # any_thread: one connection used from several threads (the UI's), each call under the caller's lock
        self.db = sqlite3.connect(str(path), check_same_thread=not any_thread, timeout=30)
        self.db.execute("CREATE TABLE IF NOT EXISTS vec (model TEXT, hash TEXT, v BLOB, PRIMARY KEY (model, hash))")
        self.model = model

    @staticmethod
    def key(text: str) -> str:
        """The hash a text's vector is stored under."""
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    def get_many(self, texts: list[str]) -> dict[str, np.ndarray]:
        """Vectors of the texts the cache holds, by :meth:`key` of the text."""
        return self.get_hashed(list({self.key(t) for t in texts}))

    def get_hashed(self, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        keys = list(dict.fromkeys(hashes))
        for i in range(0, len(keys), BLOCK):
            part = keys[i : i + BLOCK]
            q = f"SELECT hash, v FROM vec WHERE model=? AND hash IN ({','.join('?' * len(part))})"
            for h, blob in self.db.execute(q, [self.model, *part]):
                found[h] = np.frombuffer(blob, dtype=np.float32)
        return found

    def known(self, hashes: Sequence[str]) -> set[str]:
        """Which of the hashes the cache holds a vector for (the vectors themselves are not read)."""
        found: set[str] = set()
        keys = list(dict.fromkeys(hashes))
        for i in range(0, len(keys), BLOCK):
            part = keys[i : i + BLOCK]
            q = f"SELECT hash FROM vec WHERE model=? AND hash IN ({','.join('?' * len(part))})"
            found.update(h for (h,) in self.db.execute(q, [self.model, *part]))
        return found

    def put_many(self, texts: list[str], vectors: np.ndarray | list[np.ndarray]) -> None:
        self.put_hashed([self.key(t) for t in texts], vectors)

    def put_hashed(self, hashes: Sequence[str], vectors: np.ndarray | list[np.ndarray]) -> None:
        rows = [
            (self.model, h, np.asarray(v, dtype=np.float32).tobytes()) for h, v in zip(hashes, vectors, strict=True)
        ]
        self.db.executemany("INSERT OR REPLACE INTO vec VALUES (?, ?, ?)", rows)
        self.db.commit()

    def close(self) -> None:
        self.db.close()


def embed_missing(
    encoder,
    hashes: Sequence[str],
    lengths: Sequence[int],
    passage: Callable[[int], tuple[str, list[tuple[int, int]]]],
    cache: EmbeddingCache,
    progress: Progress | None = None,
) -> int:
    """Embed, in batches, the passages whose vectors the cache lacks; return how many were embedded.

    ``hashes[i]`` is the cache key of passage i, ``lengths[i]`` its length in characters, and
    ``passage(i)`` gives its text and sentence spans when it is embedded (texts are made a batch at a
    time, not all at once). Each batch's passage and sentence vectors go straight into the cache.
    """
    known = cache.known(hashes)
    missing = [i for i, h in enumerate(hashes) if h not in known]
    # batches of similar length: a batch is padded to its longest text, so mixed lengths waste compute
    missing.sort(key=lambda i: lengths[i])
    for n in range(0, len(missing), BATCH):
        part = missing[n : n + BATCH]
        texts, spans = zip(*(passage(i) for i in part), strict=True)
        arrays = _encode_spans(encoder, list(texts), list(spans))
        cache.put_hashed([hashes[i] for i in part], [a.ravel() for a in arrays])
        if progress:
            progress("embedding passages", min(n + BATCH, len(missing)), len(missing))
    return len(missing)


def read_vectors(
    cache: EmbeddingCache, hashes: Sequence[str], sentences: Sequence[int]
) -> Iterator[tuple[int, list[np.ndarray]]]:
    """The cached vectors of each passage, ``(first passage, [array of (1 + sentences, dim)])`` a
    block at a time, in order; a vector the cache lacks is a KeyError."""
    for start in range(0, len(hashes), BLOCK):
        part = hashes[start : start + BLOCK]
        found = cache.get_hashed(part)
        yield start, [found[h].reshape(n + 1, -1) for h, n in zip(part, sentences[start : start + BLOCK], strict=True)]


def _encode_spans(encoder, texts: list[str], spans: list[list[tuple[int, int]]]) -> list[np.ndarray]:
    if hasattr(encoder, "encode_passages_with_spans"):
        return encoder.encode_passages_with_spans(texts, spans)
    # encoders without token access: embed each sentence on its own
    out = []
    for t, sp in zip(texts, spans, strict=False):
        out.append(encoder.encode_passages([t] + [t[a:b] for a, b in sp]))
    return out
