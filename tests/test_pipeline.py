"""The build pipeline (rag/pipeline.py): a large report is built without holding every passage's
vectors or term lists at once, with progress through every phase.

Memory is measured with tracemalloc (Python allocations; the embedding cache's SQLite pages are not
among them): the growth within a phase is compared with what that phase would hold if it kept every
passage's vectors (or terms) until its end, not with a time or a machine's memory."""

from __future__ import annotations

import random
import re
import sys
import tracemalloc
from pathlib import Path

import numpy as np

from rag import Config, pipeline
from rag.lexical import PLAIN, Tokenizer
from rag.pipeline import Source, build, lexical_text
from rag.storage import file_digest

DATA = Path(__file__).parent / "data"


class RecordingEncoder:
    """Character-bigram vectors of a large dimension (so vectors dominate), counting its calls."""

    name = "test-recording-encoder"
    dim = 1024

    def __init__(self):
        self.calls = 0

    def encode_passages(self, texts, **_):
        self.calls += 1
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for a, b in zip(t, t[1:], strict=False):
                out[i, hash(a + b) % self.dim] += 1.0
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)

    encode_queries = encode_passages


def _large_report(path: Path, copies: int) -> Path:
    """The Xining fixture's body repeated with its figures varied, so no passage repeats another."""
    title, body = (DATA / "xining_2020.txt").read_text(encoding="utf-8").split("\n", 1)
    rng = random.Random(0)
    pieces = [re.sub(r"\d+(?:\.\d+)?", lambda m: str(rng.randint(1, 99999)), body) for _ in range(copies)]
    path.write_text(title + "\n" + "".join(pieces), encoding="utf-8")
    return path


def test_a_large_report_is_built_without_holding_every_vector_or_term_list(tmp_path, monkeypatch):
    report = _large_report(tmp_path / "large.txt", copies=10)
    config = Config(index_dir=tmp_path / "index", cache_dir=tmp_path / "cache", corpus=(tmp_path,))
    encoder = RecordingEncoder()
    memory: dict[str, list[int]] = {}
    phases: list[str] = []

    def progress(label: str, done: int, total: int) -> None:
        if not phases or phases[-1] != label:
            phases.append(label)
        memory.setdefault(label, []).append(tracemalloc.get_traced_memory()[0])

    class RecordingTokenizer(Tokenizer):
        def terms(self, text: str) -> list[str]:
            memory.setdefault("terms", []).append(tracemalloc.get_traced_memory()[0])
            return super().terms(text)

    monkeypatch.setattr(pipeline, "Tokenizer", RecordingTokenizer)
    PLAIN.segment("预热")  # jieba's dictionary, loaded once per process, is not what is measured
    tracemalloc.start()
    try:
        index, stats = build(
            config, encoder, [Source(report, report.name, False, file_digest(report))], progress=progress
        )
    finally:
        tracemalloc.stop()

    assert stats.chunks > 150 and stats.embedded == stats.chunks
    assert phases == ["reading reports", "chunking", "embedding passages", "collecting vectors", "lexical index"]
    # between the first batch and the last, the embedding phase keeps no more than a batch or so (a
    # later batch holds longer passages) of what it embedded; keeping it all would be 5/6 of these bytes
    vector_bytes = (stats.chunks + stats.sentences) * encoder.dim * 4
    embedded = memory["embedding passages"]
    assert len(embedded) >= 6 and embedded[-1] - embedded[0] < 0.3 * vector_bytes, (embedded, vector_bytes)
    # nor the lexical phase every passage's term list, which would be this many bytes
    counted = list(memory["terms"])[1:]  # from the second passage: the first call copies jieba's dictionary
    assert len(counted) == stats.chunks - 1
    terms = [index.tokenizer.terms(lexical_text(c, index.report_of(c))) for c in index.chunks]
    terms_bytes = sum(sys.getsizeof(t) + sum(sys.getsizeof(w) for w in t) for t in terms)
    assert counted[-1] - counted[0] < 0.25 * terms_bytes, (counted[-1] - counted[0], terms_bytes)
    # the final arrays are what the index keeps: every vector, each once
    assert index.sentence_vectors.shape == (stats.sentences, encoder.dim) and index.dense.ntotal == stats.chunks


def test_a_rebuild_reads_every_vector_back_from_the_cache_and_embeds_nothing(tmp_path):
    report = _large_report(tmp_path / "large.txt", copies=2)
    config = Config(index_dir=tmp_path / "index", cache_dir=tmp_path / "cache", corpus=(tmp_path,))
    source = [Source(report, report.name, False, file_digest(report))]
    first, _ = build(config, RecordingEncoder(), source)
    again = RecordingEncoder()
    second, stats = build(config, again, source)
    assert again.calls == 0 and stats.embedded == 0 and stats.cached == stats.chunks
    assert np.array_equal(first.sentence_vectors, second.sentence_vectors)
    assert np.array_equal(first.sentence_rows, second.sentence_rows)
