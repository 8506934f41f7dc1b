"""The Gradio chat UI: layout and pure handlers over the library's Assistant; no retrieval here.

Handlers are plain functions (``respond``, ``show_source``, ``record_feedback``…) so they can be
tested without a server; ``build_app`` wires them into a Blocks page and ``launch`` serves it.
Everything taken from reports or typed by a person is escaped before it is shown.
"""

from __future__ import annotations

import html
import json
import os
import re
import tempfile
import time
from pathlib import Path
from typing import Iterator

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402

from rag import PARTS, Assistant, RagError  # noqa: E402
from rag.validate import check_k, clean_text  # noqa: E402

EXAMPLES = ["海东2023年地区生产总值预期增长多少？", "What did Xining promise on air quality?",
            "海东2023年有哪些民生实事？", "济南和银川2023年的GDP增长目标分别是多少？",
            "How many new urban jobs did Haidong plan for 2023?", "那海东呢？"]
PART_LABELS = {"review": "回顾 review", "plan": "计划 plan", "government": "政府建设 government", "other": "其他 other"}
# Clicking a marker [n] in an answer selects source n (markers are links to #cite-n).
JS = """
() => {
  document.addEventListener('click', (e) => {
    const a = e.target.closest('a[href^="#cite-"]');
    if (!a) return;
    e.preventDefault();
    const n = a.getAttribute('href').slice(6);
    const inputs = document.querySelectorAll('#sources input[type=radio]');
    for (const input of inputs) {
      if (input.value.startsWith('[' + n + ']')) { input.click(); break; }
    }
  });
}
"""
CSS = """
#panel mark { background: #ffe58a; padding: 0 1px; }
#panel .ctx { white-space: pre-wrap; line-height: 1.7; }
#panel .meta { color: #555; font-size: 0.9em; }
"""


def _esc(text: str) -> str:
    return html.escape(text or "", quote=False)


def _markdown_answer(answer) -> str:
    """The answer for the chat: escaped text, markers as links that open the source panel."""
    text = _esc(answer.answer)
    text = re.sub(r"\[(\d+)\]", lambda m: f"[\\[{m.group(1)}\\]](#cite-{m.group(1)})", text)
    lines = text.split("\n")
    out = "  \n".join(lines)
    if answer.citations:
        out += "\n\n**来源 / Sources**\n" + "\n".join(
            f"{c.n}. 《{_esc(c.report)}》 {_esc(c.section)} — {PART_LABELS.get(c.part, c.part)}" for c in answer.citations)
    for note in answer.notes:
        out += f"\n\n> ⚠ {_esc(note)}"
    return out


def source_choices(answer) -> list[str]:
    return [f"[{c.n}] 《{c.report}》 {c.section} ({c.part})" for c in answer.citations]


def passage_html(assistant: Assistant, citation: dict) -> str:
    """The cited passage inside its surrounding text, the sentences the answer used highlighted."""
    view = assistant.passage(citation["chunk_id"], paragraphs=2)
    ctx, a = view.context, view.start_in_context
    marks = sorted((a + s, a + e) for s, e in citation.get("highlights", []))
    parts, pos = [], 0
    for s, e in marks:
        parts += [_esc(ctx[pos:s]), f"<mark>{_esc(ctx[s:e])}</mark>"]
        pos = e
    parts.append(_esc(ctx[pos:]))
    r = view.report
    meta = (f"《{_esc(r.title)}》 · {_esc(r.city)} · 回顾 reviews {r.reviewed_year} · 计划 plans {r.plan_year}"
            f"{' · ' + _esc(r.date) if r.date else ''}<br>{_esc(view.section)} · {PART_LABELS.get(view.part, view.part)}"
            f" · <code>{_esc(view.chunk_id)}</code>")
    return f"<div class='meta'>{meta}</div><hr><div class='ctx'>{''.join(parts)}</div>"


def process_markdown(answer) -> str:
    """How this was found: the searched question, filters, every retrieved passage with its scores."""
    f = answer.filters
    lines = [f"**检索问题 / Searched as:** {_esc(answer.searched_question or answer.question)}",
             f"**筛选 / Filters:** places={f.get('cities') or 'all'}, year={f.get('year')}, part={f.get('part')}, "
             f"prefer={f.get('prefer_part')}",
             "**耗时 / Timings (ms):** " + ", ".join(f"{k} {v:.0f}" for k, v in answer.timings_ms.items()), "",
             "| # | report | section | part | dense | lexical | fused |", "|---|---|---|---|---|---|---|"]
    for i, h in enumerate(answer.hits, 1):
        lines.append(f"| {i} | {_esc(h.report.city)} | {_esc(h.chunk.section[:40])} | {h.chunk.part} | "
                     f"{h.dense:.3f} (#{'-' if h.dense_rank is None else h.dense_rank + 1}) | "
                     f"{h.lexical:.2f} (#{'-' if h.lexical_rank is None else h.lexical_rank + 1}) | {h.score:.3f} |")
    return "\n".join(lines)


def copy_markdown(answer) -> str:
    out = answer.answer + "\n\n" + "\n".join(
        f"[{c.n}] 《{c.report}》 {c.section} ({c.part}): {c.text}" for c in answer.citations)
    return out


def filters_text(places, year, part, k) -> str:
    return (f"筛选 / Filters in force: places = {', '.join(places) if places else 'all / 全部'} · "
            f"year = {year or 'any'} · part = {part or 'any'} · passages = {int(k)}")


def respond(assistant: Assistant, message: str, history: list, state: dict, places=None, year=None, part=None,
            k=5, llm: bool = False) -> Iterator[tuple]:
    """Answer one chat message; yields (history, state, sources, panel, process, copy, searched) as it streams."""
    history = list(history or [])
    state = dict(state or {"searched": [], "answers": []})
    message = clean_text(message) if isinstance(message, str) else ""
    history.append({"role": "user", "content": _esc(message)})
    try:
        year_v = int(year) if year not in (None, "", "any") else None
        answer = assistant.ask(message, k=check_k(k), cities=list(places or []) or None, year=year_v,
                               part=part or None, history=state["searched"], llm=bool(llm))
    except Exception as exc:  # a RagError says what to do; anything else is still one line, never a traceback
        text = str(exc) if isinstance(exc, RagError) else f"internal error: {type(exc).__name__}: {exc}"
        history.append({"role": "assistant", "content": f"⚠ {_esc(text)}"})
        yield history, state, gr.update(choices=[], value=None), "", "", "", ""
        return
    full = _markdown_answer(answer)
    history.append({"role": "assistant", "content": ""})
    shown = ""
    for line in full.split("\n"):  # stream line by line
        shown += ("\n" if shown else "") + line
        history[-1] = {"role": "assistant", "content": shown}
        yield history, state, gr.update(), gr.update(), gr.update(), gr.update(), gr.update()
        time.sleep(0.02)
    state["searched"] = state["searched"] + [answer.searched_question or message]
    state["answers"] = state["answers"] + [answer.to_json()]
    searched = f"已回答 / Answered in {answer.timings_ms['total']:.0f} ms: {_esc(message)}"
    if answer.searched_question and answer.searched_question != message:
        searched += f"  \n检索问题 / Searched as: {_esc(answer.searched_question)}"
    yield (history, state, gr.update(choices=source_choices(answer), value=None), "", process_markdown(answer),
           copy_markdown(answer), searched)


def show_source(assistant: Assistant, choice: str | None, state: dict) -> str:
    if not choice or not state or not state.get("answers"):
        return ""
    n = int(re.match(r"\[(\d+)\]", choice).group(1))
    citation = next((c for c in state["answers"][-1]["citations"] if c["n"] == n), None)
    return passage_html(assistant, citation) if citation else ""


def record_feedback(assistant: Assistant, state: dict, liked: bool, index: int | None = None) -> str:
    """Append 👍/👎 with the question, answer and citations to the feedback JSONL file."""
    answers = (state or {}).get("answers") or []
    if not answers:
        return ""
    i = len(answers) - 1 if index is None else max(0, min(index // 2, len(answers) - 1))
    a = answers[i]
    path = Path(assistant.config.feedback_file)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"time": time.strftime("%Y-%m-%dT%H:%M:%S"), "vote": "up" if liked else "down",
                             "question": a["question"], "answer": a["answer"], "citations": a["citations"]},
                            ensure_ascii=False) + "\n")
    return "谢谢 / Thanks: feedback saved"


def reports_rows(assistant: Assistant) -> list[list]:
    return [[r.city, r.title, r.level, r.reviewed_year, r.plan_year, r.date or "", r.chunks, r.report_id]
            for r in assistant.reports()]


def report_sections(assistant: Assistant, report_id: str) -> list[str]:
    r = assistant.index.reports.get(report_id)
    return [" > ".join(s.path) for s in r.sections] if r else []


def section_text(assistant: Assistant, report_id: str, section: str) -> str:
    r = assistant.index.reports.get(report_id)
    if not r:
        return ""
    sec = next((s for s in r.sections if " > ".join(s.path) == section), None)
    text = r.text[sec.start:sec.end] if sec else r.text
    return f"<div class='ctx'>{_esc(text)}</div>"


def add_report(assistant: Assistant, files, progress=None) -> str:
    if not files:
        return "请选择文件 / Choose a file first"
    paths = [Path(f if isinstance(f, str) else f.name) for f in (files if isinstance(files, list) else [files])]
    try:
        stats = assistant.add_reports(paths, progress=(lambda label, done, total: progress((done, total), desc=label))
                                      if progress else None)
    except RagError as exc:
        return f"⚠ {_esc(str(exc))} (索引未改变 / the index is unchanged)"
    notes = "".join(f"<br>note: {_esc(n)}" for n in stats.notes)
    skipped = "".join(f"<br>⚠ 未加入 / skipped: {_esc(p)}" for p in stats.skipped)
    return (f"✅ 已加入 / Indexed: {stats.reports} reports, {stats.chunks} chunks (embedded {stats.embedded} new)"
            f"{skipped}{notes}")


def remove_report(assistant: Assistant, report_id: str | None, progress=None) -> str:
    """The Reports tab's remove button: the report leaves the index and the library."""
    if not report_id:
        return "请先选择报告 / Choose a report first"
    try:
        removal = assistant.remove_report(report_id, progress=(lambda label, done, total: progress(
            (done, total), desc=label)) if progress else None)
    except RagError as exc:
        return f"⚠ {_esc(str(exc))} (索引未改变 / the index is unchanged)"
    r = removal.report
    files = "".join(f"<br>已从资料库删除文件 / deleted its file from the library: {_esc(n)}" for n in removal.deleted_files)
    return f"🗑 已移除 / Removed: {_esc(r.report_id)} 《{_esc(r.title)}》 ({r.chunks} chunks){files}"


def api_ask(assistant: Assistant, question, k=5) -> dict:
    """The /ask HTTP endpoint: inputs checked here (text cleaned, k in 1–50), every error a message."""
    shown = clean_text(question) if isinstance(question, str) else None
    try:
        return assistant.ask(clean_text(question), k=check_k(k)).to_json()
    except RagError as exc:
        return {"question": shown, "error": str(exc)}
    except Exception as exc:  # never {"error": null}: the caller always learns what went wrong
        return {"question": shown, "error": f"internal error: {type(exc).__name__}: {exc}"}


def build_app(assistant: Assistant) -> gr.Blocks:
    places = sorted({r.city for r in assistant.reports()})
    years = sorted({y for r in assistant.reports() for y in (r.reviewed_year, r.plan_year) if y})
    with gr.Blocks(title="政府工作报告问答 · Government work report Q&A", analytics_enabled=False) as demo:
        state = gr.State({"searched": [], "answers": []})
        gr.Markdown("## 政府工作报告问答 / Government work report Q&A\n"
                    "每句回答都带编号引用，点击 [n] 查看原文 / Every answer sentence cites its passage: click [n] to check it.")
        with gr.Tabs():
            with gr.Tab("问答 / Ask"):
                with gr.Row():
                    with gr.Column(scale=3):
                        chat = gr.Chatbot(label="对话 / Chat", height=460, elem_id="chat", feedback_options=("Like", "Dislike"))
                        searched = gr.Markdown(elem_id="searched")
                        with gr.Row():
                            box = gr.Textbox(placeholder="用中文或英文提问 / Ask in Chinese or English", show_label=False,
                                             scale=5, elem_id="question")
                            send = gr.Button("提问 / Ask", variant="primary", scale=1, elem_id="ask")
                        gr.Examples(EXAMPLES, inputs=box, label="示例 / Examples")
                        with gr.Accordion("筛选 / Filters", open=False):
                            f_places = gr.Dropdown(places, multiselect=True, label="地区 / Places", elem_id="places")
                            f_year = gr.Dropdown(["any"] + [str(y) for y in years], value="any", label="年份 / Year")
                            f_part = gr.Dropdown([""] + list(PARTS), value="", label="部分 / Part")
                            f_k = gr.Slider(1, 10, value=5, step=1, label="段落数 / Passages")
                            llm_on = bool(assistant.config.llm_base_url and assistant.config.llm_model)
                            # a failing or slow endpoint falls back to the extractive answer with a note
                            f_llm = gr.Checkbox(value=llm_on, visible=llm_on,
                                                label=f"LLM 回答 / LLM answer ({assistant.config.llm_model})")
                        in_force = gr.Markdown(filters_text([], None, None, 5), elem_id="filters")
                        sources = gr.Radio([], label="来源 / Sources (click to open)", elem_id="sources")
                        with gr.Accordion("检索过程 / How this was found", open=False):
                            process = gr.Markdown(elem_id="process")
                        with gr.Accordion("复制为 Markdown / Copy as Markdown", open=False):
                            copy = gr.Code(language="markdown", label="Markdown")
                        thanks = gr.Markdown()
                    with gr.Column(scale=2):
                        gr.Markdown("### 原文 / Source passage")
                        panel = gr.HTML(elem_id="panel")
            with gr.Tab("报告 / Reports"):
                table = gr.Dataframe(reports_rows(assistant), headers=["地区 place", "标题 title", "级别 level",
                                     "回顾年 reviews", "计划年 plans", "日期 date", "chunks", "id"], interactive=False)
                with gr.Row():
                    pick = gr.Dropdown([r.report_id for r in assistant.reports()], label="报告 / Report",
                                       value=None, elem_id="pick")  # never a report chosen for the person
                    sec = gr.Dropdown([], label="章节 / Section")
                reader = gr.HTML(elem_id="reader")
                upload = gr.File(label="添加报告 / Add a report (.txt .md .pdf .docx .html)", file_count="multiple",
                                 file_types=[".txt", ".md", ".pdf", ".docx", ".html", ".htm"], elem_id="upload")
                with gr.Row():
                    add = gr.Button("加入索引 / Add to index", elem_id="add")
                    drop = gr.Button("移除所选报告 / Remove the chosen report", elem_id="remove", variant="stop")
                status = gr.HTML(elem_id="status")
            with gr.Tab("评测 / Evaluation"):
                e_split = gr.Dropdown(["all", "dev", "test"], value="test", label="题集 / Split")
                e_run = gr.Button("运行评测 / Run evaluation")
                e_table = gr.Markdown()
                e_chart = gr.Image(label="hit@k", type="filepath")

        def _respond(message, history, st, pl, yr, pt, k, use_llm):
            yield from respond(assistant, message, history, st, pl or [], yr, pt, k, use_llm)

        outs = [chat, state, sources, panel, process, copy, searched]
        for trigger in (box.submit, send.click):
            trigger(_respond, [box, chat, state, f_places, f_year, f_part, f_k, f_llm], outs).then(lambda: "", None, box)
        for comp in (f_places, f_year, f_part, f_k):
            comp.change(lambda p, y, t, k: filters_text(p, None if y == "any" else y, t, k),
                        [f_places, f_year, f_part, f_k], in_force)
        sources.change(lambda c, st: show_source(assistant, c, st), [sources, state], panel)

        def _like(st, data: gr.LikeData):
            return record_feedback(assistant, st, bool(data.liked), data.index if isinstance(data.index, int)
                                   else (data.index[0] if data.index else None))

        chat.like(_like, [state], thanks)
        pick.change(lambda rid: gr.update(choices=report_sections(assistant, rid), value=None), pick, sec)
        sec.change(lambda rid, s: section_text(assistant, rid, s), [pick, sec], reader)

        def _add(files, progress=gr.Progress()):
            msg = add_report(assistant, files, progress)
            new_places = sorted({r.city for r in assistant.reports()})
            return (msg, reports_rows(assistant), gr.update(choices=[r.report_id for r in assistant.reports()]),
                    gr.update(choices=new_places))

        add.click(_add, upload, [status, table, pick, f_places], concurrency_limit=1)

        def _remove(rid, progress=gr.Progress()):
            msg = remove_report(assistant, rid, progress)
            new_places = sorted({r.city for r in assistant.reports()})
            return (msg, reports_rows(assistant), gr.update(choices=[r.report_id for r in assistant.reports()],
                                                            value=None), gr.update(choices=new_places))

        drop.click(_remove, pick, [status, table, pick, f_places], concurrency_limit=1)

        def _eval(split, progress=gr.Progress()):
            try:
                from eval.runner import main as run_eval
            except ImportError:
                return "evaluation not available / 评测不可用", None
            out = Path(tempfile.mkdtemp(prefix="rag-eval-"))
            from eval.runner import DEFAULT_SET

            progress(0, desc="running / 运行中")
            run_eval(set_path=DEFAULT_SET, out=out, split=None if split == "all" else split, assistant=assistant)
            return (out / "report.md").read_text(encoding="utf-8"), str(out / "hit_at_k.png")

        e_run.click(_eval, e_split, [e_table, e_chart], concurrency_limit=1)

        def ask(question: str, k: int = 5) -> dict:
            """Same JSON as `rag ask --json`; a bad input or a failure is {"question", "error"} with a message."""
            return api_ask(assistant, question, k)

        gr.api(ask, api_name="ask")
    demo.queue(default_concurrency_limit=4)
    return demo


def theme():
    # system fonts only: the default theme would fetch web fonts, and nothing here may go online
    return gr.themes.Default(font=["system-ui", "PingFang SC", "Noto Sans CJK SC", "sans-serif"],
                             font_mono=["ui-monospace", "monospace"])


def launch(assistant: Assistant, host: str = "127.0.0.1", port: int = 7860, block: bool = True):
    assistant.search("预热 warm-up")  # first-question costs (tokenizer, jieba, torch kernels) paid before serving
    demo = build_app(assistant)
    demo.launch(server_name=host, server_port=port, share=False, inbrowser=False, prevent_thread_lock=not block,
                theme=theme(), css=CSS, js=JS, footer_links=[], quiet=not block)
    return demo
