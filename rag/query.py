"""The question reader: one question (and the chat before it) read once into a :class:`QueryInfo`
that retrieval, answerability and composition are handed, so no stage re-derives the language,
the places or the year.

What it reads: the indexed places a question names (from the index's own place names, see
:mod:`rag.places`), any other real place it names (from the gazetteer, :mod:`rag.gazetteer`), the
year asked about (absolute, or relative to a report: 去年/last year), plan-or-result intent,
list-ness, and the topic terms, which for an English question are Chinese terms found through the
dictionary (:mod:`rag.dictionary`). The word lists it uses live in :mod:`rag.lexicon`.
"""

from __future__ import annotations

import re
import threading
from array import array
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np
from pypinyin import Style, lazy_pinyin

from . import gazetteer, lexicon
from .dictionary import (
    Translation,
    Translator,
    english_words_of_glosses,
    everyday_words,
    lemmas,
    proper_names,
    words_before,
)
from .ingest import Report
from .lexical import PLAIN, TERM_MEMO, Tokenizer, dictionary_tags
from .places import english_forms, english_words, one_edit_apart, place_mentions, title_place


@dataclass(frozen=True)
class PlaceInfo:
    """An indexed place: its title form, the years its reports review and plan, and its division."""

    city: str
    title_place: str
    reviewed_years: tuple[int, ...]
    plan_years: tuple[int, ...]
    division: gazetteer.Division | None

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(sorted(set(self.reviewed_years) | set(self.plan_years)))


class Catalog:
    """What the index holds, as the reader needs it: places, their years, their gazetteer entries,
    and the lexical vocabulary (so English terms are kept only when the reports use them)."""

    def __init__(
        self,
        reports: list[Report],
        vocabulary: dict[str, int] | set[str] | None = None,
        doc_freq: Callable[[str], int] | None = None,
        passages: int = 0,
        similarity: Callable[[list[str], list[str]], np.ndarray] | None = None,
        tokenizer: Tokenizer = PLAIN,
    ):
        by_city: dict[str, list[Report]] = {}
        for r in reports:
            by_city.setdefault(r.city, []).append(r)
        self.places: dict[str, PlaceInfo] = {}
        for city, rs in by_city.items():
            title = title_place(rs[0].title, city)
            self.places[city] = PlaceInfo(
                city,
                title,
                tuple(sorted({r.reviewed_year for r in rs if r.reviewed_year})),
                tuple(sorted({r.plan_year for r in rs if r.plan_year})),
                _division_of(city),
            )
        self.title_places = {c: p.title_place for c, p in self.places.items()}
        self.all_years = tuple(sorted({y for p in self.places.values() for y in p.years}))
        self._reports = reports
        self._scope_texts: dict[frozenset[str], str] = {}
        self.tokenizer = tokenizer  # the index's own: its words, for this index's questions
        vocab = vocabulary or set()
        self._romanised: dict[str, tuple[str, ...]] | None = None
        self._romanised_lock = threading.Lock()
        self._transcript: tuple[str, array, str] | None = None
        self.translator = Translator(
            vocab,
            doc_freq=doc_freq,
            passages=passages,
            similarity=similarity,
            occurrences=self.occurrences,
            preceding=self.preceding,
        )
        self._counted: dict[str, int] = {}
        self._preceding: dict[str, dict[str, int]] = {}
        self._units: dict[str, bool] = {}
        self._indicators: dict[str, bool] = {}

    def occurrences(self, term: str) -> int:
        """How often a term occurs in the text of all reports (the translator's test of whether two
        translations join into one of the reports' terms); counted once per term and kept."""
        return _kept(self._counted, term, lambda: self.scope_text(()).count(term))

    def preceding(self, term: str) -> dict[str, int]:
        """How often each two- and three-character string stands just before ``term`` in the reports'
        text (营商 before 环境 72 times): the words a term is bound to, for the translator's joins of
        a modifier the dictionary translates otherwise (business: 商务, 商业 → 营商环境)."""
        return _kept(self._preceding, term, lambda: words_before(self.scope_text(()), term))

    def writes(self, term: str) -> bool:
        """Whether the reports write ``term`` as one of their words (their own segmentation gives it),
        not merely as characters across two words; without a vocabulary, whether it occurs at all."""
        vocabulary = self.translator.vocabulary
        return term in vocabulary if vocabulary else self.occurrences(term) > 0

    def romanised_names(self, word: str) -> tuple[str, ...]:
        """The reports' words an English question writes in pinyin: "Fangchuan" → 防川, "Mogao" (Caves)
        → 莫高 of 莫高窟, "fangpinbao" → 防贫保. Sights, projects and schemes are named so in English, and
        no dictionary glosses them; without this they are words no report term translates.

        A word of the index's vocabulary, or the first two or more characters of one, whose toneless
        pinyin is the word's letters (where none is, a string of the reports' text that reads so: a
        name the segmenter splits, :meth:`_written_in_pinyin`); where some are names in the dictionary
        (伏羲 "Fuxi") those, not a common word that reads alike (富硒); the most frequent first
        (:data:`lexicon.ROMANISED_NAME_TERMS` at most). A capitalised word is a name, never a word with
        an everyday sense (孩子 is not "Haizi", 程度 not "Chengdu") unless the dictionary lists that word
        as a name as well (万象 "all phenomena" and Vientiane: "Wanxiang Cave"; 牡丹 "peony" and a
        district: "Mudan Airport"); one written in lower case is a Chinese term as English prose borrows
        it, and may be everyday: "the minimum living allowance (dibao)" → 低保, "lamian noodles" → 拉面."""
        key = re.sub(r"[^a-z]", "", word.lower())
        if len(key) < lexicon.ROMANISED_NAME_MIN_LETTERS:
            return ()
        found = self._romanised_index().get(key, ()) or self._written_in_pinyin(key)
        if word != word.lower():
            found = tuple(t for t in found if t not in everyday_words() or t in proper_names())
        named = tuple(t for t in found if t in proper_names())
        ranked = sorted(named or found, key=lambda t: -self.occurrences(t))
        return tuple(ranked[: lexicon.ROMANISED_NAME_TERMS])

    def _written_in_pinyin(self, key: str) -> tuple[str, ...]:
        """The strings of two to :data:`lexicon.ROMANISED_TEXT_MAX_CHARS` Chinese characters in the
        reports' text whose toneless pinyin is ``key``, most frequent first: a name the segmenter does
        not keep as one word (人字洞 "Renzidong", 沈那 "Shenna", 书堂山 "Shutangshan") is in no vocabulary
        but is in the text. Read only for a word no vocabulary word reads as."""
        transcript, starts, chars = self._pinyin_transcript()
        counts: dict[str, int] = {}
        for m in re.finditer(f"(?={re.escape(key)})", transcript):
            a, b = starts[m.start()], starts[m.start() + len(key)]
            if a >= 0 and b >= 0 and 2 <= b - a <= lexicon.ROMANISED_TEXT_MAX_CHARS:
                counts[chars[a:b]] = counts.get(chars[a:b], 0) + 1
        return tuple(sorted(counts, key=lambda t: -counts[t]))

    def _pinyin_transcript(self) -> tuple[str, array, str]:
        """The reports' text as toneless pinyin, one reading per character and a mark for any other
        character (a name never spans a comma); for each offset of the transcript, the text's offset
        there where a character starts at it, else -1; and the text. Built on first use and kept."""
        if self._transcript is None:
            with self._romanised_lock:
                if self._transcript is None:
                    text = self.scope_text(())
                    readings: dict[str, str] = {}
                    parts: list[str] = []
                    owners: list[int] = []  # per offset of the transcript
                    for i, ch in enumerate(text):
                        if not lexicon.CJK.fullmatch(ch):
                            parts.append("|")  # no letter: no match starts or runs here, one may end
                            owners.append(i)
                            continue
                        if ch not in readings:
                            readings[ch] = lazy_pinyin(ch, style=Style.NORMAL)[0]
                        parts.append(readings[ch])
                        owners.extend([i] + [-1] * (len(readings[ch]) - 1))
                    starts = array("i", owners + [len(text)])
                    self._transcript = ("".join(parts), starts, text)
        return self._transcript

    def writes_in_pinyin(self, word: str) -> bool:
        """Whether a word of the reports, or the leading part of one, reads as ``word`` in toneless pinyin."""
        return re.sub(r"[^a-z]", "", word.lower()) in self._romanised_index()

    def _romanised_index(self) -> dict[str, tuple[str, ...]]:
        """Toneless pinyin → the vocabulary's Chinese words, and their leading parts, that read so;
        built on first use (~0.4 s for 14 000 words) and kept."""
        if self._romanised is None:
            with self._romanised_lock:
                if self._romanised is None:
                    out: dict[str, list[str]] = defaultdict(list)
                    for term in self.translator.vocabulary:
                        if not lexicon.CJK_WORD.fullmatch(term):
                            continue
                        known = proper_names().get(term)
                        syllables = known[0].split() if known else lazy_pinyin(term, style=Style.NORMAL)
                        if len(syllables) != len(term):
                            continue
                        for size in range(2, len(term) + 1):
                            head = term[:size]
                            key = "".join(syllables[:size])
                            if head not in out[key]:
                                out[key].append(head)
                    self._romanised = {k: tuple(v) for k, v in out.items()}
        return self._romanised

    def is_unit(self, word: str) -> bool:
        """Whether the reports write ``word`` as a unit after figures (元, 亩, 人, 人次, 项 — not 学, 游
        or 项目): the share of its occurrences that follow a number (:data:`lexicon.UNIT_SHARE`);
        counted once per word and kept."""

        def unit() -> bool:
            after = len(re.findall(lexicon.NUMBER_BEFORE_UNIT + re.escape(word), self.scope_text(())))
            return after >= lexicon.UNIT_MIN_COUNT and after >= lexicon.UNIT_SHARE * self.occurrences(word)

        return _kept(self._units, word, unit)

    def is_indicator(self, term: str) -> bool:
        """Whether the reports state ``term`` with a figure nearly every time they use it (地区生产总值,
        产值, 人均可支配收入 — not 旅游 or 空气质量): a question asking what it was asks for its figure.
        The share of its occurrences with a number in the same clause soon after
        (:data:`lexicon.INDICATOR_SHARE`); counted once per term and kept."""

        def indicator() -> bool:
            total = self.occurrences(term)
            stated = len(re.findall(re.escape(term) + lexicon.INDICATOR_FIGURE_AFTER, self.scope_text(())))
            return total >= lexicon.INDICATOR_MIN_COUNT and stated >= lexicon.INDICATOR_SHARE * total

        return _kept(self._indicators, term, indicator)

    def scope_text(self, places: tuple[str, ...]) -> str:
        """The text of the reports of some places (all reports when none), joined once and kept:
        the answerability check searches it on every question."""
        key = frozenset(places)
        if key not in self._scope_texts:
            self._scope_texts[key] = "\n".join(r.text for r in self._reports if not places or r.city in places)
        return self._scope_texts[key]

    def covers(self, city: str, year: int) -> bool:
        p = self.places.get(city)
        return p is not None and year in p.years


def _division_of(city: str) -> gazetteer.Division | None:
    """The gazetteer entry of an indexed place: 青岛市黄岛区 → 黄岛区 (of 青岛市), 海西州 → 海西…自治州."""
    pieces = [p for p in re.split(r"(?<=[市州县区])", re.sub(r"（.*?）|\(.*?\)", "", city)) if p]
    last = pieces[-1] if pieces else city
    for name in (city, last, gazetteer.stem(last)):
        found = gazetteer.by_name(name)
        if len(pieces) > 1:
            found = tuple(d for d in found if any(p in (d.city or "", d.province) for p in pieces[:-1])) or found
        if found:
            return found[0]
    return None


@dataclass(frozen=True)
class QueryInfo:
    """Everything a question says besides its wording, read once."""

    question: str
    lang: str
    places: tuple[str, ...] = ()  # indexed places, in the order named
    year: int | None = None
    # every year named, in order, when there are several ("海东2022年完成多少？与2023年目标相比呢？"): the
    # question compares a result with a target, and each year is answered from its own part
    years: tuple[int, ...] = field(default=())
    relative_year: str | None = None  # "last" (the year a report reviews) or "this" (the year it plans)
    intent: str | None = None  # "plan" | "review" | None
    is_list: bool = False
    wants_number: bool = False
    asks_whether: bool = False  # a yes/no question: "does the report say / is X planning …" (lexicon.ASKS_WHETHER)
    asked_unit: str | None = None  # the unit the figure is asked in (多少亿元 → 元), when a Chinese question says
    unknown_places: tuple[str, ...] = field(default=())  # real places named that no indexed report covers
    # (place as named, the indexed place containing it, its Chinese short name): 格尔木 in 海西州
    sub_places: tuple[tuple[str, str, str], ...] = field(default=())
    topic_terms: tuple[str, ...] = field(default=())  # what is asked about (Chinese terms)
    translations: tuple[tuple[str, tuple[str, ...]], ...] = field(default=())  # English phrase → Chinese terms
    untranslated: tuple[str, ...] = field(default=())  # English content words no report term translates
    # translations reached only through a one-character sense (dictionary.Translation.loose): searched,
    # but not taken as the topic being named
    loose_terms: tuple[str, ...] = field(default=())
    unplaced: str = ""  # the question without the indexed places it names (the place filter stands for them)
    # districts whose own report is asked for, with the indexed place containing each ("西峰区政府工作报告":
    # (西峰区, 庆阳市)): not indexed, but the refusal can say whose report covers them
    own_report_districts: tuple[tuple[str, str], ...] = field(default=())
    # what the question asks about without naming it: 地区生产总值 for an economy's growth
    # (lexicon.ECONOMY_INDICATOR); searched and counted as its topic
    implied_terms: tuple[str, ...] = field(default=())
    # only parts of indexed places are named, not the places themselves (静宁县 asked, 平凉市 not named): the
    # part has no report of its own, so what its place's report says of it is offered, not answered
    parts_only: bool = False
    # the indexed place is asked, and the parts of it named stand apart from its name, details of what is
    # asked ("Haidong's plan for its local products — e.g. highland barley liquor from Huzhu"): its report
    # answers for it even where it does not name them (query._apart_from)
    parts_aside: bool = False
    # a figure question that asks for a level, not a change or a rate (lexicon.ASKS_CHANGE): "地区生产总值增长4%"
    # does not give it; a plan question never asks a level (its targets are changes)
    asks_level: bool = False
    # the topic terms the reports state with a figure nearly every time (Catalog.is_indicator: 地区生产总值,
    # 一般公共预算收入): what a level question asks the figure of
    indicators: tuple[str, ...] = field(default=())
    # an English message that tells its circumstances before it asks: the translations of all of it,
    # which the search reads (the context names what "the site" or "there" is), where
    # :attr:`translations` are those of the sentence that asks, its topic; () when they are the same
    search_translations: tuple[tuple[str, tuple[str, ...]], ...] = field(default=())

    @property
    def lexical_query(self) -> str:
        """What the lexical side searches: the question without the indexed places it names (as the dense
        side: the filter stands for them, and in the words they favour passages that repeat the name, and
        the place's own reports over others' in :attr:`retriever.SearchResult.lexical_contrast`), plus the
        Chinese terms of its English words."""
        text = self.unplaced or self.question
        translated = (t for _, ts in content_translations(self._searched_translations) for t in ts)
        return " ".join([text, *translated, *self.implied_terms])

    @property
    def _searched_translations(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        return self.search_translations or self.translations

    @property
    def dense_query(self) -> str:
        """What the dense side embeds: the question without the indexed places it names — the place
        filter already keeps to their reports, and a place name in the vector only favours sentences
        that repeat it ("幸福西宁", "西宁共识") over those that answer (dev, 835: hit@5 0.900 → 0.909).
        An English question is followed by the first Chinese terms of its phrases: the multilingual
        model matches Chinese passages better from a question that carries some Chinese."""
        text = self.unplaced or self.question
        if self.lang != "en":
            return " ".join([text, *self.implied_terms])
        chinese = [
            *(
                t
                for _, ts in content_translations(self._searched_translations)
                for t in ts[: lexicon.DENSE_QUERY_TERMS_PER_PHRASE]
            ),
            *self.implied_terms,
        ]
        return " ".join([text, *dict.fromkeys(chinese)])

    def as_dict(self) -> dict:
        return {
            "places": list(self.places),
            "year": self.year,
            "years": list(self.years),
            "relative_year": self.relative_year,
            "intent": self.intent,
            "list": self.is_list,
            "whether": self.asks_whether,
            "unknown_places": list(self.unknown_places),
            "sub_places": [list(p) for p in self.sub_places],
            "own_report_districts": [list(p) for p in self.own_report_districts],
            "parts_only": self.parts_only,
            "parts_aside": self.parts_aside,
            "topic_terms": list(self.topic_terms),
        }


def language(text: str) -> str:
    """'zh' when the question has Chinese characters in it (not swamped by Latin letters), else 'en'."""
    cjk = len(lexicon.CJK.findall(text))
    latin = len(re.findall(r"[A-Za-z]", text))
    return "zh" if cjk and cjk * 3 >= latin * 0.5 else "en"


def plain_dense_query(question: str, catalog: Catalog) -> str | None:
    """The dense query of a question when it is known before reading: a question that is not
    English is embedded without its indexed places (:attr:`QueryInfo.dense_query`); None for an
    English one."""
    if language(question) == "en":
        return None
    question = focus(question, catalog)
    return unplaced(question, place_mentions(question, catalog.title_places))


def unplaced(question: str, spans: list[tuple[int, int, str]]) -> str:
    """The question without the place names at ``spans`` (the whole question if nothing else is left)."""
    text = re.sub(r"\s+", " ", _blank(question, [(a, b) for a, b, _ in spans])).strip()
    return text if re.search(r"[\w\u4e00-\u9fff]", text) else question


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with the characters at ``spans`` replaced by spaces (offsets stay as they were)."""
    for a, b in spans:
        text = text[:a] + " " * (b - a) + text[b:]
    return text


def focus(question: str, catalog: Catalog) -> str:
    """The part of a message that asks: its sentences ending in a question mark (else its last), when
    they name a place themselves; else the whole message.

    Users tell their circumstances before they ask ("我家在秦安县种苹果。想知道天水全市果品产业的
    产值？"): the places, years and words of that context are not what is asked — read whole, 秦安 made
    the question one about 秦安 and 打工 one of its topics. A question sentence that names no place
    leans on the context for it ("我住在德令哈。今年取暖费会降吗？"), and is read with it.
    """
    spans = asking_spans(question)
    if spans is None:
        return question
    text = _joined(question, spans)
    return text if _names_a_place(text, catalog) else question


def asking_spans(question: str) -> list[tuple[int, int]] | None:
    """Where the sentences that ask lie in a message of several (those ending in a question mark, else
    the last), or in one Chinese sentence the clauses after those that tell the asker's circumstances
    (:func:`_after_circumstances`); None when all of it asks."""
    bounds = [0, *(m.end() for m in lexicon.SENTENCE_END.finditer(question) if 0 < m.end() < len(question))]
    sentences = [(a, b) for a, b in zip(bounds, [*bounds[1:], len(question)], strict=True) if question[a:b].strip()]
    if len(sentences) < 2:
        return _after_circumstances(question)
    asking = [(a, b) for a, b in sentences if question[a:b].rstrip()[-1] in "?？"] or sentences[-1:]
    return None if len(asking) == len(sentences) else asking


def _after_circumstances(question: str) -> list[tuple[int, int]] | None:
    """In one Chinese sentence, the clauses after its first ones that open with the asker and ask
    nothing ("我每天早上要遛弯，" — what is asked is the park, not 遛弯); None when there are none, or nothing
    is left after them."""
    if language(question) == "en":
        return None
    start = 0
    for m in lexicon.CLAUSE_END.finditer(question):
        clause = question[start : m.end()]
        if not lexicon.CIRCUMSTANCE_CLAUSE.match(clause) or lexicon.ASKING_WORD_ZH.search(clause):
            break
        start = m.end()
    if start == 0 or not lexicon.CJK.search(question[start:]):
        return None
    return [(start, len(question))]


def _joined(text: str, spans: list[tuple[int, int]]) -> str:
    sep = " " if language(text) == "en" else ""
    return sep.join(text[a:b].strip() for a, b in spans)


def _names_a_place(text: str, catalog: Catalog) -> bool:
    return bool(place_mentions(text, catalog.title_places) or _gazetteer_mentions(text, catalog))


def _gazetteer_mentions(text: str, catalog: Catalog) -> list[gazetteer.PlaceMention]:
    """Real places named in ``text``, in Chinese or in English."""
    mentions = gazetteer.find_chinese(text, _token_bounds(text, catalog.tokenizer))
    words = [(m.start(), m.group(), m.group()[0].isupper()) for m in re.finditer(r"[A-Za-z][A-Za-z'’-]*", text)]
    words = [(i, re.sub(r"['’]s$", "", w), c) for i, w, c in words]
    return mentions + gazetteer.find_english(words)


def read_question(question: str, catalog: Catalog) -> QueryInfo:
    """Read places, year, intent, list-ness and topic terms from one question (from the part of it
    that asks: :func:`focus`)."""
    question = focus(written_years(question), catalog)
    lang = language(question)
    indexed_spans = place_mentions(question, catalog.title_places)
    indexed_spans = sorted([*indexed_spans, *_misspelt_places(question, catalog, indexed_spans)])
    # a route named by the places it joins ("the Xining–Chengdu railway") names them as its ends: the
    # places asked about are those named apart from it, or its ends when it names no other
    named_routes = _routes(question, catalog)
    routes = [route for route, _ in named_routes]
    route_spans = [span for _, span in named_routes]

    def on_route(a: int, b: int) -> bool:
        return any(x <= a and b <= y for x, y in route_spans)

    asked_spans = [s for s in indexed_spans if not on_route(s[0], s[1])] or indexed_spans
    places: list[str] = []
    for _, _, p in sorted(asked_spans):
        if p not in places:
            places.append(p)
    unknown, sub, other_spans, aside, as_divisions = _other_places(question, catalog, indexed_spans, places, on_route)
    # a district's own report asked for ("西峰区政府工作报告里说"): not indexed, whatever its city's says
    own = [x for x in sub if _asks_own_report(question, x[0])]
    unknown = list(dict.fromkeys([*unknown, *(name for name, _, _ in own)]))
    sub = [x for x in sub if x not in own]
    for name, parent, _ in own:  # 庆阳 in "庆阳西峰区" only says where 西峰区 is
        spans = [(a, b) for a, b, p in indexed_spans if p == parent]
        if spans and all(question.startswith(name, b) for _, b in spans) and parent in places:
            places.remove(parent)
    # the question with every place name blanked out: what is left is what it asks about
    blanked = _blank(question, [(a, b) for a, b, _ in indexed_spans] + other_spans)
    # a district or county named as one, its place beside it only to say where it is ("菏泽市东明县",
    # "Yuanzhou District (Yichun)"): the district is what is asked, and it has no report; its place's
    # report is searched for what it says of it, answered as that report's (answer._for_part). A bare
    # name with its place ("中卫沙坡头机场", "Yuanzhou, Yichun") may name a thing or an area of the place
    locators = {parent for name, parent, _ in sub if name not in aside and name in as_divisions}
    parts_only = bool(sub) and set(places) <= locators
    for _, parent, _ in sub:
        if parent not in places:
            places.append(parent)
    # a message that tells its circumstances before it asks, its question sentence leaning on them for
    # the place ("在德令哈上班，感觉工资一直不涨。去年城镇居民人均可支配收入到底是多少？"): what is asked — its
    # words, its kind, its year when it says one — is read from the sentence that asks; the context's
    # words (上班, 感觉, 不涨) are neither its topic nor its kind (a change asked)
    asking = asking_spans(question)
    asked = question if asking is None else _joined(question, asking)
    asked_blanked = blanked if asking is None else _joined(blanked, asking)
    dated = asked if _year(asked) is not None or _names_relative_year(asked) else question
    year = _year(dated)
    years = _years(dated)
    relative = None
    if lexicon.RELATIVE_LAST.search(dated):
        relative = "last"
    elif lexicon.RELATIVE_THIS.search(dated):
        relative = "this"
    cued = asked if lexicon.PLAN_CUES.search(asked) or lexicon.REVIEW_CUES.search(asked) else question
    plan_hits = len(lexicon.PLAN_CUES.findall(cued))
    review_hits = len(lexicon.REVIEW_CUES.findall(cued))
    intent = None
    if relative == "last" or (review_hits > plan_hits and relative != "this"):
        intent = "review"
    elif relative == "this" or plan_hits > review_hits:
        intent = "plan"
    elif lexicon.PAST_TENSE.search(asked):
        intent = "review"
    if lexicon.COMPARES.search(question) or len(places) > 1:
        # "faster" is the comparison, not its topic
        blanked = lexicon.COMPARATIVES.sub(" ", blanked)
        asked_blanked = lexicon.COMPARATIVES.sub(" ", asked_blanked)
    found, untranslated, topic = _topic(asked_blanked, lang, catalog)
    searched: tuple[tuple[str, tuple[str, ...]], ...] = ()
    if asking is not None and not topic:  # "Will there be more?": the context says of what
        found, untranslated, topic = _topic(blanked, lang, catalog)
    elif asking is not None and lang == "en":
        searched = tuple((t.english, t.chinese) for t in _english(blanked, catalog)[0])
    found = [*found, *routes]
    topic = tuple(dict.fromkeys([*topic, *(t for r in routes for t in r.chinese)]))
    translations = tuple((t.english, t.chinese) for t in found)
    implied = (lexicon.ECONOMY_INDICATOR,) if _asks_economic_growth(blanked, lang, topic, translations) else ()
    topic = tuple(dict.fromkeys([*topic, *implied]))
    indicators = tuple(t for t in topic if catalog.is_indicator(t))
    wants_number = bool(lexicon.ASKS_NUMBER.search(asked)) or (
        # "What was Jinan's GDP in 2022?" asks for a figure without saying so: what it asks about is a
        # term the reports state with figures
        bool(lexicon.ASKS_VALUE.search(asked)) and bool(indicators)
    )
    return QueryInfo(
        question,
        lang,
        tuple(places),
        year,
        years if len(years) > 1 else (),
        relative,
        intent,
        bool(lexicon.LIST_CUES.search(asked)),
        wants_number,
        bool(lexicon.ASKS_WHETHER.search(asked)),
        asked_unit(asked, catalog),
        tuple(unknown),
        tuple(sub),
        topic,
        translations,
        untranslated,
        tuple(dict.fromkeys(x for t in found for x in t.loose)),
        unplaced(question, indexed_spans),
        tuple(dict.fromkeys((name, parent) for name, parent, _ in own)),
        implied,
        parts_only,
        bool(sub) and all(name in aside for name, _, _ in sub),
        wants_number and intent != "plan" and not lexicon.ASKS_CHANGE.search(asked),
        indicators,
        searched,
    )


def _topic(blanked: str, lang: str, catalog: Catalog) -> tuple[list[Translation], tuple[str, ...], tuple[str, ...]]:
    """The translations, untranslated English words and topic terms of a question's words (places
    blanked out)."""
    found: list[Translation] = []
    untranslated: tuple[str, ...] = ()
    if lang == "en":
        found, untranslated = _english(blanked, catalog)
    elif re.search(r"[A-Za-z]{2,}", blanked):  # GDP, CPI in a Chinese question
        found = catalog.translator.translate(" ".join(re.findall(r"[A-Za-z][A-Za-z'’-]+", blanked)))
    translations = tuple((t.english, t.chinese) for t in found)
    return found, untranslated, _topic_terms(blanked, lang, translations, catalog)


def _english(text: str, catalog: Catalog) -> tuple[list[Translation], tuple[str, ...]]:
    """The translations of English words and phrases, and the content words none translates; a word
    written in pinyin that is a name the reports write ("the Fangchuan scenic area",
    :meth:`Catalog.romanised_names`) is translated by it."""
    text = lexicon.HOW_DEGREE.sub(_measure_asked, text)
    found = catalog.translator.translate(text)
    untranslated = _untranslated(text, tuple((t.english, t.chinese) for t in found), catalog)
    # a name written a syllable to a word ("Lei Feng" 雷锋) is read whole, before its words alone
    words = lexicon.ENGLISH_WORD.findall(text)
    runs = [" ".join(words[i : i + 2]) for i in range(len(words) - 1) if {*words[i : i + 2]} <= {*untranslated}]
    named: list[Translation] = []
    spelt: set[str] = set()
    for phrase in [*runs, *untranslated]:
        if spelt & set(phrase.split()):
            continue
        names = catalog.romanised_names(phrase)
        if names:
            named.append(Translation(phrase, names))
            spelt.update(phrase.split())
    return [*found, *named], tuple(w for w in untranslated if w not in spelt)


def _misspelt_places(question: str, catalog: Catalog, found: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Indexed places a question names with a slip of typing ("yinchaun bus plan 2023", "Jiuqian
    tourism", "Haidon GDP"): a word of :data:`lexicon.PLACE_TYPO_MIN_LETTERS` letters or more, one slip
    (:func:`places.one_edit_apart`) from the pinyin or English name of exactly one indexed place, and
    neither an English word, nor the name of a real place (Xinning is 新宁县, not Xining misspelt), nor
    the pinyin of a word of the reports ("the Haizi poetry festival": 海子, not Haixi).
    Without this, the question is read as naming no place, and answered from whichever report's
    passage reads closest: another city's figures."""
    forms = english_forms(catalog.title_places)
    out = []
    for m in re.finditer(r"[A-Za-z]+", question):
        word = m.group().lower()
        if (
            len(word) < lexicon.PLACE_TYPO_MIN_LETTERS
            or any(a < m.end() and m.start() < b for a, b, _ in found)
            or word in english_words_of_glosses()
            or word in gazetteer.english_index()
            or catalog.writes_in_pinyin(word)  # "Haizi": 海子 of the reports, no Haixi misspelt
        ):
            continue
        near = {place for form, place in forms.items() if one_edit_apart(word, form)}
        if len(near) == 1:
            out.append((m.start(), m.end(), near.pop()))
    return out


def _routes(question: str, catalog: Catalog) -> list[tuple[Translation, tuple[int, int]]]:
    """The routes a question names by the two places they join: "the Jinan–Zhengzhou high-speed
    railway" is 济郑高铁 to the reports, "the Xining-Chengdu line" 西成铁路, "从天水到陇南的铁路" 天陇铁路.
    Chinese names a railway, road, canal or pipeline by the first characters of its ends' names,
    which no dictionary glosses and no search for the two names finds. A pair of places joined by a
    dash, "to", 至 or 到 (:data:`lexicon.ROUTE_JOINER`) is read so when the reports write its
    characters before a kind of route (:data:`lexicon.ROUTE_KINDS`); never otherwise — "Xining to
    Haidong" is no 西海 of theirs. Each comes with where the question names it, ends included: a place
    named only as the end of a route is not a place asked about (:func:`read_question`)."""
    text = lexicon.ROUTE_HYPHEN.sub("–", question)  # same length: the mentions' offsets hold
    # every name, even one before the kind of route it names (find_english reads "the Longnan railway"
    # as a thing named after the place, not the place)
    english = [
        gazetteer.PlaceMention(m.start(), m.end(), m.group(), found)
        for m in re.finditer(r"[A-Z][a-z]+(?:['’][a-z]+)?", text)
        if (found := gazetteer.english_index().get(re.sub(r"[^a-z]", "", m.group().lower())))
    ]
    chinese = gazetteer.find_chinese(text, _token_bounds(text, catalog.tokenizer))
    mentions = sorted([*english, *chinese], key=lambda m: (m.start, -m.end))
    out: list[tuple[Translation, tuple[int, int]]] = []
    for first, second in zip(mentions, mentions[1:], strict=False):
        if first.end > second.start or not lexicon.ROUTE_JOINER.fullmatch(text[first.end : second.start]):
            continue
        joined = dict.fromkeys(a.stem[0] + b.stem[0] for a in first.divisions for b in second.divisions)
        terms = tuple(t for t in joined if any(catalog.occurrences(t + kind) for kind in lexicon.ROUTE_KINDS))
        if terms:
            out.append((Translation(f"{first.text}–{second.text}", terms), (first.start, second.end)))
    return out


def route_names(question: str, catalog: Catalog) -> list[Translation]:
    """The routes a question names by the two places they join (:func:`_routes`)."""
    return [route for route, _ in _routes(question, catalog)]


def _measure_asked(m: re.Match) -> str:
    """ "how fast" → "how" and blanks: the measure asked is no topic (:data:`lexicon.HOW_DEGREE`)."""
    word = m.group(1)
    if word.lower() in lexicon.ENGLISH_STOPWORDS:
        return m.group()
    return m.group()[: m.start(1) - m.start()] + " " * len(word)


def _names_relative_year(text: str) -> bool:
    return bool(lexicon.RELATIVE_LAST.search(text) or lexicon.RELATIVE_THIS.search(text))


def _asks_economic_growth(
    blanked: str, lang: str, topic: tuple[str, ...], translations: tuple[tuple[str, tuple[str, ...]], ...]
) -> bool:
    """Growth asked with no indicator named: every content word is about growth or its pace, and one
    says growth (lexicon.GROWTH_WORDS_ZH / _EN)."""
    if lang == "en":
        forms = [
            set(lemmas(w))
            for en, _ in translations
            for w in en.split()
            if not set(lemmas(w)) & (lexicon.ENGLISH_FRAMING | lexicon.ENGLISH_STOPWORDS)
        ]
        growth, context = lexicon.GROWTH_WORDS_EN, lexicon.GROWTH_CONTEXT_EN
    else:
        forms = [{w} for w in topic]
        growth, context = lexicon.GROWTH_WORDS_ZH, lexicon.GROWTH_CONTEXT_ZH
        if not lexicon.GROWTH_CUE_ZH.search(blanked) or not forms:
            return False
        return all(f & (growth | context) for f in forms)
    return any(f & growth for f in forms) and all(f & (growth | context) for f in forms)


def asked_unit(question: str, catalog: Catalog | None = None) -> str | None:
    """The unit a question asks its figure in, as the reports write it (多少钱 → 元), or None.

    With the ``catalog``, the word after 多少 is a unit only if the reports write it after figures
    (:meth:`Catalog.is_unit`): 多少人次, 多少亿元, 多少户 ask in a unit; 多少项目, 多少学位, 多少游客 name
    what is counted (项目 is no unit though 项 is), and any figure answers them.
    """
    m = lexicon.ASKED_UNIT.search(question)
    if m is not None:
        if m.group(1) in lexicon.NOT_A_UNIT:
            return None
        spoken = m.group(1)
        unit = lexicon.UNIT_WRITTEN.get(spoken, spoken)
        if catalog is None or unit == "%":
            return unit
        # the word the unit begins: 人次 and 亿元 are units as written, 项目 is no unit though 项 is;
        # a spoken unit (钱, 块) is looked up as the reports write it (元)
        word = _word_from(question, m.start(1), catalog.tokenizer)
        asked = word if len(word) > 1 and spoken not in lexicon.UNIT_WRITTEN else unit
        return unit if catalog.is_unit(asked) else None
    words = [w.lower() for w in re.findall(r"[A-Za-z]+|%", question)]
    for i, w in enumerate(words):
        if w not in lexicon.ENGLISH_UNIT:
            continue
        prefix = lexicon.ENGLISH_UNIT_PREFIX.get(words[i - 1], "") if i else ""
        if "per" in words[max(0, i - 1 - bool(prefix)) : i]:
            continue  # "per cubic metre": the unit divides the one asked
        return prefix + lexicon.ENGLISH_UNIT[w]
    return "%" if "%" in words else None


def _word_from(text: str, at: int, tokenizer: Tokenizer) -> str:
    """The rest of the jieba word of ``text`` that covers position ``at`` (亿元 at 元 → 元; 项目 at 项 → 项目)."""
    pos = 0
    for w in tokenizer.segment(text):
        if pos <= at < pos + len(w):
            return w[at - pos :]
        pos += len(w)
    return text[at : at + 1]


def _untranslated(
    english: str, translations: tuple[tuple[str, tuple[str, ...]], ...], catalog: Catalog
) -> tuple[str, ...]:
    """English content words (places removed) for which the reports use no term: "cryptocurrency"."""
    covered = {w.lower() for phrase, _ in translations for w in re.findall(r"[A-Za-z]+", phrase)}
    # a closed compound translated as its parts ("wastewater" as "waste water": dictionary.Translator)
    covered |= {"".join(re.findall(r"[A-Za-z]+", phrase)).lower() for phrase, _ in translations}
    out = []
    for w in lexicon.ENGLISH_WORD.findall(english):
        low = "".join(english_words(w))
        if (
            len(low) < 3
            or low in lexicon.ENGLISH_STOPWORDS
            or low in lexicon.ENGLISH_FRAMING
            or low in covered
            or low in lexicon.LEVEL_WORDS_EN
            or low in catalog.translator.vocabulary
        ):
            continue
        out.append(w)
    return tuple(dict.fromkeys(out))


T = TypeVar("T")


def _kept(memo: dict[str, T], key: str, compute: Callable[[], T]) -> T:
    """``memo[key]``, computed once and kept; the memo is emptied when it grows past
    :data:`lexical.TERM_MEMO` (questions bring new words without end)."""
    if key not in memo:
        if len(memo) > TERM_MEMO:
            memo.clear()
        memo[key] = compute()
    return memo[key]


def written_years(text: str) -> str:
    """``text`` with the years it writes in words turned into digits (二零二二年 → 2022年, "twenty
    twenty-two" → 2022; :data:`lexicon.YEAR_IN_ENGLISH_WORDS`), so they are read as years and not
    looked up as words."""
    text = lexicon.YEAR_IN_CHINESE_DIGITS.sub(lambda m: "".join(lexicon.CHINESE_DIGITS[c] for c in m.group(1)), text)

    return lexicon.YEAR_IN_ENGLISH_WORDS.sub(
        lambda m: str(2000 + _below_hundred(m.group("late") or m.group("early"))), text
    )


def _below_hundred(words: str) -> int:
    parts = re.split(r"[\s-]+", words.lower())
    total = 0
    for w in parts:
        total += lexicon.ENGLISH_TEENS.get(w) or lexicon.ENGLISH_TENS.get(w) or lexicon.ENGLISH_ONES.get(w, 0)
    return total


def _year(question: str) -> int | None:
    m = lexicon.YEAR_ZH.search(question) or lexicon.YEAR_EN.search(question)
    return int(m.group(1)) if m else None


def _years(question: str) -> tuple[int, ...]:
    """Every year the question names, in the order named, each once."""
    pattern = lexicon.YEAR_ZH if lexicon.YEAR_ZH.search(question) else lexicon.YEAR_EN
    return tuple(dict.fromkeys(int(m.group(1)) for m in pattern.finditer(question)))


def _token_bounds(text: str, tokenizer: Tokenizer) -> tuple[set[int], set[int]]:
    starts, ends, pos = set(), set(), 0
    for word in tokenizer.segment(text):
        at = text.find(word, pos)
        if at < 0:
            continue
        starts.add(at)
        ends.add(at + len(word))
        pos = at + len(word)
    return starts, ends


def _asks_own_report(question: str, name: str) -> bool:
    """Whether ``name`` is followed by words asking for its own report (lexicon.OWN_REPORT_AFTER_NAME)."""
    at = question.find(name)
    while at >= 0:
        if lexicon.OWN_REPORT_AFTER_NAME.match(question, at + len(name)):
            return True
        at = question.find(name, at + 1)
    return False


def _other_places(
    question: str,
    catalog: Catalog,
    indexed_spans: list[tuple[int, int, str]],
    named: list[str],
    on_route: Callable[[int, int], bool] = lambda a, b: False,
) -> tuple[list[str], list[tuple[str, str, str]], list[tuple[int, int]], set[str], set[str]]:
    """Real places the question names besides the indexed ones.

    Returns (not indexed, [(sub-place, the indexed place containing it, its Chinese short name)], the spans
    of all these mentions, the sub-places that stand apart from their place's name: :func:`_apart_from`,
    the sub-places named with their kind of division: 东明县, "Yuanzhou District").
    A province or city named with an indexed place inside it (青海省西宁市, 青岛黄岛区) only qualifies that place.
    """
    mentions = _gazetteer_mentions(question, catalog)
    own = {p.division for p in catalog.places.values() if p.division}
    named_divs = [catalog.places[p].division for p in named if catalog.places[p].division]
    unknown: list[str] = []
    sub: list[tuple[str, str, str]] = []
    spans: list[tuple[int, int]] = []
    aside: set[str] = set()  # parts named apart from their place's name (not "Lixia District in Jinan")
    as_divisions: set[str] = set()  # parts named with their kind (秦州区, "Lixia District"), not bare (沙坡头)
    for m in mentions:
        if any(a < m.end and m.start < b for a, b, _ in indexed_spans):
            continue
        containing = [
            (c, d)
            for c, p in catalog.places.items()
            for d in m.divisions
            if p.division
            and p.division.level != "county"
            and p.division.name in (d.city, d.province)
            and d.level == "county"
        ]
        if gazetteer.is_short_county(m) and not containing:
            continue  # 和县 in 市和县两级: a two-character county counts only inside an indexed place
        if not containing and _part_named_after(m, indexed_spans, catalog):
            continue  # 天水老城区: 天水's old town, not 洛阳's 老城区
        spans.append((m.start, m.end))
        if any(d in own for d in m.divisions) or on_route(m.start, m.end):
            continue  # an indexed place, or the end of a route named (Zhengzhou of "the Jinan–Zhengzhou railway")
        if any(d.name in (n.city, n.province) for d in m.divisions for n in named_divs if n):
            continue  # 青海省 in 青海省西宁市: a qualifier
        # a name several districts share (Yuanzhou: 袁州区 of 宜春, 原州区 of 固原) is the one inside the
        # place the question names beside it ("Yuanzhou, Yichun")
        inside = next((x for x in containing if x[0] in named), containing[0] if containing else None)
        if inside and inside[0] in named and _where_the_asker_is(question, m.start, m.end, indexed_spans):
            continue  # "我妈住在肃州区…酒泉明年在养老上有啥打算？": 酒泉's report is asked
        if inside:
            sub.append((m.text, inside[0], inside[1].stem or inside[1].name))
            if (
                lexicon.DIVISION_SUFFIX_PLAIN.match(m.text)
                or lexicon.DIVISION_KIND_AFTER.match(question, m.end)
                or lexicon.DIVISION_KIND_AFTER.search(m.text)  # "Cao County": a one-syllable name with its kind
            ):
                as_divisions.add(m.text)
            if _apart_from(question, m.start, m.end, inside[0], indexed_spans):
                aside.add(m.text)
            continue
        # an ambiguous short form (西安: 西安市, and districts called 西安区) is named by its highest level
        top = min(m.divisions, key=lambda d: ("province", "city", "county").index(d.level))
        display = top.name if lexicon.CJK.search(m.text) else m.text
        if display not in unknown:
            unknown.append(display)
    for word_match in lexicon.ENGLISH_DIVISION_NAME.finditer(question):
        a, b = word_match.span(1)
        known = [(x, y) for x, y, _ in indexed_spans] + spans
        if any(x < b and a < y for x, y in known) or word_match.group(1).lower() in gazetteer.english_vocabulary():
            continue
        # the tail of a known place's full name: "Haixi Mongol and Tibetan Autonomous Prefecture"
        if any(
            y <= a and lexicon.PLACE_NAME_TAIL.fullmatch(question[y:a]) and re.search(r"[A-Z]", question[y:a])
            for _, y in known
        ):
            continue
        spans.append((a, b))
        display = re.sub(r"['’]s\b", "", word_match.group(0))
        if display not in unknown:
            unknown.append(display)
    return unknown, sub, spans, aside, as_divisions


def _apart_from(question: str, start: int, end: int, parent: str, indexed_spans: list[tuple[int, int, str]]) -> bool:
    """Whether the part of ``parent`` named at ``start:end`` stands apart from every mention of its place:
    "Haidong's plan … barley liquor from Huzhu", "酒泉2023年在敦煌文化旅游上" ask the place, the part a detail
    of what is asked; "Lixia District in Jinan", "Tianshui's Maiji District", "济南市历下区" name the part,
    its place only saying where it is (lexicon.PLACE_LOCATOR). False when the place is not named."""
    named = [(a, b) for a, b, p in indexed_spans if p == parent]
    return bool(named) and not any(
        lexicon.PLACE_LOCATOR.fullmatch(question[b:start] if b <= start else question[end:a]) for a, b in named
    )


def _part_named_after(
    mention: gazetteer.PlaceMention, indexed_spans: list[tuple[int, int, str]], catalog: Catalog
) -> bool:
    """Whether a Chinese division name written right after an indexed place's ("天水老城区", "中卫新城区")
    is a part of that place named as any city names its parts: old town, new town. The gazetteer's
    district of that name lies in another city (老城区 of 洛阳, 新城区 of 西安), and a place's name is
    not followed by another city's district. A district of the same city (青岛黄岛区 … 崂山区) is a
    place of its own."""
    if not lexicon.CJK.search(mention.text):
        return False
    for _, end, place in indexed_spans:
        own = catalog.places[place].division
        if end != mention.start or own is None:
            continue
        cities = {own.name if own.level != "county" else own.city}
        if not any(d.city in cities or d.name in cities for d in mention.divisions):
            return True
    return False


def _where_the_asker_is(question: str, start: int, end: int, indexed_spans: list[tuple[int, int, str]]) -> bool:
    """Whether the place at ``start:end`` is named to say where the asker lives or works
    (lexicon.RESIDENCE_BEFORE): "住在肃州区", "我住菏泽牡丹区" (the city before it read past), "live in
    Suzhou District"; a bare 在 only with a verb of living after it ("在肃州区上班")."""
    before = question[:start]
    for a, b, _ in sorted(indexed_spans, reverse=True):
        if b == len(before.rstrip()):
            before = before[:a]
    m = lexicon.RESIDENCE_BEFORE.search(before[-16:])
    if m is None:
        return False
    return m.group().strip() != "在" or bool(lexicon.RESIDENCE_AFTER.match(question[end:]))


def _topic_terms(
    blanked: str, lang: str, translations: tuple[tuple[str, tuple[str, ...]], ...], catalog: Catalog
) -> tuple[str, ...]:
    """What the question asks about: its content words (places blanked out), without years and
    question words; a word that starts with a question word keeps its rest (哪些项目 → 项目), and a
    word the reports never use is read as the reports would (:func:`_as_reports_write`)."""
    translated = [t for _, ts in content_translations(translations) for t in ts]
    if lang == "en":
        return tuple(dict.fromkeys(translated))
    # a year is no topic, and jieba glues its 年 to the next word ("2023年会开工" → 年会)
    blanked = lexicon.YEAR_ZH.sub(lambda m: " " * len(m.group()), blanked)
    out = []
    framing: list[str] = []  # a run of words that say how a question asks (主要 预期 目标)
    for t in [*catalog.tokenizer.tokenize(blanked), ""]:
        for q in lexicon.QUESTION_WORD_PREFIXES:
            if t.startswith(q) and len(t) > len(q):
                t = t[len(q) :]
                break
        if (t in lexicon.QUESTION_WORDS_ZH or lexicon.A_NOT_A.search(t)) and lexicon.CJK.search(t):
            framing.append(t)
            continue
        # ...which together are a heading the reports write often (主要预期目标, 重点任务) is what is asked
        if len(framing) > 1 and catalog.occurrences("".join(framing)) >= lexicon.FRAMING_TERM_MIN_OCCURRENCES:
            out.append("".join(framing))
        framing = []
        if not lexicon.CJK.search(t) or len(t) < 2:
            continue
        if dictionary_tags().get(t) in lexicon.FUNCTION_POS:
            continue
        word = _as_reports_write(t, catalog)
        if word:
            out.append(word)
    return tuple(dict.fromkeys(out + translated))


def _as_reports_write(term: str, catalog: Catalog) -> str | None:
    """A question word the reports never write as a word, read as they would write it. jieba, guessing
    at words it does not know, glues a neighbouring character on: a measure word (多少家托育机构 → 家托育),
    a modal or an aspect particle (要建, 建了, 会涨). One character off, the reports' own word is the term
    (家托育 → 托育); a two-character guess that neither jieba's dictionary nor the reports' own words know
    is no topic at all — that it occurs in their text across two words (新建了 holds 建了) does not make
    it one. Words the reports write, and words jieba knows (麻辣烫, 核电站: a topic the reports may well
    not cover), stay as they are; but a numeral phrase the reports never write (几套, 一笔, 多出: jieba's
    "m") says how much is asked, not what."""
    if catalog.writes(term):
        return term
    tag = dictionary_tags().get(term)
    if tag == lexicon.NUMERAL_POS:
        return None
    if tag is not None:
        return term
    for shorter in (term[1:], term[:-1]):
        if len(shorter) >= 2 and catalog.writes(shorter):
            return shorter
    return term if len(term) > 2 else None


def content_translations(
    translations: tuple[tuple[str, tuple[str, ...]], ...],
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The translations of what an English question asks about: without the words that frame it
    (promise, plan, target) — unless nothing else is asked: "What are Heze's main targets for 2023?"
    asks for the targets themselves."""
    content = tuple((en, ts) for en, ts in translations if not _framing(en))
    return content or translations


def _framing(english: str) -> bool:
    return all(w.lower() in lexicon.ENGLISH_FRAMING for w in english.split())


def is_followup(question: str) -> bool:
    return len(question) <= lexicon.FOLLOWUP_MAX_CHARS or bool(lexicon.FOLLOWUP.match(question.strip()))


def asked_list_noun(question: str, tokenizer) -> str | None:
    """The noun a Chinese list question asks for (lexicon.LIST_ASKED_CUE): "海东2023年有哪些重点任务？" →
    任务, "陇南的5条重点产业链分别是哪些？" → 产业链; None when it names none there."""
    q = question.strip().rstrip("？?。！! ")
    cues = list(lexicon.LIST_ASKED_CUE.finditer(q))
    if not cues:
        return None
    cue = cues[-1]
    after = q[cue.end() :].strip("的呢吗啊 ")
    phrase = after if lexicon.CJK.search(after) else lexicon.LIST_ASKED_COPULA.sub("", q[: cue.start()])
    words = [w for w in tokenizer.segment(phrase) if lexicon.CJK.search(w) and w != "的"]
    return words[-1] if words else None
