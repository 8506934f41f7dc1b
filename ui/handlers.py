"""The UI's event handlers as plain functions over an assistant (or a Loader of one) and session state.

They hold no retrieval logic and need no server, so tests call them directly. Session state is a
dict: ``turns`` keeps one record per assistant message (the answer JSON, or the error shown), with
the index of that message in the chat, so a citation marker or a 👍 always finds the answer it was
given on, however many answers follow. ``searched`` is the follow-up context.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from .render import (
    answer_markdown,
    copy_markdown,
    empty_panel_html,
    md,
    no_paths,
    passage_html,
    process_markdown,
    reader_html,
    section_label,
    tr,
)

_CITE = re.compile(r"#?cite-(\d+)-(\d+)$")


def new_state() -> dict:
    return {"searched": [], "turns": []}


def _is_loader(source) -> bool:
    return hasattr(source, "get") and hasattr(source, "ready")


def assistant_of(source, *, english: bool = False):
    """An Assistant from either an Assistant or a Loader (waiting for the background load; for an
    English question also for the English warm-up that follows it)."""
    return source.get(warmed=english) if _is_loader(source) else source


def _still_loading(source, english: bool) -> bool:
    """Whether a question would wait for the loader: the load, or for English the warm-up after it."""
    return _is_loader(source) and (not source.ready or (english and not source.warmed))


def language_of(text: str) -> str:
    """'en' for a question with no Chinese characters in it, else 'zh' (the page's lang follows it)."""
    cjk = len(re.findall(r"[\u4e00-\u9fff]", text or ""))
    latin = len(re.findall(r"[A-Za-z]", text or ""))
    return "zh" if cjk and cjk * 3 >= latin * 0.5 else "en"


# ---------------------------------------------------------------- asking


def respond(
    source, message: str, history: list, state: dict | None, places=None, year=None, part=None, k=5, llm: bool = False
) -> Iterator[tuple]:
    """Answer one chat message.

    Yields (history, state, process, copy, searched, lang) as the answer streams. While the model is
    still loading, the first yield shows a "loading" message in the chat and the answer follows when
    it is ready.
    """
    history = list(history or [])
    state = {"searched": list((state or {}).get("searched", [])), "turns": list((state or {}).get("turns", []))}
    lang = language_of(message)
    history.append({"role": "user", "content": md(message)})
    skip = (gr.skip(), gr.skip())  # process and copy stay as they are until the answer is complete
    if _still_loading(source, lang == "en"):
        history.append(
            {
                "role": "assistant",
                "content": "⏳ "
                + (
                    tr(lang, "正在准备英文检索，完成后立即回答…", "Preparing English search; your answer follows…")
                    if source.ready
                    else tr(
                        lang,
                        "正在加载模型和索引，加载完成后立即回答…",
                        "Loading the model and index; your answer follows…",
                    )
                ),
            }
        )
        yield (history, state, *skip, tr(lang, "⏳ 加载中…", "⏳ loading…"), lang)
        history.pop()
    placeholder = False
    try:
        from rag import check_k, clean_text  # rag loads behind the page (ui/loader.py), not when the page imports

        message = clean_text(message) if isinstance(message, str) else ""
        assistant = assistant_of(source, english=lang == "en")
        year_v = int(year) if year not in (None, "", "any") else None
        stream = assistant.ask_stream(
            message,
            k=check_k(k),
            cities=list(places or []) or None,
            year=year_v,
            part=part or None,
            history=state["searched"],
            llm=bool(llm),
        )
        history.append({"role": "assistant", "content": ""})
        placeholder = True
        answer, written = None, ""
        for piece in stream:  # the model's tokens are shown as they arrive; the checked answer replaces them
            if isinstance(piece, str):
                if llm:
                    written += piece
                    history[-1] = {"role": "assistant", "content": md(written) + " ▍"}
                    yield (history, state, *skip, gr.skip(), lang)
            else:
                answer = piece
        history.pop()
        assert answer is not None, "the stream ends with its Answer"
    except Exception as exc:  # a RagError says what to do; anything else is still one line, never a traceback
        from rag import RagError  # rag loads behind the page (ui/loader.py), not when the page imports

        if placeholder:
            history.pop()  # the half-written answer goes; the error takes its place
        text = str(exc) if isinstance(exc, RagError) else f"internal error: {type(exc).__name__}: {exc}"
        history.append({"role": "assistant", "content": f"⚠ {md(no_paths(text))}"})
        state["turns"].append(
            {"msg": len(history) - 1, "question": message, "error": text, "lang": lang, "citations": []}
        )
        yield history, state, "", "", tr(lang, f"出错 / Error: {md(message)}", f"Error: {md(message)}"), lang
        return
    record = {
        **answer.to_json(),
        "lang": getattr(answer, "lang", lang) or lang,
        "searched_question": answer.searched_question or message,
        "msg": len(history),
    }
    turn = len(state["turns"])
    history.append({"role": "assistant", "content": answer_markdown(record, turn)})
    state["searched"] = state["searched"] + [answer.searched_question or message]
    state["turns"] = state["turns"] + [record]
    total = answer.timings_ms.get("total", 0.0)
    searched = tr(
        record["lang"], f"已回答（{total:.0f} 毫秒）：{md(message)}", f"Answered in {total:.0f} ms: {md(message)}"
    )
    if answer.searched_question and answer.searched_question != message:
        searched += "  \n" + tr(record["lang"], "检索问题：", "Searched as: ") + md(answer.searched_question)
    yield history, state, process_markdown(answer), copy_markdown(record), searched, record["lang"]


def show_source(source, key: str | None, state: dict | None) -> str:
    """The passage of citation n of answer t ("cite-t-n"): each answer keeps its own citations."""
    m = _CITE.search((key or "").split("|")[0].strip())
    turns = (state or {}).get("turns") or []
    if not m or int(m.group(1)) >= len(turns):
        return empty_panel_html()
    t, n = int(m.group(1)), int(m.group(2))
    turn = turns[t]
    citation = next((c for c in turn.get("citations") or [] if c["n"] == n), None)
    if citation is None:
        return empty_panel_html(turn.get("lang", "zh"))
    view = assistant_of(source).passage(citation["chunk_id"], paragraphs=2)
    return passage_html(view, {**citation, "key": f"cite-{t}-{n}"}, turn.get("lang", "zh"))


def clear(lang: str = "zh") -> tuple:
    """A fresh conversation: no messages, no sources, no follow-up context.

    Returns (chat, state, panel, process, copy, searched)."""
    return [], new_state(), empty_panel_html(lang), "", "", ""


# ---------------------------------------------------------------- feedback

_ACK = re.compile(r"\n\n\*[✓✔] [^\n]*\*$")


def _text(content) -> str:
    """A message's Markdown: the chat hands messages back with their content as a list of parts."""
    if isinstance(content, list):
        return "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)
    return content if isinstance(content, str) else ""


def record_feedback(source, state: dict | None, history: list | None, liked: bool, index: Any) -> list:
    """Append 👍/👎 for the message at ``index`` (the chat's message index) to the feedback JSONL file.

    Returns the chat with a confirmation under that message, next to the buttons it was given with.
    Feedback on an error message is recorded with the question that caused it.
    """
    history = list(history or [])
    if isinstance(index, (list, tuple)):
        index = index[0] if index else None
    turns = (state or {}).get("turns") or []
    turn = next((t for t in turns if t.get("msg") == index), None)
    if turn is None or index is None or index >= len(history):
        return history
    assistant = assistant_of(source)
    path = Path(assistant.config.feedback_file)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "vote": "up" if liked else "down",
        "question": turn.get("question"),
        "answer": turn.get("answer") or "",
        "message_index": index,
        "citations": turn.get("citations") or [],
    }
    if turn.get("error"):
        line["error"] = turn["error"]
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(line, ensure_ascii=False) + "\n")
    lang = turn.get("lang", "zh")
    msg = dict(history[index])
    ack = tr(lang, f"✓ 已记录{'👍' if liked else '👎'}，谢谢", f"✓ {'👍' if liked else '👎'} saved, thank you")
    msg["content"] = _ACK.sub("", _text(msg.get("content"))) + f"\n\n*{ack}*"
    history[index] = msg
    return history


# ---------------------------------------------------------------- reports


def reports_rows(assistant) -> list[list]:
    return [
        [r.city, r.title, r.level, r.reviewed_year, r.plan_year, r.date or "", r.chunks, r.report_id]
        for r in assistant.reports()
    ]


def report_choices(assistant) -> list[tuple[str, str]]:
    """The picker shows titles (with the place when a title alone is ambiguous); the value is the id."""
    return [
        (f"{r.title}（{r.city}）" if r.city and r.city not in r.title else r.title, r.report_id)
        for r in assistant.reports()
    ]


def section_choices(assistant, report_id: str | None) -> list[tuple[str, int]]:
    r = assistant.index.reports.get(report_id) if report_id else None
    return [(section_label(s.path), i) for i, s in enumerate(r.sections)] if r else []


def read_section(assistant, report_id: str | None, i: int | None, lang: str = "zh") -> str:
    r = assistant.index.reports.get(report_id) if report_id else None
    if r is None:
        return ""
    i = None if i is None or not r.sections else max(0, min(int(i), len(r.sections) - 1))
    return reader_html(r, r.sections, i, lang)


def step_section(assistant, report_id: str | None, i: int | None, delta: int) -> int | None:
    """The previous/next section's index (stays at the ends)."""
    r = assistant.index.reports.get(report_id) if report_id else None
    if r is None or not r.sections:
        return None
    start = -1 if i is None and delta > 0 else (0 if i is None else int(i))
    return max(0, min(start + delta, len(r.sections) - 1))


def add_report(assistant, files, progress: Callable | None = None) -> str:
    """Index uploaded files one by one and say, for each, what happened: indexed, skipped as a
    duplicate, or rejected and why. Messages name files, never the server's paths."""
    from rag import RagError  # rag loads behind the page (ui/loader.py), not when the page imports

    if not files:
        return "请选择文件 / Choose a file first"
    paths = [
        Path(f if isinstance(f, str) else getattr(f, "name", str(f)))
        for f in (files if isinstance(files, list) else [files])
    ]
    lines = []
    for p in paths:
        before = {r.report_id for r in assistant.reports()}
        try:
            stats = assistant.add_reports(
                [p], progress=(lambda label, done, total: progress((done, total), desc=label)) if progress else None
            )
        except RagError as exc:
            lines.append(
                f"❌ {md(p.name)}: 未加入 / rejected — {md(no_paths(str(exc)))}（索引未改变 / the index is unchanged）"
            )
            continue
        added = [r for r in assistant.reports() if r.report_id not in before]
        notes = "".join(f"<br>　note: {md(no_paths(n))}" for n in stats.notes)
        if added:
            names = "、".join(f"《{md(r.title)}》 ({r.chunks} chunks)" for r in added)
            lines.append(f"✅ {md(p.name)}: 已加入索引 / indexed {names}{notes}")
        else:
            lines.append(
                f"↩ {md(p.name)}: 已跳过，与已索引的报告重复 / skipped as a duplicate of an indexed report{notes}"
            )
    return "<br>".join(lines)


def remove_report(assistant, report_id: str | None, progress: Callable | None = None) -> str:
    """The Reports tab's remove button: the report leaves the index and the library, and the message
    says which report and which library file went."""
    from rag import RagError  # rag loads behind the page (ui/loader.py), not when the page imports

    if not report_id:
        return "请先选择报告 / Choose a report first"
    try:
        removal = assistant.remove_report(
            report_id, progress=(lambda label, done, total: progress((done, total), desc=label)) if progress else None
        )
    except RagError as exc:
        return f"⚠ {md(no_paths(str(exc)))}（索引未改变 / the index is unchanged）"
    r = removal.report
    files = "".join(
        f"<br>已从资料库删除文件 / deleted its file from the library: {md(n)}" for n in removal.deleted_files
    )
    return f"🗑 已移除 / Removed: {md(r.report_id)} 《{md(r.title)}》 ({r.chunks} chunks){files}"


def api_ask(source, question, k=5) -> dict:
    """The /ask HTTP endpoint: inputs checked here (text cleaned, k in 1–50), every error a message."""
    from rag import RagError, check_k, clean_text  # rag loads behind the page (ui/loader.py), not when the page imports

    shown = clean_text(question) if isinstance(question, str) else None
    try:
        question = clean_text(question)
        return assistant_of(source, english=language_of(question) == "en").ask(question, k=check_k(k)).to_json()
    except RagError as exc:
        return {"question": shown, "error": str(exc)}
    except Exception as exc:  # never {"error": null}: the caller always learns what went wrong
        return {"question": shown, "error": f"internal error: {type(exc).__name__}: {exc}"}


# ---------------------------------------------------------------- evaluation


class _Counting:
    """The assistant, counting answered questions so the evaluation's progress bar moves."""

    def __init__(self, assistant, total: int, report: Callable[[int, int], None]):
        self._assistant, self._total, self._report, self._done = assistant, total, report, 0

    def __getattr__(self, name):
        return getattr(self._assistant, name)

    def ask(self, *args, **kwargs):
        answer = self._assistant.ask(*args, **kwargs)
        self._done += 1
        self._report(self._done, self._total)
        return answer


def run_evaluation(
    assistant, split: str, out: Path, report: Callable[[int, int], None], set_path: Path | None = None
) -> tuple[str, str | None]:
    """Run the question set (the shipped one by default) on the loaded index, reporting (done, total)
    after each question so the page's progress bar moves."""
    try:
        from eval.runner import load_questions  # the evaluation package, only for this tab
        from eval.runner import main as run_eval
    except ImportError:
        return "evaluation not available / 评测不可用", None
    # by default both shipped sets (dev and the frozen held-out set), filtered by the chosen split
    split_v = None if split == "all" else split
    total = len(load_questions(set_path, split_v))
    report(0, total)
    run_eval(set_path=set_path, out=out, split=split_v, assistant=_Counting(assistant, total, report))
    chart = out / "hit_at_k.png"
    return (out / "report.md").read_text(encoding="utf-8"), (str(chart) if chart.exists() else None)
