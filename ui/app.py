"""The Gradio page: layout, the little JavaScript that binds citation markers to their answer, and serving.

The handlers live in ``ui/handlers.py`` (plain functions, tested without a server) and the
Markdown/HTML they produce in ``ui/render.py``. ``serve`` is what ``rag ui`` runs: the page is
served first and the model and index load behind it (``ui/loader.py``), so the page answers in
seconds; the first question waits for the load with a visible "loading" message.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402

from .handlers import (
    add_report,
    api_ask,
    assistant_of,
    clear,
    read_section,
    record_feedback,  # noqa: E402
    remove_report,
    report_choices,
    reports_rows,
    respond,
    run_evaluation,
    section_choices,
    show_source,
    step_section,
)
from .loader import Loader  # noqa: E402
from .render import empty_panel_html, filters_text, no_paths  # noqa: E402

# Questions answered at once (events that name no limit of their own); Gradio's default is 1. Given through
# Gradio's documented environment variable, read when the Blocks is made: a second ``demo.queue(...)``
# after the build would rebuild the whole FastAPI app once more (~0.1 s of the startup).
CONCURRENCY = 4
PARTS = ("review", "plan", "government", "other")  # as rag.PARTS; not imported so the page needs no model code
# Each works as a first question on the bundled reports (tests/test_ui.py checks them on the fixture corpus)
EXAMPLES = [
    "海东2023年地区生产总值预期增长多少？",
    "What GDP growth target did Jinan set for 2023?",
    "西宁2020年城镇新增就业目标是多少？",
    "银川2023年地区生产总值增长目标是多少？",
    "How many new urban jobs did Xining plan for 2020?",
]
REPORT_HEADERS = [
    "地区 place",
    "标题 title",
    "级别 level",
    "回顾年 reviews",
    "计划年 plans",
    "日期 date",
    "chunks",
    "id",
]
# Only the page's own origin: a Markdown image or link that slipped through escaping still loads nothing.
CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval' blob:; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; media-src 'self' data: blob:; "
    "worker-src 'self' blob:; frame-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'"
)

# A question carried in the address (/?q=…, how the "starting…" page hands over the question asked on
# it): taken out of the address, so a reload does not ask it again, and asked as if typed.
ASK_FROM_URL = """
() => {
  const url = new URL(location.href);
  const q = (url.searchParams.get('q') || '').trim();
  if (q) {
    url.searchParams.delete('q');
    history.replaceState(null, '', url.pathname + url.search + url.hash);
  }
  return q;
}
"""

# A marker [n] of answer t is a link to #cite-t-n: clicking it puts "cite-t-n" in a hidden box and
# presses a hidden button, so the server opens that answer's citation (never the latest answer's).
# On a phone the source column is a drawer that slides over the bottom of the screen when opened.
JS = """
() => {
  document.documentElement.lang = 'zh-CN';  // the page speaks Chinese first; an English question switches it to 'en'
  let seq = 0;
  document.addEventListener('click', (e) => {
    const a = e.target.closest('a[href^="#cite-"]');
    if (a) {
      e.preventDefault();
      e.stopPropagation();
      const box = document.querySelector('#cite-key textarea, #cite-key input');
      box.value = a.getAttribute('href').slice(1) + '|' + (++seq);
      box.dispatchEvent(new Event('input', {bubbles: true}));
      document.querySelectorAll('a.cite-open').forEach((x) => x.classList.remove('cite-open'));
      a.classList.add('cite-open');
      document.getElementById('panel-col').classList.add('open');
      setTimeout(() => document.querySelector('#cite-go').click(), 0);
      return;
    }
    const t = e.target.closest('a[href^="#sec-"]');
    if (t) {  // a heading in the reader's section tree: open that section
      e.preventDefault();
      const box = document.querySelector('#sec-key textarea, #sec-key input');
      box.value = t.getAttribute('href').slice(5) + '|' + (++seq);
      box.dispatchEvent(new Event('input', {bubbles: true}));
      setTimeout(() => document.querySelector('#sec-go').click(), 0);
      return;
    }
    if (e.target.closest('.drawer-close')) document.getElementById('panel-col').classList.remove('open');
  }, true);
  // when a passage arrives, bring its first highlighted sentence into view inside the panel or drawer
  const panel = document.getElementById('panel');
  if (panel) new MutationObserver(() => {
    const m = panel.querySelector('mark'), col = document.getElementById('panel-col');
    // scroll the panel (or drawer) only, never the page: the marker the user clicked stays where it was
    // (from the top when the evidence fits below the passage's title and section, so they stay in view)
    if (!m || !col) return;
    const off = m.getBoundingClientRect().top - col.getBoundingClientRect().top + col.scrollTop;
    col.scrollTop = off + m.offsetHeight + 24 < col.clientHeight ? 0 : off - 48;
  }).observe(panel, {childList: true, subtree: true});
}
"""
CSS = """
.hidden-ctl { display: none !important; }
#panel mark, #reader mark { background: #ffe58a; color: #1a1a1a; padding: 0 1px; }
.dark #panel mark, .dark #reader mark { background: #7a5a00; color: #ffffff; }
#reader .reader { display: flex; gap: 16px; align-items: flex-start; }
#reader .toc { flex: 0 0 260px; max-height: 70vh; overflow-y: auto; font-size: 0.92em; }
#reader .toc ul { list-style: none; padding: 0; margin: 0; }
#reader .toc li { margin: 2px 0; } #reader .toc li.lv2 { padding-left: 1em; } #reader .toc li.lv3 { padding-left: 2em; }
#reader .toc li.lv4 { padding-left: 3em; } #reader .toc li.current a { font-weight: 700; }
#reader .body { flex: 1; min-width: 0; }
#panel .ctx, #reader .ctx { white-space: pre-wrap; line-height: 1.7; }
#panel .meta, #reader .meta { color: var(--body-text-color-subdued); font-size: 0.9em; }
#panel .hint { color: var(--body-text-color-subdued); padding: 1em 0; }
#panel .hint .en { font-size: 0.9em; }
.drawer-close { display: none; float: right; border: 1px solid var(--border-color-primary); border-radius: 6px;
                padding: 2px 10px; background: var(--background-fill-secondary); color: var(--body-text-color); }
/* a height-capped column that scrolls: no wrapping (a wrapping column flexbox would push the passage into a
   second, off-screen column) */
#panel-col { position: sticky; top: 8px; align-self: flex-start; max-height: calc(100vh - 16px); overflow-y: auto;
             flex-wrap: nowrap !important; }
#panel-col > * { flex-shrink: 0; }
#loading { padding: 6px 12px; border-radius: 6px; background: var(--background-fill-secondary); }
a.cite-open { outline: 2px solid var(--color-accent); border-radius: 3px; }
@media (max-width: 820px) {
  /* the chat grows with its answers instead of scrolling inside a fixed box */
  #chat, #chat .bubble-wrap, #chat > div { height: auto !important; max-height: none !important; }
  /* the passage opens as a drawer over the bottom of the screen, where the thumb that tapped is */
  #panel-col { position: fixed !important; left: 0; right: 0; bottom: 0; top: auto; max-height: 62vh; z-index: 1000;
               margin: 0 !important; padding: 10px 14px !important; background: var(--background-fill-primary);
               box-shadow: 0 -6px 24px rgba(0, 0, 0, .35); border-radius: 14px 14px 0 0; display: none !important; }
  #panel-col.open { display: flex !important; flex-direction: column !important; flex-wrap: nowrap !important; }
  #panel-col > * { width: 100% !important; min-width: 0 !important; }
  /* the close button stays at the top of the drawer however far its passage is scrolled */
  .drawer-close { display: block; position: sticky; top: 0; z-index: 2; float: none; margin-left: auto;
                  width: max-content; }
  #reader .reader { flex-direction: column; } #reader .toc { flex: none; max-height: 30vh; width: 100%; }
  /* every tab stays a visible button: they wrap instead of hiding behind an overflow menu */
  /* tighter tab buttons, measured the same way by Gradio's overflow logic, so all three fit a phone */
  .tab-wrapper .tab-container button { padding: 4px 7px !important; font-size: 14px !important; }
}
"""


def _choices_update(assistant):
    places = sorted({r.city for r in assistant.reports()})
    years = sorted({y for r in assistant.reports() for y in (r.reviewed_year, r.plan_year) if y})
    return places, ["any"] + [str(y) for y in years]


def build_app(source) -> gr.Blocks:
    """The page for an Assistant, or for a Loader still loading one (the lists fill in when it is ready)."""
    loader = source if isinstance(source, Loader) else Loader(source)
    ready = loader.ready
    a = loader.get() if ready else None
    places, years = _choices_update(a) if ready else ([], ["any"])
    reports = report_choices(a) if ready else []
    first = reports[0][1] if reports else None
    os.environ.setdefault("GRADIO_DEFAULT_CONCURRENCY_LIMIT", str(CONCURRENCY))
    with gr.Blocks(title="政府工作报告问答 · Government work report Q&A", analytics_enabled=False) as demo:
        state = gr.State({"searched": [], "turns": []})
        gr.Markdown(
            "## 政府工作报告问答 / Government work report Q&A\n"
            "每句回答都带编号引用，点击 [n] 查看原文 / Every answer sentence cites its passage: click [n] to check it."
        )
        loading = gr.Markdown(
            "⏳ 正在加载模型和索引… / Loading the model and index…", elem_id="loading", visible=not ready
        )
        with gr.Tabs():
            with gr.Tab("问答 / Ask", id="ask-tab"):
                with gr.Row():
                    with gr.Column(scale=3, min_width=300):
                        chat = gr.Chatbot(
                            label="对话 / Chat",
                            height=520,
                            elem_id="chat",
                            feedback_options=("Like", "Dislike"),
                            placeholder="用中文或英文提问，回答中的 [n] 可点开原文。<br>"
                            "Ask in Chinese or English; click [n] in an answer to read its source.",
                        )
                        searched = gr.Markdown(elem_id="searched")
                        with gr.Row():
                            box = gr.Textbox(
                                placeholder="用中文或英文提问 / Ask in Chinese or English",
                                show_label=False,
                                scale=5,
                                elem_id="question",
                            )
                            send = gr.Button("提问 / Ask", variant="primary", scale=1, elem_id="ask", min_width=80)
                            clear_btn = gr.Button("清空 / Clear", scale=1, elem_id="clear", min_width=80)
                        gr.Examples(EXAMPLES, inputs=box, label="示例 / Examples")
                        with gr.Accordion("筛选 / Filters", open=False):
                            f_places = gr.Dropdown(places, multiselect=True, label="地区 / Places", elem_id="places")
                            f_year = gr.Dropdown(years, value="any", label="年份 / Year", elem_id="year")
                            f_part = gr.Dropdown([""] + list(PARTS), value="", label="部分 / Part")
                            f_k = gr.Slider(1, 10, value=5, step=1, label="段落数 / Passages")
                            llm_on = bool(a is not None and a.config.llm_base_url and a.config.llm_model)
                            # a failing or slow endpoint falls back to the extractive answer with a note
                            f_llm = gr.Checkbox(
                                value=llm_on,
                                visible=llm_on,
                                label=f"LLM 回答 / LLM answer ({a.config.llm_model if a is not None else ''})",
                            )
                        in_force = gr.Markdown(filters_text([], None, None, 5), elem_id="filters")
                        with gr.Accordion("检索过程 / How this was found", open=False):
                            process = gr.Markdown(elem_id="process")
                        with gr.Accordion("复制为 Markdown / Copy as Markdown", open=False):
                            copy = gr.Code(language="markdown", label="Markdown")
                    with gr.Column(scale=2, min_width=280, elem_id="panel-col"):
                        gr.Markdown("### 原文 / Source passage")
                        panel = gr.HTML(empty_panel_html(), elem_id="panel")
                cite_key = gr.Textbox(elem_id="cite-key", elem_classes="hidden-ctl", show_label=False, container=False)
                cite_go = gr.Button("open", elem_id="cite-go", elem_classes="hidden-ctl")
                lang_box = gr.Textbox("", elem_id="lang", elem_classes="hidden-ctl", show_label=False, container=False)
                url_q = gr.Textbox(
                    "", elem_id="url-question", elem_classes="hidden-ctl", show_label=False, container=False
                )
            with gr.Tab("报告 / Reports", id="reports-tab"):
                table = gr.Dataframe(
                    reports_rows(a) if ready else [], headers=REPORT_HEADERS, interactive=False, elem_id="reports"
                )
                with gr.Row():
                    pick = gr.Dropdown(reports, value=first, label="报告 / Report", elem_id="pick", scale=3)
                    sec = gr.Dropdown(
                        section_choices(a, first) if ready else [],
                        value=None,
                        label="章节 / Section",
                        elem_id="section",
                        scale=3,
                    )
                    prev_btn = gr.Button("◀ 上一节 / Previous", elem_id="prev", scale=1, min_width=100)
                    next_btn = gr.Button("下一节 / Next ▶", elem_id="next", scale=1, min_width=100)
                sec_key = gr.Textbox(elem_id="sec-key", elem_classes="hidden-ctl", show_label=False, container=False)
                sec_go = gr.Button("open", elem_id="sec-go", elem_classes="hidden-ctl")
                reader = gr.HTML(read_section(a, first, None) if ready else "", elem_id="reader")
                upload = gr.File(
                    label="添加报告 / Add a report (.txt .md .pdf .docx .html)",
                    file_count="multiple",
                    file_types=[".txt", ".md", ".pdf", ".docx", ".html", ".htm"],
                    elem_id="upload",
                )
                with gr.Row():
                    add = gr.Button("加入索引 / Add to index", elem_id="add")
                    drop = gr.Button("移除所选报告 / Remove the chosen report", elem_id="remove", variant="stop")
                status = gr.HTML(elem_id="status")
            with gr.Tab("评测 / Evaluation", id="eval-tab"):
                e_split = gr.Dropdown(["heldout", "dev", "all"], value="heldout", label="题集 / Split")
                e_run = gr.Button("运行评测 / Run evaluation", elem_id="eval-run")
                e_table = gr.Markdown(elem_id="eval-report")
                e_chart = gr.Image(label="hit@k", type="filepath")

        # ---------------------------------------------------------- the background load
        timer = gr.Timer(1.0, active=not ready)

        def _poll():
            if not loader.ready and not loader.failed:
                return (
                    gr.update(
                        value="⏳ 正在加载模型和索引… / Loading the model and index… " + loader.status(), visible=True
                    ),
                    *([gr.skip()] * 7),
                )
            if loader.failed:
                return (
                    gr.update(value=f"⚠ {no_paths(loader.failed)}", visible=True),
                    gr.Timer(active=False),
                    *([gr.skip()] * 6),
                )
            a = loader.get()
            pl, yrs = _choices_update(a)
            reps = report_choices(a)
            rid = reps[0][1] if reps else None
            return (
                gr.update(visible=False),
                gr.Timer(active=False),
                gr.update(choices=pl),
                gr.update(choices=yrs),
                reports_rows(a),
                gr.update(choices=reps, value=rid),
                gr.update(choices=section_choices(a, rid), value=None),
                read_section(a, rid, None),
            )

        timer.tick(_poll, None, [loading, timer, f_places, f_year, table, pick, sec, reader], show_progress="hidden")

        # ---------------------------------------------------------- asking
        def _respond(message, history, st, pl, yr, pt, k, use_llm):
            yield from respond(loader, message, history, st, pl or [], yr, pt, k, use_llm)

        outs = [chat, state, process, copy, searched, lang_box]
        asked = [chat, state, f_places, f_year, f_part, f_k, f_llm]
        pending = gr.State("")  # the box empties as soon as a question is sent, so typing the next one is safe
        for trigger in (box.submit, send.click):
            trigger(lambda q: ("", q), box, [box, pending], queue=False).then(_respond, [pending, *asked], outs)

        def _respond_from_url(message, *rest):
            if not (message or "").strip():  # no question in the address: nothing to ask
                yield tuple(gr.skip() for _ in outs)
                return
            yield from _respond(message, *rest)

        demo.load(None, None, url_q, js=ASK_FROM_URL).then(_respond_from_url, [url_q, *asked], outs)
        for comp in (f_places, f_year, f_part, f_k):
            comp.change(
                lambda p, y, t, k: filters_text(p, None if y == "any" else y, t, k),
                [f_places, f_year, f_part, f_k],
                in_force,
            )
        cite_go.click(lambda key, st: show_source(loader, key, st), [cite_key, state], panel, show_progress="hidden")
        lang_box.change(
            None, lang_box, None, js="(l) => { document.documentElement.lang = l === 'en' ? 'en' : 'zh-CN'; }"
        )

        def _like(st, history, data: gr.LikeData):
            return record_feedback(loader, st, history, bool(data.liked), data.index)

        chat.like(_like, [state, chat], chat, show_progress="hidden")
        clear_outs = [chat, state, panel, process, copy, searched]
        clear_btn.click(lambda: clear(), None, clear_outs)
        chat.clear(lambda: clear(), None, clear_outs)

        # ---------------------------------------------------------- reports
        pick.change(
            lambda rid: (
                gr.update(choices=section_choices(assistant_of(loader), rid), value=None),
                read_section(assistant_of(loader), rid, None),
            ),
            pick,
            [sec, reader],
        )
        sec.input(lambda rid, i: read_section(assistant_of(loader), rid, i), [pick, sec], reader)
        for btn, delta in ((prev_btn, -1), (next_btn, 1)):
            btn.click(
                lambda rid, i, d=delta: (lambda j: (j, read_section(assistant_of(loader), rid, j)))(
                    step_section(assistant_of(loader), rid, i, d)
                ),
                [pick, sec],
                [sec, reader],
            )

        def _open_row(data: gr.SelectData):
            row = getattr(data, "row_value", None) or []
            rid = row[-1] if row else None
            return gr.update(value=rid) if rid else gr.skip()

        table.select(_open_row, None, pick)

        def _open_section(rid, key):
            i = int((key or "0").split("|")[0] or 0)
            return i, read_section(assistant_of(loader), rid, i)

        sec_go.click(_open_section, [pick, sec_key], [sec, reader], show_progress="hidden")

        def _add(files, progress=gr.Progress()):
            assistant = assistant_of(loader)
            msg = add_report(assistant, files, progress)
            pl, _ = _choices_update(assistant)
            return msg, reports_rows(assistant), gr.update(choices=report_choices(assistant)), gr.update(choices=pl)

        add.click(_add, upload, [status, table, pick, f_places], concurrency_limit=1)

        def _remove(rid, progress=gr.Progress()):
            assistant = assistant_of(loader)
            msg = remove_report(assistant, rid, progress)
            pl, _ = _choices_update(assistant)
            return (
                msg,
                reports_rows(assistant),
                gr.update(choices=report_choices(assistant), value=None),
                gr.update(choices=pl),
            )

        drop.click(_remove, pick, [status, table, pick, f_places], concurrency_limit=1)

        # ---------------------------------------------------------- evaluation
        def _eval(split, progress=gr.Progress()):
            out = Path(tempfile.mkdtemp(prefix="rag-eval-"))
            return run_evaluation(
                assistant_of(loader),
                split,
                out,
                lambda done, total: progress((done, total), desc="评测中 / evaluating", unit="questions"),
            )

        e_run.click(_eval, e_split, [e_table, e_chart], concurrency_limit=1)

        def ask(question: str, k: int = 5) -> dict:
            """Same JSON as `rag ask --json`; a bad input or a failure is {"question", "error"} with a message."""
            return api_ask(loader, question, k)

        gr.api(ask, api_name="ask")
    return demo


def theme():
    # system fonts only: the default theme would fetch web fonts, and nothing here may go online
    return gr.themes.Default(
        font=["system-ui", "PingFang SC", "Noto Sans CJK SC", "sans-serif"], font_mono=["ui-monospace", "monospace"]
    )


class _CSPMiddleware:
    """Adds the Content-Security-Policy header to every HTTP response."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_csp(message):
            if message["type"] == "http.response.start":
                message = {
                    **message,
                    "headers": [*message.get("headers", []), (b"content-security-policy", CSP.encode())],
                }
            await send(message)

        return await self.app(scope, receive, send_with_csp)


def launch(
    source, host: str = "127.0.0.1", port: int = 7860, block: bool = True, quiet: bool | None = None, before_bind=None
):
    """Serve the page for an Assistant or a Loader; with ``block=False`` return at once (tests).

    ``before_bind`` runs after the page is built and right before the port is taken (it closes the
    "starting…" placeholder)."""
    demo = build_app(source)
    if before_bind:
        before_bind()
    demo.launch(
        server_name=host,
        server_port=port,
        share=False,
        inbrowser=False,
        prevent_thread_lock=True,
        theme=theme(),
        css=CSS,
        js=JS,
        footer_links=[],
        quiet=(not block) if quiet is None else quiet,
        app_kwargs={"middleware": [Middleware(_CSPMiddleware)]},
    )
    if block:
        demo.block_thread()
    return demo


def serve(
    config, host: str = "127.0.0.1", port: int = 7860, verbose: bool = False, t0: float | None = None, placeholder=None
):
    """What `rag ui` runs: the page first, then the model and index in the background."""
    loader = Loader(t0=t0, verbose=verbose)
    loader.mark("import the page's code (gradio)")
    demo = launch(
        loader, host=host, port=port, block=False, quiet=True, before_bind=placeholder.close if placeholder else None
    )
    loader.mark(f"page served at http://{host}:{port}")
    print(f"Open http://{host}:{port} (Ctrl-C stops); the model and index are loading…", file=sys.stderr, flush=True)
    loader.start(lambda ld: load_assistant(config, ld), then=warm_up_english)
    demo.block_thread()
    return demo


# The warm-up questions: each runs one path of the ask (reading the question, the embedding model,
# retrieval, the answer chain) once, so that its one-time costs (the jieba and place dictionaries,
# the ONNX session, importing LangChain, the English glossary) are paid before a user's question is.
WARM_UP_CHINESE = EXAMPLES[0]
WARM_UP_ENGLISH = EXAMPLES[1]


def load_assistant(config, ld: Loader):
    """The loader's work: the index (built on the first run), then a Chinese question answered once.

    Only the Chinese path is warmed before "ready": the English glossary costs seconds more and a first
    Chinese question should not wait for it (``warm_up_english`` runs right after)."""
    from rag import Assistant  # heavy: numpy, faiss, jieba; the model itself loads on the warm-up below

    ld.mark("import rag")
    if not (config.index_dir / "manifest.json").exists():
        ld.progress("首次运行：正在建立内置报告的索引 / first run: building the index of the bundled reports")
        print(
            f"Building the index of the bundled reports at {config.index_dir} (first run only)…",
            file=sys.stderr,
            flush=True,
        )

    def progress(label, done, total):
        ld.progress(f"{label} {done}/{total}")

    assistant = Assistant.load(config, build_if_missing=True, progress=progress)
    ld.mark("load the index")
    ld.progress("预热模型 / warming up the model")
    assistant.ask(WARM_UP_CHINESE)  # the model, the Chinese question path and the answer chain
    ld.mark("load the model and warm up (ready to answer)")
    return assistant


def warm_up_english(ld: Loader, assistant) -> None:
    """After "ready": an English question once, so the first English question is quick too."""
    assistant.ask(WARM_UP_ENGLISH)
    ld.mark("warm up English questions (after ready)")
