"""The embedding cache: vectors by (model, text hash) in one SQLite file.

Why: every build derives the whole index from its sources, so unchanged text must cost nothing;
passages are embedded in batches and each batch is written to the cache as soon as it is done,
so an interrupted build keeps what it embedded.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .index import BuildStats

Progress = Callable[[str, int, int], None]


class EmbeddingCache:
    """Vectors by (model, text hash) in one SQLite file, so unchanged text is never embedded twice."""

    def __init__(self, path: Path, model: str):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(path))
        self.db.execute("CREATE TABLE IF NOT EXISTS vec (model TEXT, hash TEXT, v BLOB, PRIMARY KEY (model, hash))")
        self.model = model

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    def get_many(self, texts: list[str]) -> dict[str, np.ndarray]:
        keys = list({self.key(t) for t in texts})
        found: dict[str, np.ndarray] = {}
        for i in range(0, len(keys), 500):
            part = keys[i : i + 500]
            q = f"SELECT hash, v FROM vec WHERE model=? AND hash IN ({','.join('?' * len(part))})"
            for h, blob in self.db.execute(q, [self.model, *part]):
                found[h] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, texts: list[str], vectors: np.ndarray | list[np.ndarray]) -> None:
        rows = [
            (self.model, self.key(t), np.asarray(v, dtype=np.float32).tobytes())
            for t, v in zip(texts, vectors, strict=False)
        ]
        self.db.executemany("INSERT OR REPLACE INTO vec VALUES (?, ?, ?)", rows)
        self.db.commit()

    def close(self) -> None:
        self.db.close()


def embed_with_cache(
    encoder,
    texts: list[str],
    spans: list[list[tuple[int, int]]],
    cache: EmbeddingCache,
    stats: BuildStats,
    progress: Progress | None = None,
) -> list[np.ndarray]:
    """Passage + sentence vectors per passage: from the cache where the text is known, else embedded in batches."""
    keys = [f"spans-v1|{t}|{json.dumps(sp)}" for t, sp in zip(texts, spans, strict=False)]
    found = cache.get_many(keys)
    dim: int | None = None
    missing = [i for i, k in enumerate(keys) if cache.key(k) not in found]
    # batches of similar length: a batch is padded to its longest text, so mixed lengths waste compute
    missing.sort(key=lambda i: len(texts[i]))
    stats.cached += len(texts) - len(missing)
    batch = 32
    for n in range(0, len(missing), batch):
        part = missing[n : n + batch]
        arrays = _encode_spans(encoder, [texts[i] for i in part], [spans[i] for i in part])
        cache.put_many([keys[i] for i in part], [a.ravel() for a in arrays])
        for i, a in zip(part, arrays, strict=False):
            found[cache.key(keys[i])] = a.ravel()
            dim = a.shape[1]
        stats.embedded += len(part)
        if progress:
            progress("embedding passages", min(n + batch, len(missing)), len(missing))
    if dim is None and keys:  # everything came from the cache: no need to load the model for its size
        dim = len(found[cache.key(keys[0])]) // (len(spans[0]) + 1)
    if dim is None:  # no texts
        return []
    return [found[cache.key(k)].reshape(len(sp) + 1, dim) for k, sp in zip(keys, spans, strict=False)]


def _encode_spans(encoder, texts: list[str], spans: list[list[tuple[int, int]]]) -> list[np.ndarray]:
    if hasattr(encoder, "encode_passages_with_spans"):
        return encoder.encode_passages_with_spans(texts, spans)
    # encoders without token access: embed each sentence on its own
    out = []
    for t, sp in zip(texts, spans, strict=False):
        out.append(encoder.encode_passages([t] + [t[a:b] for a, b in sp]))
    return out
