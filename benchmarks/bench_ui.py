"""Benchmark: how long a real `rag ui` process takes to serve its page and to give its first answer.

Starts `python -m rag.cli ui --port P --verbose` as a user would, then from the moment it was started:
  time-to-response      GET / first answers (the "starting…" placeholder while Gradio imports)
  time-to-page          GET / returns the app's own page (HTTP 200 with Gradio's HTML)
  time-to-first-answer  a question sent through the page's own API the moment the page is up has its answer
                        (it waits, like the first question in the browser, for the model and index to load)
  then English          an English question sent right after that answer: its answer, in seconds after the
                        first (the English glossary is warmed after "ready", so it may still be loading)
Repeats --runs times and prints each run and the medians; the process's own startup phases (--verbose)
are printed for the last run. Needs a built index (RAG_INDEX_DIR, default ./index). Not a test.

Run: PYTHONPATH=. .venv/bin/python benchmarks/bench_ui.py [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

QUESTION = "海东2023年地区生产总值预期增长多少？"
QUESTION_EN = "How many new urban jobs did Xining plan for 2020?"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_page(url: str, proc: subprocess.Popen, limit: float, marker: bytes = b"gradio") -> None:
    """Poll until GET url is a 200 whose body contains marker (b"" for any answer at all)."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise SystemExit(f"rag ui exited with {proc.returncode} before serving its page")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200 and marker in r.read(400_000).lower():
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise SystemExit(f"no page at {url} after {limit:.0f} s")


def first_answer(base: str, question: str) -> dict:
    """Ask through Gradio's HTTP API (/gradio_api/call/ask): the same endpoint scripts use."""
    req = urllib.request.Request(
        f"{base}/gradio_api/call/ask",
        data=json.dumps({"data": [question, 5]}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=30) as r:
        event = json.load(r)["event_id"]
    with urllib.request.urlopen(f"{base}/gradio_api/call/ask/{event}", timeout=900) as r:
        event_name = None
        for raw in r:
            line = raw.decode("utf-8").strip()
            if line.startswith("event:"):
                event_name = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and event_name in ("complete", "error"):
                data = json.loads(line.split(":", 1)[1])
                if event_name == "error":
                    raise SystemExit(f"the first question failed: {data}")
                return data[0]
    raise SystemExit("no answer came back")


def one_run(verbose: bool) -> tuple[float, float, float, float, str]:
    port = free_port()
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}
    t0 = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "rag.cli", "ui", "--port", str(port), "--verbose"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for_page(base + "/", proc, 120, marker=b"")
        response = time.monotonic() - t0
        wait_for_page(base + "/", proc, 300)
        page = time.monotonic() - t0
        answer = first_answer(base, QUESTION)
        first = time.monotonic() - t0
        if not answer.get("citations"):
            raise SystemExit(f"the first answer has no citations: {answer}")
        t = time.monotonic()
        if not first_answer(base, QUESTION_EN).get("citations"):
            raise SystemExit("the English answer has no citations")
        english = time.monotonic() - t
    finally:
        proc.terminate()
        try:
            out, _ = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
    return response, page, first, english, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    responses, pages, firsts, englishes, log = [], [], [], [], ""
    print(f"machine: {os.cpu_count()} CPUs, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} (before)")
    for i in range(args.runs):
        response, page, first, english, log = one_run(verbose=True)
        responses.append(response)
        pages.append(page)
        firsts.append(first)
        englishes.append(english)
        print(
            f"run {i + 1}: time-to-response {response:.2f} s, time-to-page {page:.2f} s, "
            f"time-to-first-answer {first:.2f} s, then English {english:.2f} s",
            flush=True,
        )
    print(
        f"median of {args.runs}: time-to-response {statistics.median(responses):.2f} s, time-to-page "
        f"{statistics.median(pages):.2f} s, time-to-first-answer {statistics.median(firsts):.2f} s, "
        f"then English {statistics.median(englishes):.2f} s"
    )
    print("startup phases of the last run (rag ui --verbose):")
    for line in log.splitlines():
        if line.startswith("[startup]"):
            print("  " + line)
    print(f"machine: {os.cpu_count()} CPUs, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} (after)")


if __name__ == "__main__":
    main()
