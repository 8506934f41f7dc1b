"""Section-aware chunks: a chunk never leaves its section (so never its report), and is cut at
sentence ends, never inside a number.

Each chunk keeps character offsets into its report's cleaned text and the offsets of its
sentences, so a citation can be shown in context and the sentences an answer used highlighted.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace

from .ingest import Report, Section
from .manifest import CHUNKER_VERSION as CHUNKER_VERSION  # defined beside the cheap index check: bump it there

# A sentence ends at 。！？； (and ASCII forms), with any closing quote or bracket kept with it.
_SENT_END = re.compile(r"[。！？；!?;]+[”’」』）)]*|[…]{2,}[”’」』]*")


@dataclass(frozen=True)
class Chunk:
    """One retrievable passage of one report."""

    chunk_id: str
    report_id: str
    text: str
    start: int
    end: int
    section_path: tuple[str, ...]
    part: str
    sentences: tuple[tuple[int, int], ...]  # offsets into the report text

    @property
    def section(self) -> str:
        return " > ".join(self.section_path)


def split_sentences(text: str, base: int = 0) -> list[tuple[int, int]]:
    """Sentence spans (start, end) of ``text``, shifted by ``base``; whitespace-only spans dropped."""
    spans = []
    pos = 0
    for m in _SENT_END.finditer(text):
        if text[pos : m.end()].strip():
            spans.append((base + pos, base + m.end()))
        pos = m.end()
    if text[pos:].strip():
        spans.append((base + pos, base + len(text)))
    return spans


def _leaf_spans(report: Report) -> list[tuple[int, int, Section]]:
    """Cut the report into runs of text each owned by its deepest section."""
    bounds = sorted({0, len(report.text)} | {s.start for s in report.sections} | {s.end for s in report.sections})
    runs = []
    for a, b in zip(bounds, bounds[1:], strict=False):
        if not report.text[a:b].strip():
            continue
        sec = report.section_at(a)
        if sec is None:
            sec = Section("前言", 1, a, b, ("前言",), "other")
        runs.append((a, b, sec))
    return runs


def chunk_report(report: Report, size: int = 320, max_size: int = 480, overlap: int = 80) -> list[Chunk]:
    """Split one report into chunks of about ``size`` characters (hard cap ``max_size``).

    Sentences are packed greedily within a section. When a cut falls inside a paragraph, the next
    chunk repeats the last sentence before the cut if it is at most ``overlap`` characters, so a
    sentence that leans on its predecessor ("这一目标…") keeps its context.
    """
    text = report.text
    chunks: list[Chunk] = []
    carry: list[tuple[int, int, bool]] = []
    runs = _leaf_spans(report)
    for n, (a, b, sec) in enumerate(runs):
        sents: list[tuple[int, int, bool]] = list(carry)  # (start, end, starts_paragraph)
        carry = []
        para_start = a
        for para in text[a:b].split("\n"):
            for i, (s, e) in enumerate(split_sentences(para, para_start)):
                # strip leading spaces inside the span
                while s < e and text[s].isspace():
                    s += 1
                for piece in _cap(s, e, max_size):
                    sents.append((piece[0], piece[1], i == 0 and piece[0] == s))
            para_start += len(para) + 1
        if not sents:
            continue
        # a short lead-in ("建议今年…主要预期目标：") before its first sub-section goes with that sub-section
        nxt = runs[n + 1][2] if n + 1 < len(runs) else None
        if (
            nxt is not None
            and nxt.path[: len(sec.path)] == sec.path
            and len(nxt.path) > len(sec.path)
            and sents[-1][1] - sents[0][0] < 80
        ):
            carry = sents
            continue
        # a section that is only its heading adds nothing the section path does not say
        if len(sents) == 1 and text[sents[0][0] : sents[0][1]].strip().rstrip("：:") == sec.heading:
            continue
        group: list[tuple[int, int, bool]] = []
        for sent in sents:
            length = sent[1] - group[0][0] if group else 0
            heading_only = len(group) == 1 and text[group[0][0] : group[0][1]].strip() == sec.heading
            # a heading stays with the text after it, unless together they would pass the hard cap
            if group and (length > max_size or (length > size and not heading_only)):
                chunks.append(_make(report, sec, group))
                prev = group[-1]
                cut_inside_paragraph = not sent[2]
                group = [prev] if cut_inside_paragraph and prev[1] - prev[0] <= overlap else []
            group.append(sent)
        if (
            group
            and nxt is not None
            and nxt.path[: len(sec.path)] == sec.path
            and len(nxt.path) > len(sec.path)
            and group[-1][1] - group[0][0] < 80
            and chunks
            and chunks[-1].section_path == sec.path
        ):
            carry = [g for g in group if g[0] >= chunks[-1].end]
            group = []
        if group:
            # a tiny tail joins the previous chunk of the same section when that stays under the cap
            if (
                chunks
                and chunks[-1].report_id == report.report_id
                and chunks[-1].section_path == sec.path
                and group[-1][1] - group[0][0] < size // 4
                and group[-1][1] - chunks[-1].start <= max_size
            ):
                last = chunks.pop()
                merged = [(s, e, False) for s, e in last.sentences] + [g for g in group if g[0] >= last.end]
                chunks.append(_make(report, sec, merged))
            else:
                chunks.append(_make(report, sec, group))
    return _unique_ids(chunks)


def _cap(start: int, end: int, max_size: int) -> list[tuple[int, int]]:
    """Split an over-long sentence at commas so no chunk exceeds the cap."""
    if end - start <= max_size:
        return [(start, end)]
    return [(s, min(s + max_size, end)) for s in range(start, end, max_size)]


def _make(report: Report, sec: Section, group: list[tuple[int, int, bool]]) -> Chunk:
    start, end = group[0][0], group[-1][1]
    text = report.text[start:end]
    digest = hashlib.sha1(f"{report.report_id}\x1f{text}".encode()).hexdigest()[:12]
    return Chunk(
        chunk_id=f"{report.report_id}:{digest}",
        report_id=report.report_id,
        text=text,
        start=start,
        end=end,
        section_path=sec.path,
        part=sec.part,
        sentences=tuple((s, e) for s, e, _ in group),
    )


def _unique_ids(chunks: list[Chunk]) -> list[Chunk]:
    seen: dict[str, int] = {}
    out = []
    for c in chunks:
        n = seen.get(c.chunk_id, 0)
        seen[c.chunk_id] = n + 1
        out.append(c if n == 0 else replace(c, chunk_id=f"{c.chunk_id}-{n + 1}"))
    return out


def embedding_text(chunk: Chunk, title: str) -> str:
    """What gets embedded: the passage alone often never names its city, so prefix title and section."""
    return f"{title}｜{chunk.section}\n{chunk.text}"
