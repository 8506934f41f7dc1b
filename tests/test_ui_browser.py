"""The chat UI in a real headless Chromium (Debian's), driven by Playwright.

Run alone: .venv/bin/python -m pytest -m browser
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.model]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
        "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def page(assistant, tmp_path_factory):
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (make browser)")
    from playwright.sync_api import sync_playwright

    from rag import Assistant
    from ui.app import launch

    # a private copy of the index: the upload test adds a report to it
    config = assistant.config.with_(index_dir=tmp_path_factory.mktemp("ui") / "index")
    from rag import build_index

    index, _ = build_index(config, assistant.encoder, rebuild=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    demo = launch(Assistant(config, index, assistant.encoder), port=port, block=False)
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        pg = browser.new_page(viewport={"width": 1400, "height": 1000})
        pg.outside = []  # every request the page makes that does not go to this machine
        pg.on("request", lambda r: None if r.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:"))
              else pg.outside.append(r.url))
        pg.goto(f"http://127.0.0.1:{port}", wait_until="domcontentloaded")
        pg.wait_for_selector("#question textarea", timeout=60_000)
        pg.url_base = f"http://127.0.0.1:{port}"  # for the tests that open more sessions
        yield pg
        browser.close()
    demo.close()


def ask(page, question: str) -> None:
    """Type a question and wait for its answer to finish (the status line names it when done)."""
    page.fill("#question textarea", question)
    page.click("#ask")
    page.wait_for_function("(q) => (document.querySelector('#searched') || {}).textContent?.includes(q)",
                           arg=question, timeout=90_000)
    page.wait_for_selector("#sources input[type=radio]", timeout=30_000)


def test_a_chinese_question_shows_markers_and_sources_and_opens_the_passage(page):
    ask(page, "海东2023年地区生产总值预期增长多少？")
    assert "Sources" in page.inner_text("#chat")
    page.locator("#chat a[href='#cite-1']").last.click()
    page.wait_for_selector("#panel mark", timeout=30_000)
    assert "5%左右" in page.inner_text("#panel mark")
    page.screenshot(path=str(ARTIFACTS / "ui_zh.png"), full_page=True)


def test_an_english_question_gets_an_english_answer(page):
    ask(page, "What GDP growth target did Jinan set for 2023?")
    assert "government work report" in page.inner_text("#chat")
    page.locator("#sources input[type=radio]").first.click()
    page.wait_for_selector("#panel mark", timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "ui_en.png"), full_page=True)


def test_a_place_filter_restricts_the_next_answer(page):
    page.click("text=筛选 / Filters")
    page.click("#places input")
    page.keyboard.type("银川市")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.wait_for_function("document.querySelector('#filters').innerText.includes('银川市')", timeout=10_000)
    ask(page, "2023年地区生产总值增长目标是多少？")
    labels = [page.locator("#sources label").nth(i).inner_text() for i in range(page.locator("#sources label").count())]
    assert labels and all("银川市" in label for label in labels)


def test_an_uploaded_report_is_answerable_right_after(page, tmp_path):
    report = tmp_path / "2023年兰州市政府工作报告.txt"
    report.write_text("2023年兰州市政府工作报告\n各位代表：\n一、2022年工作回顾\n兰州新建黄河风情线步道12公里。\n"
                      "二、2023年工作安排\n兰州将新建口袋公园36个，建成牛肉面文化街区一条。\n", encoding="utf-8")
    page.get_by_role("tab", name="报告 / Reports").click()
    page.set_input_files("#upload input[type=file]", str(report))
    page.click("#add")
    page.wait_for_function("document.querySelector('#status').innerText.includes('Indexed')", timeout=120_000)
    page.get_by_role("tab", name="问答 / Ask").click()
    page.click("#places .token-remove", timeout=5_000) if page.locator("#places .token-remove").count() else None
    ask(page, "兰州2023年要新建多少个口袋公园？")
    assert "36" in page.inner_text("#chat")


def test_the_named_api_endpoint_returns_the_cli_json(page):
    from gradio_client import Client

    data = Client(page.url_base + "/", verbose=False).predict("海东2023年地区生产总值预期增长多少？", 3, api_name="/ask")
    assert set(data) >= {"question", "answer", "found", "filters", "citations", "timings_ms"}
    assert data["found"] and 1 <= len(data["citations"]) <= 3


def test_two_sessions_at_once_each_get_their_own_answer_and_history(page):
    context = page.context.browser.new_context()
    a, b = context.new_page(), context.new_page()
    for p in (a, b):
        p.goto(page.url_base, wait_until="domcontentloaded")
        p.wait_for_selector("#question textarea", timeout=60_000)
    qa, qb = "济南2023年地区生产总值增长目标是多少？", "What GDP growth did Yinchuan target for 2023?"
    a.fill("#question textarea", qa)
    b.fill("#question textarea", qb)
    a.click("#ask")
    b.click("#ask")
    for p, q in ((a, qa), (b, qb)):
        p.wait_for_function("(q) => (document.querySelector('#searched') || {}).textContent?.includes(q)",
                            arg=q, timeout=90_000)
    assert qa in a.inner_text("#chat") and qb not in a.inner_text("#chat")
    assert qb in b.inner_text("#chat") and qa not in b.inner_text("#chat")
    context.close()


def test_the_page_never_calls_out_to_the_internet(page):
    ask(page, "西宁2020年城镇新增就业目标是多少？")
    assert page.outside == []
