"""The index on disk: FAISS vectors, BM25 data and the chunk/report store, behind a manifest.

``index/`` holds one file per component; row i of ``dense.faiss`` is line i of
``chunks.jsonl``. Builds go to a temporary sibling folder that is swapped in by rename, so a build
that is interrupted or fails leaves the previous index loadable.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from . import __version__
from .chunking import CHUNKER_VERSION, Chunk, chunk_report, embedding_text
from .config import BUNDLED_CORPUS, Config
from .errors import IndexMismatchError, IndexNotFoundError, IndexWriteError, IngestError
from .ingest import Report, Section, assign_ids, collect_files, dedupe, load_reports
from .lexical import BM25, LEXICAL_VERSION, corpus_user_words, load_user_words, terms
from .places import chinese_aliases, title_place

FORMAT_VERSION = 2
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
    notes: list[str] = field(default_factory=list)


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
            part = keys[i:i + 500]
            q = f"SELECT hash, v FROM vec WHERE model=? AND hash IN ({','.join('?' * len(part))})"
            for h, blob in self.db.execute(q, [self.model, *part]):
                found[h] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, texts: list[str], vectors: np.ndarray) -> None:
        rows = [(self.model, self.key(t), np.asarray(v, dtype=np.float32).tobytes()) for t, v in zip(texts, vectors)]
        self.db.executemany("INSERT OR REPLACE INTO vec VALUES (?, ?, ?)", rows)
        self.db.commit()

    def close(self) -> None:
        self.db.close()


def embed_with_cache(encoder, texts: list[str], spans: list[list[tuple[int, int]]], cache: EmbeddingCache,
                     stats: BuildStats, progress: Progress | None = None) -> list[np.ndarray]:
    """Passage + sentence vectors per passage: from the cache where the text is known, else embedded in batches."""
    keys = [f"spans-v1|{t}|{json.dumps(sp)}" for t, sp in zip(texts, spans)]
    found = cache.get_many(keys)
    dim = None
    missing = [i for i, k in enumerate(keys) if cache.key(k) not in found]
    # batches of similar length: a batch is padded to its longest text, so mixed lengths waste compute
    missing.sort(key=lambda i: len(texts[i]))
    stats.cached += len(texts) - len(missing)
    batch = 32
    for n in range(0, len(missing), batch):
        part = missing[n:n + batch]
        arrays = _encode_spans(encoder, [texts[i] for i in part], [spans[i] for i in part])
        cache.put_many([keys[i] for i in part], [a.ravel() for a in arrays])
        for i, a in zip(part, arrays):
            found[cache.key(keys[i])] = a.ravel()
            dim = a.shape[1]
        stats.embedded += len(part)
        if progress:
            progress("embedding passages", min(n + batch, len(missing)), len(missing))
    if dim is None and keys:  # everything came from the cache: no need to load the model for its size
        dim = len(found[cache.key(keys[0])]) // (len(spans[0]) + 1)
    return [found[cache.key(k)].reshape(len(sp) + 1, dim) for k, sp in zip(keys, spans)]


def _encode_spans(encoder, texts: list[str], spans: list[list[tuple[int, int]]]) -> list[np.ndarray]:
    if hasattr(encoder, "encode_passages_with_spans"):
        return encoder.encode_passages_with_spans(texts, spans)
    # encoders without token access: embed each sentence on its own
    out = []
    for t, sp in zip(texts, spans):
        out.append(encoder.encode_passages([t] + [t[a:b] for a, b in sp]))
    return out


class Index:
    """Reports, chunks, dense vectors and BM25 data, loaded together and checked against a manifest."""

    def __init__(self, manifest: dict, reports: list[Report], chunks: list[Chunk], dense, bm25: BM25,
                 sentence_vectors: np.ndarray, sentence_rows: np.ndarray, folder: Path | None = None):
        self.manifest = manifest
        self.reports = {r.report_id: r for r in reports}
        self.chunks = chunks
        self.dense = dense
        self.bm25 = bm25
        self.sentence_vectors = sentence_vectors
        self.sentence_rows = sentence_rows  # chunk row of each sentence vector, in chunk order
        self.folder = folder
        self.chunk_row = {c.chunk_id: i for i, c in enumerate(chunks)}
        starts = np.searchsorted(sentence_rows, np.arange(len(chunks)))
        ends = np.searchsorted(sentence_rows, np.arange(len(chunks)), side="right")
        self._sentence_slices = list(zip(starts.tolist(), ends.tolist()))
        self.places = {r.city: title_place(r.title, r.city) for r in reports}
        load_user_words(list(manifest.get("user_words", [])))

    # ------------------------------------------------------------ building

    @classmethod
    def build(cls, config: Config, encoder, paths: Iterable[Path] | None = None, *, previous: "Index | None" = None,
              progress: Progress | None = None) -> tuple["Index", BuildStats]:
        """Read, chunk and embed the given report files (plus what ``previous`` already held)."""
        t0 = time.perf_counter()
        stats = BuildStats()
        sources: list[dict] = []
        if previous is not None:
            sources += [dict(s) for s in previous.manifest.get("sources", [])]
            for s in sources:
                if not s.get("bundled") and previous.folder is not None:
                    s["read_from"] = str(previous.folder / "sources" / s["stored_as"])
        new_files = collect_files(list(paths)) if paths else []
        if not sources and not new_files:
            new_files = collect_files(list(config.corpus))
        for f in new_files:
            bundled = Path(f).resolve().parent == BUNDLED_CORPUS.resolve()
            sources.append({"name": Path(f).name, "bundled": bundled, "read_from": str(Path(f).resolve()),
                            "sha256": hashlib.sha256(Path(f).read_bytes()).hexdigest()})
        # same file bytes given twice: one source
        unique: dict[str, dict] = {}
        for s in sources:
            if s["sha256"] in unique:
                stats.notes.append(f"{s['name']}: same file as {unique[s['sha256']]['name']}; skipped")
                continue
            unique[s["sha256"]] = s
        sources = list(unique.values())

        reports: list[Report] = []
        for s in sources:
            src = Path(s.get("read_from") or (BUNDLED_CORPUS / s["name"]))
            if not src.exists() and s.get("bundled"):
                src = BUNDLED_CORPUS / s["name"]
            found = load_reports(src)
            for r in found:
                stats.notes += list(r.warnings)
            reports += found
        reports, dup_notes = dedupe(reports)
        stats.notes += dup_notes
        reports = assign_ids(reports)
        if not reports:
            raise IngestError("no reports to index")

        places = sorted({a for r in reports for a in chinese_aliases(title_place(r.title, r.city))})
        user_words = corpus_user_words([r.text for r in reports], places)
        load_user_words(user_words)

        chunks: list[Chunk] = []
        for r in reports:
            chunks += chunk_report(r, config.chunk_size, config.chunk_max, config.chunk_overlap)
        titles = {r.report_id: r.title for r in reports}
        passages = [embedding_text(c, titles[c.report_id]) if config.title_prefix else c.text for c in chunks]
        spans, sentence_rows = [], []
        for row, (c, text) in enumerate(zip(chunks, passages)):
            offset = len(text) - len(c.text)  # the title/section prefix before the passage text
            spans.append([(s - c.start + offset, e - c.start + offset) for s, e in c.sentences])
            sentence_rows += [row] * len(c.sentences)

        # vectors are cached per model and runtime (int8 ONNX vectors are close to torch's, not equal)
        cache = EmbeddingCache(config.cache_dir / "embeddings.sqlite", getattr(encoder, "cache_key", encoder.name))
        try:
            arrays = embed_with_cache(encoder, passages, spans, cache, stats, progress)
        finally:
            cache.close()
        vectors = np.stack([a[0] for a in arrays])
        sent_vectors = np.concatenate([a[1:] for a in arrays]) if arrays else np.zeros((0, vectors.shape[1]), np.float32)
        dense = _dense_index(vectors, config.ann_threshold)
        by_id = {r.report_id: r for r in reports}
        bm25 = BM25.build([terms(_lexical_text(c, by_id[c.report_id])) for c in chunks])
        manifest = {
            "format_version": FORMAT_VERSION,
            "package_version": __version__,
            "model": encoder.name,
            # informational: torch and int8 ONNX vectors agree to cosine >= 0.99, so an index built
            # with either runtime is searched with the other (tests/test_onnx.py checks the parity)
            "runtime": getattr(encoder, "runtime_name", "unknown"),
            "dimension": int(vectors.shape[1]),
            "chunker_version": CHUNKER_VERSION,
            "lexical_version": LEXICAL_VERSION,
            "chunk_size": [config.chunk_size, config.chunk_max, config.chunk_overlap],
            "title_prefix": config.title_prefix,
            "dense_index": "ivf_flat" if len(chunks) > config.ann_threshold else "flat_ip",
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "reports": len(reports),
            "chunks": len(chunks),
            "sources": sources,
            "user_words": user_words,
        }
        stats.reports, stats.chunks, stats.sentences = len(reports), len(chunks), len(sentence_rows)
        stats.characters = sum(len(r.text) for r in reports)
        index = cls(manifest, reports, chunks, dense, bm25, sent_vectors,
                    np.array(sentence_rows, dtype=np.int64), folder=None)
        stats.seconds = time.perf_counter() - t0
        return index, stats

    # ------------------------------------------------------------ saving / loading

    def save(self, folder: Path) -> None:
        """Write the index atomically: a temporary sibling folder, then a rename swap."""
        import faiss

        folder = Path(folder)
        try:
            folder.parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.building-", dir=folder.parent))
        except OSError as exc:
            raise IndexWriteError(f"cannot write the index at {folder}: {exc.strerror or exc}") from exc
        try:
            (tmp / "sources").mkdir()
            manifest = json.loads(json.dumps(self.manifest))
            for s in manifest["sources"]:
                src = Path(s.pop("read_from", "") or "")
                if not s.get("bundled"):
                    s["stored_as"] = s.get("stored_as") or f"{s['sha256'][:12]}-{s['name']}"
                    shutil.copyfile(src, tmp / "sources" / s["stored_as"])
            faiss.write_index(self.dense, str(tmp / "dense.faiss"))
            np.save(tmp / "sentences.npy", self.sentence_vectors)
            np.save(tmp / "sentence_rows.npy", self.sentence_rows)
            self.bm25.save(tmp)
            with open(tmp / "chunks.jsonl", "w", encoding="utf-8") as fh:
                for c in self.chunks:
                    fh.write(json.dumps(asdict(c), ensure_ascii=False) + "\n")
            (tmp / "reports.json").write_text(json.dumps([_report_dict(r) for r in self.reports.values()],
                                                         ensure_ascii=False), encoding="utf-8")
            # the manifest is written last: a folder without one is never taken for an index
            (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
            _swap_in(tmp, folder)
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise IndexWriteError(f"cannot write the index at {folder}: {exc.strerror or exc}; "
                                  "the previous index is unchanged") from exc
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        self.manifest = manifest
        self.folder = folder

    @classmethod
    def load(cls, folder: Path, model: str | None = None) -> "Index":
        """Load and check an index; raise a named error saying which command fixes a missing or stale one."""
        import faiss

        folder = Path(folder)
        if not (folder / "manifest.json").exists():
            backup = folder.with_name(f".{folder.name}.previous")
            if (backup / "manifest.json").exists():  # a swap was interrupted between its two renames
                folder = backup
            else:
                raise IndexNotFoundError(f"no index at {folder}; build it with `rag index`")
        try:
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise IndexMismatchError(f"the index at {folder} is damaged ({exc}); rebuild it with `rag index --rebuild`")
        if (manifest.get("format_version"), manifest.get("chunker_version"), manifest.get("lexical_version")) != \
                (FORMAT_VERSION, CHUNKER_VERSION, LEXICAL_VERSION):
            raise IndexMismatchError(
                f"the index at {folder} was built by another version (format {manifest.get('format_version')}, "
                f"chunker {manifest.get('chunker_version')}, lexical {manifest.get('lexical_version')}); "
                "rebuild it with `rag index --rebuild`")
        if model is not None and manifest.get("model") != model:
            raise IndexMismatchError(
                f"the index at {folder} was built with model '{manifest.get('model')}', not '{model}'; "
                f"rebuild it with `rag index --rebuild --model {model}` or use --model {manifest.get('model')}")
        try:
            reports = [_report_from_dict(d) for d in json.loads((folder / "reports.json").read_text(encoding="utf-8"))]
            with open(folder / "chunks.jsonl", encoding="utf-8") as fh:
                chunks = [_chunk_from_dict(json.loads(line)) for line in fh if line.strip()]
            dense = faiss.read_index(str(folder / "dense.faiss"))
            bm25 = BM25.load(folder)
            sent = np.load(folder / "sentences.npy")
            rows = np.load(folder / "sentence_rows.npy")
        except (OSError, ValueError, RuntimeError, KeyError) as exc:
            raise IndexMismatchError(f"the index at {folder} is incomplete or damaged ({exc}); "
                                     "rebuild it with `rag index --rebuild`") from exc
        if dense.ntotal != len(chunks):
            raise IndexMismatchError(f"the index at {folder} is inconsistent ({dense.ntotal} vectors, "
                                     f"{len(chunks)} chunks); rebuild it with `rag index --rebuild`")
        return cls(manifest, reports, chunks, dense, bm25, sent, rows, folder=folder)

    # ------------------------------------------------------------ queries

    def report_of(self, chunk: Chunk) -> Report:
        return self.reports[chunk.report_id]

    def chunk(self, chunk_id: str) -> Chunk:
        row = self.chunk_row.get(chunk_id)
        if row is None:
            raise KeyError(chunk_id)
        return self.chunks[row]

    def dense_search(self, query_vector: np.ndarray, k: int, rows: np.ndarray | None = None
                     ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k rows and cosine scores, best first, among ``rows`` when given (a place/year filter).

        Exact (flat inner product; vectors are normalised, so it is cosine) below
        ``Config.ann_threshold`` chunks. Above it the index is IVF and the filter is applied inside
        the search (an ``IDSelectorBitmap``), with more lists probed the more selective the filter,
        so a filter that keeps 1% of a million chunks still finds its k best rows."""
        import faiss

        q = np.asarray(query_vector, dtype=np.float32).reshape(1, -1)
        n = len(self.chunks)
        k = min(k, n if rows is None else len(rows))
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if isinstance(self.dense, faiss.IndexFlat):
            if rows is None:
                scores, found = self.dense.search(q, k)
                keep = found[0] >= 0
                return found[0][keep], scores[0][keep]
            sub = np.einsum("ij,j->i", self._flat_vectors()[rows], q[0])
            top = top_k(sub, k)
            return np.asarray(rows)[top], sub[top]
        ivf = faiss.extract_index_ivf(self.dense)
        params = faiss.SearchParametersIVF()
        base = max(1, int(self.manifest.get("nprobe", 0)) or ivf.nprobe)
        params.nprobe = base
        if rows is not None:
            mask = np.zeros(n, dtype=bool)
            mask[rows] = True
            bitmap = np.packbits(mask, bitorder="little")  # faiss reads bit (id & 7) of byte id >> 3
            selector = faiss.IDSelectorBitmap(n, faiss.swig_ptr(bitmap))
            params.sel = selector
            # a filter keeping a fraction f of the rows: probe ~1/f times more lists for as many hits
            params.nprobe = int(min(ivf.nlist, np.ceil(base * n / max(len(rows), 1))))
        scores, found = self.dense.search(q, k, params=params)
        keep = found[0] >= 0
        return found[0][keep], scores[0][keep]

    def all_dense_scores(self, query_vector: np.ndarray, rows: np.ndarray | None = None,
                         k: int = 256) -> np.ndarray:
        """Cosine score of every chunk: exact with the flat index (``rows`` then changes nothing).

        With the IVF index (large collections) only the ``k`` best rows (among ``rows`` if given)
        are scored; the others get the lowest score found, so they rank below every found row and
        a score normalisation over candidates is not stretched by chunks never compared."""
        import faiss

        n = len(self.chunks)
        if isinstance(self.dense, faiss.IndexFlat):
            # einsum, not BLAS: a BLAS matvec on faiss's buffer wakes its thread pool (measured ~10 ms
            # on 2 shared cores, against <1 ms for this single-threaded pass over 1,500 x 384 floats)
            return np.einsum("ij,j->i", self._flat_vectors(), np.asarray(query_vector, dtype=np.float32))
        found, scores = self.dense_search(query_vector, k, rows)
        out = np.full(n, float(scores.min()) if len(scores) else -1.0, dtype=np.float32)
        out[found] = scores
        return out

    def _flat_vectors(self) -> np.ndarray:
        n = self.dense.ntotal
        import faiss

        return faiss.rev_swig_ptr(self.dense.get_xb(), n * self.dense.d).reshape(n, self.dense.d)

    def sentence_span(self, row: int) -> tuple[int, int]:
        """Range of sentence-vector rows belonging to chunk row ``row``."""
        return self._sentence_slices[row]

    def context(self, chunk: Chunk, paragraphs: int = 2) -> tuple[str, int, int]:
        """The chunk with a few paragraphs around it from the cleaned report, and its offsets there."""
        text = self.reports[chunk.report_id].text
        start, end = chunk.start, chunk.end
        for _ in range(paragraphs):
            p = text.rfind("\n", 0, max(0, start - 1))
            start = 0 if p < 0 else p + 1
            n = text.find("\n", end + 1)
            end = len(text) if n < 0 else n
        return text[start:end], chunk.start - start, chunk.end - start


def top_k(values: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k largest values, largest first: O(n) selection, then a sort of k."""
    if k >= len(values):
        return np.argsort(-values, kind="stable")
    part = np.argpartition(-values, k - 1)[:k]
    return part[np.argsort(-values[part], kind="stable")]


def _sentence_text(chunk: Chunk, start: int, end: int) -> str:
    return chunk.text[start - chunk.start:end - chunk.start]


def _lexical_text(chunk: Chunk, report: Report) -> str:
    # the place and section headings are part of what a passage is about, for BM25 as for embeddings
    return f"{report.city} {' '.join(chunk.section_path)} {chunk.text}"


def ivf_lists(n: int) -> int:
    """IVF list count for n vectors: ~4 sqrt(n) (faiss's guideline), so a list holds ~sqrt(n)/4 vectors."""
    return int(max(16, min(65536, 4 * np.sqrt(n))))


IVF_NPROBE = 48  # lists probed per query without a filter: recall@10 ~0.95 on bench_scale's data


def _dense_index(vectors: np.ndarray, ann_threshold: int):
    """Flat inner product up to ``ann_threshold`` vectors, IVF-Flat above it.

    # exact search while a full scan is cheap (200k x 384 floats = 300 MB, ~30 ms on 2 cores); IVF
    # above: it trains in seconds where HNSW would take many minutes at 1M, and takes filters."""
    import faiss

    dim = vectors.shape[1]
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if len(vectors) > ann_threshold:
        nlist = ivf_lists(len(vectors))
        quantizer = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
        rng = np.random.default_rng(0)
        sample = vectors[rng.choice(len(vectors), min(len(vectors), 64 * nlist), replace=False)]
        index.train(sample)
        index.nprobe = IVF_NPROBE
    else:
        index = faiss.IndexFlatIP(dim)
    index.add(vectors)
    return index


def _swap_in(tmp: Path, folder: Path) -> None:
    backup = folder.with_name(f".{folder.name}.previous")
    if backup.exists():
        shutil.rmtree(backup)
    if folder.exists():
        os.replace(folder, backup)
    os.replace(tmp, folder)
    shutil.rmtree(backup, ignore_errors=True)


def _report_dict(r: Report) -> dict:
    d = asdict(r)
    d["sections"] = [asdict(s) for s in r.sections]
    return d


def _report_from_dict(d: dict) -> Report:
    d = dict(d)
    d["sections"] = tuple(Section(s["heading"], s["level"], s["start"], s["end"], tuple(s["path"]), s["part"])
                          for s in d["sections"])
    d["warnings"] = tuple(d.get("warnings", ()))
    return Report(**d)


def _chunk_from_dict(d: dict) -> Chunk:
    return Chunk(d["chunk_id"], d["report_id"], d["text"], d["start"], d["end"], tuple(d["section_path"]),
                 d["part"], tuple(tuple(x) for x in d["sentences"]))

