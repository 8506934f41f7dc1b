"""The index: FAISS vectors, BM25 data and the chunk/report store, on disk behind a manifest,
with the searches over them.

``index/`` holds one file per component; row i of ``dense.faiss`` is line i of
``chunks.jsonl``. The index is derived data: :mod:`rag.pipeline` builds it from the bundled corpus
and the user's library (:mod:`rag.library`); :meth:`Index.save` writes a temporary sibling folder and
swaps it in by rename, so a build that is interrupted or fails leaves the previous index loadable.
The manifest records each file's size and checksum, checked at every load.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from .chunking import Chunk
from .errors import IndexDamagedError, IndexNotFoundError, IndexWriteError
from .ingest import Report, Section
from .lexical import BM25, Tokenizer
from .manifest import FORMAT_VERSION as FORMAT_VERSION  # defined beside the cheap check; re-exported
from .manifest import check_manifest
from .manifest import damaged as _damaged
from .manifest import read_json as _read_json
from .places import title_place
from .storage import COMPONENTS, check_replaceable, file_digest

_LOAD_ATTEMPTS = 5  # reads of an index that keeps being swapped while read; each swap costs one


class Index:
    """Reports, chunks, dense vectors and BM25 data, loaded together and checked against a manifest."""

    def __init__(
        self,
        manifest: dict,
        reports: list[Report],
        chunks: list[Chunk],
        dense,
        bm25: BM25,
        sentence_vectors: np.ndarray,
        sentence_rows: np.ndarray,
        folder: Path | None = None,
        tokenizer: Tokenizer | None = None,
    ):
        self.manifest = manifest
        self.reports = {r.report_id: r for r in reports}
        self.chunks = chunks
        self.dense = dense
        self.bm25 = bm25
        self.sentence_vectors = sentence_vectors
        self.sentence_rows = sentence_rows  # chunk row of each sentence vector, in chunk order
        self.folder = folder
        # what manifest.json looked like on disk when this index was read: a change means a newer build
        self.signature: tuple | None = None
        self.chunk_row = {c.chunk_id: i for i, c in enumerate(chunks)}
        starts = np.searchsorted(sentence_rows, np.arange(len(chunks)))
        ends = np.searchsorted(sentence_rows, np.arange(len(chunks)), side="right")
        self._sentence_bounds = np.stack([starts, ends], axis=1).astype(np.int64).reshape(-1, 2)
        self._all_rows = np.arange(len(chunks))
        self.places = {r.city: title_place(r.title, r.city) for r in reports}
        # this index's own words (its places, its quoted terms), for its BM25 and its questions
        self.tokenizer = tokenizer or Tokenizer(manifest.get("user_words", []))

    # ------------------------------------------------------------ saving / loading

    def save(self, folder: Path, generation: int = 1) -> None:
        """Write the index atomically: a temporary sibling folder, then a rename swap.

        Only a folder that is missing, empty or an index is ever replaced (see
        :func:`rag.storage.check_replaceable`); build folders left by a killed build are removed.
        The manifest records the size and SHA-256 of every file, checked at load.
        """
        faiss = _faiss()
        folder = Path(folder)
        if folder.is_symlink():
            folder = folder.resolve()  # replace what the link points at, keep the link
        check_replaceable(folder)
        try:
            folder.parent.mkdir(parents=True, exist_ok=True)
            for stale in folder.parent.glob(f".{folder.name}.building-*"):
                shutil.rmtree(stale, ignore_errors=True)  # a killed build's leftovers (we hold the write lock)
            tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.building-", dir=folder.parent))
        except OSError as exc:
            raise IndexWriteError(f"cannot write the index at {folder}: {exc.strerror or exc}") from exc
        try:
            manifest = json.loads(json.dumps(self.manifest))
            faiss.write_index(self.dense, str(tmp / "dense.faiss"))
            np.save(tmp / "sentences.npy", self.sentence_vectors)
            np.save(tmp / "sentence_rows.npy", self.sentence_rows)
            self.bm25.save(tmp)
            with open(tmp / "chunks.jsonl", "w", encoding="utf-8") as fh:
                for c in self.chunks:
                    fh.write(json.dumps(asdict(c), ensure_ascii=False) + "\n")
            (tmp / "reports.json").write_text(
                json.dumps([_report_dict(r) for r in self.reports.values()], ensure_ascii=False), encoding="utf-8"
            )
            manifest["files"] = {
                name: {"size": (tmp / name).stat().st_size, "sha256": file_digest(tmp / name)} for name in COMPONENTS
            }
            manifest["generation"] = int(generation)
            manifest["build_id"] = uuid.uuid4().hex
            # the manifest is written last: a folder without one is never taken for an index
            (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
            check_replaceable(folder)  # again: the folder may have changed during a long build
            _swap_in(tmp, folder)
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise IndexWriteError(
                f"cannot write the index at {folder}: {exc.strerror or exc}; the previous index is unchanged"
            ) from exc
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        self.manifest = manifest
        self.folder = folder
        self.signature = manifest_signature(folder)

    @classmethod
    def load(cls, folder: Path, model: str | None = None) -> Index:
        """Load and check an index; raise a named error saying which command fixes a missing or stale one.

        A build may swap a new folder in while this reads, and then delete the one being read: any
        failure to read while the manifest changed underneath (a file gone, a folder gone, a
        checksum off) is read again from the new index rather than reported. Only a failure with
        the manifest unchanged is the index's own.
        """
        folder = Path(folder)
        for attempt in range(_LOAD_ATTEMPTS):
            signature = manifest_signature(folder)
            failure: IndexDamagedError | IndexNotFoundError | OSError | None = None
            try:
                index = cls._load_once(folder, model)
            except (IndexDamagedError, IndexNotFoundError, OSError) as exc:
                failure = exc
            # swapped while read, failed or not: a read that succeeded may hold files of both builds
            if attempt < _LOAD_ATTEMPTS - 1 and manifest_signature(folder) != signature:
                continue
            if isinstance(failure, OSError):
                raise _damaged(
                    folder, Path(failure.filename or "a file").name, f"cannot be read ({failure.strerror})"
                ) from failure
            if failure is not None:
                raise failure
            index.signature = signature
            return index
        raise AssertionError("unreachable")

    @classmethod
    def check(cls, folder: Path, model: str | None = None) -> None:
        """The cheap part of :meth:`load` (manifest, versions, model, file sizes and checksums), so
        ``rag ui`` can refuse a damaged or old index before it serves a page that could never answer
        (it calls :func:`rag.manifest.check_manifest` itself, without importing this module)."""
        check_manifest(Path(folder), model)

    @classmethod
    def _load_once(cls, folder: Path, model: str | None) -> Index:
        read_from, manifest = check_manifest(folder, model)
        faiss = _faiss()
        dim = manifest["dimension"]
        reports_raw = _read_json(read_from, "reports.json", list)
        try:
            reports = [_report_from_dict(d) for d in reports_raw]
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise _damaged(
                folder, "reports.json", f"has a report of the wrong shape ({type(exc).__name__}: {exc})"
            ) from exc
        chunks = _read_chunks(read_from, folder)
        try:
            dense = faiss.read_index(str(read_from / "dense.faiss"))
        except RuntimeError as exc:
            raise _damaged(folder, "dense.faiss", f"cannot be read ({str(exc).splitlines()[0][:100]})") from exc
        if dense.ntotal != len(chunks) or dense.d != dim:
            raise _damaged(
                folder,
                "dense.faiss",
                f"holds {dense.ntotal} vectors of size {dense.d} for {len(chunks)} chunks of size {dim}",
            )
        try:
            bm25 = BM25.load(read_from)
        except (OSError, ValueError, KeyError) as exc:
            raise _damaged(folder, "bm25.npz", f"cannot be read ({type(exc).__name__})") from exc
        if bm25.weights.shape[0] != len(chunks) or not isinstance(bm25.vocab, dict):
            raise _damaged(folder, "bm25.npz", f"has {bm25.weights.shape[0]} rows for {len(chunks)} chunks")
        sent = _read_array(read_from, folder, "sentences.npy")
        rows = _read_array(read_from, folder, "sentence_rows.npy")
        if sent.ndim != 2 or sent.shape[1] != dim or sent.dtype != np.float32:
            raise _damaged(folder, "sentences.npy", f"has shape {sent.shape} ({sent.dtype}), not (n, {dim}) float32")
        if (
            rows.ndim != 1
            or len(rows) != len(sent)
            or rows.dtype.kind not in "iu"
            or (len(rows) and (rows.min() < 0 or rows.max() >= len(chunks) or np.any(np.diff(rows) < 0)))
        ):
            raise _damaged(folder, "sentence_rows.npy", "does not map sentences onto chunks in order")
        known = {r.report_id for r in reports}
        if any(c.report_id not in known for c in chunks):
            raise _damaged(folder, "chunks.jsonl", "names a report that reports.json does not hold")
        return cls(manifest, reports, chunks, dense, bm25, sent, rows, folder=folder)

    # ------------------------------------------------------------ queries

    def report_of(self, chunk: Chunk) -> Report:
        return self.reports[chunk.report_id]

    def chunk(self, chunk_id: str) -> Chunk:
        row = self.chunk_row.get(chunk_id)
        if row is None:
            raise KeyError(chunk_id)
        return self.chunks[row]

    def dense_search(
        self, query_vector: np.ndarray, k: int, rows: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k rows and cosine scores, best first, among ``rows`` when given (a place/year filter).

        Exact (flat inner product; vectors are normalised, so it is cosine) below
        ``Config.ann_threshold`` chunks. Above it the index is IVF and the filter is applied inside
        the search (an ``IDSelectorBitmap``), with more lists probed the more selective the filter,
        so a filter that keeps 1% of a million chunks still finds its k best rows."""
        faiss = _faiss()
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

    def all_dense_scores(self, query_vector: np.ndarray, rows: np.ndarray | None = None, k: int = 256) -> np.ndarray:
        """Cosine score of every chunk: exact with the flat index, where ``rows`` (a filter) limits the
        pass to the span of rows they cover (one report's rows are one span) and the chunks outside
        it get NaN.

        With the IVF index (large collections) only the ``k`` best rows (among ``rows`` if given)
        are scored; the others get the lowest score found, so they rank below every found row and
        a score normalisation over candidates is not stretched by chunks never compared."""
        faiss = _faiss()
        n = len(self.chunks)
        if isinstance(self.dense, faiss.IndexFlat):
            # einsum, not BLAS: a BLAS matvec on faiss's buffer wakes its thread pool (measured ~10 ms
            # on 2 shared cores, against <1 ms for this single-threaded pass over 1,500 x 384 floats)
            q = np.asarray(query_vector, dtype=np.float32)
            if rows is None or len(rows) == 0:
                return np.einsum("ij,j->i", self._flat_vectors(), q)
            # each row's score is its own dot product, the same whichever rows are scored with it
            lo, hi = int(rows.min()), int(rows.max()) + 1
            out = np.full(n, np.nan, dtype=np.float32)
            out[lo:hi] = np.einsum("ij,j->i", self._flat_vectors()[lo:hi], q)
            return out
        found, scores = self.dense_search(query_vector, k, rows)
        out = np.full(n, float(scores.min()) if len(scores) else -1.0, dtype=np.float32)
        out[found] = scores
        return out

    def sentence_max_scores(self, query_vector: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray | None:
        """Per chunk (of ``rows``, or all), the cosine of its best-matching sentence (sentence vectors
        read in their passage); other chunks, and chunks without sentence vectors, get NaN. Only with
        the flat index: at the sizes that use IVF the sentences are not scanned per question (None)."""
        faiss = _faiss()
        if not isinstance(self.dense, faiss.IndexFlat) or len(self.sentence_vectors) == 0:
            return None
        q = np.asarray(query_vector, dtype=np.float32)
        out = np.full(len(self.chunks), np.nan, dtype=np.float32)
        chosen = self._all_rows if rows is None else np.asarray(rows, dtype=np.int64)
        bounds = self._sentence_bounds[chosen]
        has = bounds[:, 1] > bounds[:, 0]
        chosen, bounds = chosen[has], bounds[has]
        if len(chosen) == 0:
            return out
        if rows is None:
            sims = np.einsum("ij,j->i", self.sentence_vectors, q)
            out[chosen] = np.maximum.reduceat(sims, bounds[:, 0])
            return out
        lengths = bounds[:, 1] - bounds[:, 0]
        runs = np.concatenate([[0], np.cumsum(lengths)[:-1]])  # where each chunk's run starts, gathered
        # the sentences of the span of rows asked about are scored in place (a slice, no copy of
        # their vectors; one report's rows are one span) and their scores gathered, not their vectors
        lo, hi = int(bounds[:, 0].min()), int(bounds[:, 1].max())
        span = np.einsum("ij,j->i", self.sentence_vectors[lo:hi], q)
        sims = span[np.repeat(bounds[:, 0] - runs - lo, lengths) + np.arange(int(lengths.sum()))]
        out[chosen] = np.maximum.reduceat(sims, runs)
        return out

    def chunk_vectors(self, rows: list[int]) -> np.ndarray | None:
        """The dense vectors of ``rows`` (normalised), or None with an approximate (IVF) index, which
        keeps none to hand back."""
        if not isinstance(self.dense, _faiss().IndexFlat):
            return None
        return self._flat_vectors()[np.asarray(rows, dtype=np.int64)]

    def _flat_vectors(self) -> np.ndarray:
        n = self.dense.ntotal
        faiss = _faiss()
        return faiss.rev_swig_ptr(self.dense.get_xb(), n * self.dense.d).reshape(n, self.dense.d)

    def sentence_span(self, row: int) -> tuple[int, int]:
        """Range of sentence-vector rows belonging to chunk row ``row``."""
        a, b = self._sentence_bounds[row]
        return int(a), int(b)

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


def _faiss():
    import faiss  # heavy (~0.5 s): imported when an index is first written, read or searched

    return faiss


def ivf_lists(n: int) -> int:
    """IVF list count for n vectors: ~4 sqrt(n) (faiss's guideline), so a list holds ~sqrt(n)/4 vectors."""
    return int(max(16, min(65536, 4 * np.sqrt(n))))


IVF_NPROBE = 48  # lists probed per query without a filter: recall@10 ~0.95 on bench_scale's data


def dense_index(vectors: np.ndarray, ann_threshold: int):
    """Flat inner product up to ``ann_threshold`` vectors, IVF-Flat above it.

    # exact search while a full scan is cheap (200k x 384 floats = 300 MB, ~30 ms on 2 cores); IVF
    # above: it trains in seconds where HNSW would take many minutes at 1M, and takes filters."""
    faiss = _faiss()
    dim = vectors.shape[1]
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    index: Any  # a faiss.Index (faiss is imported lazily, so not a name mypy can see here)
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


def manifest_signature(folder: Path) -> tuple | None:
    """Cheap fingerprint of ``folder/manifest.json`` (inode, size, mtime): a swap-in changes it."""
    try:
        st = os.stat(Path(folder) / "manifest.json")
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def read_generation(folder: Path) -> int:
    """The generation of the index in ``folder`` (0 when there is none or it cannot be read)."""
    try:
        data = json.loads((Path(folder) / "manifest.json").read_text(encoding="utf-8"))
        return int(data.get("generation", 0)) if isinstance(data, dict) else 0
    except (OSError, ValueError, TypeError):
        return 0


def _read_chunks(read_from: Path, folder: Path) -> list[Chunk]:
    chunks = []
    try:
        with open(read_from / "chunks.jsonl", encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    d = json.loads(line)
                    if not isinstance(d, dict):
                        raise TypeError(f"a JSON {type(d).__name__}, not an object")
                    chunks.append(_chunk_from_dict(d))
                except (ValueError, TypeError, KeyError) as exc:
                    raise _damaged(
                        folder, "chunks.jsonl", f"line {n} is not a chunk ({type(exc).__name__}: {str(exc)[:80]})"
                    ) from None
    except UnicodeDecodeError:
        raise _damaged(folder, "chunks.jsonl", "is not UTF-8 text") from None
    except OSError as exc:
        raise _damaged(folder, "chunks.jsonl", f"cannot be read ({exc.strerror or exc})") from None
    return chunks


def _read_array(read_from: Path, folder: Path, name: str) -> np.ndarray:
    try:
        return np.load(read_from / name, allow_pickle=False)
    except (OSError, ValueError, EOFError) as exc:
        raise _damaged(folder, name, f"cannot be read ({str(exc)[:80]})") from None


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
    d["sections"] = tuple(
        Section(s["heading"], s["level"], s["start"], s["end"], tuple(s["path"]), s["part"]) for s in d["sections"]
    )
    d["warnings"] = tuple(d.get("warnings", ()))
    return Report(**d)


def _chunk_from_dict(d: dict) -> Chunk:
    return Chunk(
        d["chunk_id"],
        d["report_id"],
        d["text"],
        d["start"],
        d["end"],
        tuple(d["section_path"]),
        d["part"],
        tuple(tuple(x) for x in d["sentences"]),
    )
