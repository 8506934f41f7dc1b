"""The build pipeline: the files a build reads become an :class:`~rag.index.Index`.

collect (one source per distinct file) → ingest (read, clean, split compilations, metadata; removed
and duplicate reports left out) → chunk → embed (the passages the embedding cache lacks, in batches,
straight into the cache) → assemble (vectors read back from the cache, a block at a time, into the
index's arrays) → lexical index (one passage's terms at a time). :mod:`rag.index` only stores and
searches what this produces; :func:`rag.assistant.build_index` runs it under the write lock and saves.

Memory: what a build holds is the reports' text, the chunks and the final arrays; no phase keeps
every passage's text, vector or term list beside them (``benchmarks/bench_memory.py`` measures a
large report). Every phase reports progress as it goes.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ._version import __version__
from .chunking import CHUNKER_VERSION, Chunk, chunk_report, embedding_text
from .config import Config
from .embedcache import EmbeddingCache, embed_missing, read_vectors
from .errors import IngestError
from .index import FORMAT_VERSION, Index, dense_index
from .ingest import Report, assign_ids, dedupe, load_reports
from .lexical import BM25, LEXICAL_VERSION, Tokenizer, corpus_user_words
from .places import chinese_aliases, title_place

Progress = Callable[[str, int, int], None]


@dataclass
class BuildStats:
    """What a build did, for the CLI's summary line and the benchmark."""

    reports: int = 0
    chunks: int = 0
    sentences: int = 0
    characters: int = 0
    embedded: int = 0
    cached: int = 0
    seconds: float = 0.0
    removed: int = 0
    notes: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # files that could not be read, each with why
    added: list[str] = field(default_factory=list)  # files newly put into the library


@dataclass(frozen=True)
class Source:
    """A file a build reads: the bundled corpus or the user's library (never the index folder)."""

    path: Path
    name: str  # what citations show: the file's name as the person gave it
    bundled: bool
    sha256: str
    library_file: str | None = None  # its name under library/files/


def build(
    config: Config,
    encoder,
    sources: list[Source],
    *,
    removed: frozenset[str] = frozenset(),
    progress: Progress | None = None,
) -> tuple[Index, BuildStats]:
    """Read, chunk and embed the given sources, leaving out reports whose content hash is in ``removed``.

    A source that cannot be read any more (a library file damaged on disk) is skipped and named
    in ``stats.skipped``: one bad file never costs the others their place in the index. The index is
    returned unsaved (``folder`` None).
    """
    t0 = time.perf_counter()
    stats = BuildStats()
    reports, manifest_sources = ingest(collect(sources, stats), config, removed, stats, progress)
    places = sorted({a for r in reports for a in chinese_aliases(title_place(r.title, r.city))})
    user_words = corpus_user_words([r.text for r in reports], places)
    tokenizer = Tokenizer(user_words)
    chunks = chunk(reports, config, progress)
    titles = {r.report_id: r.title for r in reports} if config.title_prefix else None

    # vectors are cached per model and runtime (int8 ONNX vectors are close to torch's, not equal)
    cache = EmbeddingCache(config.cache_dir / "embeddings.sqlite", getattr(encoder, "cache_key", encoder.name))
    try:
        hashes, lengths = _cache_keys(chunks, titles)

        def passage(i: int) -> tuple[str, list[tuple[int, int]]]:
            return _passage(chunks[i], titles)

        stats.embedded = embed_missing(encoder, hashes, lengths, passage, cache, progress)
        stats.cached = len(chunks) - stats.embedded
        vectors, sentence_vectors, sentence_rows = assemble(chunks, hashes, cache, progress)
    finally:
        cache.close()
    dimension = int(vectors.shape[1])
    dense = dense_index(vectors, config.ann_threshold)
    del vectors  # the FAISS index holds its own copy
    bm25 = BM25.build(lexical_docs(chunks, {r.report_id: r for r in reports}, tokenizer, progress))
    manifest = {
        "format_version": FORMAT_VERSION,
        "package_version": __version__,
        "model": encoder.name,
        # informational: torch and int8 ONNX vectors agree to cosine >= 0.99, so an index built
        # with either runtime is searched with the other (tests/test_onnx.py checks the parity)
        "runtime": getattr(encoder, "runtime_name", "unknown"),
        "dimension": dimension,
        "chunker_version": CHUNKER_VERSION,
        "lexical_version": LEXICAL_VERSION,
        "chunk_size": [config.chunk_size, config.chunk_max, config.chunk_overlap],
        "title_prefix": config.title_prefix,
        "dense_index": "ivf_flat" if len(chunks) > config.ann_threshold else "flat_ip",
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "reports": len(reports),
        "chunks": len(chunks),
        "sources": manifest_sources,
        "user_words": user_words,
    }
    stats.reports, stats.chunks, stats.sentences = len(reports), len(chunks), len(sentence_rows)
    stats.characters = sum(len(r.text) for r in reports)
    index = Index(manifest, reports, chunks, dense, bm25, sentence_vectors, sentence_rows, tokenizer=tokenizer)
    stats.seconds = time.perf_counter() - t0
    return index, stats


def collect(sources: list[Source], stats: BuildStats) -> list[Source]:
    """One source per distinct file: the same bytes given twice are read once, with a note."""
    unique: dict[str, Source] = {}
    for s in sources:
        if s.sha256 in unique:
            stats.notes.append(f"{s.name}: same file as {unique[s.sha256].name}; skipped")
            continue
        unique[s.sha256] = s
    return list(unique.values())


def ingest(
    sources: list[Source], config: Config, removed: frozenset[str], stats: BuildStats, progress: Progress | None
) -> tuple[list[Report], list[dict]]:
    """The reports of the sources (removed and duplicate ones left out, ids given) and the manifest's
    record of each source; a source that cannot be read is named in ``stats.skipped``."""
    reports: list[Report] = []
    manifest_sources: list[dict] = []
    for n, s in enumerate(sources, 1):
        try:
            found = load_reports(s.path, config.max_file_bytes, name=s.name)
        except IngestError as exc:
            stats.skipped.append(str(exc))
            continue
        finally:
            if progress:
                progress("reading reports", n, len(sources))
        kept = [r for r in found if r.content_hash not in removed]
        stats.removed += len(found) - len(kept)
        for r in kept:
            stats.notes += list(r.warnings)
        reports += kept
        manifest_sources.append(
            {
                "name": s.name,
                "bundled": s.bundled,
                "sha256": s.sha256,
                "library_file": s.library_file,
                "reports": [r.content_hash for r in found],
            }
        )
    reports, dup_notes = dedupe(reports)
    stats.notes += dup_notes
    reports = assign_ids(reports)
    if not reports:
        raise IngestError("no reports to index" + (f" ({stats.skipped[0]})" if stats.skipped else ""))
    return reports, manifest_sources


def chunk(reports: list[Report], config: Config, progress: Progress | None = None) -> list[Chunk]:
    """Every report's chunks, in report order (row i of the index is chunk i)."""
    chunks: list[Chunk] = []
    for n, r in enumerate(reports, 1):
        chunks += chunk_report(r, config.chunk_size, config.chunk_max, config.chunk_overlap)
        if progress:
            progress("chunking", n, len(reports))
    return chunks


def assemble(
    chunks: list[Chunk], hashes: list[str], cache: EmbeddingCache, progress: Progress | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The passage vectors, the sentence vectors and each sentence's chunk row, filled from the cache
    a block at a time into arrays allocated once at their final size."""
    counts = np.fromiter((len(c.sentences) for c in chunks), dtype=np.int64, count=len(chunks))
    sentence_rows = np.repeat(np.arange(len(chunks), dtype=np.int64), counts)
    vectors: np.ndarray | None = None
    sentence_vectors: np.ndarray | None = None
    row = 0
    for start, arrays in read_vectors(cache, hashes, counts.tolist()):
        if vectors is None:
            dim = arrays[0].shape[1]
            vectors = np.empty((len(chunks), dim), dtype=np.float32)
            sentence_vectors = np.empty((len(sentence_rows), dim), dtype=np.float32)
        assert sentence_vectors is not None
        for i, a in enumerate(arrays, start):
            vectors[i] = a[0]
            sentence_vectors[row : row + len(a) - 1] = a[1:]
            row += len(a) - 1
        if progress:
            progress("collecting vectors", start + len(arrays), len(chunks))
    if vectors is None or sentence_vectors is None:  # no chunks (every report was empty)
        raise IngestError("no passages to index: the reports hold no text")
    return vectors, sentence_vectors, sentence_rows


def lexical_text(chunk: Chunk, report: Report) -> str:
    """What BM25 indexes for a passage: the place and section headings are part of what it is about,
    for BM25 as for the embeddings."""
    return f"{report.city} {' '.join(chunk.section_path)} {chunk.text}"


def lexical_docs(
    chunks: list[Chunk], reports: dict[str, Report], tokenizer: Tokenizer, progress: Progress | None = None
) -> Iterator[list[str]]:
    """Each passage's BM25 terms, one passage at a time (BM25 counts them as they come)."""
    for n, c in enumerate(chunks, 1):
        yield tokenizer.terms(lexical_text(c, reports[c.report_id]))
        if progress and (n % 200 == 0 or n == len(chunks)):
            progress("lexical index", n, len(chunks))


def _passage(chunk: Chunk, titles: dict[str, str] | None) -> tuple[str, list[tuple[int, int]]]:
    """What is embedded for a chunk (with its title and section path unless the config says not) and
    its sentences' offsets in that text."""
    text = embedding_text(chunk, titles[chunk.report_id]) if titles is not None else chunk.text
    offset = len(text) - len(chunk.text)  # the title/section prefix before the passage text
    return text, [(s - chunk.start + offset, e - chunk.start + offset) for s, e in chunk.sentences]


def _cache_keys(chunks: list[Chunk], titles: dict[str, str] | None) -> tuple[list[str], list[int]]:
    """Each chunk's embedding-cache hash (its text and sentence spans) and its text's length."""
    hashes, lengths = [], []
    for c in chunks:
        text, spans = _passage(c, titles)
        hashes.append(EmbeddingCache.key(f"spans-v1|{text}|{json.dumps(spans)}"))
        lengths.append(len(text))
    return hashes, lengths
