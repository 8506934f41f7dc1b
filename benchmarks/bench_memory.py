"""Benchmark: memory and progress while indexing one large report file (issue 11, item 5).

A synthetic report of about ``--mb`` MB is made by repeating a bundled report with its figures
varied (so no passage is a cache hit), then indexed with a keyword-hash fake encoder of the real
model's dimension (no model: what is measured is the pipeline, not the encoder). Prints each
progress phase with the seconds since the start and the longest silence, then the peak RSS.

Run: PYTHONPATH=. .venv/bin/python benchmarks/bench_memory.py --mb 15   (one build per process)
"""

from __future__ import annotations

import argparse
import hashlib
import random
import re
import resource
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from rag import BUNDLED_CORPUS, Config, build_index


class HashEncoder:
    """Character bigrams hashed into ``dim`` slots, L2-normalised: vectors of the real size, no model."""

    name = "bench-hash-encoder"

    def __init__(self, dim: int = 384):
        self.dim = dim

    def encode_passages(self, texts: Sequence[str], **_: object) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for a, b in zip(text, text[1:], strict=False):
                out[
                    i, int.from_bytes(hashlib.blake2b((a + b).encode(), digest_size=4).digest(), "little") % self.dim
                ] += 1
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)

    encode_queries = encode_passages


def synthetic_report(megabytes: float, seed: int = 0) -> str:
    """One report of about ``megabytes`` MB of UTF-8: a bundled report's body repeated, figures varied."""
    source = (BUNDLED_CORPUS / "000_68102dd28083233a.txt").read_text(encoding="utf-8")
    title, body = source.split("\n", 1)
    rng = random.Random(seed)
    parts = [title, "\n"]
    size = len(title.encode())
    while size < megabytes * 1_000_000:
        piece = re.sub(r"\d+(?:\.\d+)?", lambda m: str(rng.randint(1, 99999)), body)
        parts.append(piece)
        size += len(piece.encode())
    return "".join(parts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=15.0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        corpus = root / "corpus"
        corpus.mkdir()
        (corpus / "big.txt").write_text(synthetic_report(args.mb), encoding="utf-8")
        config = Config(
            index_dir=root / "index", cache_dir=root / "cache", corpus=(corpus,), max_file_mb=args.mb + 5, quiet=True
        )
        t0 = last = time.perf_counter()
        longest = (0.0, "")
        phase = None

        def progress(label: str, done: int, total: int) -> None:
            nonlocal last, longest, phase
            now = time.perf_counter()
            if now - last > longest[0]:
                longest = (now - last, f"before '{label}' {done}/{total}")
            last = now
            if label != phase:
                phase = label
                print(f"{now - t0:7.1f}s  {label} (0..{total})", flush=True)

        _, stats = build_index(config, HashEncoder(), progress=progress)
        end = time.perf_counter()
        if end - last > longest[0]:
            longest = (end - last, "after the last progress call")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"{args.mb:.0f} MB file: {stats.chunks} chunks, {stats.sentences} sentences, {stats.characters} chars; "
            f"{end - t0:.1f} s; longest silence {longest[0]:.1f} s ({longest[1]}); peak RSS {peak:.0f} MiB"
        )


if __name__ == "__main__":
    main()
