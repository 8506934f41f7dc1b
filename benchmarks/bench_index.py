"""Benchmark: full bundled-corpus index build, cold (empty embedding cache) and warm.

Run: .venv/bin/python benchmarks/bench_index.py   (prints one line per build; not a test)
"""

from __future__ import annotations

import resource
import tempfile
import time
from pathlib import Path

from rag.assistant import build_index
from rag.config import Config
from rag.encoder import Encoder


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        model_cache = Config.from_env().cache_dir  # reuse the materialised model, not the embeddings
        config = Config(index_dir=Path(tmp) / "index", cache_dir=Path(tmp) / "cache")
        encoder = Encoder(cache_dir=model_cache)
        t = time.perf_counter()
        _ = encoder.dim
        print(f"model load: {time.perf_counter() - t:.1f}s")
        for label in ("cold", "warm"):
            _, s = build_index(config, encoder, rebuild=True)
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(
                f"{label}: {s.reports} reports, {s.chunks} chunks, {s.sentences} sentences, {s.characters} chars, "
                f"{s.seconds:.1f}s, {s.chunks / s.seconds:.1f} chunks/s, embedded {s.embedded}, "
                f"peak RSS {peak:.0f} MiB"
            )


if __name__ == "__main__":
    main()
