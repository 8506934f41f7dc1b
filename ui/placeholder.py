"""A "starting…" page on the UI's port while Gradio itself is still importing (standard library only).

Importing Gradio takes several seconds on a small machine, more when it is busy; without this the
browser would get "connection refused" for that long. The placeholder answers at once and already
takes a question: the form sends it back as ``/?q=…``, the page says it will be asked, and when the
chat page has taken over the port (``close`` hands it over) the page reloads to the same address,
where the chat page asks ``q`` as if it had been typed there (``ui/app.py``, ``ASK_FROM_URL``).
"""

from __future__ import annotations

import html
import http.server
import threading
from urllib.parse import parse_qs, urlsplit

QUESTION_PARAM = "q"  # the chat page reads the same name

_HEAD = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="rag-placeholder" content="1">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>政府工作报告问答 · 启动中 starting</title>
<style>body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;max-width:40em;margin:4em auto;padding:0 1em;
color:#1f2937;background:#fff}@media (prefers-color-scheme: dark){body{color:#e5e7eb;background:#0b0f19}
input{color:#e5e7eb;background:#1f2937}}form{display:flex;gap:.5em}input{flex:1;font-size:1em;padding:.5em}
button{font-size:1em;padding:.5em 1em}</style>
</head><body><h2>政府工作报告问答 / Government work report Q&amp;A</h2>
<p role="status" id="starting">⏳ 正在启动，页面马上就好… / Starting: the page is almost ready…</p>
"""
_FORM = """<form method="get" action="/" id="ask-early">
<input name="q" id="early-question" autofocus aria-label="问题 / Question"
 placeholder="现在就可以提问 / You can ask already">
<button type="submit">提问 / Ask</button></form>
"""
_QUEUED = """<p id="queued">已收到，页面就绪后立即提问 / Asked as soon as the page is ready:
<strong>{question}</strong></p>
"""
_TAIL = """<script>
(function poll() {
  fetch(location.href, {cache: 'no-store'}).then((r) => r.text())
    .then((t) => t.includes('name="rag-placeholder"') ? setTimeout(poll, 300) : location.reload())
    .catch(() => setTimeout(poll, 300));
})();
</script></body></html>
"""


def page(question: str = "") -> bytes:
    """The placeholder page; with a question, it says the question is queued for the chat page."""
    question = question.strip()
    body = _HEAD
    if question:
        body += _QUEUED.format(question=html.escape(question))
    else:
        body += _FORM
    return (body + _TAIL).encode()


def question_of(path: str) -> str:
    """The question a request's ``?q=`` carries ("" for none)."""
    values = parse_qs(urlsplit(path).query).get(QUESTION_PARAM) or [""]
    return values[0]


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 — any path: the page reloads to wherever the user was going
        body = page(question_of(self.path))
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'unsafe-inline' 'self'; style-src 'unsafe-inline'; form-action 'self'",
        )
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class _Server(http.server.ThreadingHTTPServer):
    allow_reuse_address = True  # Gradio binds the same port right after close()
    daemon_threads = True


class Placeholder:
    """Serves the "starting…" page on host:port until ``close``; raises OSError if the port is taken."""

    def __init__(self, host: str, port: int):
        self.httpd = _Server((host, port), _Handler)
        threading.Thread(target=self.httpd.serve_forever, name="rag-placeholder", daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
