"""Hybrid retrieval: dense (FAISS) and lexical (BM25) rankings fused, then filtered and boosted by
what the question says (places, year, plan-or-result).

Fusion is a weighted sum of each side's min-max normalised scores (reciprocal-rank fusion is kept
as an ablation): scores keep the margin by which BM25 finds an exact figure, and a side with no
matches contributes nothing instead of a flat ranking that would drown the other side.
"""

from __future__ import annotations

import math
import sqlite3
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from .chunking import Chunk
from .config import PARTS, speaks_as
from .embedcache import EmbeddingCache
from .errors import FilterError
from .index import Index, top_k
from .ingest import Report
from .places import find_places
from .query import Catalog, QueryInfo, plain_dense_query, read_question

RRF_K = 60
_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _embedding_pool() -> ThreadPoolExecutor:
    """Threads that run the model on a question while Python reads it and scores the lexical side
    (the model runs outside the GIL); a few, so concurrent questions do not queue behind each other."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="rag-query-embedding")
        return _POOL


@dataclass(frozen=True)
class PendingVector:
    """A query vector being computed: the text embedded and the future of its vector."""

    text: str
    future: Future


@dataclass(frozen=True)
class Hit:
    """One retrieved passage with the evidence for why it ranked where it did."""

    chunk: Chunk
    report: Report
    score: float
    dense: float
    lexical: float
    dense_rank: int | None
    lexical_rank: int | None


@dataclass(frozen=True)
class Filters:
    """Filters in force for one search: read from the question unless given explicitly."""

    cities: tuple[str, ...] = ()
    year: int | None = None
    part: str | None = None
    prefer_part: str | None = None
    explicit: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {
            "cities": list(self.cities),
            "year": self.year,
            "part": self.part,
            "prefer_part": self.prefer_part,
            "explicit": list(self.explicit),
        }


@dataclass
class SearchResult:
    question: str
    info: QueryInfo
    filters: Filters
    hits: list[Hit]
    timings_ms: dict[str, float] = field(default_factory=dict)
    query_vector: np.ndarray | None = None
    # how far the best passage in scope stands out from the next ten by dense score: a question the
    # reports address has a clear best passage; one they don't finds many passages equally (un)alike
    dense_spread: float | None = None
    # how much better the question's words match the places asked about than any other place's
    # report (log BM25, best passage in scope less best passage elsewhere): a figure the asked report
    # does not give is often written in another place's report in the very words asked
    lexical_contrast: float | None = None


@dataclass(frozen=True)
class RetrievalSettings:
    """Switches the evaluation flips to prove each part's worth."""

    dense: bool = True
    lexical: bool = True
    question_filters: bool = True
    fusion: str = "score"  # "score": weighted sum of normalised scores; "rrf": reciprocal-rank fusion
    dense_weight: float = 1.0
    lexical_weight: float = 0.7
    part_boost: float = 1.0
    year_boost: float = 0.5
    # the dense side ranks a passage by this blend of its own cosine and its best sentence's: a
    # question that paraphrases one fact of a long passage matches that sentence better than the
    # whole (dev, 715 questions, hit@5: 0 → 0.886, 0.3 → 0.890, 0.6 → 0.896, 0.8 → 0.896; the
    # questions sharing no word with the report 0.474 → 0.684; English in ordinary words 0.769 → 0.846)
    sentence_weight: float = 0.8
    # a comparison asks the same thing of each place: each place's passages are reranked by their
    # score (as a share of the place's best) plus this weight times their closeness (cosine) to the
    # other places' ``agreement_top`` best passages, among each place's ``agreement_pool`` best
    # (dev, 101 comparisons, hit@5: 0 → 0.762, 3 → 0.812, 4 → 0.822, 5 → 0.812, 8 → 0.792; top 3 at 4: 0.812)
    agreement_weight: float = 4.0
    agreement_top: int = 2
    agreement_pool: int = 5


class VectorCache:
    """Vectors of texts from one of an encoder's embedding functions, kept up to ``limit`` texts (then
    started afresh) and, with a ``store``, on disk for later processes: report terms and sentences
    come back question after question.

    Each text is embedded on its own. The int8 model quantises a batch's activations together, so a
    text embedded beside others gets a slightly different vector (cosine ~0.996): close enough to
    reorder near-synonyms, which made a question's translations depend on what was asked before it
    in the process. Alone, a text's vector depends on the text only, so keeping it is safe.
    """

    def __init__(self, embed: Callable[[list[str]], np.ndarray], limit: int, store: EmbeddingCache | None = None):
        self.embed = embed
        self.limit = limit
        self.store = store
        self._vectors: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def __call__(self, texts: list[str]) -> np.ndarray:
        new = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if new:
            found = self._stored(new)
            missing = [t for t in new if t not in found]
            for t in missing:
                found[t] = self.embed([t])[0]
            if missing and self.store is not None:
                with self._lock:
                    self.store.put_many(missing, [found[t] for t in missing])
            if len(self._vectors) + len(new) > self.limit:
                self._vectors.clear()
            self._vectors.update(found)
        return np.stack([self._vectors[t] for t in texts]) if texts else np.zeros((0, 0), np.float32)

    def _stored(self, texts: list[str]) -> dict[str, np.ndarray]:
        if self.store is None:
            return {}
        with self._lock:
            by_key = self.store.get_many(texts)
        return {t: by_key[k] for t in texts if (k := EmbeddingCache.key(t)) in by_key}


def vector_store(cache_dir: Path | None, encoder, kind: str) -> EmbeddingCache | None:
    """The on-disk store of single texts' vectors of one kind (``query`` or ``passage``) for this
    encoder, in the embedding cache; None without a cache folder or when it cannot be opened."""
    if cache_dir is None:
        return None
    try:
        model = f"{kind}-alone|{getattr(encoder, 'cache_key', encoder.name)}"
        return EmbeddingCache(Path(cache_dir) / "embeddings.sqlite", model, any_thread=True)
    except (OSError, sqlite3.Error):  # a read-only or damaged cache costs only the embedding time
        return None


class TermSimilarity:
    """Cosine similarity of English phrases to Chinese terms with the embedding model; the vectors of
    both are kept (one cache: the same report vocabulary and the same English words come back question
    after question), so a question pays only for words no earlier question used."""

    def __init__(self, encoder, limit: int = 20_000, store: EmbeddingCache | None = None):
        self.encoder = encoder
        self.terms = VectorCache(encoder.encode_queries, limit, store)

    def __call__(self, phrases: list[str], terms: list[str]) -> np.ndarray:
        return self.terms(phrases) @ self.terms(terms).T


class Retriever:
    """Search an :class:`Index` with an encoder; one instance serves many questions."""

    def __init__(self, index: Index, encoder, settings: RetrievalSettings | None = None, cache_dir: Path | None = None):
        self.index = index
        self.encoder = encoder
        self.settings = settings or RetrievalSettings()
        self._report_rows: dict[str, np.ndarray] = {}
        self._rows: dict[str, int] | None = None  # chunk id → row, built when a comparison first needs it
        rows_by_report: dict[str, list[int]] = {}
        for i, c in enumerate(index.chunks):
            rows_by_report.setdefault(c.report_id, []).append(i)
        self._report_rows = {r: np.array(v) for r, v in rows_by_report.items()}
        self._parts = np.array([c.part for c in index.chunks])  # what an explicit part filter keeps
        # the part each chunk speaks as, which a question's plan or result cue prefers: the government's
        # own conduct is pledged for the plan's year, in the plan's voice ("严格落实过紧日子要求", "打造法治政府")
        self._spoken_parts = np.array([speaks_as(c.part) for c in index.chunks])
        # per chunk, the year its part speaks of (plan year of a plan, reviewed year of a review), or 0
        self._part_years = np.array(
            [
                (
                    index.reports[c.report_id].plan_year
                    if speaks_as(c.part) == "plan"
                    else index.reports[c.report_id].reviewed_year
                    if c.part == "review"
                    else 0
                )
                or 0
                for c in index.chunks
            ],
            dtype=np.int64,
        )
        self.catalog = Catalog(
            list(index.reports.values()),
            index.bm25.vocab,
            index.bm25.term_freq,
            len(index.chunks),
            TermSimilarity(encoder, store=vector_store(cache_dir, encoder, "query")) if encoder is not None else None,
            index.tokenizer,
        )

    def read(self, question: str) -> QueryInfo:
        """The question read against this index's places, years and vocabulary."""
        return read_question(question, self.catalog)

    def start_embedding(self, question: str) -> PendingVector | None:
        """Start embedding a question's dense query in the background when it is known before the
        question is read (see :func:`~rag.query.plain_dense_query`); pass the result to :meth:`search`."""
        text = plain_dense_query(question, self.catalog) if self.settings.dense else None
        return self._embed_later(text) if text is not None else None

    def _embed_later(self, text: str) -> PendingVector:
        """Start embedding ``text`` on a pool thread and return once the thread has started.

        The model runs outside the GIL, but the thread needs the GIL to reach it: left to take its
        turn while this thread goes on reading the question, it waits the interpreter's switch
        interval (5 ms, half a question's embedding) first. Waiting here hands the GIL over at once;
        the thread keeps it until the model runs (rag/encoder.py tokenises one text without letting
        it go). The wait is bounded by that same interval, so a pool busy with other questions
        delays this one no more than the interpreter would have."""
        running = threading.Event()

        def embed() -> np.ndarray:
            running.set()
            return self.encoder.encode_queries([text])[0]

        future = _embedding_pool().submit(embed)
        running.wait(sys.getswitchinterval())
        return PendingVector(text, future)

    def resolve_filters(self, info: QueryInfo, cities=None, year=None, part=None) -> Filters:
        """Explicit filters win over what the question says; unknown explicit values are errors."""
        explicit = []
        known = sorted({r.city for r in self.index.reports.values()})
        if cities:
            resolved = []
            for c in cities:
                match = [c] if c in known else find_places(c, self.index.places)
                if not match:
                    raise FilterError(f"unknown city '{c}'; indexed places: {', '.join(known)}")
                resolved += [m for m in match if m not in resolved]
            cities_t = tuple(resolved)
            explicit.append("cities")
        else:
            cities_t = info.places if self.settings.question_filters else ()
        if part is not None:
            if part not in PARTS:
                raise FilterError(f"unknown part '{part}'; use one of {', '.join(PARTS)}")
            explicit.append("part")
        if year is not None:
            explicit.append("year")
        q_year = year if year is not None else (info.year if self.settings.question_filters else None)
        prefer = None
        if self.settings.question_filters and part is None:
            prefer = info.intent
        return Filters(cities_t, q_year, part, prefer, tuple(explicit))

    def search(
        self,
        question: str,
        k: int = 5,
        *,
        cities=None,
        year=None,
        part=None,
        info: QueryInfo | None = None,
        candidates: int = 60,
        pending: PendingVector | None = None,
    ) -> SearchResult:
        """Top-k hits for a question; a question naming several places gets hits for each place.

        ``pending`` is the question's vector from :meth:`start_embedding`, if it was started."""
        t0 = time.perf_counter()
        if info is None and pending is None:
            pending = self.start_embedding(question)
        info = info or self.read(question)
        filters = self.resolve_filters(info, cities, year, part)
        if not self.settings.dense:
            pending = None
        elif pending is None or pending.text != info.dense_query:
            pending = self._embed_later(info.dense_query)
        # while the model embeds the question: the lexical side and the rows in scope
        lex_all = (
            self.index.bm25.scores(self.index.tokenizer.terms(info.lexical_query))
            if self.settings.lexical
            else np.zeros(len(self.index.chunks), np.float32)
        )
        # the place/year filter goes into the dense search (it matters for the IVF index of a large collection)
        in_scope = self._candidate_rows(filters, filters.cities)
        qvec = pending.future.result() if pending is not None else None
        t1 = time.perf_counter()
        dense_all = (
            self.index.all_dense_scores(qvec, rows=in_scope)
            if qvec is not None
            else np.zeros(len(self.index.chunks), np.float32)
        )
        ranking = self._ranking_dense(dense_all, qvec, in_scope)
        if len(filters.cities) > 1:
            per = max(2, math.ceil(k / len(filters.cities)))
            pool = max(per, self.settings.agreement_pool)
            lists = [
                self._rank(dense_all, lex_all, filters, (city,), pool, candidates, ranking) for city in filters.cities
            ]
            agreed, weights = self._agree(lists)
            hits = _interleave([x[:per] for x in agreed], max(k, per * len(filters.cities)), weights)
        elif len(info.years) > 1 and filters.year is not None and not filters.part and "year" not in filters.explicit:
            # a result compared with a target (2022 and 2023 asked of one place): each year's part is searched,
            # the year deciding the part ("target" asks for the plan of one year, not of both)
            hits = _interleave(
                [
                    self._rank(
                        dense_all,
                        lex_all,
                        replace(filters, year=y, prefer_part=None),
                        filters.cities,
                        k,
                        candidates,
                        ranking,
                    )
                    for y in info.years
                ],
                k,
            )
        else:
            hits = self._rank(dense_all, lex_all, filters, filters.cities, k, candidates, ranking)
        t2 = time.perf_counter()
        return SearchResult(
            question,
            info,
            filters,
            hits,
            # embed: until the question's vector was in hand (the lexical side ran meanwhile)
            {"embed": (t1 - t0) * 1000, "search": (t2 - t1) * 1000, "retrieve": (t2 - t0) * 1000},
            qvec,
            _spread(dense_all[in_scope]) if qvec is not None else None,
            self._lexical_contrast(lex_all, in_scope, filters.cities),
        )

    def _ranking_dense(self, dense_all: np.ndarray, qvec: np.ndarray | None, rows: np.ndarray) -> np.ndarray:
        """What the dense side ranks by: each passage's cosine blended with its best sentence's
        (``sentence_weight``; only the ``rows`` in scope are scored); the passage's own cosine where
        it has no sentence vectors."""
        w = self.settings.sentence_weight
        best = self.index.sentence_max_scores(qvec, rows) if qvec is not None and w > 0 else None
        if best is None:
            return dense_all
        return np.where(np.isnan(best), dense_all, (1 - w) * dense_all + w * best).astype(np.float32)

    def _rank(
        self,
        dense_all: np.ndarray,
        lex_all: np.ndarray,
        filters: Filters,
        cities: tuple[str, ...],
        k: int,
        candidates: int,
        ranking: np.ndarray | None = None,
    ) -> list[Hit]:
        """The k best rows in scope. ``ranking`` (default ``dense_all``) is what the dense side ranks
        by; a hit still reports its passage's own cosine (the answerability feature)."""
        s = self.settings
        rows = self._candidate_rows(filters, cities)
        if len(rows) == 0:
            return []
        shown = dense_all[rows]
        dense = (dense_all if ranking is None else ranking)[rows]
        lex = lex_all[rows]
        fused = np.zeros(len(rows), dtype=np.float64)
        dense_rank = np.full(len(rows), -1)
        lex_rank = np.full(len(rows), -1)
        if s.dense:
            order = top_k(dense, candidates)
            dense_rank[order] = np.arange(len(order))
        if s.lexical and lex.max(initial=0) > 0:
            order = top_k(lex, candidates)
            order = order[lex[order] > 0]
            lex_rank[order] = np.arange(len(order))
        if s.fusion == "rrf":
            fused += np.where(dense_rank >= 0, s.dense_weight / (RRF_K + dense_rank + 1), 0.0) if s.dense else 0.0
            fused += np.where(lex_rank >= 0, s.lexical_weight / (RRF_K + lex_rank + 1), 0.0)
        else:
            # scores keep their margins (a passage far ahead on BM25 stays ahead), unlike ranks;
            # a side with no matches adds nothing rather than a flat score
            if s.dense:
                lo, hi = float(dense.min()), float(dense.max())
                fused += s.dense_weight * (dense - lo) / (hi - lo + 1e-9)
            if s.lexical and lex.max(initial=0) > 0:
                fused += s.lexical_weight * lex / float(lex.max())
            fused += 1e-6  # every candidate stays rankable
        boost = np.ones(len(rows))
        parts = self._spoken_parts[rows]
        if filters.prefer_part:
            boost += s.part_boost * (parts == filters.prefer_part)
        if filters.year is not None and filters.part is None:
            years_part = self._year_parts(rows, filters.year)
            boost += s.year_boost * years_part
        fused *= boost
        top = top_k(fused, k)
        out = []
        for i in top:
            if fused[i] <= 0:
                continue
            row = int(rows[i])
            chunk = self.index.chunks[row]
            out.append(
                Hit(
                    chunk,
                    self.index.reports[chunk.report_id],
                    float(fused[i]),
                    float(shown[i]),
                    float(lex[i]),
                    int(dense_rank[i]) if dense_rank[i] >= 0 else None,
                    int(lex_rank[i]) if lex_rank[i] >= 0 else None,
                )
            )
        return out

    def _agree(self, lists: list[list[Hit]]) -> tuple[list[list[Hit]], list[list[float]] | None]:
        """Each place's hits reranked by agreement with the other places' best: "Which grew faster,
        Dingxi or Longnan?" is answered by the passage of each that gives the same indicator, and the
        other place's best passages say which indicator that is (see ``agreement_weight``). Returns the
        lists and each hit's reranking score (None when not reranked)."""
        s = self.settings
        if s.agreement_weight <= 0 or len(lists) < 2 or not all(lists):
            return lists, None
        vectors = self.index.chunk_vectors([self._row_of(h) for lst in lists for h in lst])
        if vectors is None:  # an approximate index keeps no vectors to compare
            return lists, None
        spans = np.cumsum([0] + [len(x) for x in lists])
        out = []
        scores = []
        for i, lst in enumerate(lists):
            own = vectors[spans[i] : spans[i + 1]]
            others = np.concatenate(
                [vectors[spans[j] : spans[j] + s.agreement_top] for j in range(len(lists)) if j != i]
            )
            agreement = (own @ others.T).max(axis=1)
            best = lst[0].score or 1.0
            score = np.array([h.score / best for h in lst]) + s.agreement_weight * agreement
            order = np.argsort(-score, kind="stable")
            out.append([lst[n] for n in order])
            scores.append([float(score[n]) for n in order])
        return out, scores

    def _row_of(self, hit: Hit) -> int:
        if self._rows is None:
            self._rows = {c.chunk_id: i for i, c in enumerate(self.index.chunks)}
        return self._rows[hit.chunk.chunk_id]

    def _candidate_rows(self, filters: Filters, cities: tuple[str, ...]) -> np.ndarray:
        reports = [r for r in self.index.reports.values() if not cities or r.city in cities]
        if filters.year is not None and "year" in filters.explicit:
            reports = [r for r in reports if filters.year in (r.reviewed_year, r.plan_year)]
        if not reports:
            return np.array([], dtype=np.int64)
        rows = np.concatenate([self._report_rows[r.report_id] for r in reports if r.report_id in self._report_rows])
        if filters.part:
            rows = rows[self._parts[rows] == filters.part]
        return np.sort(rows)

    def _lexical_contrast(self, lex_all: np.ndarray, in_scope: np.ndarray, cities: tuple[str, ...]) -> float | None:
        """log(1 + the best BM25 score in scope) less log(1 + the best of the other places' passages);
        None when the question names no place (nothing to contrast) or the lexical side is off."""
        if not cities or not self.settings.lexical or len(in_scope) == 0:
            return None
        outside = [
            rows
            for r in self.index.reports.values()
            if r.city not in cities
            for rows in (self._report_rows.get(r.report_id),)
            if rows is not None
        ]
        if not outside:
            return None
        best_out = max(float(lex_all[rows].max(initial=0.0)) for rows in outside)
        return float(np.log1p(float(lex_all[in_scope].max(initial=0.0))) - np.log1p(best_out))

    def _year_parts(self, rows: np.ndarray, year: int) -> np.ndarray:
        """1 where a chunk's part speaks of ``year`` (the plan of a plan year, the review of a reviewed year)."""
        return (self._part_years[rows] == year).astype(np.float64)


def _interleave(lists: list[list[Hit]], limit: int, scores: list[list[float]] | None = None) -> list[Hit]:
    """The lists' hits taken in turn, so each place (or year) asked about is represented near the
    top, up to ``limit``; a passage two lists found is taken once. With ``scores`` (comparable across
    the lists), each turn's hits go best first: the place whose second or third passage is surer
    comes first in that turn, where the last of the top five falls."""
    hits: list[Hit] = []
    seen: set[str] = set()
    for i in range(max((len(x) for x in lists), default=0)):
        turn = [j for j, lst in enumerate(lists) if i < len(lst)]
        if scores is not None:
            turn.sort(key=lambda j: -scores[j][i])
        for j in turn:
            hit = lists[j][i]
            if len(hits) < limit and hit.chunk.chunk_id not in seen:
                seen.add(hit.chunk.chunk_id)
                hits.append(hit)
    return hits


def _spread(scores: np.ndarray, depth: int = 10) -> float | None:
    """The best score minus the mean of the next ``depth`` (finite scores only: an approximate index
    leaves the rows it did not probe at -inf)."""
    scores = scores[np.isfinite(scores)]
    if len(scores) < 2:
        return None
    top = np.sort(scores)[::-1][: depth + 1]
    return float(top[0] - top[1:].mean())
