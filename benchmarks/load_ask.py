"""Load: N concurrent clients × M questions through the /ask HTTP endpoint of a real `rag ui` server,
then N concurrent 👍/👎 writers (separate processes) appending to one feedback file.

Run: .venv/bin/python benchmarks/load_ask.py [--clients 8] [--questions 100]   (prints figures; not a test)
Uses the index at RAG_INDEX_DIR (default index/); the server runs on 127.0.0.1 and is stopped at the end.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "eval" / "questions.jsonl"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _client(url: str, questions: list[str], out: list, errors: list) -> None:
    from gradio_client import Client

    client = Client(url, verbose=False)
    for q in questions:
        t = time.perf_counter()
        try:
            answer = client.predict(q, 5, api_name="/ask")
        except Exception as exc:  # counted, not fatal: the figure is how many fail
            errors.append(f"{type(exc).__name__}: {exc}")
            continue
        out.append(time.perf_counter() - t)
        if "error" in answer or "answer" not in answer:
            errors.append(f"answer without a result: {str(answer)[:200]}")


def _feedback_writer(path: str, writer: int, n: int) -> None:
    from types import SimpleNamespace

    from ui.handlers import record_feedback

    fake = SimpleNamespace(config=SimpleNamespace(feedback_file=Path(path)))  # record_feedback only needs this
    history = [{"role": "user", "content": "问"}, {"role": "assistant", "content": "答"}]
    for i in range(n):
        state = {
            "turns": [
                {
                    "msg": 1,
                    "question": f"writer {writer} question {i} " + "长" * 200,
                    "answer": "答" * 500,
                    "citations": [{"n": 1, "chunk_id": f"x:{i}", "text": "段" * 300}],
                    "lang": "zh",
                }
            ]
        }
        record_feedback(fake, state, history, bool(i % 2), 1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--questions", type=int, default=100)
    args = ap.parse_args()
    pool = [json.loads(line)["question"] for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    port = _free_port()
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(
        [sys.executable, "-m", "rag.cli", "ui", "--port", str(port), "--quiet"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        t0 = time.perf_counter()
        while True:  # the "starting…" page answers first: wait for the chat page (and its API) itself
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if b'name="rag-placeholder"' not in r.read():
                        break
            except OSError:
                pass
            if server.poll() is not None:
                sys.exit(f"server exited: {server.stderr.read().decode()[-2000:]}")
            time.sleep(0.5)
        print(f"chat page up in {time.perf_counter() - t0:.1f}s")
        latencies: list[float] = []
        errors: list[str] = []
        threads = []
        t = time.perf_counter()
        for c in range(args.clients):
            qs = [pool[(c * 37 + i) % len(pool)] for i in range(args.questions)]
            th = threading.Thread(target=_client, args=(url, qs, latencies, errors))
            th.start()
            threads.append(th)
        for th in threads:
            th.join()
        wall = time.perf_counter() - t
        total = args.clients * args.questions
        lat = sorted(latencies)
        print(
            f"/ask: {len(latencies)}/{total} answered, {len(errors)} errors, wall {wall:.1f}s, "
            f"{len(latencies) / wall:.2f} answers/s, p50 {statistics.median(lat):.2f}s, "
            f"p95 {lat[int(0.95 * (len(lat) - 1))]:.2f}s, max {lat[-1]:.2f}s"
        )
        for e in errors[:5]:
            print("  error:", e)
    finally:
        server.terminate()
        server.wait(30)
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "feedback.jsonl")
        procs = [
            multiprocessing.Process(target=_feedback_writer, args=(path, w, args.questions))
            for w in range(args.clients)
        ]
        t = time.perf_counter()
        for p in procs:
            p.start()
        for p in procs:
            p.join()
        lines = Path(path).read_text(encoding="utf-8").splitlines()
        valid = 0
        for line in lines:
            try:
                valid += isinstance(json.loads(line), dict)
            except ValueError:
                pass
        print(
            f"feedback: {args.clients} writer processes × {args.questions} votes: {len(lines)} lines, "
            f"{valid} valid JSON objects, {time.perf_counter() - t:.1f}s"
        )


if __name__ == "__main__":
    main()
