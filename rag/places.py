"""Place names: the forms a person may use for an indexed report's place, derived from the corpus.

Nothing here is a hand-written table of cities: every alias comes from the place name itself
(its short forms, the parent city it is prefixed with, a name in brackets in the title, pinyin from
pypinyin, and an English rendering of generic toponym words like 新区 → "New Area"), so a report a
user adds is found by name the same way as the bundled ones.
"""

from __future__ import annotations

import itertools
import re
from functools import lru_cache

from pypinyin import Style, lazy_pinyin, pinyin

from .dictionary import proper_names
from .lexicon import MORPHEME_EN, SUFFIX_EN


def slug(city: str) -> str:
    """ASCII id part for a place: 西宁市 → xining, 青岛市黄岛区 → qingdao-huangdao."""
    parts = [p for p in re.split(r"(?<=[市州县区])", strip_brackets(city)) if p]
    words = ["".join(lazy_pinyin(short_name(p), style=Style.NORMAL)) for p in parts]
    out = "-".join(w for w in words if w)
    out = re.sub(r"[^a-z0-9-]+", "", out.lower())
    return out or "report"


def english_name(city: str) -> str:
    """How an English answer names a place: its pinyin (as CC-CEDICT reads the name, else pypinyin), a
    word per part, with the apostrophe pinyin writes before a syllable that starts with a, o or e
    (大安市 → Da'an, 青岛市黄岛区 → Qingdao Huangdao, 珲春市 → Hunchun)."""
    words = []
    for part in (p for p in re.split(r"(?<=[市州县区])", strip_brackets(city)) if p):
        short = short_name(part)
        known = proper_names().get(short)  # the dictionary's reading of a name: 珲春 is Hunchun, not Huichun
        syllables = [
            x
            for x in (known[0].split() if known else lazy_pinyin(short, style=Style.NORMAL))
            if re.fullmatch(r"[a-z]+", x)
        ]
        word = syllables[0] if syllables else ""
        for x in syllables[1:]:
            word += ("'" if x[0] in "aoe" else "") + x
        if word:
            words.append(word.capitalize())
    return " ".join(words) or city


def strip_brackets(name: str) -> str:
    return re.sub(r"（[^）]*）|\([^)]*\)", "", name)


def short_name(name: str) -> str:
    """西宁市 → 西宁; 海西州 → 海西; 德令哈市 → 德令哈; a two-character name keeps its suffix (e.g. 和县)."""
    name = strip_brackets(name)
    for long in ("自治州", "自治县", "新区"):
        if name.endswith(long) and len(name) > len(long) + 1:
            return name[: -len(long)]
    if len(name) > 2 and name[-1] in "市州县区":
        return name[:-1]
    return name


@lru_cache(maxsize=4096)
def chinese_aliases(title_place: str) -> tuple[str, ...]:
    """Every Chinese form of a place: 青岛市黄岛区（西海岸新区） → 黄岛区, 黄岛, 西海岸新区, 西海岸, …"""
    forms: set[str] = set()
    bracketed = re.findall(r"（([^）]*)）|\(([^)]*)\)", title_place)
    base = strip_brackets(title_place)
    forms.add(base)
    pieces = [p for p in re.split(r"(?<=[市州县区])", base) if p]
    if len(pieces) > 1:  # 长沙市望城区: the district is named on its own as often as with its city
        forms.add(pieces[-1])
    for b in bracketed:
        forms.add(b[0] or b[1])
    for f in list(forms):
        forms.add(short_name(f))
    return tuple(sorted((f for f in forms if len(f) >= 2), key=len, reverse=True))


@lru_cache(maxsize=4096)
def english_aliases(title_place: str) -> tuple[str, ...]:
    """Normalised (lower-case, letters only) English/pinyin forms of a place."""
    forms: set[str] = set()
    for zh in chinese_aliases(title_place):
        forms.update(_pinyin_readings(zh))
        if zh[-1] in SUFFIX_EN and len(zh) > 2:
            forms.update(r + _norm_en(SUFFIX_EN[zh[-1]]) for r in _pinyin_readings(zh[:-1]))
        english = _morpheme_english(zh)
        if english:
            forms.add(_norm_en(english))
    return tuple(sorted((f for f in forms if len(f) >= 4), key=len, reverse=True))


def _pinyin_readings(zh: str) -> set[str]:
    """All pinyin readings of a name (珲春 is read hunchun, though 珲 alone defaults to hui)."""
    syllables = [sorted(set(opts))[:3] for opts in pinyin(zh, style=Style.NORMAL, heteronym=True)]
    readings = {"".join(lazy_pinyin(zh))}
    if len(syllables) <= 6:
        readings.update("".join(combo) for combo in itertools.product(*syllables))
    return {_norm_en(r) for r in readings}


def _morpheme_english(name: str) -> str | None:
    """西海岸新区 → "West Coast New Area" when every piece is a generic toponym word."""
    words: list[str] = []
    rest = name
    while rest:
        for size in (3, 2, 1):
            piece = rest[:size]
            if piece in MORPHEME_EN:
                words.append(MORPHEME_EN[piece])
                rest = rest[size:]
                break
        else:
            return None
    return " ".join(words) if len(words) >= 2 else None


def _norm_en(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


def english_words(text: str) -> list[str]:
    """Latin words of a question, apostrophes and hyphens folded in ("Da'an" → "daan")."""
    text = re.sub(r"(?<=[A-Za-z])['’]s\b", "", text)  # possessive: "Heze's targets"
    text = re.sub(r"(?<=[A-Za-z])['’\-](?=[A-Za-z])", "", text)
    return [w.lower() for w in re.findall(r"[A-Za-z]+", text)]


def title_place(title: str, city: str) -> str:
    """The place as the title writes it, brackets kept: 青岛市黄岛区（西海岸新区）."""
    m = re.match(r"^(?:\d{4}年)?(.*?)(?:人民政府)?政府工作报告$", title)
    if m and strip_brackets(m.group(1)) == city:
        return m.group(1)
    return city


def place_mentions(question: str, places: list[str] | dict[str, str]) -> list[tuple[int, int, str]]:
    """Where a question names an indexed place: (start, end, place), Chinese and English forms.

    ``places`` are the report places as indexed (e.g. 西宁市, 青岛市黄岛区), or a mapping from each
    to the fuller name its title gives (青岛市黄岛区（西海岸新区）). Chinese forms are
    matched as substrings (longest form first, so 海西 inside 海西州 is one mention); English and
    pinyin forms are matched against runs of one to four consecutive Latin words.
    """
    if not isinstance(places, dict):
        places = {p: p for p in places}
    found: list[tuple[int, int, str]] = []
    taken: list[tuple[int, int]] = []
    zh_forms, en_index = _forms(tuple(places.items()))
    for form, place in zh_forms:
        if form not in question:
            continue
        for m in re.finditer(re.escape(form), question):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            taken.append((m.start(), m.end()))
            found.append((m.start(), m.end(), place))
    spans = [(m.start(), m.end()) for m in re.finditer(r"[A-Za-z]+(?:['’\-][A-Za-z]+)*", question)]
    words = ["".join(english_words(question[a:b])) for a, b in spans]
    if words:
        used = [False] * len(words)
        for size in (4, 3, 2, 1):
            for i in range(len(words) - size + 1):
                if any(used[i : i + size]):
                    continue
                joined = "".join(words[i : i + size])
                if joined in en_index:
                    found.append((spans[i][0], spans[i + size - 1][1], en_index[joined]))
                    for j in range(i, i + size):
                        used[j] = True
    return sorted(found)


@lru_cache(maxsize=64)
def _forms(places: tuple[tuple[str, str], ...]) -> tuple[tuple[tuple[str, str], ...], dict[str, str]]:
    """The Chinese forms of some places, longest first, and their English forms: the same index's
    places come with every question, so they are listed once."""
    zh = sorted(((form, p) for p, full in places for form in chinese_aliases(full)), key=lambda x: -len(x[0]))
    return tuple(zh), {form: p for p, full in places for form in english_aliases(full)}


def english_forms(places: dict[str, str]) -> dict[str, str]:
    """Each English or pinyin form of the places (letters only, lower case: "xining", "westcoastnewarea")
    → the place it names."""
    return _forms(tuple(places.items()))[1]


def one_edit_apart(a: str, b: str) -> bool:
    """Whether two different words are one typing slip apart: a letter added, dropped or changed, or
    two neighbouring letters swapped ("yinchaun" for "yinchuan")."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        return len(diff) == 1 or (
            len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
        )
    short, long = (a, b) if len(a) < len(b) else (b, a)
    i = next((i for i, (x, y) in enumerate(zip(short, long, strict=False)) if x != y), len(short))
    return short[i:] == long[i + 1 :]


def find_places(question: str, places: list[str] | dict[str, str]) -> list[str]:
    """The indexed places a question names, in the order it names them."""
    out: list[str] = []
    for _, _, place in place_mentions(question, places):
        if place not in out:
            out.append(place)
    return out
