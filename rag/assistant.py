"""The one object the CLI, the UI and the evaluation all use: load config, model and index once,
then answer questions, list reports, show passages and add reports."""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import pipeline, tablecache
from .answer import Answer, ComposerSettings, SentenceVectors
from .config import Config
from .encoder import Encoder
from .errors import IndexNotFoundError, IngestError, LLMError, RagError
from .index import Index, manifest_signature, read_generation
from .ingest import Report, collect_files, load_reports
from .library import Library, RemovedReport
from .pipeline import BuildStats, Progress, Source
from .places import chinese_aliases, english_aliases, english_words
from .query import is_followup
from .retriever import RetrievalSettings, Retriever, SearchResult, vector_store
from .storage import check_replaceable, file_digest, write_lock
from .validate import check_k, check_question

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReportInfo:
    """An indexed report as the library, ``rag reports`` and the UI show it."""

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

    @classmethod
    def of(cls, report: Report, chunks: int) -> ReportInfo:
        return cls(
            report.report_id,
            report.title,
            report.city,
            report.level,
            report.reviewed_year,
            report.plan_year,
            report.date,
            report.speaker,
            chunks,
            report.source,
        )

    def to_dict(self) -> dict:
        """The report as ``rag reports --json`` prints it: every field, by name."""
        return asdict(self)


def report_infos(index: Index) -> list[ReportInfo]:
    """Every report of an index with its chunk count, in index order."""
    counts: dict[str, int] = {}
    for c in index.chunks:
        counts[c.report_id] = counts.get(c.report_id, 0) + 1
    return [ReportInfo.of(r, counts.get(r.report_id, 0)) for r in index.reports.values()]


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
    return Encoder(config.model, config.cache_dir, runtime=config.runtime)


@dataclass(frozen=True)
class Removal:
    """What ``rag remove`` did: the report taken out and the library files deleted with it."""

    report: ReportInfo
    bundled: bool
    deleted_files: list[str] = field(default_factory=list)
    stats: BuildStats | None = None


class Assistant:
    """Question answering over an index; thread-safe for concurrent questions, serialised writes.

    Another process (``rag index`` while the UI runs) may write a newer index at any time: every
    use of :attr:`index` or :attr:`retriever` first checks the manifest on disk (one ``stat``) and
    reloads when a newer build was swapped in, so answers and uploads never work from a stale copy.
    """

    def __init__(
        self,
        config: Config,
        index: Index,
        encoder,
        retrieval: RetrievalSettings | None = None,
        composer: ComposerSettings | None = None,
    ):
        self.config = config
        self.encoder = encoder
        # the English glossary and the place-name indexes, derived once and loaded by later processes
        tablecache.use_folder(config.cache_dir / "tables")
        self._index = index
        self._retriever = Retriever(index, encoder, retrieval, config.cache_dir)
        self.composer = composer or ComposerSettings()
        self.sentence_vectors = (
            SentenceVectors(encoder, store=vector_store(config.cache_dir, encoder, "passage"))
            if encoder is not None
            else None
        )
        self._write_lock = threading.Lock()
        self._reload_lock = threading.Lock()

    @property
    def index(self) -> Index:
        self.refresh()
        return self._index

    @property
    def retriever(self) -> Retriever:
        self.refresh()
        return self._retriever

    def with_retrieval(self, settings: RetrievalSettings) -> Assistant:
        """Another assistant over the same index and encoder with other retrieval settings (the
        evaluation's ablations); this one is unchanged."""
        return Assistant(self.config, self.index, self.encoder, settings, self.composer)

    def _use(self, index: Index) -> None:
        self._retriever = Retriever(index, self.encoder, self._retriever.settings, self.config.cache_dir)
        self._index = index

    def refresh(self) -> bool:
        """Reload the index when another process has swapped a newer one in; True when it did."""
        current = self._index
        if current.folder is None:
            return False
        signature = manifest_signature(current.folder)
        if signature is None or signature == current.signature:
            return False
        with self._reload_lock:
            current = self._index
            if current.folder is None or signature == current.signature:
                return False
            try:
                fresh = Index.load(current.folder, model=self.encoder.name)
            except RagError as exc:
                # damaged or foreign on disk: keep answering from memory; the next write rebuilds from sources
                log.warning("not reloading the index: %s", exc)
                current.signature = signature
                return False
            if fresh.manifest.get("build_id") == current.manifest.get("build_id"):
                current.signature = fresh.signature
                return False
            self._use(fresh)
            return True

    # ------------------------------------------------------------ construction

    @classmethod
    def load(
        cls,
        config: Config | None = None,
        *,
        encoder=None,
        build_if_missing: bool = False,
        progress: Progress | None = None,
    ) -> Assistant:
        """Load the index (building it from the bundled corpus and the library first if asked and missing)."""
        config = config or Config.from_env()
        encoder = encoder or make_encoder(config)
        try:
            index = Index.load(config.index_dir, model=encoder.name)
        except IndexNotFoundError:
            if not build_if_missing:
                raise
            # first run: the bundled reports and whatever the library holds. A damaged or old index is
            # never rebuilt here (IndexMismatchError goes up with the command that fixes it).
            index, _ = build_index(config, encoder, progress=progress)
        return cls(config, index, encoder)

    # ------------------------------------------------------------ questions

    def search(self, question: str, *, k: int | None = None, cities=None, year=None, part=None) -> SearchResult:
        question = check_question(question)[0]
        return self.retriever.search(
            question, check_k(k, self.config.k), cities=cities, year=year, part=part, candidates=self.config.candidates
        )

    def ask(
        self,
        question: str,
        *,
        k: int | None = None,
        cities=None,
        year=None,
        part=None,
        llm: bool = False,
        history: list[str] | None = None,
        on_token: Callable[[str], None] | None = None,
    ) -> Answer:
        """Answer one question with citations (extractive unless ``llm`` and an endpoint is configured).

        A thin call of :func:`rag.build_chain` (through :meth:`ask_stream`), so the CLI, the UI, the API
        and the evaluation all answer through the one LangChain chain; ``on_token`` receives its ``str``
        pieces as they stream.
        """
        answer = None
        for piece in self.ask_stream(question, k=k, cities=cities, year=year, part=part, llm=llm, history=history):
            if isinstance(piece, str):
                if on_token is not None:
                    on_token(piece)
            else:
                answer = piece
        assert answer is not None, "the chain's stream ends with its Answer"
        return answer

    def ask_stream(
        self,
        question: str,
        *,
        k: int | None = None,
        cities=None,
        year=None,
        part=None,
        llm: bool = False,
        history: list[str] | None = None,
    ) -> Iterator[str | Answer]:
        """The chain's stream: ``str`` pieces as the model writes them (the extractive text as one piece
        without a model), then the :class:`Answer`, which is authoritative (after a failure mid-stream it
        is the extractive answer with a note saying why)."""
        from .chain import build_chain, chat_model  # heavy (LangChain): not for `rag index` or `rag reports`

        model, unavailable = None, None
        if llm:
            try:
                model = chat_model(self.config)
            except LLMError as exc:
                unavailable = str(exc)
        request = {"question": question, "k": k, "cities": cities, "year": year, "part": part, "history": history or []}
        for piece in build_chain(self, model).stream(request):
            if isinstance(piece, Answer) and unavailable and piece.found:
                piece.notes.append(f"LLM unavailable, extractive answer shown instead: {unavailable}")
            yield piece

    def as_retriever(self, k: int = 5, cities=None, year: int | None = None, part: str | None = None):
        """This assistant's hybrid retrieval as a LangChain ``BaseRetriever`` (see ``rag.chain.ReportRetriever``)."""
        from .chain import ReportRetriever  # heavy (LangChain), as above

        check_k(k, self.config.k)
        return ReportRetriever(assistant=self, k=k, cities=list(cities) if cities else None, year=year, part=part)

    def ask_many(self, questions: list[str], **kwargs) -> Iterator[Answer]:
        for q in questions:
            yield self.ask(q, **kwargs)

    def rewrite_followup(self, question: str, history: list[str]) -> str:
        """Fill in what a follow-up leaves out ("那海东呢？" after a question about Xining's air quality)."""
        if not history:
            return question
        prev = history[-1]
        places = self.index.places
        now = self.retriever.read(question)
        before = self.retriever.read(prev)
        if not is_followup(question):
            return question
        if now.places and before.places:
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
        return report_infos(self.index)

    def passage(self, chunk_id: str, paragraphs: int = 2) -> PassageView:
        try:
            chunk = self.index.chunk(chunk_id)
        except KeyError:
            raise RagError(f"no passage with id '{chunk_id}' in the index") from None
        context, a, b = self.index.context(chunk, paragraphs)
        info = next(r for r in self.reports() if r.report_id == chunk.report_id)
        return PassageView(chunk.chunk_id, chunk.text, info, chunk.section, chunk.part, context, a, b)

    def add_reports(self, paths: list[Path], progress: Progress | None = None) -> BuildStats:
        """Put report files into the library and rebuild the index from it; only new text is embedded.

        Writes are serialised within the process (a lock) and between processes (the file lock
        in :func:`build_index`), and every build starts from the library on disk, never from this
        process's copy, so a report another process added meanwhile is kept.
        """
        with self._write_lock:
            index, stats = build_index(self.config, self.encoder, paths=paths, progress=progress)
            self._use(index)
            return stats

    def remove_report(self, report_id: str, progress: Progress | None = None) -> Removal:
        """Take a report out of the index and the library (see :func:`remove_report`)."""
        with self._write_lock:
            removal, index = remove_report(self.config, self.encoder, report_id, progress=progress)
            self._use(index)
            return removal


def corpus_sources(config: Config) -> list[Source]:
    """The bundled reports (``config.corpus``), as a build reads them."""
    return [Source(f, f.name, True, file_digest(f)) for f in collect_files(list(config.corpus))]


def library_sources(library: Library) -> list[Source]:
    return [Source(library.path_of(e), e.name, False, e.sha256, e.stored_as) for e in library.files()]


def build_index(
    config: Config,
    encoder,
    *,
    paths: list[Path] | None = None,
    rebuild: bool = False,
    progress: Progress | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> tuple[Index, BuildStats]:
    """Add ``paths`` (files or folders) to the library, then build the index from the bundled corpus and
    the library and save it atomically under ``config.index_dir``.

    Every build derives the whole index from its sources (the embedding cache makes unchanged text
    free), so ``rebuild`` changes nothing and is kept for callers that say it. Files that cannot be
    read are skipped and named in ``stats.skipped``; when none of the given files can be read,
    nothing changes and the error says why.
    """
    folder = config.index_dir
    check_replaceable(folder)  # before any work: never after minutes of embedding
    files = collect_files(list(paths)) if paths else []
    with write_lock(folder, on_wait=on_wait):
        library = Library(config.library)
        notes = _adopt_legacy_sources(folder, library)
        corpus = corpus_sources(config)
        added, skipped, add_notes = _add_files(library, files, corpus, config)
        notes += add_notes
        if files and not added and skipped:
            raise IngestError(
                skipped[0]
                if len(skipped) == 1
                else f"none of the {len(skipped)} files could be indexed: " + "; ".join(skipped[:3])
            )
        removed = frozenset(r.content_hash for r in library.removed())
        index, stats = pipeline.build(
            config, encoder, corpus + library_sources(library), removed=removed, progress=progress
        )
        index.save(folder, generation=read_generation(folder) + 1)
    stats.notes[:0] = notes
    stats.skipped[:0] = skipped
    stats.added = added
    return index, stats


def remove_report(
    config: Config,
    encoder,
    report_id: str,
    progress: Progress | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> tuple[Removal, Index]:
    """Remove a report from the index and the library; delete its library file once none of its reports is left.

    The removal is recorded in the library by content hash, so it holds across rebuilds (for a
    bundled report, or one report of a compilation, whose file stays).
    """
    folder = config.index_dir
    check_replaceable(folder)
    with write_lock(folder, on_wait=on_wait):
        current = Index.load(folder, model=encoder.name)
        report = current.reports.get(report_id)
        if report is None:
            raise RagError(f"no report with id '{report_id}' in the index; `rag reports` lists the ids")
        library = Library(config.library)
        gone = {r.content_hash for r in library.removed()} | {report.content_hash}
        source = next(
            (s for s in current.manifest.get("sources", []) if report.content_hash in s.get("reports", [])), None
        )
        drop = []
        if source and source.get("library_file") and all(h in gone for h in source.get("reports", [])):
            drop.append(source["sha256"])
        record = RemovedReport(report.content_hash, report.report_id, report.title, time.strftime("%Y-%m-%dT%H:%M:%S"))
        deleted = library.remove_reports([record], drop)
        index, stats = pipeline.build(
            config,
            encoder,
            corpus_sources(config) + library_sources(library),
            removed=frozenset(gone),
            progress=progress,
        )
        index.save(folder, generation=read_generation(folder) + 1)
    info = ReportInfo.of(report, sum(1 for c in current.chunks if c.report_id == report_id))
    return Removal(info, bool(source and source.get("bundled")), [f.name for f in deleted], stats), index


def _add_files(
    library: Library, files: list[Path], corpus: list[Source], config: Config
) -> tuple[list[str], list[str], list[str]]:
    """Check each new file reads as text within the size limit, then copy it into the library.

    Returns the names added, the problems of the files skipped, and notes (a file already there).
    """
    bundled = {s.sha256: s.name for s in corpus}
    added, skipped, notes = [], [], []
    for f in files:
        try:
            hashes = [r.content_hash for r in load_reports(f, config.max_file_bytes)]
        except IngestError as exc:
            skipped.append(str(exc))
            continue
        sha = file_digest(f)
        if sha in bundled:  # a bundled file needs no copy; adding it takes back its removal
            library.restore(hashes)
            notes.append(f"{Path(f).name}: same file as the bundled {bundled[sha]}; not copied")
            continue
        entry, new = library.add(f, hashes)
        if new:
            added.append(Path(f).name)
        else:
            notes.append(f"{Path(f).name}: same file as {entry.name}, already in the library")
    return added, skipped, notes


def _adopt_legacy_sources(folder: Path, library: Library) -> list[str]:
    """Format 2 kept uploaded reports inside ``index/sources/``, which a rebuild replaces: move them
    into the library first (their original names come from the old manifest)."""
    sources = folder / "sources"
    if not sources.is_dir():
        return []
    names = {}
    try:
        old = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        for s in old.get("sources", []) if isinstance(old, dict) else []:
            if isinstance(s, dict) and s.get("stored_as"):
                names[s["stored_as"]] = s.get("name")
    except (OSError, ValueError, AttributeError):
        pass
    moved = 0
    for f in sorted(sources.iterdir()):
        if f.is_file():
            name = names.get(f.name) or re.sub(r"^[0-9a-f]{12}-", "", f.name)
            if library.add(f, [], name=name)[1]:
                moved += 1
    return (
        [f"moved {moved} added report file(s) from the old index's sources/ into the library at {library.folder}"]
        if moved
        else []
    )


def _replace_latin_place(prev: str, old: str, new: str, places: dict[str, str]) -> str:
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


__all__ = ["Assistant", "ReportInfo", "PassageView", "Removal", "build_index", "remove_report", "report_infos"]
