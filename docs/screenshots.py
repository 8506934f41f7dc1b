"""Take the README's screenshots (desktop, phone, dark) of a running `rag ui` with Debian's Chromium.

Run: rag ui --port 7860 &  then  .venv/bin/python docs/screenshots.py http://127.0.0.1:7860
(Chinese text needs a CJK font in the system: apt-get install fonts-noto-cjk.)
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

DOCS = Path(__file__).parent
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
SHOTS = [("screenshot_desktop.png", {"width": 1440, "height": 900}, "light"),
         ("screenshot_phone.png", {"width": 390, "height": 844}, "light"),
         ("screenshot_dark.png", {"width": 1440, "height": 900}, "dark")]


def ask(page, question: str) -> None:
    n = page.locator("#chat [data-testid=bot]").count()
    page.fill("#question textarea", question)
    page.click("#ask")
    page.wait_for_function("([q, n]) => document.querySelector('#searched').textContent.includes(q)"
                           " && document.querySelectorAll('#chat [data-testid=bot]').length > n",
                           arg=[question, n], timeout=300_000)


def main(url: str) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for name, viewport, scheme in SHOTS:
            page = browser.new_page(viewport=viewport, color_scheme=scheme)
            page.goto(url + ("/?__theme=dark" if scheme == "dark" else ""), wait_until="domcontentloaded")
            page.wait_for_selector("#question textarea", timeout=120_000)
            ask(page, "西宁2020年城镇新增就业目标是多少？")
            ask(page, "那海东呢？")
            page.locator("#chat a[href='#cite-0-1']").first.click()
            page.wait_for_selector("#panel mark", timeout=60_000)
            page.screenshot(path=str(DOCS / name))
            page.close()
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:7860")
