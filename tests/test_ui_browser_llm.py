"""LLM tokens in the browser: with an OpenAI-compatible endpoint configured (a real local server
that holds its last piece back until the test lets it go), the first tokens are on the page while
the endpoint is still sending, and the checked, cited answer replaces them when it is complete.
Every wait is for something on the page or the server, never a fixed sleep.
Run alone: .venv/bin/python -m pytest -m browser
"""

from __future__ import annotations

import threading

import pytest
from test_llm import ScriptedLLM
from test_ui_browser import ARGS, CHROMIUM, Q_HAIDONG, _free_port

pytestmark = [pytest.mark.browser, pytest.mark.model, pytest.mark.llm]


def test_the_first_llm_tokens_show_before_the_endpoint_has_finished(assistant, tmp_path):
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (make browser)")
    from playwright.sync_api import sync_playwright

    from rag import Assistant
    from ui.app import launch

    llm = ScriptedLLM()
    config = assistant.config.with_(
        llm_base_url=llm.url, llm_model="test", llm_timeout=60.0, feedback_path=tmp_path / "feedback.jsonl"
    )
    a = Assistant(config, assistant.index, assistant.encoder)
    n = next(i for i, h in enumerate(a.search(Q_HAIDONG).hits, 1) if "5%左右" in h.chunk.text)
    llm.reply = f"海东市2023年地区生产总值预期增长5%左右[{n}]。"
    llm.gate = threading.Event()
    port = _free_port()
    demo = launch(a, port=port, block=False)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{port}", wait_until="domcontentloaded")
            page.wait_for_selector("#question textarea", timeout=60_000)
            page.fill("#question textarea", Q_HAIDONG)
            page.click("#ask")
            # the first pieces of the model's answer are on the page ...
            page.wait_for_function(
                "() => [...document.querySelectorAll('#chat [data-testid=bot]')]"
                ".some(m => m.textContent.includes('海东市2023'))",
                timeout=90_000,
            )
            # ... while the endpoint still holds its last piece back
            assert not llm.finished.is_set()
            shown = page.locator("#chat [data-testid=bot]").last.inner_text()
            assert "5%左右" not in shown and "来源" not in shown
            llm.gate.set()
            page.wait_for_function(
                "(q) => (document.querySelector('#searched') || {}).textContent?.includes(q)",
                arg=Q_HAIDONG,
                timeout=90_000,
            )
            final = page.locator("#chat [data-testid=bot]").last.inner_text()
            assert llm.finished.is_set() and "5%左右" in final and "来源" in final
            assert page.locator("#chat a[href='#cite-0-1']").count() >= 1
            browser.close()
    finally:
        llm.gate.set()
        demo.close()
        llm.close()
