"""A "starting…" page on the UI's port while Gradio itself is still importing (standard library only).

Importing Gradio takes several seconds on a small machine, more when it is busy; without this the
browser would get "connection refused" for that long. The placeholder answers at once, and its page
reloads itself when the real page has taken over the port (``close`` hands the port over).
"""

from __future__ import annotations

import http.server
import threading

PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="rag-placeholder" content="1">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>政府工作报告问答 · 启动中 starting</title>
<style>body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;max-width:40em;margin:4em auto;padding:0 1em;
color:#1f2937;background:#fff}@media (prefers-color-scheme: dark){body{color:#e5e7eb;background:#0b0f19}}</style>
</head><body><h2>政府工作报告问答 / Government work report Q&amp;A</h2>
<p role="status">⏳ 正在启动，页面马上就好… / Starting: the page is almost ready…</p>
<script>
(function poll() {
  fetch(location.href, {cache: 'no-store'}).then((r) => r.text())
    .then((t) => t.includes('name="rag-placeholder"') ? setTimeout(poll, 300) : location.reload())
    .catch(() => setTimeout(poll, 300));
})();
</script></body></html>
""".encode()


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 — any path: the page reloads to wherever the user was going
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'unsafe-inline' 'self'; style-src 'unsafe-inline'",
        )
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

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
