"""The chat UI in a real headless Chromium (Debian's), driven by Playwright, at desktop and phone
sizes and in dark mode. Every wait is for something on the page to appear, never a fixed sleep.

Run alone: .venv/bin/python -m pytest -m browser
"""

from __future__ import annotations

import http.server
import json
import socket
import threading
import urllib.request
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.model]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1400, "height": 1000}
PHONE = {"width": 390, "height": 844}
VIEWS = {"desktop": (DESKTOP, "light"), "phone": (PHONE, "light"), "dark": (DESKTOP, "dark")}
Q_HAIDONG = "海东2023年地区生产总值预期增长多少？"
Q_JINAN = "What GDP growth target did Jinan set for 2023?"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(assistant, tmp_path_factory):
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (make browser)")
    from rag import Assistant, build_index
    from ui.app import launch

    # a private copy of the index (the upload tests add reports) and a private feedback file
    folder = tmp_path_factory.mktemp("ui")
    config = assistant.config.with_(index_dir=folder / "index", feedback_path=folder / "feedback.jsonl")
    index, _ = build_index(config, assistant.encoder, rebuild=True)
    port = _free_port()
    demo = launch(Assistant(config, index, assistant.encoder), port=port, block=False)
    ARTIFACTS.mkdir(exist_ok=True)
    yield {"url": f"http://127.0.0.1:{port}", "feedback": config.feedback_file}
    demo.close()


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture
def open_page(browser, server):
    """open_page(view) → a fresh session at that viewport and colour scheme, ready for questions."""
    contexts = []

    def make(view: str = "desktop"):
        viewport, scheme = VIEWS[view]
        ctx = browser.new_context(viewport=viewport, color_scheme=scheme)
        contexts.append(ctx)
        pg = ctx.new_page()
        pg.outside = []  # every request the page makes that does not go to this machine
        pg.on(
            "request",
            lambda r: (
                None
                if r.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:"))
                else pg.outside.append(r.url)
            ),
        )
        pg.goto(server["url"] + ("/?__theme=dark" if scheme == "dark" else ""), wait_until="domcontentloaded")
        pg.wait_for_selector("#question textarea", timeout=60_000)
        return pg

    yield make
    for ctx in contexts:
        ctx.close()


def ask(page, question: str, expect: str | None = None) -> None:
    """Type a question and wait for its answer to finish (the status line names it, or `expect`, when done)."""
    n = page.locator("#chat [data-testid=bot]").count()
    page.fill("#question textarea", question)
    page.click("#ask")
    page.wait_for_function(
        "([q, n]) => (document.querySelector('#searched') || {}).textContent?.includes(q)"
        " && document.querySelectorAll('#chat [data-testid=bot]').length > n",
        arg=[expect or question, n],
        timeout=90_000,
    )


def bot_messages(page) -> list[str]:
    return page.locator("#chat [data-testid=bot]").all_inner_texts()


def open_citation(page, turn: int, n: int, which: str = "first") -> str:
    """Click marker [n] of answer `turn` (or its source-list item with which='last'); the passage it opened."""
    link = page.locator(f"#chat a[href='#cite-{turn}-{n}']")
    (link.first if which == "first" else link.last).click()
    page.wait_for_function(
        "(key) => document.querySelector(`#panel .passage[data-cite='${key}'] mark`)",
        arg=f"cite-{turn}-{n}",
        timeout=30_000,
    )
    return page.inner_text("#panel")


def contrast(page, selector: str) -> float:
    """WCAG contrast ratio of an element's text against its own background, as the browser computed them."""
    return page.evaluate(
        """(sel) => {
      const s = getComputedStyle(document.querySelector(sel));
      const rgb = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
      const lum = (c) => { const [r, g, b] = rgb(c).map((v) => { v /= 255;
        return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
      const [a, b] = [lum(s.color), lum(s.backgroundColor)].sort((x, y) => y - x);
      return (a + 0.05) / (b + 0.05);
    }""",
        selector,
    )


# ---------------------------------------------------------------- 1. citations bound to their answer


@pytest.mark.parametrize("view", ["desktop", "phone", "dark"])
def test_a_marker_in_an_earlier_answer_opens_that_answers_passage(open_page, view):
    page = open_page(view)
    assert "点击" in page.inner_text("#panel") or view == "phone"  # the empty panel explains itself
    ask(page, Q_HAIDONG)
    ask(page, Q_JINAN)
    first = open_citation(page, 0, 1)
    assert "海东" in first and "5%左右" in page.inner_text("#panel mark")
    if view == "phone":
        page.click("#panel .drawer-close")
        page.wait_for_selector("#panel-col", state="hidden")
    second = open_citation(page, 1, 1)
    assert "济南" in second and "5.5%" in page.inner_text("#panel mark")
    if view == "phone":
        page.click("#panel .drawer-close")
        page.wait_for_selector("#panel-col", state="hidden")
    again = open_citation(page, 0, 1, which="last")  # the first answer's source-list item
    assert "海东" in again
    page.screenshot(path=str(ARTIFACTS / f"ui_{view}.png"), full_page=view != "phone")


# ---------------------------------------------------------------- 2. what was searched


def test_a_place_filter_that_contradicts_the_question_is_announced(open_page):
    page = open_page("desktop")
    page.click("text=筛选 / Filters")
    page.click("#places input")
    page.keyboard.type("海东市")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.wait_for_function("document.querySelector('#filters').innerText.includes('海东市')", timeout=10_000)
    ask(page, "西宁2020年城镇新增就业目标是多少？")
    first_line = bot_messages(page)[-1].strip().split("\n")[0]
    assert "筛选为海东市" in first_line and "西宁市" in first_line


@pytest.mark.parametrize("view", ["phone"])
def test_a_follow_up_says_what_it_searched(open_page, view):
    page = open_page(view)
    ask(page, "西宁2020年城镇新增就业目标是多少？")
    ask(page, "那海东呢？")
    first_line = bot_messages(page)[-1].strip().split("\n")[0]
    assert "承接上一问" in first_line and "海东" in first_line


# ---------------------------------------------------------------- 3. phone layout


def test_on_a_phone_the_passage_opens_in_view_the_chat_grows_and_every_tab_is_reachable(open_page):
    page = open_page("phone")
    ask(page, "海东2023年有哪些民生实事？")
    chat = page.evaluate(
        "(() => { const c = document.querySelector('#chat');"
        " return [c.scrollHeight, c.clientHeight, c.getBoundingClientRect().height]; })()"
    )
    assert chat[0] <= chat[1] + 2  # no scrolling inside the chat box: it is as tall as its answers
    page.locator("#chat a[href^='#cite-0-']").first.click()
    # the highlighted evidence starts on screen, without scrolling the page to find it
    page.wait_for_function(
        "(() => { const m = document.querySelector('#panel mark'); if (!m) return false;"
        " const r = m.getBoundingClientRect(); return r.top >= 0 && r.top + 20 <= innerHeight"
        " && r.left >= 0 && r.right <= innerWidth; })()",
        timeout=30_000,
    )
    assert page.locator("#panel .drawer-close").is_visible()
    page.screenshot(path=str(ARTIFACTS / "ui_phone_drawer.png"))
    page.click("#panel .drawer-close")
    page.wait_for_selector("#panel-col", state="hidden")
    for name in ("报告 / Reports", "评测 / Evaluation", "问答 / Ask"):
        tab = page.get_by_role("tab", name=name)
        assert tab.is_visible()
        tab.click()
    page.get_by_role("tab", name="评测 / Evaluation").click()
    page.wait_for_selector("#eval-run", state="visible")


# ---------------------------------------------------------------- 4. dark mode, lang, hints


@pytest.mark.parametrize("view", ["desktop", "dark"])
def test_highlighted_evidence_is_readable_in_both_themes(open_page, view):
    page = open_page(view)
    assert page.evaluate("document.body.classList.contains('dark')") == (view == "dark")
    ask(page, Q_HAIDONG)
    open_citation(page, 0, 1)
    assert contrast(page, "#panel mark") >= 4.5


def test_the_page_language_follows_the_question(open_page):
    page = open_page("desktop")
    page.wait_for_function("document.documentElement.lang === 'zh-CN'", timeout=10_000)
    ask(page, Q_JINAN)
    page.wait_for_function("document.documentElement.lang === 'en'", timeout=10_000)
    assert "Sources" in bot_messages(page)[-1]


# ---------------------------------------------------------------- 5. feedback and clear


def test_feedback_after_an_error_is_recorded_against_the_right_question(open_page, server):
    page = open_page("desktop")
    ask(page, Q_HAIDONG)
    ask(page, "？？？")  # no words in it: an error message in the chat
    ask(page, Q_JINAN)
    assert bot_messages(page)[1].strip().startswith("⚠")
    path = Path(server["feedback"])
    before = len(path.read_text(encoding="utf-8").splitlines()) if path.exists() else 0
    page.locator("#chat button[aria-label='Like']").nth(2).click()  # 👍 on the Jinan answer
    page.wait_for_function(
        "document.querySelectorAll('#chat [data-testid=bot]')[2].innerText.includes('✓')", timeout=30_000
    )
    page.locator("#chat button[aria-label='Dislike']").nth(1).click()  # 👎 on the error
    page.wait_for_function(
        "document.querySelectorAll('#chat [data-testid=bot]')[1].innerText.includes('✓')", timeout=30_000
    )
    lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()[before:]]
    assert [(x["vote"], x["question"]) for x in lines] == [("up", Q_JINAN), ("down", "？？？")]
    # the confirmation sits in the message that was rated, not at the bottom of the page
    assert "✓" not in bot_messages(page)[0]


def test_clear_resets_sources_history_and_follow_up_context(open_page):
    page = open_page("desktop")
    ask(page, "西宁2020年城镇新增就业目标是多少？")
    open_citation(page, 0, 1)
    page.click("#clear")
    page.wait_for_function("document.querySelectorAll('#chat [data-testid=bot]').length === 0", timeout=30_000)
    page.wait_for_function("!document.querySelector('#panel mark')", timeout=30_000)
    assert "点击" in page.inner_text("#panel")
    ask(page, "那海东呢？")
    assert "承接上一问" not in bot_messages(page)[-1]


# ---------------------------------------------------------------- 6. the Reports tab


def test_the_reports_tab_shows_titles_opens_a_clicked_row_and_walks_sections(open_page):
    page = open_page("desktop")
    page.get_by_role("tab", name="报告 / Reports").click()
    page.wait_for_selector("#reader .reader", timeout=30_000)  # the report selected on load is open
    page.click("#pick input")
    options = page.locator("[role=option]").all_inner_texts()
    page.keyboard.press("Escape")
    assert options and all("报告" in o for o in options)  # titles, not ids like haidong-2023
    page.locator("#reports [role=row]").filter(has_text="海东市").first.locator("[role=gridcell]").nth(1).click()
    page.wait_for_function("document.querySelector('#reader .meta').innerText.includes('海东')", timeout=30_000)
    page.click("#next")
    page.wait_for_function("document.querySelector('#reader .meta').innerText.includes('第 1 /')", timeout=30_000)
    page.click("#next")
    page.wait_for_function("document.querySelector('#reader .meta').innerText.includes('第 2 /')", timeout=30_000)
    page.click("#prev")
    page.wait_for_function("document.querySelector('#reader .meta').innerText.includes('第 1 /')", timeout=30_000)
    page.locator("#reader .toc a").nth(3).click()  # a heading in the section tree jumps to it
    page.wait_for_function("document.querySelector('#reader .meta').innerText.includes('第 4 /')", timeout=30_000)
    assert "海东" in page.inner_text("#reader .meta")
    assert page.locator("#reader .toc li.current").inner_text() in page.inner_text("#reader .meta")


def test_uploads_are_answerable_and_say_honestly_what_happened(open_page, tmp_path):
    page = open_page("desktop")
    report = tmp_path / "2023年兰州市政府工作报告.txt"
    report.write_text(
        "2023年兰州市政府工作报告\n各位代表：\n一、2022年工作回顾\n兰州新建黄河风情线步道12公里。\n"
        "二、2023年工作安排\n兰州将新建口袋公园36个，建成牛肉面文化街区一条。\n",
        encoding="utf-8",
    )
    page.get_by_role("tab", name="报告 / Reports").click()
    page.set_input_files("#upload input[type=file]", str(report))
    page.click("#add")
    page.wait_for_function("document.querySelector('#status').innerText.includes('✅')", timeout=120_000)
    page.set_input_files("#upload input[type=file]", str(report))  # the same file again
    page.click("#add")
    page.wait_for_function("document.querySelector('#status').innerText.includes('↩')", timeout=120_000)
    assert "duplicate" in page.inner_text("#status") and "✅" not in page.inner_text("#status")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    page.set_input_files("#upload input[type=file]", str(empty))
    page.click("#add")
    page.wait_for_function("document.querySelector('#status').innerText.includes('❌')", timeout=120_000)
    status = page.inner_text("#status")
    assert "empty.txt" in status and "/tmp" not in status and str(tmp_path) not in status
    page.get_by_role("tab", name="问答 / Ask").click()
    ask(page, "兰州2023年要新建多少个口袋公园？")
    assert "36" in bot_messages(page)[-1]


# ---------------------------------------------------------------- issue 11: nothing fetched from user text


class _Counter(http.server.BaseHTTPRequestHandler):
    hits: list = []

    def do_GET(self):  # noqa: N802
        _Counter.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_markdown_images_in_questions_passages_and_uploads_fetch_nothing(open_page, tmp_path):
    httpd = http.server.HTTPServer(("127.0.0.1", 0), _Counter)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    img = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        page = open_page("desktop")
        report = tmp_path / "2023年兰州市政府工作报告.txt"
        report.write_text(
            f"2023年兰州市政府工作报告\n各位代表：\n一、2023年工作安排\n兰州将新建滑雪场3个![p]({img}/passage.png)"
            f"<img src='{img}/tag.png'>。\n",
            encoding="utf-8",
        )
        page.get_by_role("tab", name="报告 / Reports").click()
        page.set_input_files("#upload input[type=file]", str(report))
        page.click("#add")
        page.wait_for_function("document.querySelector('#status').innerText.includes('✅')", timeout=120_000)
        page.get_by_role("tab", name="问答 / Ask").click()
        ask(
            page,
            f"兰州2023年要新建多少个滑雪场？![q]({img}/question.png) <img src='{img}/q2.png'>",
            expect="兰州2023年要新建多少个滑雪场？",
        )
        assert "![q](" in page.inner_text("#chat")  # shown as the text it is
        open_citation(page, 0, 1)
        assert "滑雪场" in page.inner_text("#panel")
        page.evaluate(f"fetch('{img}/probe.png').catch(() => null)")  # the policy itself refuses other origins
        page.wait_for_function("document.querySelector('#searched').innerText.length > 0")
    finally:
        httpd.shutdown()
    assert _Counter.hits == []
    assert "default-src 'self'" in urllib.request.urlopen(page.url).headers["content-security-policy"]


# ---------------------------------------------------------------- the rest of the page


def test_an_english_question_gets_an_english_answer(open_page):
    page = open_page("desktop")
    ask(page, Q_JINAN)
    assert "government work report" in bot_messages(page)[-1]
    open_citation(page, 0, 1, which="last")


def test_the_named_api_endpoint_returns_the_cli_json(server):
    from gradio_client import Client

    data = Client(server["url"] + "/", verbose=False).predict(Q_HAIDONG, 3, api_name="/ask")
    assert set(data) >= {"question", "answer", "found", "filters", "citations", "timings_ms"}
    assert data["found"] and 1 <= len(data["citations"]) <= 3


def test_two_sessions_at_once_each_get_their_own_answer_and_history(open_page):
    a, b = open_page("desktop"), open_page("phone")
    qa, qb = "济南2023年地区生产总值增长目标是多少？", "What GDP growth did Yinchuan target for 2023?"
    a.fill("#question textarea", qa)
    b.fill("#question textarea", qb)
    a.click("#ask")
    b.click("#ask")
    for p, q in ((a, qa), (b, qb)):
        p.wait_for_function(
            "(q) => (document.querySelector('#searched') || {}).textContent?.includes(q)", arg=q, timeout=90_000
        )
    assert qa in a.inner_text("#chat") and qb not in a.inner_text("#chat")
    assert qb in b.inner_text("#chat") and qa not in b.inner_text("#chat")


def test_the_evaluation_progress_moves_while_it_runs(open_page):
    page = open_page("desktop")
    page.get_by_role("tab", name="评测 / Evaluation").click()
    page.click("#eval-run")
    # the progress bar shows questions answered so far, before the report arrives
    page.wait_for_function(
        "/[1-9]\\d*\\s*\\/\\s*\\d+/.test(document.body.innerText) &&"
        " !document.querySelector('#eval-report').innerText.includes('hit@')",
        timeout=300_000,
    )
    page.wait_for_function("document.querySelector('#eval-report').innerText.includes('hit@')", timeout=600_000)


def test_the_page_never_calls_out_to_the_internet(open_page):
    page = open_page("dark")
    ask(page, "西宁2020年城镇新增就业目标是多少？")
    open_citation(page, 0, 1)
    assert page.outside == []


# ---------------------------------------------------------------- 10. the "starting…" page


def test_a_question_asked_on_the_starting_page_is_answered_by_the_chat_page(browser, assistant):
    """`rag ui` serves a stdlib page while Gradio imports: a question asked there is carried (?q=) to the
    chat page, which asks it once, while the model is still loading, and then answers it."""
    from ui.app import launch
    from ui.loader import Loader
    from ui.placeholder import Placeholder

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    placeholder = Placeholder("127.0.0.1", port)
    ctx = browser.new_context(viewport=DESKTOP)
    demo = None
    try:
        page = ctx.new_page()
        page.goto(url + "/", wait_until="domcontentloaded")
        page.fill("#early-question", Q_HAIDONG)
        page.press("#early-question", "Enter")
        page.wait_for_selector("#queued", timeout=30_000)
        assert Q_HAIDONG in page.inner_text("#queued")

        release = threading.Event()  # the model and index are "loading" until the test says so
        loader = Loader().start(lambda ld: (release.wait(), assistant)[1])
        demo = launch(loader, port=port, block=False, before_bind=placeholder.close)
        page.wait_for_selector("#question textarea", timeout=120_000)  # the page reloaded itself
        page.wait_for_function(
            "document.querySelectorAll('#chat [data-testid=bot]').length === 1"
            " && document.querySelector('#chat [data-testid=bot]').innerText.includes('⏳')",
            timeout=60_000,
        )
        assert "q=" not in page.url  # a reload will not ask it again
        release.set()
        page.wait_for_function(
            "(document.querySelector('#searched') || {}).textContent?.includes('已回答')", timeout=90_000
        )
        assert page.locator("#chat [data-testid=user]").all_inner_texts() == [Q_HAIDONG]  # asked once
        assert len(bot_messages(page)) == 1 and "海东" in bot_messages(page)[0]
        assert page.locator("#chat a[href='#cite-0-1']").count() >= 1
    finally:
        ctx.close()
        if demo is not None:
            demo.close()
        else:
            placeholder.close()
