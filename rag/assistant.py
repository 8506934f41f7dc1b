"""The one object the CLI, the UI and the evaluation all use: load config, model and index once,
then answer questions, list reports, show passages and add reports."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from .answer import Answer, ComposerSettings, compose, not_found_text
from .config import Config
from .errors import IndexMismatchError, IndexNotFoundError, LLMError, QuestionError
from .index import BuildStats, Index, Progress
from .query import analyse, language
from .retriever import RetrievalSettings, Retriever, SearchResult

MAX_QUESTION_CHARS = 2000


@dataclass(frozen=True)
class ReportInfo:
    """A report as ``rag reports --json`` lists it."""

    report_id: str
    title: str
    city: str
    level: str
    reviewed_year: int | None
    plan_year: int | None
    date: str | None
    speaker: str | None
    chunks: int
    source: str

    def to_json(self) -> dict:
        return {"report_id": self.report_id, "title": self.title, "city": self.city, "level": self.level,
                "reviewed_year": self.reviewed_year, "plan_year": self.plan_year, "date": self.date,
                "chunks": self.chunks, "speaker": self.speaker, "source": self.source}


@dataclass(frozen=True)
class PassageView:
    """A passage in its context: what a citation opens."""

    chunk_id: str
    text: str
    report: ReportInfo
    section: str
    part: str
    context: str
    start_in_context: int
    end_in_context: int


def make_encoder(config: Config):
    from .encoder import Encoder

    return Encoder(config.model, config.cache_dir, runtime=config.runtime)


class Assistant:
    """Question answering over an index; thread-safe for concurrent questions, serialised writes."""

    def __init__(self, config: Config, index: Index, encoder, retrieval: RetrievalSettings | None = None,
                 composer: ComposerSettings | None = None):
        self.config = config
        self.index = index
        self.encoder = encoder
        self.retriever = Retriever(index, encoder, retrieval)
        self.composer = composer or ComposerSettings()
        self._write_lock = threading.Lock()

    # ------------------------------------------------------------ construction

    @classmethod
    def load(cls, config: Config | None = None, *, encoder=None, build_if_missing: bool = False,
             progress: Progress | None = None) -> "Assistant":
        """Load the index (building it from the bundled corpus first if asked and missing)."""
        config = config or Config.from_env()
        encoder = encoder or make_encoder(config)
        try:
            index = Index.load(config.index_dir, model=encoder.name)
        except (IndexNotFoundError, IndexMismatchError):
            if not build_if_missing:
                raise
            index, _ = build_index(config, encoder, rebuild=True, progress=progress)
        return cls(config, index, encoder)

    # ------------------------------------------------------------ questions

    def search(self, question: str, *, k: int | None = None, cities=None, year=None, part=None) -> SearchResult:
        question = _check_question(question)[0]
        return self.retriever.search(question, k or self.config.k, cities=cities, year=year, part=part,
                                     candidates=self.config.candidates)

    def ask(self, question: str, *, k: int | None = None, cities=None, year=None, part=None, llm: bool = False,
            history: list[str] | None = None, on_token: Callable[[str], None] | None = None) -> Answer:
        """Answer one question with citations (extractive unless ``llm`` and an endpoint is configured)."""
        t0 = time.perf_counter()
        question, notes = _check_question(question)
        k = k or self.config.k
        searched = self.rewrite_followup(question, history) if history else question
        info = analyse(searched, self.index.places)
        result = self.retriever.search(searched, k, cities=cities, year=year, part=part, info=info,
                                       candidates=self.config.candidates)
        t1 = time.perf_counter()
        qvec = result.query_vector if result.query_vector is not None else self.encoder.encode_queries([searched])[0]
        text, citations, found = compose(searched, info, result.hits, self.index, qvec, k, self.composer)
        mode, flagged = "extractive", False
        if llm and found:
            from .chain import llm_answer

            try:
                text, citations, flagged = llm_answer(self.config, searched, info.lang, result.hits, k, on_token)
                mode = "llm"
            except LLMError as exc:
                notes.append(f"LLM unavailable, extractive answer shown instead: {exc}")
        t2 = time.perf_counter()
        filters = {**result.filters.as_dict(), **{"read_from_question": info.as_dict()}}
        return Answer(question, text, found, filters, citations,
                      {**result.timings_ms, "retrieve": (t1 - t0) * 1000, "answer": (t2 - t1) * 1000,
                       "total": (t2 - t0) * 1000},
                      lang=language(question), searched_question=searched, notes=notes, hits=result.hits,
                      flagged=flagged, mode=mode)

    def ask_many(self, questions: list[str], **kwargs) -> Iterator[Answer]:
        for q in questions:
            yield self.ask(q, **kwargs)

    def rewrite_followup(self, question: str, history: list[str]) -> str:
        """Fill in what a follow-up leaves out ("那海东呢？" after a question about Xining's air quality)."""
        if not history:
            return question
        prev = history[-1]
        places = self.index.places
        now = analyse(question, places)
        before = analyse(prev, places)
        short = len(question) <= 14 or bool(re_followup(question))
        if not short:
            return question
        if now.places and before.places:
            from .places import chinese_aliases

            out = prev
            for old in before.places:
                for alias in chinese_aliases(places[old]):
                    out = out.replace(alias, now.places[0])
            if out == prev:  # English: the place was named in pinyin
                out = _replace_latin_place(prev, before.places[0], now.places[0], places)
            return out
        if not now.places and before.places:
            return f"{question} {prev}"
        return question

    # ------------------------------------------------------------ reports and passages

    def reports(self) -> list[ReportInfo]:
        counts: dict[str, int] = {}
        for c in self.index.chunks:
            counts[c.report_id] = counts.get(c.report_id, 0) + 1
        return [ReportInfo(r.report_id, r.title, r.city, r.level, r.reviewed_year, r.plan_year, r.date, r.speaker,
                           counts.get(r.report_id, 0), r.source) for r in self.index.reports.values()]

    def passage(self, chunk_id: str, paragraphs: int = 2) -> PassageView:
        try:
            chunk = self.index.chunk(chunk_id)
        except KeyError:
            from .errors import RagError

            raise RagError(f"no passage with id '{chunk_id}' in the index") from None
        context, a, b = self.index.context(chunk, paragraphs)
        info = next(r for r in self.reports() if r.report_id == chunk.report_id)
        return PassageView(chunk.chunk_id, chunk.text, info, chunk.section, chunk.part, context, a, b)

    def add_reports(self, paths: list[Path], progress: Progress | None = None) -> BuildStats:
        """Index more report files; only new text is embedded. Writes are serialised."""
        with self._write_lock:
            index, stats = build_index(self.config, self.encoder, paths=paths, previous=self.index, progress=progress)
            self.index = index
            self.retriever = Retriever(index, self.encoder, self.retriever.settings)
            return stats


def build_index(config: Config, encoder, *, paths: list[Path] | None = None, previous: Index | None = None,
                rebuild: bool = False, progress: Progress | None = None) -> tuple[Index, BuildStats]:
    """Build (or extend) the index and save it atomically under ``config.index_dir``."""
    if previous is None and not rebuild:
        try:
            previous = Index.load(config.index_dir, model=encoder.name)
        except (IndexNotFoundError, IndexMismatchError):
            previous = None
    index, stats = Index.build(config, encoder, paths, previous=previous, progress=progress)
    index.save(config.index_dir)
    return index, stats


def _check_question(question: str) -> tuple[str, list[str]]:
    notes: list[str] = []
    q = (question or "").strip()
    if not q:
        raise QuestionError("the question is empty")
    import re

    if not re.search(r"[\w\u4e00-\u9fff]", q):
        raise QuestionError("the question has no words in it (only punctuation or symbols)")
    if len(q) > MAX_QUESTION_CHARS:
        notes.append(f"question truncated from {len(q)} to {MAX_QUESTION_CHARS} characters")
        q = q[:MAX_QUESTION_CHARS]
    return q, notes


def re_followup(question: str):
    import re

    return re.match(r"^(那|那么|还有|而|and\b|what about\b|how about\b)", question.strip(), re.I)


def _replace_latin_place(prev: str, old: str, new: str, places: dict[str, str]) -> str:
    from .places import english_aliases, english_words

    words = prev.split()
    forms = set(english_aliases(places[old]))
    out = []
    replaced = False
    for w in words:
        norm = "".join(english_words(w))
        if not replaced and norm and norm in forms:
            out.append(new)
            replaced = True
        else:
            out.append(w)
    text = " ".join(out)
    return text if replaced else f"{prev} {new}"


__all__ = ["Assistant", "ReportInfo", "PassageView", "build_index", "not_found_text"]
