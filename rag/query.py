"""What a question says besides its topic: the places, the year, and whether it asks for a plan
or a result, read from Chinese or English wording and from the index's own place names."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from .places import find_places

PLAN_WORDS = re.compile(r"计划|目标|打算|预期|力争|安排|任务|部署|将要|准备|承诺|重点工作|今年|明年|要求|确保|"
                        r"\b(promis\w*|plan\w*|target\w*|goals?|aims?|intend\w*|expect\w*|pledg\w*|commit\w*|"
                        r"will|going to|this year|next year|priorit\w*|tasks?)\b", re.I)
REVIEW_WORDS = re.compile(r"完成了|实现了|增长了|取得|成效|成绩|成果|去年|上年|过去一年|回顾|达到了|建成了|新增了|累计|"
                          r"\b(achiev\w*|accomplish\w*|grew|rose|fell|result\w*|last year|past year|"
                          r"completed|built|created|reached|record\w*)\b", re.I)
LIST_WORDS = re.compile(r"哪些|有什么|列举|几个方面|哪几|包括什么|都有|\b(what are|which|list|main (tasks|targets|measures|goals)|"
                        r"key (tasks|targets|measures)|measures|tasks)\b", re.I)
CN_LATIN_SPLIT = re.compile(r"[\u4e00-\u9fff]")
UNKNOWN_PLACE = re.compile(r"([\u4e00-\u9fff]{2,5}?(?:市|州|县|区|省))")
NOT_PLACE_WORDS = ("城市", "全市", "我市", "本市", "全省", "我省", "本省", "全县", "全区", "市区", "城区", "园区", "新区", "社区", "景区",
                   "开发区", "示范区", "地区", "山区", "牧区", "农区", "片区", "辖区", "各省", "各市", "各县", "各区",
                   "该市", "该省", "工业园区", "保护区", "功能区", "试验区", "先行区", "自治州", "自治县", "超市")


@dataclass(frozen=True)
class QueryInfo:
    """Filters and hints read from one question."""

    question: str
    lang: str
    places: tuple[str, ...] = ()
    year: int | None = None
    relative_year: str | None = None  # "last" or "this", relative to the report
    intent: str | None = None  # "plan" | "review" | None
    is_list: bool = False
    unknown_places: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict:
        return {"places": list(self.places), "year": self.year, "relative_year": self.relative_year,
                "intent": self.intent, "list": self.is_list, "unknown_places": list(self.unknown_places)}


def language(text: str) -> str:
    """'zh' when the question has Chinese characters in it, else 'en'."""
    cjk = len(CN_LATIN_SPLIT.findall(text))
    latin = len(re.findall(r"[A-Za-z]", text))
    return "zh" if cjk and cjk * 3 >= latin * 0.5 else "en"


def analyse(question: str, places: dict[str, str]) -> QueryInfo:
    """Read places, year, intent and list-ness from a question."""
    lang = language(question)
    found = tuple(find_places(question, places))
    year = None
    m = re.search(r"(20\d\d)\s*年", question) or re.search(r"\b(?:in|for|of|during)\s+(20\d\d)\b", question) \
        or re.search(r"\b(20\d\d)\b", question)
    if m:
        year = int(m.group(1))
    relative = None
    if re.search(r"去年|上一年|上年|过去一年|\blast year\b|\bpast year\b|\bprevious year\b", question, re.I):
        relative = "last"
    elif re.search(r"今年|本年|明年|\bthis year\b|\bcoming year\b|\bnext year\b", question, re.I):
        relative = "this"
    plan_hits = len(PLAN_WORDS.findall(question))
    review_hits = len(REVIEW_WORDS.findall(question))
    intent = None
    if relative == "last" or review_hits > plan_hits:
        intent = "review"
    elif relative == "this" or plan_hits > review_hits:
        intent = "plan"
    is_list = bool(LIST_WORDS.search(question))
    unknown = tuple(_unknown_places(question, places, found))
    return QueryInfo(question, lang, found, year, relative, intent, is_list, unknown)


def _unknown_places(question: str, places: dict[str, str], found: tuple[str, ...]) -> list[str]:
    """Places a question names that the index does not hold (兰州市, "Lanzhou"), so we can say so."""
    from .places import chinese_aliases

    known = {a for full in places.values() for a in chinese_aliases(full)}
    out = []
    for m in UNKNOWN_PLACE.finditer(question):
        # drop function words a greedy match may have taken: "请问兰州市" → "兰州市"
        name = re.sub(r"^[请问在的和与及跟同关于对了是从那么呢比较各全本我该]+", "", m.group(1))
        if len(name) < 2 or (len(name) == 2 and name[-1] in "区县") or name in NOT_PLACE_WORDS or any(name.endswith(w) for w in NOT_PLACE_WORDS):
            continue
        if any(k.endswith(name) or name.endswith(k) for k in known):
            continue
        out.append(name)
    if not found:
        syllables = _pinyin_syllables()
        # capitalised words after the first: a proper noun that reads as pinyin is a Chinese place name
        for word in re.findall(r"(?<=\s)[A-Z][a-z]+(?:['’][a-z]+)?\b", question):
            w = re.sub(r"['’]s$|['’]", "", word.lower())
            if len(w) >= 5 and _is_pinyin(w, syllables) and w not in _ENGLISH_COMMON:
                out.append(word)
    return out


_ENGLISH_COMMON = {"china", "chinese", "government", "report", "yuan", "renminbi", "dance", "change", "chance",
                   "hang", "range", "sense", "tense", "lane", "zone", "tone", "bean", "pier"}


@lru_cache(maxsize=1)
def _pinyin_syllables() -> frozenset[str]:
    from pypinyin.constants import PINYIN_DICT
    import unicodedata

    out = set()
    for readings in PINYIN_DICT.values():
        for r in readings.split(","):
            plain = "".join(ch for ch in unicodedata.normalize("NFD", r) if not unicodedata.combining(ch))
            if plain.isalpha():
                out.add(plain.lower())
    return frozenset(s for s in out if len(s) >= 2 or s in ("a", "e", "o"))


def _is_pinyin(word: str, syllables: frozenset[str]) -> bool:
    """True when a word splits into at least two pinyin syllables (Lanzhou → lan+zhou)."""
    n = len(word)
    best = [0] + [-1] * n  # max syllables ending at i
    for i in range(1, n + 1):
        for j in range(max(0, i - 6), i):
            if best[j] >= 0 and word[j:i] in syllables:
                best[i] = max(best[i], best[j] + 1)
    return best[n] >= 2


def lexical_query(question: str, lang: str) -> str:
    """What the lexical side searches for: an English question also gets its Chinese report vocabulary."""
    if lang != "en":
        return question
    from .glossary import chinese_terms

    return f"{question} {chinese_terms(question)}"
