"""Benchmark: cold start and in-process query latency (retrieve + extractive answer).

Run: RAG_INDEX_DIR=index .venv/bin/python benchmarks/bench_query.py   (prints figures; not a test)
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from rag import Assistant, Config

QUESTIONS = Path(__file__).parent.parent / "eval" / "questions.jsonl"


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main() -> None:
    t0 = time.perf_counter()
    assistant = Assistant.load(Config.from_env())
    _ = assistant.encoder.dim  # the model loads lazily: count it in the cold start
    print(f"cold start (model + index load): {time.perf_counter() - t0:.1f} s")
    questions = [json.loads(x)["question"] for x in QUESTIONS.read_text(encoding="utf-8").splitlines() if x.strip()]
    assistant.ask("预热 warm-up")
    timings = [assistant.ask(q).timings_ms for q in questions[:60]]
    for key in ("retrieve", "answer", "total"):
        vals = [t[key] for t in timings]
        print(
            f"{key:>8}: p50 {statistics.median(vals):6.1f} ms   p95 {pct(vals, 0.95):6.1f} ms   ({len(vals)} questions)"
        )


if __name__ == "__main__":
    main()
