"""Benchmark: everything a user waits for, measured in one run on this machine, with the baseline beside it.

Run: make bench   (or: python benchmarks/bench_all.py [--skip-cold] [--questions 60])

Prints the CPU (model, cores, the SIMD flags that decide int8/fp32 speed), numpy's fp32 matmul
GFLOP/s (this machine's practical compute limit), then, on the same eval questions interleaved one
by one so that a busy neighbour slows both alike: the project's retrieve and full answer time and the
LangChain EnsembleRetriever baseline's (eval/baselines.py, same embedding model and runtime), with
their ratio; the cold build of the bundled corpus (fresh embedding cache; the materialised model is
reused) with the share of the fp32 limit its forward passes reach; the warm build; peak RSS.
Last, the UI as a user starts it (benchmarks/bench_ui.py: a real `rag ui` process, --ui-runs times):
time to the first HTTP response, to the chat page, to the first answer, and an English answer after it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "eval" / "questions.jsonl"
SIMD = (
    "avx",
    "avx2",
    "fma",
    "f16c",
    "avx512f",
    "avx512bw",
    "avx512_vnni",
    "avx512_bf16",
    "avx_vnni",
    "amx_int8",
    "amx_bf16",
    "neon",
    "asimd",
    "sve",
)


def cpu() -> str:
    model, flags = platform.processor() or platform.machine(), set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name":
                model = value.strip()
            elif key.strip() in ("flags", "Features"):
                flags = set(value.split())
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{model}, {cores} cores, SIMD: {' '.join(f for f in SIMD if f in flags) or 'unknown'}"


def matmul_gflops(seconds: float = 3.0, n: int = 1024) -> float:
    """Best of a few rounds of an fp32 n x n matmul through numpy's BLAS, all cores."""
    a = np.random.default_rng(0).random((n, n), dtype=np.float32)
    best = 0.0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        t = time.perf_counter()
        a @ a
        best = max(best, 2 * n**3 / (time.perf_counter() - t) / 1e9)
    return best


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q * 100))


def peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def forward_gflop(encoder, texts: list[str]) -> float:
    """fp32-equivalent GFLOP of one forward pass over texts (matmuls and attention; e5-small)."""
    backend = encoder.backend
    tok = getattr(backend, "tokenizer", None)
    lengths = (
        [len(e.ids) for e in tok.encode_batch([encoder.passage_prefix + t for t in texts])]
        if tok
        else [len(x) for x in backend.tokenize([encoder.passage_prefix + t for t in texts])["input_ids"]]
    )
    hidden, layers, ffn = 384, 12, 1536
    per_token = 2 * layers * (4 * hidden * hidden + 2 * hidden * ffn)
    return sum(n * per_token + layers * 4 * n * n * hidden for n in lengths) / 1e9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=60)
    parser.add_argument("--skip-cold", action="store_true", help="skip the cold build (minutes)")
    parser.add_argument("--ui-runs", type=int, default=3, help="`rag ui` starts to time (0: skip)")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from eval.baselines import build_baselines
    from rag import Assistant, Config
    from rag.assistant import build_index

    rows: list[tuple[str, str]] = []
    rows.append(("machine", cpu()))
    gflops = matmul_gflops()
    rows.append(("fp32 matmul (numpy, 1024², all cores)", f"{gflops:.0f} GFLOP/s"))
    print(*rows, sep="\n", flush=True)

    config = Config.from_env()
    t = time.perf_counter()
    assistant = Assistant.load(config, build_if_missing=True)
    _ = assistant.encoder.dim
    rows.append(("start (index + model load, in process)", f"{time.perf_counter() - t:.1f} s"))
    rows.append(("embedding runtime", assistant.encoder.runtime_name))
    files = sorted(p for p in config.corpus[0].glob("*.txt"))
    baseline = build_baselines(assistant, files)["ensemble"]
    questions = [json.loads(x)["question"] for x in QUESTIONS.read_text(encoding="utf-8").splitlines() if x.strip()]
    questions = questions[: args.questions]
    assistant.ask("预热 warm-up")
    baseline.invoke("预热 warm-up")
    ours_retrieve, ours_total, theirs = [], [], []
    for q in questions:  # interleaved: both see the same moment's load
        t = time.perf_counter()
        baseline.invoke(q)
        theirs.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        answer = assistant.ask(q)
        ours_total.append((time.perf_counter() - t) * 1000)
        ours_retrieve.append(
            answer.timings_ms.get("retrieve", float("nan")) if hasattr(answer, "timings_ms") else float("nan")
        )
    b50, o50, r50 = statistics.median(theirs), statistics.median(ours_total), statistics.median(ours_retrieve)
    rows.append(("baseline query (EnsembleRetriever.invoke) p50 / p95", f"{b50:.1f} / {pct(theirs, 0.95):.1f} ms"))
    rows.append(
        (
            "project retrieve (Retriever.search) p50 / p95",
            f"{r50:.1f} / {pct(ours_retrieve, 0.95):.1f} ms (ratio to baseline p50: {r50 / b50:.2f})",
        )
    )
    rows.append(
        (
            "project full answer (Assistant.ask) p50 / p95",
            f"{o50:.1f} / {pct(ours_total, 0.95):.1f} ms (ratio to baseline p50: {o50 / b50:.2f})",
        )
    )
    print(*rows[-3:], sep="\n", flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        cold_cfg = config.with_(index_dir=Path(tmp) / "index", cache_dir=Path(tmp) / "cache")
        (Path(tmp) / "cache").mkdir()
        (Path(tmp) / "cache" / "models").symlink_to((config.cache_dir / "models").resolve())  # model reused
        if not args.skip_cold:
            _, s = build_index(cold_cfg, assistant.encoder, rebuild=True)
            from rag.chunking import embedding_text

            texts = [embedding_text(c, assistant.index.report_of(c).title) for c in assistant.index.chunks]
            work = forward_gflop(assistant.encoder, texts)
            rows.append(
                (
                    "cold build, bundled corpus (fresh embedding cache)",
                    f"{s.seconds:.1f} s, {s.chunks} chunks, {s.chunks / s.seconds:.1f} chunks/s; "
                    f"{work / s.seconds:.0f} GFLOP/s fp32-equivalent = {work / s.seconds / gflops:.0%} "
                    f"of the matmul figure above",
                )
            )
            print(rows[-1], flush=True)
        _, s = build_index(
            cold_cfg if not args.skip_cold else config.with_(index_dir=Path(tmp) / "index"),
            assistant.encoder,
            rebuild=True,
        )
        rows.append(("warm build (nothing new to embed)" if s.embedded == 0 else "build", f"{s.seconds:.1f} s"))
    rows.append(("peak RSS of this process", f"{peak_gb():.2f} GB"))
    if args.ui_runs > 0:
        import bench_ui  # benchmarks/ is this script's folder, on sys.path

        runs = [bench_ui.one_run(verbose=True)[:4] for _ in range(args.ui_runs)]
        response, page, first, english = (statistics.median(x) for x in zip(*runs, strict=True))
        rows.append(
            (
                f"UI (`rag ui`, median of {args.ui_runs} starts): first response / chat page / first answer",
                f"{response:.2f} / {page:.2f} / {first:.2f} s (an English answer after it: {english:.2f} s)",
            )
        )
    print("\n| measure | value |\n|---|---|")
    for k, v in rows:
        print(f"| {k} | {v} |")


if __name__ == "__main__":
    main()
