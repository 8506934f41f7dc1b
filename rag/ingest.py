"""Read report files as they come, clean them, split compilations, and read their metadata.

The bundled corpus shows every kind of damage a real collection has: PDF extraction with
hard-wrapped lines and sentences split across blank lines (002), ASCII punctuation mixed with
Chinese (003), a compilation of 19 reports behind a table of contents (004). Everything here works
on lines and paragraphs of plain text, so .pdf/.docx/.html input is first reduced to text.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import IngestError
from .lexical import place_words
from .places import slug

SUPPORTED_SUFFIXES = (".txt", ".md", ".pdf", ".docx", ".html", ".htm")

CN_NUM = "一二三四五六七八九十"
TERMINAL = "。！？；：…!?;:"
# Heading kinds, in the order they usually nest; the real nesting is read per report.
H_CN = re.compile(rf"^[{CN_NUM}]{{1,3}}、")
H_PAREN = re.compile(rf"^（[{CN_NUM}]{{1,3}}）")
H_ARABIC = re.compile(r"^\d{1,2}[.．、](?!\d)")
H_SHI = re.compile(rf"^[{CN_NUM}]{{1,3}}是")
PLAIN_HEADING_WORDS = re.compile(r"回顾|安排|任务|重点|目标|政府工作|自身建设|实干政府|治理能力|注释|解释|附件")
TITLE_RE = re.compile(r"^(?:(\d{4})年)?(.{0,24}?)政府工作报告$")
DATE_RE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
SPEAKER_RE = re.compile(r"^(?:.{0,16}?)(代理?市长|市长|州长|县长|区长|代理?区长|代理?县长)\s*([\u4e00-\u9fff·]{2,5})$")
DEBRIS_RE = re.compile(r"^(##\w+##|第?\s*\d+\s*页|-\s*\d+\s*-|\d{1,3}|会议文件\(\)|.{0,12}人大.{0,4}次)$")
PLACE_SUFFIX = "市州县区"
NOT_PLACES = {
    "全市",
    "我市",
    "本市",
    "城市",
    "各市",
    "超市",
    "县市",
    "省市",
    "州市",
    "地市",
    "市县",
    "全州",
    "我州",
    "全县",
    "我县",
    "全区",
    "我区",
    "城区",
    "园区",
    "新区",
    "社区",
    "景区",
    "片区",
    "街区",
    "小区",
    "矿区",
    "库区",
    "牧区",
    "山区",
    "辖区",
    "灾区",
    "市区",
    "各区",
    "该市",
    "每市",
    "示范区",
    "开发区",
    "保护区",
    "功能区",
    "先行区",
    "试验区",
    "自治州",
    "自治县",
    "各县",
    "老城区",
}


@dataclass(frozen=True)
class Section:
    """A heading and the span of report text it governs (heading line included)."""

    heading: str
    level: int
    start: int
    end: int
    path: tuple[str, ...]
    part: str


@dataclass(frozen=True)
class Report:
    """One government work report: cleaned text plus what a citation needs to say where it is."""

    report_id: str
    title: str
    city: str
    level: str
    reviewed_year: int | None
    plan_year: int | None
    date: str | None
    speaker: str | None
    source: str
    text: str
    sections: tuple[Section, ...]
    content_hash: str
    structured: bool = True
    warnings: tuple[str, ...] = field(default=())

    def section_at(self, offset: int) -> Section | None:
        """The deepest section containing a character offset."""
        best = None
        for s in self.sections:
            if s.start <= offset < s.end and (best is None or s.level >= best.level):
                best = s
        return best


# ---------------------------------------------------------------- reading files


def read_text(path: Path, max_bytes: int | None = None, name: str | None = None) -> str:
    """Return the text of a report file of any supported kind, or raise IngestError (one line).

    ``max_bytes`` bounds the text a file may hold (a report is well under 1 MB): a file far larger
    would take hours to embed and gigabytes of memory, so it is refused before it is read.
    """
    path = Path(path)
    shown = name or path
    if not path.exists():
        raise IngestError(f"{shown}: no such file")
    if path.is_dir():
        raise IngestError(f"{shown}: is a folder, not a report file")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise IngestError(f"{shown}: unsupported file type '{suffix}' (use {', '.join(SUPPORTED_SUFFIXES)})")
    try:
        size = path.stat().st_size
        # .pdf/.docx carry layout and images besides their text: their text is checked once extracted
        raw_limit = None if max_bytes is None else max_bytes * (10 if suffix in (".pdf", ".docx") else 1)
        if raw_limit is not None and size > raw_limit:
            raise IngestError(
                f"{shown}: {_mb(size)} is over the limit of {_mb(raw_limit)} per file (set RAG_MAX_FILE_MB to raise it)"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"{shown}: cannot read the file ({exc.strerror or exc})") from None
    if not data.strip():
        raise IngestError(f"{shown}: file is empty")
    try:
        if suffix == ".pdf":
            text = _pdf_text(path)
        elif suffix == ".docx":
            text = _docx_text(path)
        elif suffix in (".html", ".htm"):
            text = _html_text(decode_bytes(data, shown))
        else:
            text = decode_bytes(data, shown)
    except IngestError:
        raise
    except Exception as exc:  # a broken pdf/docx: one line, not a traceback
        raise IngestError(f"{shown}: cannot read {suffix[1:]} file ({type(exc).__name__}: {exc})") from exc
    if not text.strip():
        raise IngestError(f"{shown}: no text could be extracted")
    if max_bytes is not None and suffix in (".pdf", ".docx") and len(text.encode("utf-8")) > max_bytes:
        raise IngestError(
            f"{shown}: {_mb(len(text.encode('utf-8')))} of text is over the limit of {_mb(max_bytes)} "
            "per file (set RAG_MAX_FILE_MB to raise it)"
        )
    return text


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB" if size >= 100_000 else f"{size / 1000:.1f} kB"


def decode_bytes(data: bytes, path: Path | str = "<bytes>") -> str:
    """Decode UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030/GBK; refuse binary data."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data[:4096]:
        raise IngestError(f"{path}: looks like a binary file, not text")
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if enc == "gb18030" and not _looks_like_text(text):
            break
        return text
    raise IngestError(f"{path}: cannot decode: neither UTF-8 nor GB18030/GBK text")


def _looks_like_text(text: str) -> bool:
    # GB18030 decodes almost any byte string; real Chinese text is mostly common CJK, ASCII and punctuation.
    sample = text[:5000]
    good = sum(
        1
        for ch in sample
        if ch.isascii()
        or "\u4e00" <= ch <= "\u9fff"
        or "\u3000" <= ch <= "\u303f"
        or "\uff00" <= ch <= "\uffef"
        or ch in "“”‘’—…·"
    )
    return good >= 0.9 * max(1, len(sample))


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader  # optional format: imported only for a .pdf

    reader = PdfReader(str(path))
    return "\n".join((page.extract_text() or "") for page in reader.pages)


def _docx_text(path: Path) -> str:
    import docx  # optional format: imported only for a .docx

    document = docx.Document(str(path))
    return "\n".join(p.text for p in document.paragraphs)


def _html_text(html: str) -> str:
    from bs4 import BeautifulSoup  # optional format: imported only for .html

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "noscript"]):
        tag.decompose()
    for br in soup.find_all("br"):
        br.replace_with("\n")
    return soup.get_text("\n")


# ---------------------------------------------------------------- normalising lines

_CJK = "\u4e00-\u9fff\u3000-\u303f\uff00-\uffef“”‘’《》、"
_SPACE_BETWEEN = re.compile(rf"(?<=[{_CJK}])[ \t\u00a0\u3000]+|[ \t\u00a0\u3000]+(?=[{_CJK}])")
_FULLWIDTH_ALNUM = re.compile(r"[０-９Ａ-Ｚａ-ｚ％．]")


def normalize_line(line: str) -> str:
    """Normalise widths and spaces in one line without touching numbers.

    Full-width digits/letters/percent become ASCII (so "８．２％" and "8.2%" match), ASCII
    punctuation used as Chinese punctuation becomes full-width, and the spaces PDF extraction puts
    around Chinese characters ("2023 年 2 月", "政 府 工 作 报 告") are removed.
    """
    line = unicodedata.normalize("NFC", line).replace("\ufeff", "")
    line = _FULLWIDTH_ALNUM.sub(lambda m: unicodedata.normalize("NFKC", m.group()), line)
    line = line.replace("\u3000", " ").replace("\t", " ")
    line = _SPACE_BETWEEN.sub("", line).strip()
    line = re.sub(r"[ ]{2,}", " ", line)
    # ASCII punctuation next to Chinese text is Chinese punctuation; between digits it is part of a number.
    line = re.sub(r",(?!\d)|(?<!\d),", "，", line)
    line = re.sub(r"(?<!\d):|:(?!\d)", "：", line)
    line = line.replace(";", "；")
    line = re.sub(rf"\?(?=$|[{_CJK}])", "？", line)
    line = re.sub(rf"!(?=$|[{_CJK}])", "！", line)
    line = re.sub(rf"\((?=[{_CJK}])", "（", line)
    line = re.sub(rf"(?<=[{_CJK}])\)", "）", line)
    line = re.sub(r"（([^（）()]*)\)", r"（\1）", line)
    line = re.sub(r"\(([^（）()]*)）", r"（\1）", line)
    return line


# ---------------------------------------------------------------- paragraphs


def heading_kind(line: str) -> str | None:
    """Which heading pattern a paragraph starts with, if any."""
    if H_CN.match(line):
        return "cn"
    if H_PAREN.match(line):
        return "paren"
    if H_ARABIC.match(line) and not line.rstrip().endswith(tuple("0123456789")):
        return "arabic"
    if H_SHI.match(line):
        return "shi"
    if is_plain_heading(line):
        return "plain"
    return None


def is_plain_heading(line: str) -> bool:
    """An unnumbered heading line such as "2023年工作安排" or "全面加强政府自身建设"."""
    if len(line) > 22 or re.search(r"[，。；！？、“”]", line):
        return False
    if line.endswith("：") and not re.search(r"注释|解释", line):
        return False
    return bool(PLAIN_HEADING_WORDS.search(line))


def _is_front_matter(line: str) -> bool:
    return bool(
        TITLE_RE.match(line)
        or SPEAKER_RE.match(line)
        or line.startswith("——")
        or (DATE_RE.search(line) and line.endswith(("会议上", "会议")))
    )


def join_wrapped(lines: list[str]) -> list[str]:
    """Rebuild paragraphs from lines, joining lines a PDF extractor hard-wrapped.

    A line continues the paragraph before it when that paragraph does not end a sentence and
    neither of them is a heading or front matter ("市长 张晓容", the date line). Blank lines do not
    end a paragraph by themselves: extracted PDFs split sentences across them.
    """
    paras: list[str] = []
    for line in lines:
        if not line:
            continue
        if paras:
            prev = paras[-1]
            prev_open = not prev.endswith(tuple(TERMINAL)) and not re.search(r"[。！？]”$", prev)
            if prev_open and not _is_front_matter(line) and heading_kind(line) is None and not _is_stand_alone(prev):
                paras[-1] = prev + line
                continue
            if (
                prev.startswith("——")
                and prev_open
                and not DATE_RE.search(line)
                and len(line) < 30
                and line.endswith(("会议上", "会议"))
            ):
                paras[-1] = prev + line  # a wrapped date line: "——2023年2月15日在海东市第三届" + "人民代表大会…"
                continue
        paras.append(line)
    return paras


def _is_stand_alone(para: str) -> bool:
    """Paragraphs that never take a continuation: titles, speaker lines, short headings."""
    if _is_front_matter(para):
        return True
    kind = heading_kind(para)
    if kind == "plain":
        return True
    if kind in ("cn", "paren", "arabic") and len(para) <= 40 and "。" not in para:
        return True
    return False


# ---------------------------------------------------------------- splitting compilations


def split_reports(lines: list[str]) -> list[list[str]]:
    """Split a file's normalised lines into reports, each starting at its title line.

    A table of contents ("目录", then numbered titles with page numbers) is dropped, not taken for
    19 empty reports. Lines before the first title are cover debris unless there is no title at
    all, in which case the whole file is one report.
    """
    starts = [i for i, line in enumerate(lines) if _is_title_line(line)]
    toc_end = _toc_end(lines)
    starts = [i for i in starts if i >= toc_end]
    if not starts:
        return [lines[toc_end:]]
    head = [ln for ln in lines[toc_end : starts[0]] if ln]
    blocks = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        blocks.append(lines[start:end])
    if sum(len(x) for x in head) > 200:  # real text before the first title: keep it with the first report
        blocks[0] = head + blocks[0]
    return blocks


def _is_title_line(line: str) -> bool:
    return bool(TITLE_RE.match(line)) and not line.startswith(("《", "“"))


def _toc_end(lines: list[str]) -> int:
    for i, line in enumerate(lines[:40]):
        if line.replace(" ", "") in ("目录", "目 录"):
            j = i + 1
            while j < len(lines) and (not lines[j] or re.search(r"政府工作报告\s*\d+$", lines[j])):
                j += 1
            return j
    return 0


# ---------------------------------------------------------------- metadata


def _find_city(title: str, paras: list[str]) -> str | None:
    m = TITLE_RE.match(title)
    if m and m.group(2):
        place = re.sub(r"^\d{4}年", "", m.group(2))
        place = re.sub(r"（[^）]*）$", "", place).strip()
        place = re.sub(r"人民政府$", "", place)
        if len(place) >= 2:
            return place
    head = "".join(paras[:8])
    m = re.search(r"在([\u4e00-\u9fff]{2,8}?[市州县区])第[\u4e00-\u9fff]{1,4}届", head) or re.search(
        r"([\u4e00-\u9fff]{2,8}?[市州县区])人民政府", head
    )
    if m and not re.search(r"代表|^[我本全各该]", m.group(1)):
        return m.group(1)
    # the place a report keeps naming: jieba tags place names "ns" (德令哈市 ×6 in 003)
    counts: dict[str, int] = {}
    for w in place_words("".join(paras)):
        if len(w) >= 3 and w[-1] in PLACE_SUFFIX and w not in NOT_PLACES:
            counts[w] = counts.get(w, 0) + 1
    if not counts or max(counts.values()) < 2:
        return None
    return max(counts, key=lambda w: (counts[w], len(w)))


def _level(city: str) -> str:
    return city[-1] if city and city[-1] in PLACE_SUFFIX else "其他"


def classify_part(heading: str) -> str:
    """review / plan / government / other, from a section heading."""
    if re.search(r"注释|解释|附件", heading):
        return "other"
    if re.search(r"回顾|回首|过去[一的]|成绩", heading):
        return "review"
    if re.search(r"自身建设|实干政府|服务型政府|治理能力|工作效能|政府建设", heading):
        return "government"
    if re.search(r"安排|任务|重点|目标|思路|主要工作|着眼|展望|政府工作|工作要求|\d{4}年", heading):
        return "plan"
    return "other"


def _years(sections: list[tuple[str, str]], date: str | None, title: str) -> tuple[int | None, int | None]:
    reviewed = plan = None
    for heading, part in sections:
        m = re.search(r"(20\d\d)", heading)
        if m and part == "review" and reviewed is None:
            reviewed = int(m.group(1))
        if m and part == "plan" and plan is None:
            plan = int(m.group(1))
    if reviewed is None and plan is not None:
        reviewed = plan - 1
    if plan is None and reviewed is not None:
        plan = reviewed + 1
    if reviewed is None and date:
        year, month = int(date[:4]), int(date[5:7])
        plan = year if month <= 6 else year + 1
        reviewed = plan - 1
    if reviewed is None:
        m = re.match(r"(\d{4})年", title)
        if m:
            plan = int(m.group(1))
            reviewed = plan - 1
    return reviewed, plan


# ---------------------------------------------------------------- the report


def parse_report(lines: list[str], source: str) -> Report | None:
    """Build one Report from its normalised lines (title first), or None when it holds no text."""
    paras = join_wrapped([ln for ln in lines if not DEBRIS_RE.match(ln)])
    if not paras or sum(len(p) for p in paras) < 20:
        return None
    title_line = paras[0] if TITLE_RE.match(paras[0]) else ""
    sections, structured = _sections(paras)
    if not title_line and not structured:
        return _not_a_report(paras, source)
    city = _find_city(title_line, paras) or Path(source).stem
    date = speaker = None
    for para in paras[:6]:
        m = DATE_RE.search(para)
        if m and date is None and (para.startswith(("——", "在")) or para.endswith(("会议上", "会议"))):
            date = f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
        m = SPEAKER_RE.match(para)
        if m and speaker is None:
            speaker = m.group(2)
    text = "\n".join(paras)
    reviewed, plan = _years([(s.heading, s.part) for s in sections if s.level == 1], date, title_line)
    if reviewed is None:
        reviewed, plan = _years([(s.heading, s.part) for s in sections], date, title_line)
    year = plan if (date is None or plan is None) else int(date[:4])
    if title_line and city in title_line:
        title = title_line
    else:
        title = f"{year or ''}{'年' if year else ''}{city}政府工作报告"
    if re.match(r"^\d{4}年", title) is None and year:
        title = f"{year}年{title}"
    content_hash = hashlib.sha256(text.encode("utf-8")).hexdigest()
    notes = (
        () if structured else (f"{source}: no report structure (no section headings) found; indexed as one section",)
    )
    return Report(
        report_id="",
        title=title,
        city=city,
        level=_level(city),
        reviewed_year=reviewed,
        plan_year=plan,
        date=date,
        speaker=speaker,
        source=source,
        text=text,
        sections=tuple(sections),
        content_hash=content_hash,
        structured=structured,
        warnings=notes,
    )


def _not_a_report(paras: list[str], source: str) -> Report:
    """A file with neither a report title nor report structure (a README, notes): indexed under its
    file name, so it is never cited as "notes政府工作报告", and with an id that only its name decides."""
    text = "\n".join(paras)
    stem = Path(source).stem or "document"
    sections, _ = _sections(paras)
    return Report(
        report_id="",
        title=Path(source).name,
        city=stem,
        level="其他",
        reviewed_year=None,
        plan_year=None,
        date=None,
        speaker=None,
        source=source,
        text=text,
        sections=tuple(sections),
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        structured=False,
        warnings=(
            f"{source}: not a government work report (no title, no section headings); indexed under its file name",
        ),
    )


def _sections(paras: list[str]) -> tuple[list[Section], bool]:
    """The heading tree over the report text; levels follow the order heading kinds first appear."""
    kind_level: dict[str, int] = {}
    plain_seen = False
    stack: list[tuple[int, str, int, str]] = []  # (level, heading, start, part)
    out: list[Section] = []
    offset = 0
    starts: list[int] = []
    for para in paras:
        starts.append(offset)
        offset += len(para) + 1
    total = max(0, offset - 1)

    def close(upto_level: int, at: int) -> None:
        while stack and stack[-1][0] >= upto_level:
            level, heading, start, part = stack.pop()
            out.append(Section(heading, level, start, at, tuple(h for _, h, _, _ in stack) + (heading,), part))

    for para, start in zip(paras, starts, strict=False):
        kind = heading_kind(para)
        if kind is None or _is_front_matter(para) or (kind in ("arabic", "shi") and not stack):
            continue
        if kind == "plain":
            level = 1
        else:
            if kind not in kind_level:
                # nesting follows first appearance: under an unnumbered "2023年工作安排", "一、" is level 2
                kind_level[kind] = max(kind_level.values(), default=1 if plain_seen else 0) + 1
            level = kind_level[kind]
        plain_seen = plain_seen or kind == "plain"
        heading = heading_text(para)
        close(level, start)
        parent_part = stack[0][3] if stack else None
        own = classify_part(heading)
        if level == 1 or parent_part is None:
            part = own if own != "other" or level == 1 else "other"
        else:
            part = "government" if own == "government" else parent_part
        if level == 1 and own == "other" and out and not re.search(r"注释|解释|附件", heading):
            # an unlabelled top-level section after the plan ("三、紧盯目标…" style) continues the plan
            prev = [s for s in out if s.level == 1]
            if prev and prev[-1].part == "plan":
                part = "plan"
        stack.append((level, heading, start, part))
    close(0, total)
    out.sort(key=lambda s: (s.start, s.level))
    if not out:
        return [Section("全文", 1, 0, total, ("全文",), "other")], False
    return out, True


def heading_text(para: str) -> str:
    """How a section's heading is kept in its path: the paragraph's first sentence, without its closing
    punctuation (and cut at 60 characters). The composer asks it of a sentence to know a quoted heading."""
    head = re.split(r"(?<=[。！？])", para, maxsplit=1)[0]
    head = head.rstrip("。！？：；")
    return head if len(head) <= 60 else head[:60] + "…"


# ---------------------------------------------------------------- files → reports


def load_reports(path: Path, max_bytes: int | None = None, name: str | None = None) -> list[Report]:
    """All reports in one file (a compilation gives several), cleaned, with metadata.

    ``name`` is the file's name as the person gave it, when ``path`` is a stored copy: reports cite it.
    """
    text = read_text(path, max_bytes, name)
    lines = [normalize_line(ln) for ln in text.splitlines()]
    reports = []
    for block in split_reports(lines):
        report = parse_report(block, source=name or Path(path).name)
        if report is not None:
            reports.append(report)
    if not reports:
        raise IngestError(f"{name or path}: no report text found")
    return reports


def collect_files(paths: list[Path]) -> list[Path]:
    """Expand folders into their supported report files (sorted, READMEs skipped)."""
    files: list[Path] = []
    for p in paths:
        p = Path(p)
        if not p.exists():
            raise IngestError(f"{p}: no such file or folder")
        if p.is_dir():
            found = sorted(
                f
                for f in p.iterdir()
                if f.suffix.lower() in SUPPORTED_SUFFIXES
                and f.is_file()
                and f.name.lower() != "readme.md"
                and not f.name.startswith(".")
            )
            if not found:
                raise IngestError(f"{p}: no report files in this folder (looked for {', '.join(SUPPORTED_SUFFIXES)})")
            files += found
        else:
            files.append(p)
    return files


def assign_ids(reports: list[Report]) -> list[Report]:
    """Give each report a stable, readable id like ``xining-2020`` (hash suffix on collision)."""
    seen: dict[str, int] = {}
    out = []
    for r in reports:
        base = f"{slug(r.city)}-{r.plan_year or 'na'}"
        rid = base if base not in seen else f"{base}-{r.content_hash[:6]}"
        seen[rid] = 1
        out.append(replace(r, report_id=rid))
    return out


def dedupe(reports: list[Report]) -> tuple[list[Report], list[str]]:
    """Drop reports whose cleaned text is identical to one already kept; say which."""
    kept: dict[str, Report] = {}
    notes = []
    for r in reports:
        if r.content_hash in kept:
            notes.append(f"{r.source}: same report as {kept[r.content_hash].source} ({r.title}); skipped")
            continue
        kept[r.content_hash] = r
    return list(kept.values()), notes
