"""Extractive answers: the sentences of the retrieved passages that answer the question, each
ending with the marker of the passage it was taken from, so an answer never says more than its
citations. No LLM is needed; ``chain.py`` adds LLM answers on request."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from . import answerability as ab
from . import lexicon
from .config import speaks_as
from .index import Index
from .ingest import heading_text
from .lexical import bigrams
from .lexicon import LIST_SECTION, PART_EN, PART_ZH
from .places import english_name
from .query import Catalog, QueryInfo, asked_list_noun
from .retriever import Hit, VectorCache


@dataclass(frozen=True)
class Citation:
    """One cited passage, in the public JSON contract's shape."""

    n: int
    chunk_id: str
    text: str
    report: str
    city: str
    year: int | None
    section: str
    part: str
    score: float
    highlights: tuple[tuple[int, int], ...]

    def to_json(self) -> dict:
        d = asdict(self)
        d["highlights"] = [list(h) for h in self.highlights]
        return d


@dataclass
class Answer:
    """An answer with its citations; ``to_json`` is the stable contract of ``rag ask --json``."""

    question: str
    answer: str
    found: bool
    filters: dict
    citations: list[Citation]
    timings_ms: dict[str, float]
    lang: str = "zh"
    searched_question: str | None = None
    notes: list[str] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)
    flagged: bool = False
    mode: str = "extractive"
    status: str = "answered"
    verdict: ab.Verdict | None = None

    def to_json(self) -> dict:
        out = {
            "question": self.question,
            "answer": self.answer,
            "found": self.found,
            "status": self.status,
            "filters": self.filters,
            "citations": [c.to_json() for c in self.citations],
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
        }
        if self.notes:
            out["notes"] = list(self.notes)
        if self.searched_question and self.searched_question != self.question:
            out["searched_question"] = self.searched_question
        if self.verdict is not None and self.verdict.evidence is not None:
            out["answerability"] = {
                "probability": None if self.verdict.probability is None else round(self.verdict.probability, 4),
                **self.verdict.evidence.as_dict(),
            }
        if self.mode != "extractive":
            out["mode"] = self.mode
            out["flagged"] = self.flagged
        return out


@dataclass(frozen=True)
class ComposerSettings:
    """How sentences are picked (see eval/README.md for how these were chosen on dev)."""

    max_sentences: int = 5
    margin: float = 0.05  # a sentence joins the answer when it scores within this of the best (dev: answer
    # hit 0.68 → 0.72 on English, 0.92 on Chinese either way, 2.4 sentences per answer)
    coverage_weight: float = 0.05  # IDF-weighted share of the question's topic groups a sentence contains (dev,
    # 585 questions: 0.05 → answer hit@5 0.823, 0.10 → 0.818, 0.15 → 0.806, 0.25 → 0.799; an English phrase counts
    # once whichever of its translations is present, so the same weight now counts for more)
    number_bonus: float = 0.02  # a question asking "how much" prefers sentences with figures
    rank_penalty: float = 0.004  # per rank of the passage a sentence comes from
    # how many leading sentences are embedded on their own and scored again (dev, 4356 questions: 12 → 20,
    # answer hit@5 0.899 → 0.907; of the answers citing no evidence though a top-5 passage held it, 20 had
    # the evidence sentence ranked 13th to 20th by its score in its passage; a cold cache embeds 8 more)
    rescore_top: int = 20
    # the weight of the selector's score (answerability.Selector) in a leading sentence's: writer sets left
    # out, the best sentence held the evidence for 0.844 (none), 0.884 (0.005), 0.896 (0.01), 0.877 (0.02)
    # of answerable dev questions
    selector_weight: float = 0.01
    # a sentence from a passage of another part than the one asked about (the review of 2022 when the
    # 2023 plan is asked) scores this much less, when a passage of the asked part was found
    part_penalty: float = 0.05
    # an answer the model gives at less than these odds says so under its quotes, naming the question's
    # words the reports in scope never use where there are any (even odds: below them the model leans
    # towards "not answered"; on dev, of the answers given below them without such words, 146 of 253
    # quoted no evidence of an answer)
    unmentioned_note_below: float = 0.5


@dataclass
class _Scored:
    hit_rank: int
    start: int
    end: int
    score: float
    sim: float
    coverage: float
    text: str
    alone: float | None = None  # similarity with the sentence embedded on its own, when it was
    vector: np.ndarray | None = field(default=None, repr=False, compare=False)  # embedded on its own, when it was
    base: float | None = None  # the score before the selector's was added, when it was


@dataclass(frozen=True)
class Composed:
    """What the composer returns: the answer text, its citations and the answerability verdict."""

    text: str
    citations: list[Citation]
    verdict: ab.Verdict

    @property
    def found(self) -> bool:
        return self.verdict.found


class SentenceVectors(VectorCache):
    """Each candidate sentence embedded on its own, kept in a bounded cache.

    The index stores a vector per sentence taken from its passage's token states: cheap, but coloured
    by the passage around it, so a sentence that only shares the passage's topic scores close to the
    one that answers. Embedding the leading sentences of the top passages alone separates them
    (dev: answer hit@5 0.820 → 0.834, English 0.725 → 0.748). The passage-context vectors still feed
    the answerability features, which were calibrated on them.
    """

    def __init__(self, encoder, limit: int = 50_000, store=None):
        super().__init__(encoder.encode_passages, limit, store)


def compose(
    info: QueryInfo,
    hits: list[Hit],
    index: Index,
    catalog: Catalog,
    qvec: np.ndarray | None,
    k: int,
    settings: ComposerSettings | None = None,
    model: ab.Model | None = None,
    sentence_vectors: SentenceVectors | None = None,
    dense_spread: float | None = None,
    lexical_contrast: float | None = None,
) -> Composed:
    """Decide whether the hits answer the question; if so pick the sentences that do, cited."""
    s = settings or ComposerSettings()
    model = model or ab.DEFAULT_MODEL
    if info.unknown_places and not info.places or not hits:
        verdict = ab.judge(info, catalog, None, model)
        return Composed(refusal_text(info, verdict, catalog), [], verdict)
    topic = ab.topic(info, index.bm25, index.tokenizer)  # counted alike by the scorer and the features
    scored = _score_sentences(info, hits, index, qvec, s, topic)
    naming: list[_Scored] = []
    if info.sub_places:
        # 格尔木 asked, searched in 海西州's report: only what that report says of 格尔木, on the topic asked,
        # answers; the prefecture's own figures are another place's, no substitute
        asks_topic = bool(info.topic_terms or info.translations)
        naming = [
            x
            for x in scored
            if any(short in x.text for _, _, short in info.sub_places) and (x.coverage > 0 or not asks_topic)
        ]
        # the place asked on its own, its parts details: what its report says answers when it names none
        scored = naming or (scored if info.parts_aside else [])
        if not scored:
            verdict = ab.Verdict(ab.PLACE_NOT_INDEXED, places_years=ab.places_years(info, catalog))
            return Composed(refusal_text(info, verdict, catalog), [], verdict)
    year = ab.uncovered_year(info, catalog)
    if year is not None:
        # a year no report covers may still be spoken of ("到2025年"): only sentences that name it and
        # share the question's topic count — a passing mention ("获得2021年…表彰") does not
        scored = [x for x in scored if str(year) in x.text and x.coverage > 0]
    passages = [h.chunk.text for h in hits[:5]]
    if naming:  # what the report says of the place asked about, not its passages at large
        passages = [x.text for x in sorted(scored, key=lambda x: -x.score)[:5]]
    groups = _answer_groups(info, hits)
    places = [groups[x.hit_rank] for x in scored] if groups else None
    lead = _rescore_alone(scored, qvec, s, sentence_vectors, places, model.selector)
    # the verdict reads the sentences as found, before the selector's say: it picks what answering
    # sentences look like, and would make a passage that does not answer look as if it did (dev,
    # refitted: topic abstention 0.45 → 0.41 in sample)
    found = sorted(lead, key=_found_order)[: s.max_sentences]
    ev = ab.evidence(
        info,
        passages,
        max((x.sim for x in scored), default=0.0),
        hits[0].dense,
        index.bm25,
        catalog.scope_text(info.places),
        index.tokenizer,
        max((x.alone for x in lead if x.alone is not None), default=None),
        dense_spread,
        tuple(x.text for x in found),
        topic,
        lexical_contrast,
        _reader_input(lead, qvec, sentence_vectors),
        model.reader,
        _lead_input(lead),
        model.neighbours.score(qvec, catalog.places) if model.neighbours is not None else 0.0,
    )
    verdict = ab.judge(info, catalog, ev, model, year_mentioned=year is not None and bool(scored))
    if info.sub_places and not info.parts_aside and verdict.status == ab.NOT_IN_REPORTS:  # silent on the part
        verdict = ab.Verdict(ab.PLACE_NOT_INDEXED, verdict.probability, places_years=verdict.places_years, evidence=ev)
    if verdict.status == ab.YEAR_NOT_COVERED:
        return _other_year(info, verdict, hits, index, qvec, catalog, s, topic)
    if verdict.status == ab.NOT_IN_REPORTS and (
        ev.change_only or (info.wants_number and ev.figure_missing >= 1.0 and not ev.missing_terms and ev.coverage > 0)
    ):
        return _near_miss(info, verdict, lead, found, topic, hits, catalog, ev.change)
    if not verdict.found or not scored:
        if verdict.found:
            verdict = ab.Verdict(ab.NOT_IN_REPORTS, verdict.probability, places_years=verdict.places_years, evidence=ev)
        return Composed(refusal_text(info, verdict, catalog), [], verdict)
    if info.is_list and not groups:  # a section of one report never answers for two places, or two years
        listed = _list_answer(info, hits, index, k)
        if listed is not None:
            return _for_part(info, Composed(listed[0], listed[1], verdict))
    chosen = _choose_per_group(lead, groups, s, k) if groups else _choose(lead, s, k)
    if info.is_list:  # a list asked for: an enumeration the answer quotes is quoted whole
        chosen = _with_enumerations(chosen, hits, index)
    text, citations = _write(chosen, hits, index, info.lang)
    note = _low_odds_note(info, verdict.probability, ev.missing_terms, s)
    if note:
        text += "\n" + note
    if info.unknown_places:  # 兰州 named beside 西宁: say which of them has no report
        missing_places = "、".join(info.unknown_places) if info.lang != "en" else ", ".join(info.unknown_places)
        if lexicon.COMPARES.search(info.question):
            # 兰州 and 定西 compared: no comparison can be made, and saying so is the answer; what the
            # indexed places' reports say is still shown, labelled as theirs alone
            verdict = ab.Verdict(
                ab.PLACE_NOT_INDEXED, verdict.probability, places_years=verdict.places_years, evidence=ev
            )
            note = (
                f"No report of {missing_places} is indexed, so the comparison cannot be made from the reports. "
                "What the other reports say, for them alone:\n"
                if info.lang == "en"
                else f"未收录{missing_places}的报告，无法根据报告作比较。以下只是其他地方报告的说法：\n"
            )
        else:
            note = (
                f"(No report of {missing_places} is indexed; only the others are answered.)\n"
                if info.lang == "en"
                else f"（未收录{missing_places}的报告，只回答其他地方。）\n"
            )
        text = note + text
    return _for_part(info, Composed(text, citations, verdict))


def _parts_and_places(info: QueryInfo) -> tuple[list[str], list[str]]:
    """The parts of indexed places the question names (格尔木) and the places whose reports cover them (海西州),
    each once, in the order named."""
    return (
        list(dict.fromkeys(n for n, _, _ in info.sub_places)),
        list(dict.fromkeys(p for _, p, _ in info.sub_places)),
    )


def _for_part(info: QueryInfo, composed: Composed) -> Composed:
    """Only a part of an indexed place named (静宁县, of 平凉市): it has no report of its own, and saying
    so is the answer; what its place's report says of it follows, labelled as that report's."""
    if not info.parts_only or not composed.verdict.found:
        return composed
    named, parents = _parts_and_places(info)
    v = composed.verdict
    verdict = ab.Verdict(ab.PLACE_NOT_INDEXED, v.probability, places_years=v.places_years, evidence=v.evidence)
    if info.lang == "en":
        note = (
            f"No report of {', '.join(named)} is indexed. What the report of "
            f"{', '.join(_place_name(p, 'en') for p in parents)}, which covers it, says of it:\n"
        )
    else:
        note = f"未收录{'、'.join(named)}的政府工作报告。涵盖它的{'、'.join(parents)}报告中谈到它的内容如下：\n"
    return Composed(note + composed.text, composed.citations, verdict)


def _score_sentences(
    info: QueryInfo, hits: list[Hit], index: Index, qvec, s: ComposerSettings, topic: ab.Topic
) -> list[_Scored]:
    """Every sentence of the hits, scored: its similarity to the question (the passage-context
    vector), the IDF-weighted share of the question's topic groups it contains (counted as the
    answerability features count them, :class:`answerability.Topic`), a figure when a figure is
    asked for, the passage's rank."""
    fits = [_fits_part(info, hit) for hit in hits]
    # for each place of a comparison too ("Dingxi vs Longnan GDP growth 2022" had led with both 2023 targets;
    # dev: one answer gained, none lost); one asking each place about another year ("Xining for 2020 or
    # Haidong for 2023") names both years, and a passage of either fits
    penalise = any(fits) and not all(fits)
    out = []
    for rank, hit in enumerate(hits):
        row = index.chunk_row[hit.chunk.chunk_id]
        a, b = index.sentence_span(row)
        vecs = index.sentence_vectors[a:b]
        sims = vecs @ qvec if qvec is not None and len(vecs) else np.full(len(hit.chunk.sentences), hit.dense)
        report_text = index.reports[hit.chunk.report_id].text
        # the heading of the passage's outermost section names a part of the report ("二、2023年工作安排"),
        # which the citation shows; quoted, it says nothing asked (dev: 26 answers quoted one, 24 first)
        part_heading = hit.chunk.section_path[0] if hit.chunk.section_path else None
        for (start, end), sim in zip(hit.chunk.sentences, sims, strict=False):
            text = report_text[start:end]
            if len(text.strip()) < 6 or heading_text(text.strip()) == part_heading:
                continue
            coverage = topic.coverage(text)
            score = float(sim) + s.coverage_weight * coverage - s.rank_penalty * rank
            if penalise and not fits[rank]:
                score -= s.part_penalty
            if info.wants_number and re.search(r"\d", text):
                score += s.number_bonus
            out.append(_Scored(rank, start, end, score, float(sim), coverage, text))
    return out


def _fits_part(info: QueryInfo, hit: Hit) -> bool:
    """Whether a passage is of the part the question asks about: the part that speaks of the year
    asked (the plan of a plan year, the review of a reviewed year), else the plan or the review the
    question's wording asks for; any passage when it asks neither."""
    part, report = speaks_as(hit.chunk.part), hit.report
    if info.year is not None:
        return part in ("plan", "review") and citation_year(report, part) in (info.years or (info.year,))
    return info.intent is None or part == info.intent


def _reader_input(
    lead: list[_Scored], qvec, sentence_vectors: SentenceVectors | None
) -> tuple[np.ndarray, np.ndarray] | None:
    """The question's vector and that of the sentence an answer would lead with, embedded alone (the
    reader's input, :class:`answerability.Reader`); None without either."""
    if qvec is None or sentence_vectors is None or not lead:
        return None
    best = min(lead, key=_found_order)
    vector = best.vector if best.vector is not None else sentence_vectors([best.text])[0]
    return np.asarray(qvec, dtype=np.float32), np.asarray(vector, dtype=np.float32)


def _found_order(x: _Scored) -> float:
    """Best first, by the score before the selector's was added (see :func:`compose`)."""
    return -(x.base if x.base is not None else x.score)


def _lead_input(lead: list[_Scored]) -> tuple[tuple[str, ...], np.ndarray, np.ndarray] | None:
    """The leading sentences' texts, vectors and scores before the selector's (what eval/calibrate.py
    fits the selector on); None when they were not embedded alone."""
    if not lead or any(x.vector is None or x.base is None for x in lead):
        return None
    return (
        tuple(x.text for x in lead),
        np.stack([np.asarray(x.vector, dtype=np.float32) for x in lead]),
        np.array([x.base for x in lead], dtype=np.float32),
    )


def _rescore_alone(
    scored: list[_Scored],
    qvec,
    s: ComposerSettings,
    sentence_vectors: SentenceVectors | None,
    places: list[str] | None = None,
    selector: ab.Selector | None = None,
) -> list[_Scored]:
    """The leading sentences scored again with each embedded on its own, plus the ``selector``'s score
    of how well each answers; the rest never came close to the best, so they are not worth the
    embedding time and drop out. With ``places`` (the place of each sentence, when a question compares
    places) the leading sentences of each place are kept: one place's passages may all score below
    another's and must still be answered from."""
    if sentence_vectors is None or qvec is None or not scored:
        return scored
    if places is None:
        lead = sorted(scored, key=lambda x: -x.score)[: s.rescore_top]
    else:
        lead = [
            x
            for place in dict.fromkeys(places)
            for x in sorted((x for x, p in zip(scored, places, strict=True) if p == place), key=lambda x: -x.score)[
                : s.rescore_top
            ]
        ]
    vectors = np.asarray(sentence_vectors([x.text for x in lead]), dtype=np.float32)
    alone = vectors @ qvec
    q = np.asarray(qvec, dtype=np.float32)
    chosen = selector.scores(q, vectors) if selector is not None else np.zeros(len(lead), dtype=np.float32)
    out = []
    for x, a, v, c in zip(lead, alone, vectors, chosen, strict=True):
        base = x.score + float(a) - x.sim
        out.append(replace(x, score=base + s.selector_weight * float(c), alone=float(a), vector=v, base=base))
    return out


def _choose(scored: list[_Scored], s: ComposerSettings, k: int, max_sentences: int | None = None) -> list[_Scored]:
    """The best sentence, then others close to it that share the question's topic."""
    scored = sorted(scored, key=lambda x: -x.score)
    best = scored[0]
    chosen: list[_Scored] = []
    used_hits: set[int] = set()
    for cand in scored:
        if len(chosen) >= (max_sentences or s.max_sentences):
            break
        close = cand.score >= best.score - s.margin and (
            cand.coverage > 0 or best.coverage == 0 or _reads_closer(cand, best)
        )
        if not close or len(used_hits | {cand.hit_rank}) > k:
            continue
        chosen.append(cand)
        used_hits.add(cand.hit_rank)
    return chosen


def _reads_closer(cand: _Scored, best: _Scored) -> bool:
    """Whether a sentence, embedded on its own, is closer to the question than the best one: it says
    what is asked in other words than the question's (an English question's terms found through
    translations that miss the reports' word, 肉牛 for "beef cattle"), so sharing none of them is no
    sign it is off the topic."""
    return cand.alone is not None and best.alone is not None and cand.alone > best.alone


def _with_enumerations(chosen: list[_Scored], hits: list[Hit], index: Index) -> list[_Scored]:
    """The chosen sentences with the rest of any enumeration they are part of: the reports list
    ("主要预期目标是：地区生产总值增长5%左右；规模以上工业增长8.5%左右；…。") in clauses ending in "；",
    which the sentence splitter keeps apart — quoting one item of a list asked for is no answer. The
    enumeration runs from its "：" lead to the clause ending the sentence, within the passage, at most
    :data:`lexicon.ENUMERATION_MAX_ITEMS` items."""
    out = list(chosen)
    have = {(x.hit_rank, x.start) for x in chosen}
    for c in chosen:
        hit = hits[c.hit_rank]
        spans = hit.chunk.sentences
        text = index.reports[hit.chunk.report_id].text
        at = next((i for i, (a, _) in enumerate(spans) if a == c.start), None)
        if at is None:
            continue

        clauses = [text[a:b].strip() for a, b in spans]
        listed = [x.endswith(("；", ";")) for x in clauses]
        first = at
        while first > 0 and listed[first - 1] and "：" not in clauses[first]:
            first -= 1
        last = at
        while last + 1 < len(spans) and listed[last]:
            last += 1
        if last - first + 1 > lexicon.ENUMERATION_MAX_ITEMS or first == last:
            continue
        for i in range(first, last + 1):
            a, b = spans[i]
            if (c.hit_rank, a) not in have:
                have.add((c.hit_rank, a))
                out.append(_Scored(c.hit_rank, a, b, c.score, c.sim, 0.0, text[a:b]))
    return out


def _answer_groups(info: QueryInfo, hits: list[Hit]) -> list[str] | None:
    """What each hit answers for when a question asks of several places (its place) or of one place's
    several years (the year its part speaks of: a result compared with a target); None otherwise."""
    if len(info.places) > 1:
        return [h.report.city for h in hits]
    if len(info.years) > 1:
        return [str(citation_year(h.report, h.chunk.part)) for h in hits]
    return None


def _choose_per_group(scored: list[_Scored], groups: list[str], s: ComposerSettings, k: int) -> list[_Scored]:
    """A question comparing places (or years) is answered for each of them: each one's best sentence
    and those close to it (by its own best, not the other's), the sentences shared out between them.
    One with no passage found is left out."""
    by_group: dict[str, list[_Scored]] = {}
    for x in sorted(scored, key=lambda x: -x.score):
        by_group.setdefault(groups[x.hit_rank], []).append(x)
    share = max(1, s.max_sentences // len(by_group))
    return [x for group in by_group.values() for x in _choose(group, s, k, share)]


def _near_duplicate(a: str, b: str) -> bool:
    """Whether ``a`` says again what ``b`` says: nearly the same words, and no figure ``b`` lacks (the
    same indicators with last year's results and this year's targets are two things said)."""
    ga, gb = set(bigrams(a)), set(bigrams(b))
    return (
        bool(ga and gb)
        and len(ga & gb) / min(len(ga), len(gb)) > 0.8
        and set(lexicon.QUANTITY.findall(a)) <= set(lexicon.QUANTITY.findall(b))
    )


def _write(chosen: list[_Scored], hits: list[Hit], index: Index, lang: str) -> tuple[str, list[Citation]]:
    # order: by report (as first ranked), then by position in the report
    report_order: dict[str, int] = {}
    for c in sorted(chosen, key=lambda x: x.hit_rank):
        report_order.setdefault(hits[c.hit_rank].chunk.report_id, len(report_order))
    said: list[tuple[_Scored, str]] = []
    # best first: of two sentences saying alike, the one that answers better is said
    for c in sorted(chosen, key=lambda x: -x.score):
        report_id = hits[c.hit_rank].chunk.report_id
        t = index.reports[report_id].text[c.start : c.end].strip()
        # a report repeating itself (the same target in the summary and the section) is said once; two
        # reports saying alike are both said: their figures are what a comparison asks for
        if any(_near_duplicate(t, u) for k, u in said if hits[k.hit_rank].chunk.report_id == report_id):
            continue
        said.append((c, t))
    said.sort(key=lambda x: (report_order[hits[x[0].hit_rank].chunk.report_id], x[0].start))
    kept = [c for c, _ in said]
    texts = [t for _, t in said]
    numbers: dict[int, int] = {}
    for c in kept:
        numbers.setdefault(c.hit_rank, len(numbers) + 1)
    citations = [_citation(numbers[r], hits[r], [c for c in kept if c.hit_rank == r]) for r in numbers]
    lines: list[str] = []
    current = None
    for c, t in zip(kept, texts, strict=False):
        hit = hits[c.hit_rank]
        key = (hit.chunk.report_id, hit.chunk.part)
        if key != current:
            lines.append(_lead_in(hit, lang))
            current = key
        t = t.rstrip("；;，,")
        if not t.endswith(("。", "！", "？", "”")):
            t += "。"
        lines.append(f"“{t}”[{numbers[c.hit_rank]}]" if lang == "en" else f"{t}[{numbers[c.hit_rank]}]")
    return "\n".join(lines), citations


def citation_year(report, part: str) -> int | None:
    """The year a passage speaks of: a plan passage the plan year, a review passage the reviewed year,
    anything else (the government's own conduct, appendices) the plan year of its report. The one
    answer to it: the extractive answer, the chain's documents and the LLM answer's citations ask here."""
    if part == "review":
        return report.reviewed_year
    return report.plan_year


def _lead_in(hit: Hit, lang: str) -> str:
    r, part = hit.report, hit.chunk.part
    year = citation_year(r, part) if part in ("plan", "review") else None
    if lang == "en":
        place = english_name(r.city)
        what = PART_EN.get(part, "text")
        when = f" ({year})" if year else ""
        title_year = r.title[:4] if r.title[:4].isdigit() else ""
        return f"The {title_year} {place} ({r.city}) government work report, in its {what}{when}, says:".replace(
            "The  ", "The "
        )
    label = PART_ZH.get(part, "")
    when = f"{year}年" if year and part in ("plan", "review") else ""
    return f"《{r.title}》{when}{label}中提到："


def _citation(n: int, hit: Hit, used: list[_Scored]) -> Citation:
    c, r = hit.chunk, hit.report
    year = citation_year(r, c.part)
    highlights = tuple((u.start - c.start, u.end - c.start) for u in sorted(used, key=lambda u: u.start))
    return Citation(n, c.chunk_id, c.text, r.title, r.city, year, c.section, c.part, round(hit.score, 6), highlights)


def _list_answer(info: QueryInfo, hits: list[Hit], index: Index, k: int):
    """Answer "what are the main tasks" from the section's own items, in order, each cited.

    Only when the section holding the top passage introduces itself as that list: a report with no
    民生实事 must not answer with its nine key tasks.
    """
    top = hits[0]
    report = top.report
    path = top.chunk.section_path
    for depth in range(len(path), 0, -1):  # the passage's own section first, then its ancestors
        parent = path[:depth]
        children = [s for s in report.sections if s.path[:depth] == parent and len(s.path) == depth + 1]
        if len(children) >= 3:
            break
    else:
        return None
    own = next((s for s in report.sections if s.path == parent), None)
    intro = report.text[own.start : children[0].start] if own else parent[-1]
    # the section must introduce itself as the list asked for: one of the question's topic terms in
    # its heading or lead-in (a report with no 民生实事 must not answer with its nine key tasks)
    lead = parent[-1] + intro[-80:]  # the heading, and the sentence that leads into the items
    # a question term that names a kind of list (工作, 任务, 实事 …), the heading or lead-in using it: "有哪些设施"
    # or "what are the allowances" asks for items of a topic, which sentences answer better than headings
    if not any(LIST_SECTION.search(t) and ab.term_present(t, lead, index.tokenizer) for t in info.topic_terms):
        return None
    if info.lang == "zh":  # "重点产业链有哪些" asks for chains, not for the tasks its 重点 happens to head
        noun = asked_list_noun(info.question, index.tokenizer)
        if noun is not None and not lexicon.LIST_KIND_HEAD.search(noun):
            return None
    items = []
    for sec in children:
        in_item = [
            c for c in index.chunks if c.report_id == report.report_id and c.end > sec.start and c.start < sec.end
        ]
        # the chunk that holds the item's heading (a short lead-in may have been carried into it)
        chunk = next((c for c in in_item if c.start <= sec.start < c.end), in_item[0] if in_item else None)
        if chunk is not None:
            items.append((sec, chunk))
    if len(items) < 3:
        return None
    shown = items[:k]
    hit_by_chunk = {h.chunk.chunk_id: h for h in hits}
    citations = []
    lines = []
    lines.append(_lead_in(top, info.lang))
    for n, (sec, chunk) in enumerate(shown, 1):
        h = hit_by_chunk.get(chunk.chunk_id)
        score = h.score if h else 0.0
        heading = sec.heading.rstrip("…")
        at = chunk.text.find(heading)
        span = (
            (at, at + len(heading))
            if at >= 0
            else (chunk.sentences[0][0] - chunk.start, chunk.sentences[0][1] - chunk.start)
        )
        citations.append(
            Citation(
                n,
                chunk.chunk_id,
                chunk.text,
                report.title,
                report.city,
                citation_year(report, chunk.part),
                chunk.section,
                chunk.part,
                round(score, 6),
                (span,),
            )
        )
        item = chunk.text[span[0] : span[1]].strip()
        lines.append(f"“{item}”[{n}]" if info.lang == "en" else f"{n}. {item}[{n}]")
    if len(items) > len(shown):
        rest = len(items) - len(shown)
        lines.append(
            f"(…and {rest} more items in the same section; ask with a larger --k to list them all.)"
            if info.lang == "en"
            else f"（该部分另有{rest}项，可用更大的 --k 查看全部。）"
        )
    return "\n".join(lines), citations


# ---------------------------------------------------------------- refusals, in the question's language


def _place_name(city: str, lang: str) -> str:
    if lang != "en":
        return city
    return f"{english_name(city)} ({city})"


def _years_text(verdict: ab.Verdict, lang: str) -> str:
    parts = []
    for place, (reviewed, planned) in verdict.places_years.items():
        rv = "、".join(map(str, reviewed)) if lang != "en" else ", ".join(map(str, reviewed))
        pl = "、".join(map(str, planned)) if lang != "en" else ", ".join(map(str, planned))
        if lang == "en":
            parts.append(f"{_place_name(place, lang)}: reviews {rv or 'no year'}, plans {pl or 'no year'}")
        else:
            parts.append(f"{place}的报告回顾{rv or '—'}年、部署{pl or '—'}年的工作")
    return ("; ".join(parts) + ".") if lang == "en" else ("；".join(parts) + "。")


def _reports_asked(info: QueryInfo, lang: str) -> str:
    """The reports a question was searched in, named for a sentence: 西宁市的报告 / 已收录的报告, "the
    report of Xining (西宁市)" / "the indexed reports"."""
    if lang == "en":
        return (
            f"the report of {', '.join(_place_name(p, 'en') for p in info.places)}"
            if info.places
            else "the indexed reports"
        )
    return f"{'、'.join(info.places)}的报告" if info.places else "已收录的报告"


def declined_text(info: QueryInfo, reason: str, closest: str) -> str:
    """The refusal when the language model, reading the passages, found they do not answer: what it said
    they lack, then the extractive answer's passages (``closest``, cited as they were) labelled as the
    closest and not an answer, for the user to check the model's reading."""
    if info.lang == "en":
        why = f" ({reason})" if reason else ""
        return (
            f"Not found: the language model read the passages found in {_reports_asked(info, 'en')} and judged "
            f"that they do not answer this question{why}. The closest passages (not an answer):\n{closest}"
        )
    why = f"（{reason}）" if reason else ""
    return (
        f"没有找到答案：语言模型读了从{_reports_asked(info, 'zh')}中找到的段落，判断它们没有回答这个问题{why}。"
        f"最接近的段落（不是答案），请核对：\n{closest}"
    )


def _low_odds_note(
    info: QueryInfo, probability: float | None, missing: tuple[str, ...], s: ComposerSettings
) -> str | None:
    """What an answer the model gives at less than :attr:`ComposerSettings.unmentioned_note_below`
    says under its quotes: which of the question's words the reports never use, or, where they use them
    all, that the quotes may still not answer it. Below even odds the model leans towards "not
    answered"; the answer stands because refusing every such question would refuse too many that are
    answered, and the user is told to check."""
    if probability is None or probability >= s.unmentioned_note_below:
        return None
    if missing:
        return _unmentioned_note(info, missing)
    if info.lang == "en":
        return "(These are the closest passages, and they may not answer the question; check them.)"
    return "（以上是最接近的段落，不一定回答了问题，请核对。）"


def _unmentioned_note(info: QueryInfo, missing: tuple[str, ...]) -> str:
    """The words of an answered question that the reports in scope never use: the quotes are the
    closest passages, and the user should check that they answer it (菜牛 asked, 肉牛 written)."""
    if info.lang == "en":
        where = _reports_asked(info, "en")
        subject = f"{where[0].upper()}{where[1:]} never mentions" if info.places else "No indexed report mentions"
        check = "These are the closest passages; check that they answer the question."
        return f"({subject}: {', '.join(_as_searched(info, missing))}. {check})"
    return (
        f"（{_reports_asked(info, 'zh')}中没有出现：{'、'.join(missing)}。以上是最接近的段落，请核对是否回答了问题。）"
    )


def _as_searched(info: QueryInfo, missing: tuple[str, ...]) -> list[str]:
    """An English question's words the reports never use, each with the Chinese terms it was searched as:
    what is absent is those terms ("visitors (客人/会客)" where a report writes 游客), which the user can
    judge; an untranslated word stands alone."""
    searched = dict(info.translations)
    return [f"{m} ({'/'.join(searched[m])})" if searched.get(m) else m for m in missing]


def refusal_text(info: QueryInfo, verdict: ab.Verdict, catalog: Catalog) -> str:
    """Why the reports do not answer, in the question's language."""
    en = info.lang == "en"
    if verdict.status == ab.PLACE_NOT_INDEXED and info.sub_places and not info.unknown_places:
        named, parents = _parts_and_places(info)
        if en:
            return (
                f"No report of {', '.join(named)} is indexed, and the report of "
                f"{', '.join(_place_name(p, 'en') for p in parents)}, which covers it, does not speak of it on "
                "this; its figures for the whole are no substitute."
            )
        return (
            f"已收录的报告中没有{'、'.join(named)}的政府工作报告；{'、'.join(parents)}的报告涵盖{'、'.join(named)}，"
            f"但没有就此谈到它，不能用{'、'.join(parents)}整体的数字代替。"
        )
    if verdict.status == ab.PLACE_NOT_INDEXED:
        indexed = sorted(catalog.places)
        if en:
            names = ", ".join(info.unknown_places)
            within = "".join(
                f" {name} is part of {_place_name(parent, 'en')}, whose report is indexed and may speak of it."
                for name, parent in info.own_report_districts
            )
            return (
                f"No report of {names} is indexed, and another place's figures are no substitute.{within} "
                f"Indexed places: {', '.join(_place_name(p, 'en') for p in indexed)}."
            )
        within = "".join(
            f"{name}属于{parent}，{parent}的报告已收录，其中可能谈到它。" for name, parent in info.own_report_districts
        )
        return (
            f"已收录的报告中没有{'、'.join(info.unknown_places)}的政府工作报告，不能用其他地方的数字代替。{within}"
            f"已收录的地方：{'、'.join(indexed)}。"
        )
    if verdict.status == ab.YEAR_NOT_COVERED:
        year = verdict.uncovered_year
        years = "、".join(map(str, catalog.all_years))
        if en:
            covered = (
                _years_text(verdict, "en")
                if verdict.places_years
                else f"The reports cover {years.replace('、', ', ')}."
            )
            return f"No indexed report covers {year}. {covered}"
        covered = _years_text(verdict, "zh") if verdict.places_years else f"已收录的报告涉及{years}年。"
        return f"已收录的报告没有涉及{year}年。{covered}"
    missing = verdict.evidence.missing_terms if verdict.evidence else ()
    if en:
        place = _reports_asked(info, "en") + (" does" if info.places else " do")
        subject = "It never mentions" if info.places else "No report mentions"
        why = (
            f" {subject}: {', '.join(_as_searched(info, missing))}."
            if missing
            else " The closest passages are about other things."
        )
        return f"Not found: {place} not address this question.{why}"
    place = _reports_asked(info, "zh")
    why = f"{place}中没有出现：{'、'.join(missing)}。" if missing else "最接近的段落说的是别的事情。"
    return f"没有找到答案：{place}没有谈到这个问题。{why}"


def _near_miss(
    info: QueryInfo,
    verdict: ab.Verdict,
    lead: list[_Scored],
    found: list[_Scored],
    topic: ab.Topic,
    hits: list[Hit],
    catalog: Catalog,
    given: tuple[str, str] | None,
) -> Composed:
    """A figure asked on a topic the report does speak of, and the figure is not given: say so, and show
    the closest sentence, cited and labelled as no answer — "the closest passages are about other
    things" would be untrue. A level given only as its change (``given``: the sentence of ``found``,
    the leading sentences the verdict read, and the clause, as the evidence found them,
    :meth:`Topic.change_given`) shows that change; otherwise the best leading sentence on the topic."""
    if given is not None:
        best = next((x for x in found if x.text == given[0]), None)
    else:
        # on the topic: a sentence that names everything the question asks about, each by its first
        # translation (an English phrase's other senses are looser), but the figure
        first = ab.Topic(tuple((name, terms[:1]) for name, terms in topic.groups), topic.weights, topic.tokenizer)
        best = next((x for x in sorted(lead, key=lambda x: -x.score) if min(first.present(x.text), default=0)), None)
    if best is None:
        return Composed(refusal_text(info, verdict, catalog), [], verdict)
    hit = hits[best.hit_rank]
    sentence = best.text.strip()
    if info.lang == "en":
        why = (
            f"gives only the change (“{given[1]}”), not the figure asked"
            if given is not None
            else "speaks of this but gives no figure for what was asked"
        )
        text = (
            f"Not found: {_reports_asked(info, 'en')} {why}. "
            f"Closest passage (not an answer): {_lead_in(hit, 'en')}\n“{sentence}”[1]"
        )
    else:
        why = (
            f"只给出了变化（“{given[1]}”），没有给出所问的数值"
            if given is not None
            else "谈到了这方面，但没有给出所问的数字"
        )
        text = (
            f"没有找到答案：{_reports_asked(info, 'zh')}{why}。"
            f"最接近的段落（不是答案）：{_lead_in(hit, 'zh')}\n{sentence}[1]"
        )
    return Composed(text, [_citation(1, hit, [best])], verdict)


def _other_year(
    info: QueryInfo,
    verdict: ab.Verdict,
    hits: list[Hit],
    index: Index,
    qvec,
    catalog: Catalog,
    s: ComposerSettings,
    topic: ab.Topic,
) -> Composed:
    """Say which years the reports cover and offer the closest passage, labelled as its own year."""
    text = refusal_text(info, verdict, catalog)
    scored = _score_sentences(info, hits[:3], index, qvec, s, topic)
    if not scored:
        return Composed(text, [], verdict)
    best = max(scored, key=lambda x: x.score)
    hit = hits[best.hit_rank]
    year = citation_year(hit.report, hit.chunk.part)
    sentence = best.text.strip()
    if info.lang == "en":
        text += (
            f"\nThe closest passage is about {year}, not {verdict.uncovered_year} — not an answer for "
            f"{verdict.uncovered_year}: “{sentence}”[1]"
        )
    else:
        text += f"\n最接近的段落说的是{year}年，不是{verdict.uncovered_year}年的情况，仅供参考：{sentence}[1]"
    return Composed(text, [_citation(1, hit, [best])], verdict)
