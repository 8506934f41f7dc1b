"""Turning answers, passages and reports into the Markdown/HTML the page shows; pure functions.

Everything taken from a report, an upload or a question is escaped here, for HTML *and* Markdown:
a Markdown image in a question or a passage would otherwise make the browser fetch its URL.
Answers are plain JSON dicts (``Answer.to_json()`` plus a little UI state), so these functions work
the same on the answer just given and on one stored in the session.
"""

from __future__ import annotations

import html
import re

PART_LABELS = {"review": "回顾 review", "plan": "计划 plan", "government": "政府建设 government", "other": "其他 other"}
# Markdown punctuation that could start an image, link, emphasis, code, heading, table or maths
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()!|~$#>])")
_PATH = re.compile(r"(?:[A-Za-z]:)?(?:[\\/][^\\/\s'\"<>:;，。、]+){2,}[\\/]?")


def tr(lang: str, zh: str, en: str) -> str:
    """The user's language: Chinese questions get Chinese text, English ones English."""
    return en if lang == "en" else zh


def esc(text: str | None) -> str:
    """Escape for HTML (the panel, the reader)."""
    return html.escape(text or "", quote=True)


def md(text: str | None) -> str:
    """Escape for Markdown: no tag, image, link or emphasis from user or report text survives."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text or "", quote=False))


def no_paths(text: str) -> str:
    """Reduce server paths in a message to their file name (an upload's temp folder is nobody's business)."""
    return _PATH.sub(lambda m: re.split(r"[\\/]", m.group(0).rstrip("/\\"))[-1], text)


def cite_href(turn: int, n: int) -> str:
    return f"#cite-{turn}-{n}"


def search_note(answer: dict) -> str:
    """One line saying what was searched when a filter or a follow-up changed the place or year; else ''."""
    lang = answer.get("lang", "zh")
    f = answer.get("filters") or {}
    read = f.get("read_from_question") or {}
    explicit = f.get("explicit") or []
    used = list(f.get("cities") or [])
    parts: list[str] = []
    ignored = [p for p in read.get("places") or [] if p not in used]
    if "cities" in explicit and ignored:
        parts.append(
            tr(
                lang,
                f"筛选为{'、'.join(used)}；问题中的{'、'.join(ignored)}未用于检索",
                f"filtered to {', '.join(used)}; {', '.join(ignored)} named in the question was not searched",
            )
        )
    q_year, f_year = read.get("year"), f.get("year")
    if "year" in explicit and q_year and f_year and q_year != f_year:
        parts.append(
            tr(
                lang,
                f"筛选年份为{f_year}年；问题中的{q_year}年未用于检索",
                f"filtered to {f_year}; the year {q_year} in the question was not searched",
            )
        )
    searched = answer.get("searched_question")
    if searched and searched != answer.get("question"):
        where = "、".join(used) if used else ""
        scope = tr(
            lang,
            f"（{where}{f' {f_year}年' if f_year else ''}）" if where or f_year else "",
            f" ({', '.join(used)}{f' {f_year}' if f_year else ''})" if used or f_year else "",
        )
        parts.append(
            tr(lang, f"承接上一问，检索的是“{searched}”{scope}", f"read as a follow-up: searched “{searched}”{scope}")
        )
    if parts and f_year:
        other = sorted(
            {c.get("report", "") for c in answer.get("citations") or [] if c.get("year") and c.get("year") != f_year}
        )
        if other:
            parts.append(
                tr(lang, f"引用的是{'、'.join(f'《{t}》' for t in other)}", f"the cited report is {', '.join(other)}")
            )
    if not parts:
        return ""
    return tr(lang, "检索说明：", "Searched: ") + tr(lang, "；", "; ").join(parts)


def answer_markdown(answer: dict, turn: int) -> str:
    """The chat message: the search note, the escaped answer with markers that open this answer's sources."""
    lang = answer.get("lang", "zh")
    text = md(answer.get("answer", ""))
    text = re.sub(r"\\\[(\d+)\\\]", lambda m: f"[\\[{m.group(1)}\\]]({cite_href(turn, int(m.group(1)))})", text)
    out = "  \n".join(text.split("\n"))
    note = search_note(answer)
    if note:
        out = f"*{md(note)}*\n\n" + out
    citations = answer.get("citations") or []
    if citations:
        out += (
            "\n\n**"
            + tr(lang, "来源", "Sources")
            + "**\n"
            + "\n".join(
                f"{c['n']}. [《{md(c.get('report'))}》 {md(c.get('section'))} — "
                f"{PART_LABELS.get(c.get('part'), md(c.get('part')))}]"
                f"({cite_href(turn, c['n'])})"
                for c in citations
            )
        )
    for note in answer.get("notes") or []:
        out += f"\n\n> ⚠ {md(note)}"
    return out


def passage_html(view, citation: dict, lang: str = "zh") -> str:
    """The cited passage inside its surrounding text, the sentences the answer used highlighted."""
    ctx, a = view.context, view.start_in_context
    marks = sorted((a + s, a + e) for s, e in citation.get("highlights", []))
    parts, pos = [], 0
    for s, e in marks:
        if s < pos:
            continue
        parts += [esc(ctx[pos:s]), f"<mark>{esc(ctx[s:e])}</mark>"]
        pos = e
    parts.append(esc(ctx[pos:]))
    r = view.report
    years = tr(
        lang, f"回顾 {r.reviewed_year} 年 · 部署 {r.plan_year} 年", f"reviews {r.reviewed_year} · plans {r.plan_year}"
    )
    meta = (
        f"<b>[{int(citation.get('n', 0))}] 《{esc(r.title)}》</b> · {esc(r.city)} · {years}"
        f"{' · ' + esc(r.date) if r.date else ''}<br>{esc(view.section)} · {PART_LABELS.get(view.part, esc(view.part))}"
        f" · <code>{esc(view.chunk_id)}</code>"
    )
    close = tr(lang, "关闭", "Close")
    return (
        f"<div class='passage' data-cite='{esc(citation.get('key', ''))}'>"
        f"<button type='button' class='drawer-close' aria-label='{close}'>✕ {close}</button>"
        f"<div class='meta'>{meta}</div><hr><div class='ctx'>{''.join(parts)}</div></div>"
    )


def empty_panel_html(lang: str = "zh") -> str:
    """What the source panel says before any marker is clicked."""
    return (
        "<div class='hint'>"
        + tr(
            lang,
            "点击回答中的 [n] 或来源列表中的一项，这里会显示原文段落，回答用到的句子会高亮。",
            "Click a marker [n] in an answer or an item of its source list: the passage "
            "opens here with the sentences the answer used highlighted.",
        )
        + (
            ""
            if lang == "en"
            else "<br><span class='en'>Click a marker [n] in an answer to see its passage here.</span>"
        )
        + "</div>"
    )


def process_markdown(answer) -> str:
    """How this was found: the searched question, filters, every retrieved passage with its scores."""
    f = answer.filters
    lines = [
        f"**检索问题 / Searched as:** {md(answer.searched_question or answer.question)}",
        f"**筛选 / Filters:** places={md(', '.join(f.get('cities') or []) or 'all')}, year={f.get('year')}, "
        f"part={f.get('part')}, prefer={f.get('prefer_part')}",
        "**耗时 / Timings (ms):** " + ", ".join(f"{k} {v:.0f}" for k, v in answer.timings_ms.items()),
        "",
        "| # | report | section | part | dense | lexical | fused |",
        "|---|---|---|---|---|---|---|",
    ]
    for i, h in enumerate(answer.hits, 1):
        lines.append(
            f"| {i} | {md(h.report.city)} | {md(h.chunk.section[:40])} | {h.chunk.part} | "
            f"{h.dense:.3f} (#{'-' if h.dense_rank is None else h.dense_rank + 1}) | "
            f"{h.lexical:.2f} (#{'-' if h.lexical_rank is None else h.lexical_rank + 1}) | {h.score:.3f} |"
        )
    return "\n".join(lines)


def copy_markdown(answer: dict) -> str:
    """The answer and its sources as plain Markdown for pasting elsewhere (shown in a code box, not rendered)."""
    return (
        answer.get("answer", "")
        + "\n\n"
        + "\n".join(
            f"[{c['n']}] 《{c.get('report')}》 {c.get('section')} ({c.get('part')}): {c.get('text')}"
            for c in answer.get("citations") or []
        )
    )


def filters_text(places, year, part, k) -> str:
    return (
        f"筛选 / Filters in force: places = {md(', '.join(places)) if places else 'all / 全部'} · "
        f"year = {md(str(year or 'any'))} · part = {md(part or 'any')} · passages = {int(k)}"
    )


def section_label(path: tuple[str, ...] | list[str]) -> str:
    """A section in the reader's tree: indented by depth, its own heading only."""
    return "\u3000" * (len(path) - 1) + (path[-1] if path else "")


def reader_html(report, sections: list, i: int | None, lang: str = "zh") -> str:
    """A report's section tree (each heading a link that opens it) beside one section's text
    (or the report's opening when ``i`` is None)."""
    if report is None:
        return ""
    if i is None or not sections:
        end = sections[0].start if sections else len(report.text)
        crumbs, body = esc(report.title), report.text[:end] or report.text[:2000]
        pos = tr(lang, f"开头 · 共 {len(sections)} 节", f"opening · {len(sections)} sections")
    else:
        s = sections[i]
        crumbs = esc(report.title) + " › " + " › ".join(esc(p) for p in s.path)
        body = report.text[s.start : s.end]
        pos = tr(lang, f"第 {i + 1} / {len(sections)} 节", f"section {i + 1} of {len(sections)}")
    toc = "".join(
        f"<li class='lv{min(len(x.path), 4)}{' current' if j == i else ''}'>"
        f"<a href='#sec-{j}'>{esc(x.path[-1] if x.path else x.heading)}</a></li>"
        for j, x in enumerate(sections)
    )
    return (
        f"<div class='reader'><nav class='toc' aria-label='{tr(lang, '目录', 'Sections')}'><ul>{toc}</ul></nav>"
        f"<div class='body'><div class='meta'>{crumbs} · {pos}</div><hr>"
        f"<div class='ctx'>{esc(body)}</div></div></div>"
    )
