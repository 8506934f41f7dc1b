"""Benchmark: the index and the query path at 10k, 100k and 1M chunks (synthetic, from the real corpus).

Run (after `rag index`, whose index it samples):
    python benchmarks/bench_scale.py                      # 10k, 100k, 1M; table + benchmarks/scale.png
    python benchmarks/bench_scale.py --sizes 10000 100000 # a subset

How the synthetic indexes are made: chunk texts, sections, parts and BM25 term counts are sampled with
replacement from the real index's chunks; each sampled chunk gets a unique id and one of N/65 synthetic
reports (the real corpus has ~65 chunks a report), which take the place names and years of the real
reports in turn, so the place/year filters of real questions select realistic shares of rows. Vectors
are generated rather than embedded: the sampled chunk's real vector plus Gaussian noise (cosine ~0.9 to
it), renormalised, so they keep the real collection's cluster structure (IVF's recall on uniform random
vectors says nothing about real data). Tokenising N new texts (jieba) is not in the BM25 build time:
it is linear in N and reported separately as the measured per-chunk cost times N.

Each size runs in its own process (peak memory is that process's max RSS). Queries are the first 60
eval questions through the product's own Retriever.search, question embedding (ONNX int8) included.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "eval" / "questions.jsonl"
CHUNKS_PER_REPORT = 65


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q * 100))


def one(n: int, save: bool) -> dict:
    """Build and query one synthetic index of n chunks; returns the measurements."""
    from scipy import sparse

    from rag.config import Config
    from rag.encoder import Encoder
    from rag.index import Index, dense_index, top_k
    from rag.lexical import BM25
    from rag.pipeline import lexical_text
    from rag.retriever import Retriever

    config = Config.from_env()
    real = Index.load(config.index_dir)
    encoder = Encoder(config.model, config.cache_dir, runtime=config.runtime)
    rng = np.random.default_rng(42)

    # real per-chunk term counts (and what tokenising costs per chunk)
    t = time.perf_counter()
    docs = [real.tokenizer.terms(lexical_text(c, real.report_of(c))) for c in real.chunks]
    tokenize_s_per_chunk = (time.perf_counter() - t) / len(docs)
    real_bm25 = BM25.build(docs)
    vocab = real_bm25.vocab
    from collections import Counter

    rows, cols, vals = [], [], []
    for i, d in enumerate(docs):
        for term, c in Counter(d).items():
            rows.append(i)
            cols.append(vocab[term])
            vals.append(c)
    real_tf = sparse.csr_matrix((np.array(vals, np.float32), (rows, cols)), shape=(len(docs), len(vocab)))
    real_vecs = real._flat_vectors().copy()

    sample = rng.integers(0, len(real.chunks), n)
    base_reports = list(real.reports.values())
    n_reports = max(1, -(-n // CHUNKS_PER_REPORT))
    reports = [
        replace(base_reports[r % len(base_reports)], report_id=f"syn-{r}", text="", sections=())
        for r in range(n_reports)
    ]
    chunks = [
        replace(real.chunks[s], chunk_id=f"syn:{i}", report_id=f"syn-{i // CHUNKS_PER_REPORT}", sentences=())
        for i, s in enumerate(sample.tolist())
    ]

    vectors = np.empty((n, real_vecs.shape[1]), dtype=np.float32)
    for a in range(0, n, 100_000):
        b = min(n, a + 100_000)
        v = real_vecs[sample[a:b]] + rng.normal(0, 0.025, (b - a, real_vecs.shape[1])).astype(np.float32)
        vectors[a:b] = v / np.linalg.norm(v, axis=1, keepdims=True)

    t = time.perf_counter()
    dense = dense_index(vectors, config.ann_threshold)
    dense_build_s = time.perf_counter() - t
    t = time.perf_counter()
    tf = real_tf[sample]
    bm25 = BM25.from_counts(vocab, tf)
    bm25_build_s = time.perf_counter() - t
    del tf

    manifest = dict(
        real.manifest,
        chunks=n,
        reports=n_reports,
        sources=[],
        dense_index="flat_ip" if n <= config.ann_threshold else "ivf_flat",
    )
    index = Index(
        manifest,
        reports,
        chunks,
        dense,
        bm25,
        np.zeros((0, real_vecs.shape[1]), np.float32),
        np.zeros(0, dtype=np.int64),
    )
    retriever = Retriever(index, encoder)

    questions = [json.loads(x)["question"] for x in QUESTIONS.read_text(encoding="utf-8").splitlines() if x.strip()]
    questions = questions[:60]
    retriever.search("预热 warm-up")
    totals, searches, recalls = [], [], []
    for q in questions:
        result = retriever.search(q, 5)
        totals.append(result.timings_ms["retrieve"])
        searches.append(result.timings_ms["search"])
        if manifest["dense_index"] != "flat_ip":  # recall@10 of the unfiltered dense search vs exact
            found, _ = index.dense_search(result.query_vector, 10)
            exact = top_k(vectors @ result.query_vector, 10)
            recalls.append(len(set(found.tolist()) & set(exact.tolist())) / 10)

    disk_mb = None
    if save:
        folder = Path(tempfile.mkdtemp(prefix="bench_scale_")) / "index"
        try:
            t = time.perf_counter()
            index.save(folder)
            save_s = time.perf_counter() - t
            disk_mb = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20
        finally:
            shutil.rmtree(folder.parent, ignore_errors=True)
    return {
        "chunks": n,
        "dense_index": manifest["dense_index"],
        "dense_build_s": round(dense_build_s, 2),
        "bm25_build_s": round(bm25_build_s, 2),
        "bm25_nnz": int(bm25.weights.nnz),
        "tokenize_s_estimate": round(tokenize_s_per_chunk * n, 1),
        "query_p50_ms": round(pct(totals, 0.5), 1),
        "query_p95_ms": round(pct(totals, 0.95), 1),
        "search_p50_ms": round(pct(searches, 0.5), 1),
        "search_p95_ms": round(pct(searches, 0.95), 1),
        "dense_recall_at_10": round(float(np.mean(recalls)), 3) if recalls else 1.0,
        "peak_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2),
        "disk_mb": round(disk_mb, 1) if disk_mb is not None else None,
        "save_s": round(save_s, 1) if save else None,
    }


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = [r["chunks"] for r in rows]
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    a.plot(n, [r["query_p50_ms"] for r in rows], "o-", label="query p50")
    a.plot(n, [r["query_p95_ms"] for r in rows], "s--", label="query p95")
    a.axhline(200, color="grey", lw=0.8, ls=":", label="200 ms target")
    a.set(xscale="log", xlabel="chunks", ylabel="ms (retrieve, embedding included)", title="Query latency")
    a.legend()
    b.plot(n, [r["dense_build_s"] for r in rows], "o-", label="FAISS build (s)")
    b.plot(n, [r["bm25_build_s"] for r in rows], "s-", label="BM25 build (s)")
    b.plot(n, [r["peak_rss_gb"] for r in rows], "^-", label="peak RSS (GB)")
    b.set(xscale="log", yscale="log", xlabel="chunks", title="Build and memory")
    b.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def table(rows: list[dict]) -> str:
    lines = [
        "| chunks | dense index | FAISS build | BM25 build (+ tokenising, est.) | query p50 / p95 | "
        "dense recall@10 | peak RSS | on disk |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        disk = f"{r['disk_mb']:.0f} MB" if r["disk_mb"] is not None else "—"
        lines.append(
            f"| {r['chunks']:,} | {r['dense_index']} | {r['dense_build_s']:.1f} s | {r['bm25_build_s']:.1f} s "
            f"(+ {r['tokenize_s_estimate']:.0f} s) | {r['query_p50_ms']:.0f} / {r['query_p95_ms']:.0f} ms | "
            f"{r['dense_recall_at_10']:.2f} | {r['peak_rss_gb']:.1f} GB | {disk} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--no-save", action="store_true", help="skip writing each index to disk")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "scale.json")
    args = parser.parse_args()
    if args.one:
        print("RESULT " + json.dumps(one(args.one, not args.no_save)))
        return
    rows = []
    for n in args.sizes:
        cmd = [sys.executable, __file__, "--one", str(n)] + (["--no-save"] if args.no_save else [])
        done = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
        line = next((x for x in done.stdout.splitlines() if x.startswith("RESULT ")), None)
        if line is None:
            print(f"error: the {n:,}-chunk run failed:\n{done.stderr[-2000:]}", file=sys.stderr)
            sys.exit(1)
        rows.append(json.loads(line[7:]))
        print(json.dumps(rows[-1]), flush=True)
    args.out.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    plot(rows, args.out.with_suffix(".png"))
    print(table(rows))


if __name__ == "__main__":
    main()
