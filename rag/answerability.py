"""Whether the indexed reports answer a question, decided in one function with named outcomes.

The outcomes, in the order they are checked:

- ``place_not_indexed``: the question names real places (gazetteer) and none of them is indexed;
  another place's figures are never a substitute.
- ``year_not_covered``: the places asked about are indexed, but none of their reports reviews or
  plans the year asked about, and no passage speaks of that year; the closest passage may be
  offered, labelled as the year it is about.
- ``not_in_reports``: the passages found do not address the topic, or give a level asked only as its
  change (:meth:`Topic.change_only`). Decided by a logistic model over
  evidence features (sentence similarity, the best passage's dense score, IDF-weighted coverage of
  the question's topic terms, the share of topic terms the corpus never uses, whether a figure asked
  for is given beside the topic, how much better the question's words match the asked place's
  report than any other place's, for a yes/no question how much of what it names the report
  never names, a linear reader's score of the question's vector against the leading sentence's,
  :class:`Reader`, whether a level asked of an indicator is given only as its change,
  :meth:`Topic.change_only`, and how many of the nearest dev questions the reports did not answer,
  :class:`Neighbours`), fitted on the dev
  split with negatives by ``eval/calibrate.py`` and stored in ``rag/calibration.json`` per model;
  never by the absence of a single word.
- ``answered``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from .dictionary import char_gloss_index, lemmas
from .lexical import BM25, PLAIN, Tokenizer, bigrams, dictionary_tags
from .lexicon import CHANGE_FIGURE, CLAUSE_BREAK, MAGNITUDE, NOMINAL_POS, QUANTITY, SAME_QUESTION_SIMILARITY
from .query import Catalog, QueryInfo, content_translations

ANSWERED, PLACE_NOT_INDEXED, YEAR_NOT_COVERED, NOT_IN_REPORTS = (
    "answered",
    "place_not_indexed",
    "year_not_covered",
    "not_in_reports",
)
STATUSES = (ANSWERED, PLACE_NOT_INDEXED, YEAR_NOT_COVERED, NOT_IN_REPORTS)
CALIBRATION = Path(__file__).with_name("calibration.json")
FEATURES = (
    "sim_max",
    "dense_top",
    "coverage",
    "missing",
    "english",
    "alone_max",
    "part_coverage",
    "part_missing",
    "dense_spread",
    "figure_missing",
    "topic_absent",
    "whether_missing",
    "lexical_contrast",
    "reader",
    "change_only",
    "neighbours",
)


@dataclass(frozen=True)
class Evidence:
    """What the retrieved passages offer for a question: the features the model scores.

    ``sim_max``: the best sentence's similarity to the question, sentences read in their passage;
    ``alone_max``: the same with each leading sentence embedded on its own (sharper: a sentence that
    merely shares its passage's topic loses the passage's help). ``coverage``/``missing``: topic terms
    found whole; ``part_coverage``/``part_missing``: the same counted by the words a compound term is
    made of, so a paraphrase (粮食产量 asked, "粮食生产…达69万吨" written) gets partial credit where an
    absent topic (房价 in a report that never speaks of house prices) gets none.
    """

    sim_max: float
    dense_top: float
    coverage: float
    missing: float
    english: float
    alone_max: float = 0.0
    part_coverage: float = 0.0
    part_missing: float = 0.0
    dense_spread: float = 0.0  # the best passage's dense lead over the next ten in scope (retriever.py)
    figure_missing: float = 0.0  # a figure is asked for and no leading sentence gives one for the topic
    # 1 when not one word of the question's topic occurs in the reports in scope (房价, 地铁, 比特币 asked of a
    # report that never uses them): unlike ``missing``, a compound's words found apart do not count as absent
    topic_absent: float = 0.0
    # a yes/no question (QueryInfo.asks_whether): the IDF-weighted share of the things it names that the
    # reports in scope never name — "海西有没有提到核电站？" asks whether they do (_whether_missing)
    whether_missing: float = 0.0
    # how much better the question's words match the reports in scope than another place's (log BM25
    # of the best passage in scope less the best elsewhere; retriever.SearchResult); 0 when no place is asked
    lexical_contrast: float = 0.0
    missing_terms: tuple[str, ...] = ()
    # the reader's score (:class:`Reader`) of the question against the sentence an answer would lead with
    reader: float = 0.0
    # what the reader read: the question's vector and that sentence's, embedded alone (kept for
    # eval/calibrate.py, which fits the reader; not a feature)
    reader_input: tuple[np.ndarray, np.ndarray] | None = field(default=None, compare=False, repr=False)
    # the leading sentences the composer chose among: their texts, vectors (embedded alone) and scores
    # before the :class:`Selector`'s (kept for eval/calibrate.py, which fits the selector; not a feature)
    lead_input: tuple[tuple[str, ...], np.ndarray, np.ndarray] | None = field(default=None, compare=False, repr=False)
    # 1 when a level is asked of an indicator and the leading sentences give it only as a change
    # (Topic.change_only): "德令哈2019年地区生产总值是多少？" answered by "地区生产总值增长8.2%"
    change_only: float = 0.0
    # the share of the dev questions nearest this one (:class:`Neighbours`) that the reports did not answer
    neighbours: float = 0.0
    # the sentence and clause giving the indicator's change when ``change_only`` (Topic.change_given):
    # what a refusal shows instead of the level asked (not a feature)
    change: tuple[str, str] | None = field(default=None, compare=False, repr=False)

    def value(self, name: str) -> float:
        return float(getattr(self, name))

    def vector(self, names: tuple[str, ...] = FEATURES) -> list[float]:
        return [self.value(n) for n in names]

    def as_dict(self) -> dict:
        return {name: round(v, 4) for name, v in zip(FEATURES, self.vector(), strict=True)}


@dataclass(frozen=True)
class Reader:
    """A linear reader of a question and the sentence an answer would lead with, both as the embedding
    model's vectors: its score rises when the sentence is the kind that answers the kind of question.

    Every other feature counts words or one cosine; none tells a sentence that gives the figure asked
    ("新增养老床位500张") from one on the topic that does not ("推进医养结合"). Fitted by eval/calibrate.py on
    the dev questions (answerable against not-in-reports), out of fold for the model that weighs it;
    leaving one writer's set out at a time, topic abstention rose 0.390 → 0.494 at the 2.5 % bound (eval/README.md).
    """

    weights: np.ndarray  # over the question's vector followed by the sentence's
    bias: float

    def score(self, question: np.ndarray, sentence: np.ndarray) -> float:
        d = len(question)
        if len(self.weights) != 2 * d or len(sentence) != d:
            return 0.0  # fitted on another model's vectors
        return float(self.weights[:d] @ question + self.weights[d:] @ sentence + self.bias)


@dataclass(frozen=True)
class Selector:
    """A linear scorer of how well a sentence answers a question, over the sentence's vector (embedded
    alone) and its product with the question's: the composer adds its score to each leading sentence's,
    so the answer leads with the sentence that gives what is asked, not one that merely shares the topic.

    Cosine similarity weighs every dimension alike; fitted on which dev sentences hold their question's
    gold evidence, the product's weights learn which dimensions matter for answering, and the sentence's
    own weights what answering sentences look like (a figure, a named measure). Fitted by
    eval/calibrate.py; writer sets left out, the leading sentence held the evidence for 0.84 → 0.89 of
    answerable dev questions (English 0.80 → 0.88), eval/README.md.
    """

    weights: np.ndarray  # over the sentence's vector followed by its elementwise product with the question's
    bias: float

    @staticmethod
    def inputs(question: np.ndarray, sentences: np.ndarray) -> np.ndarray:
        """One row per sentence: its vector, then its elementwise product with the question's (what the
        weights are over; eval/calibrate.py fits them on these rows)."""
        return np.hstack([sentences, sentences * question])

    def scores(self, question: np.ndarray, sentences: np.ndarray) -> np.ndarray:
        d = len(question)
        if len(self.weights) != 2 * d or sentences.ndim != 2 or sentences.shape[1] != d:
            return np.zeros(len(sentences), dtype=np.float32)  # fitted on another model's vectors
        return self.inputs(question, sentences) @ self.weights + self.bias


@dataclass(frozen=True)
class Neighbours:
    """The dev questions nearest a question, as the embedding model sees them: the weighted share of
    them the reports did not answer.

    A question like ones this collection's reports could not answer (its house prices, its metro, the
    count of its hospital beds, asked of any place) is likely not answerable either; no other feature
    remembers what the reports of this collection leave out. Only for the collection the dev questions
    were asked of (``places``): another collection gets ``mean``, a constant the model's bias absorbs.
    A dev question asked again is not its own neighbour (lexicon.SAME_QUESTION_SIMILARITY): the dev
    figures then measure the feature as it works on new questions. Fitted by eval/calibrate.py; leaving
    one writer's set out at a time (the nearest questions never the test writer's), topic abstention
    rose 0.449 → 0.495 and false abstention fell 0.027 → 0.025 (eval/README.md).
    """

    vectors: np.ndarray  # the dev questions' vectors, normalised (rows)
    unanswered: np.ndarray  # 1 for a question the reports do not answer, 0 for one they do
    k: int
    temperature: float  # how much nearer neighbours weigh: exp(temperature · similarity)
    mean: float  # the feature's mean on the dev questions: what a question of another collection gets
    places: frozenset[str] = frozenset()

    def score(self, question: np.ndarray | None, places: Iterable[str]) -> float:
        if question is None or frozenset(places) != self.places or question.shape[-1] != self.vectors.shape[1]:
            return self.mean
        q = np.asarray(question, dtype=np.float32)
        sims = self.vectors @ (q / (np.linalg.norm(q) or 1.0))
        share = self.share(
            sims, np.where(sims < SAME_QUESTION_SIMILARITY)[0], self.unanswered, self.k, self.temperature
        )
        return self.mean if share is None else share

    @staticmethod
    def share(sims: np.ndarray, rows: np.ndarray, unanswered: np.ndarray, k: int, temperature: float) -> float | None:
        """The weighted share of the ``k`` of ``rows`` nearest by ``sims`` that were not answered; None
        when ``rows`` is empty. eval/calibrate.py reads the feature of the dev questions it fits on with
        this too, so the fit sees what a question asked gets."""
        if len(rows) == 0:
            return None
        k = min(k, len(rows))
        near = rows[np.argpartition(-sims[rows], k - 1)[:k]]
        w = np.exp(temperature * (sims[near] - sims[near].max()))
        return float((w * unanswered[near]).sum() / w.sum())


@dataclass(frozen=True)
class Verdict:
    """The outcome for one question, with what the user is told it rests on."""

    status: str
    probability: float | None = None  # model's probability that the passages answer (topic check)
    uncovered_year: int | None = None  # the year asked about that no report covers
    places_years: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = field(
        default_factory=dict
    )  # place → (reviewed, planned)
    evidence: Evidence | None = None

    @property
    def found(self) -> bool:
        return self.status == ANSWERED


@dataclass(frozen=True)
class Model:
    """A logistic model over :data:`FEATURES`; ``threshold`` is the probability below which we abstain."""

    weights: tuple[float, ...]
    bias: float
    threshold: float
    source: str = "default"
    features: tuple[str, ...] = FEATURES[:5]  # which evidence features the weights belong to, in order
    # a threshold per question language ("en", "zh"), each fitted for the same false-abstention bound:
    # English questions reach the passages through translation and score lower on every feature
    thresholds: tuple[tuple[str, float], ...] = ()
    reader: Reader | None = field(default=None, compare=False)
    # fitted with the model, though it serves the composer's choice of sentences, not the verdict
    selector: Selector | None = field(default=None, compare=False)
    neighbours: Neighbours | None = field(default=None, compare=False)

    def threshold_for(self, ev: Evidence) -> float:
        return dict(self.thresholds).get("en" if ev.english > 0.5 else "zh", self.threshold)

    def probability(self, ev: Evidence) -> float:
        z = self.bias + sum(w * x for w, x in zip(self.weights, ev.vector(self.features), strict=True))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


# Used only when no calibration exists for the model (another embedding model): a conservative
# rule of thumb that abstains when nothing is similar and the topic terms are absent.
DEFAULT_MODEL = Model((8.0, 4.0, 3.0, -4.0, 1.0), -10.0, 0.5)


@lru_cache(maxsize=8)
def load_model(model_name: str, path: Path = CALIBRATION) -> Model:
    """The calibrated model for an embedding model, or the default when none was fitted."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entry = data[model_name]
        features = tuple(entry.get("features", FEATURES[:5]))
        if not set(features) <= set(FEATURES) or len(features) != len(entry["weights"]):
            return DEFAULT_MODEL  # fitted on features this version does not compute
        reader = entry.get("reader")
        if "reader" in features and not reader:
            return DEFAULT_MODEL
        neighbours = _neighbours(entry.get("neighbours"), path.parent)
        if "neighbours" in features and neighbours is None:
            return DEFAULT_MODEL
        return Model(
            tuple(float(w) for w in entry["weights"]),
            float(entry["bias"]),
            float(entry["threshold"]),
            f"{path.name}:{model_name}",
            features,
            tuple((lang, float(t)) for lang, t in (entry.get("thresholds") or {}).items()),
            Reader(np.asarray(reader["weights"], dtype=np.float32), float(reader["bias"])) if reader else None,
            _selector(entry.get("selector")),
            neighbours,
        )
    except (OSError, ValueError, KeyError, TypeError):
        return DEFAULT_MODEL


def neighbours_file(model_name: str) -> str:
    """The file beside calibration.json holding a model's :class:`Neighbours` vectors."""
    return "neighbours-" + re.sub(r"[^A-Za-z0-9]+", "-", model_name).strip("-") + ".npz"


def _neighbours(entry: dict | None, folder: Path) -> Neighbours | None:
    if not entry:
        return None
    with np.load(folder / entry["file"]) as data:
        vectors = data["vectors"].astype(np.float32)
        unanswered = data["unanswered"].astype(np.float32)
        places = frozenset(str(p) for p in data["places"])
    return Neighbours(vectors, unanswered, int(entry["k"]), float(entry["temperature"]), float(entry["mean"]), places)


def _selector(entry: dict | None) -> Selector | None:
    return Selector(np.asarray(entry["weights"], dtype=np.float32), float(entry["bias"])) if entry else None


def uncovered_year(info: QueryInfo, catalog: Catalog) -> int | None:
    """The year asked about when no report of the places asked about reviews or plans it."""
    if info.year is None:
        return None
    if info.places:
        return None if any(catalog.covers(p, info.year) for p in info.places) else info.year
    return None if info.year in catalog.all_years else info.year


def term_present(term: str, text: str, tokenizer: Tokenizer = PLAIN) -> bool:
    """A topic term is present in a text when it occurs, or when the words it is compounded of all do
    (粮食产量 in "粮食总产量", 地铁线 in "地铁3号线"); the words are the index's ``tokenizer``'s."""
    if term in text:
        return True
    pattern = compound_pattern(term, tokenizer)
    return pattern is not None and pattern.search(text) is not None


def compound_pattern(term: str, tokenizer: Tokenizer = PLAIN) -> re.Pattern | None:
    """The pattern :func:`term_present` looks for when the term itself does not occur (None: none)."""
    return _compound_pattern(term, compound_parts(term, tokenizer))


@lru_cache(maxsize=20_000)
def _compound_pattern(term: str, parts: tuple[str, ...]) -> re.Pattern | None:
    """The term's pieces in order, a few characters apart at most: its words and the characters left
    between them (粮食.{0,4}产量; 地铁.{0,4}线 for 地铁线 in "地铁4号线") — not 最低 here and 工资 elsewhere."""
    if not parts:
        return None
    pieces: list[str] = []
    pos = 0
    for part in parts:
        at = term.find(part, pos)
        if at > pos:
            pieces.append(term[pos:at])
        pieces.append(part)
        pos = at + len(part)
    if pos < len(term):
        pieces.append(term[pos:])
    return re.compile(".{0,4}".join(map(re.escape, pieces))) if len(pieces) >= 2 else None


def compound_parts(term: str, tokenizer: Tokenizer = PLAIN) -> tuple[str, ...]:
    """The words of two or more characters a Chinese compound is made of, when they make up most of it."""
    if len(term) < 3 or not re.fullmatch(r"[\u4e00-\u9fff]+", term):
        return ()
    parts: list[str] = []
    pos = 0
    for w in sorted((w for w in tokenizer.segment_for_search(term) if 2 <= len(w) < len(term)), key=term.find):
        at = term.find(w, pos)
        if at >= pos:
            parts.append(w)
            pos = at + len(w)
    covered = sum(len(p) for p in parts)
    return tuple(parts) if covered * 3 >= len(term) * 2 else ()


def topic_groups(info: QueryInfo) -> list[tuple[str, tuple[str, ...]]]:
    """What the question asks about, as groups of alternatives: each Chinese topic term alone; for an
    English question each translated phrase (any of its terms), and each untranslated word (none)."""
    if info.lang != "en":
        return [(t, (t,)) for t in info.topic_terms]
    loose = set(info.loose_terms)  # found through a one-character sense: not the thing asked, by themselves
    asked = [(en, tuple(t for t in zh if t not in loose) or zh) for en, zh in content_translations(info.translations)]
    return [*asked, *((w, ()) for w in info.untranslated)]


@dataclass(frozen=True)
class Topic:
    """The question's topic groups with their IDF weights, derived once per question and shared by
    the answerability features and the sentence scorer, so both count a topic the same way: an
    English phrase is present when any of its Chinese terms is (three alternatives of "jobs" are one
    topic, not three), and weighs as much as its rarest alternative."""

    groups: tuple[tuple[str, tuple[str, ...]], ...]
    weights: tuple[float, ...]
    tokenizer: Tokenizer = PLAIN
    unit: str | None = None  # the unit the figure is asked in (QueryInfo.asked_unit)
    level: bool = False  # a level is asked (QueryInfo.asks_level): a change (增长4%) is no figure for it
    indicator_groups: tuple[int, ...] = ()  # the groups that name an indicator (QueryInfo.indicators)
    _patterns: dict[str, re.Pattern | None] = field(default_factory=dict, compare=False, repr=False)

    @property
    def total(self) -> float:
        return sum(self.weights)

    def present(self, text: str) -> list[float]:
        """Per group: 1 when one of its terms occurs in ``text`` (as :func:`term_present` says)."""
        return [1.0 if any(self._present(t, text) for t in terms) else 0.0 for _, terms in self.groups]

    def _present(self, term: str, text: str) -> bool:
        if term in text:
            return True
        # the composer asks this of every sentence of every hit, a few terms each: the term's
        # compound pattern is worked out once per question, not once per sentence
        if term not in self._patterns:
            self._patterns[term] = compound_pattern(term, self.tokenizer)
        pattern = self._patterns[term]
        return pattern is not None and pattern.search(text) is not None

    def share(self, scores: list[float]) -> float:
        """The IDF-weighted share of the groups, given a score per group."""
        total = self.total
        return sum(w * x for w, x in zip(self.weights, scores, strict=True)) / total if total > 0 else 0.0

    def coverage(self, text: str) -> float:
        return self.share(self.present(text))

    def figure_coverage(self, sentence: str) -> float:
        """The weighted share of the groups that have a figure of their own in ``sentence``: a clause
        holding one of the group's terms and a quantity (城镇新增就业9000人 gives "jobs" its figure;
        "稳步提高最低工资标准" names the minimum wage but gives none)."""
        parts = CLAUSE_BREAK.split(sentence)
        clauses = [c for c in parts if self._has_figure(c)]
        if not clauses or not self.groups:
            return 0.0
        # what a sentence's first clause names is the subject of the clauses after it ("“静宁苹果”产业以…
        # 为抓手，…，优质果园面积稳定在150万亩": the apples' acreage)
        head = self.present(parts[0])
        per_clause = [self.present(c) for c in clauses]
        return self.share([max(head[i], *(p[i] for p in per_clause)) for i in range(len(self.groups))])

    def change_only(self, sentences: tuple[str, ...]) -> bool:
        """Whether, a level being asked of an indicator, the sentences state that indicator only as a
        change: some clause names it with a change (地区生产总值增长8.2%) and none with a level (地区生产总值
        达到1500亿元). The report then gives the pace, not the figure asked. On dev (2137 questions), 14
        level questions' leading sentences were so: 13 were not in the reports."""
        return self.change_given(sentences) is not None

    def change_given(self, sentences: tuple[str, ...]) -> tuple[str, str] | None:
        """The first sentence and clause giving the indicator's change, when that is all the sentences
        give of it (:meth:`change_only`): what a refusal can show instead of the level asked."""
        if not self.level or not self.indicator_groups:
            return None
        terms = [t for i in self.indicator_groups for t in self.groups[i][1]]
        change: tuple[str, str] | None = None
        for sentence in sentences:
            for clause in CLAUSE_BREAK.split(sentence):
                if not any(self._present(t, clause) for t in terms):
                    continue
                if QUANTITY.search(CHANGE_FIGURE.sub(" ", clause)):
                    return None
                if change is None and CHANGE_FIGURE.search(clause) is not None:
                    # a bracket the clause break cut open ("增长4%（同比，下同）") is left out
                    shown = clause[: clause.rfind("（")] if clause.count("（") > clause.count("）") else clause
                    change = (sentence, shown.strip())
        return change

    def _has_figure(self, clause: str) -> bool:
        """A quantity, in the unit asked when one is (多少亿元: "87亿元" is one, "增长7%" is not); when a
        level is asked, not a change (地区生产总值是多少: "地区生产总值增长4%" gives none)."""
        if self.level:
            clause = CHANGE_FIGURE.sub(" ", clause)
        if self.unit is None:
            return QUANTITY.search(clause) is not None
        # a unit of several characters is compared whole, less any magnitude it opens with (千瓦: 20万千瓦)
        unit = self.unit.lstrip(MAGNITUDE) or self.unit
        for m in QUANTITY.finditer(clause):
            tail = clause[m.end() - 1 :]
            rest = tail.lstrip(MAGNITUDE)
            if rest.startswith(unit) or (unit == "%" and rest[:1] == "％"):
                return True
            if self.unit in MAGNITUDE and self.unit in tail[: len(tail) - len(rest)]:  # 多少亿: 87亿元
                return True
        return False


def topic(info: QueryInfo, bm25: BM25, tokenizer: Tokenizer = PLAIN) -> Topic:
    groups = topic_groups(info)
    weights = [max((_term_idf(t, bm25) for t in terms), default=_max_idf(bm25)) for _, terms in groups]
    indicators = set(info.indicators)
    named = tuple(i for i, (_, terms) in enumerate(groups) if indicators & set(terms))
    return Topic(tuple(groups), tuple(weights), tokenizer, info.asked_unit, info.asks_level, named)


def evidence(
    info: QueryInfo,
    passages: list[str],
    sim_max: float,
    dense_top: float,
    bm25: BM25,
    scope_text: str,
    tokenizer: Tokenizer = PLAIN,
    alone_max: float | None = None,
    dense_spread: float | None = None,
    lead_sentences: tuple[str, ...] = (),
    topic_: Topic | None = None,
    lexical_contrast: float | None = None,
    reader_input: tuple[np.ndarray, np.ndarray] | None = None,
    reader: Reader | None = None,
    lead_input: tuple[tuple[str, ...], np.ndarray, np.ndarray] | None = None,
    neighbours: float = 0.0,
) -> Evidence:
    """Features of what was found for a question.

    ``coverage``: the IDF-weighted share of the question's topic groups present in the best of the
    top passages. ``missing``: the IDF-weighted share of topic groups that the reports in scope (the
    places asked about, or all) never mention — a topic the report of the place does not address.
    ``part_coverage``/``part_missing``: the same, each group counted by the share of the words its
    terms are made of (see :class:`Evidence`). ``figure_missing``: for a question asking for a figure,
    1 less the best figure coverage (:meth:`Topic.figure_coverage`) of the ``lead_sentences``, the
    sentences an answer would be made of; 0 for other questions. ``topic_absent``: 1 when not one word
    of any topic group occurs in the reports in scope. ``topic_``: the question's :class:`Topic`, when
    the caller has it already (the sentence scorer does). ``lexical_contrast``: from the search
    (:attr:`retriever.SearchResult.lexical_contrast`), 0 when it has none. ``reader``: the
    :class:`Reader`'s score of ``reader_input`` (the question's vector, the leading sentence's), 0
    without either.
    """
    t = topic_ or topic(info, bm25, tokenizer)
    read = reader.score(*reader_input) if reader is not None and reader_input is not None else 0.0
    english = 1.0 if info.lang == "en" else 0.0
    alone = sim_max if alone_max is None else alone_max
    figure_missing = 0.0
    if info.wants_number:
        figure_missing = 1.0 - max((t.figure_coverage(x) for x in lead_sentences), default=0.0)
    change = t.change_given(lead_sentences)
    change_only = 1.0 if change is not None else 0.0
    if t.total <= 0:
        return Evidence(
            sim_max,
            dense_top,
            0.5,
            0.0,
            english,
            alone,
            0.5,
            0.0,
            dense_spread or 0.0,
            figure_missing,
            lexical_contrast=lexical_contrast or 0.0,
            reader=read,
            reader_input=reader_input,
            lead_input=lead_input,
            change_only=change_only,
            neighbours=neighbours,
            change=change,
        )
    split = [[compound_parts(x, tokenizer) or (x,) for x in terms] for _, terms in t.groups]

    def by_parts(text: str) -> list[float]:  # per group: the share of its best alternative's words present
        return [max((_part_share(parts, text, bm25) for parts in alternatives), default=0.0) for alternatives in split]

    in_scope = t.present(scope_text)
    scope_parts = by_parts(scope_text)
    whether_missing = _whether_missing(info, bm25, scope_text, tokenizer) if info.asks_whether else 0.0
    return Evidence(
        sim_max,
        dense_top,
        max((t.coverage(p) for p in passages), default=0.5),
        t.share([1.0 - x for x in in_scope]),
        english,
        alone,
        max((t.share(by_parts(p)) for p in passages), default=0.5),
        1.0 - t.share(scope_parts),
        dense_spread or 0.0,
        figure_missing,
        1.0 if not any(scope_parts) else 0.0,
        whether_missing,
        lexical_contrast or 0.0,
        tuple(
            name for (name, _), x in zip(t.groups, in_scope, strict=True) if not x and not _sense_in(name, scope_text)
        ),
        read,
        reader_input,
        lead_input,
        change_only,
        neighbours,
        change=change,
    )


def _sense_in(name: str, text: str) -> bool:
    """Whether an English word's one-character sense occurs in ``text`` (lithium: 锂 in 锦泰锂业): the reports
    then speak of the thing in words its translations miss, and saying they never mention it would be false."""
    if " " in name or not name.isascii():
        return False
    chars = {c for form in lemmas(name.lower()) for c in char_gloss_index().get(form, ())}
    return any(c in text for c in chars)


def _whether_missing(info: QueryInfo, bm25: BM25, scope_text: str, tokenizer: Tokenizer) -> float:
    """For a yes/no question: the IDF-weighted share of the things it asks about that the reports in
    scope never name. A thing is a topic group with a word that names one (:data:`lexicon.NOMINAL_POS`:
    核电站, 氢能 — not 建设, not "pass" → 通过); an English word's loose translations count here (氢能 is
    how the reports name hydrogen); an untranslated word says nothing of what the reports name."""
    if info.lang == "en":
        groups = [terms for _, terms in content_translations(info.translations)]
    else:
        groups = [(x,) for x in info.topic_terms]
    named = [terms for terms in groups if terms and any(_names_a_thing(x, bm25) for x in terms)]
    weights = [max(_term_idf(x, bm25) for x in terms) for terms in named]
    total = sum(weights)
    absent = sum(
        w
        for terms, w in zip(named, weights, strict=True)
        if not any(term_present(x, scope_text, tokenizer) for x in terms)
    )
    return absent / total if total > 0 else 0.0


def _names_a_thing(term: str, bm25: BM25) -> bool:
    tag = dictionary_tags().get(term)
    if bm25.doc_freq(term) > 0:  # a word of the reports that jieba does not know: their own compound
        return tag is None or tag in NOMINAL_POS
    return tag in NOMINAL_POS


def _term_idf(term: str, bm25: BM25) -> float:
    return bm25.idf(term) if bm25.doc_freq(term) else _idf_of_absent(term, bm25)


def _part_share(parts: tuple[str, ...], text: str, bm25: BM25) -> float:
    """The IDF-weighted share of a compound's words that a text contains (a word of its own counts whole)."""
    weights = [_term_idf(x, bm25) for x in parts]
    total = sum(weights)
    return sum(w for x, w in zip(parts, weights, strict=True) if x in text) / total if total > 0 else 0.0


def _max_idf(bm25: BM25) -> float:
    n = bm25.weights.shape[0]
    return float(math.log(1.0 + (n + 0.5) / 0.5))


def _idf_of_absent(term: str, bm25: BM25) -> float:
    # a word no passage has: as rare as can be, unless its bigrams are common (a new compound of old words)
    grams = [g for g in bigrams(term)]
    if grams and all(bm25.doc_freq("§" + g) for g in grams):
        return sum(bm25.idf("§" + g) for g in grams) / len(grams)
    return bm25.idf(term)


def places_years(info: QueryInfo, catalog: Catalog) -> dict[str, tuple[tuple[int, ...], tuple[int, ...]]]:
    """Per indexed place asked about: the years its reports review and the years they plan."""
    return {
        p: (catalog.places[p].reviewed_years, catalog.places[p].plan_years) for p in info.places if p in catalog.places
    }


def judge(
    info: QueryInfo, catalog: Catalog, ev: Evidence | None, model: Model, year_mentioned: bool = False
) -> Verdict:
    """The outcome for a question, given the evidence features of what retrieval found."""
    years = places_years(info, catalog)
    if info.unknown_places and not info.places:
        return Verdict(PLACE_NOT_INDEXED, places_years=years)
    year = uncovered_year(info, catalog)
    if year is not None and not year_mentioned:
        return Verdict(YEAR_NOT_COVERED, uncovered_year=year, places_years=years, evidence=ev)
    if ev is None:
        return Verdict(NOT_IN_REPORTS, places_years=years)
    p = model.probability(ev)
    # a level asked that the reports give only as its change is a figure they do not give, whatever the
    # model makes of the rest: on dev (3609), 25 of the 30 questions so were not in the reports, and a
    # refit must not answer "德令哈2019年地区生产总值是多少？" with "增长8.2%" because its weight moved
    if p < model.threshold_for(ev) or ev.change_only > 0.5:
        return Verdict(NOT_IN_REPORTS, probability=p, places_years=years, evidence=ev)
    return Verdict(ANSWERED, probability=p, places_years=years, evidence=ev)
