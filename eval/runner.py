"""`rag eval`: run the question set through our pipeline (and, with --compare, the baselines and
ablations), write one run file per system, then score the run files in a separate step.

Run:   .venv/bin/rag eval [--set eval/questions.jsonl] [--k 5] [--compare] [--out eval/results]
Score only (no model): .venv/bin/python -m eval.runner --score-only eval/results
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from tqdm import tqdm

from eval.metrics import breakdown, score_rows
from rag import Assistant, Config, build_index

DEFAULT_SET = Path(__file__).parent / "questions.jsonl"  # dev: tuning looks at it
HELDOUT_SET = Path(__file__).parent / "heldout.jsonl"  # frozen; its sha256 is in eval/README.md
RANK_DEPTH = 10
HEADLINE = (
    "hit@1",
    "hit@5",
    "mrr@10",
    "answer_hit@5",
    "citation_precision",
    "answer_coverage",
    "false_abstention",
    "abstention_accuracy",
    "abstention[place_not_indexed]",
    "abstention[year_not_covered]",
    "abstention[not_in_reports]",
    "other_year_answered",
    "latency_p50_ms",
)


def load_questions(path: Path | None = None, split: str | None = None) -> list[dict]:
    """The questions of one file, or of the dev and held-out sets together; optionally one split."""
    paths = [Path(path)] if path else [DEFAULT_SET, HELDOUT_SET]
    rows = [json.loads(line) for p in paths for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if split is None or r.get("split") == split]


def _row(q: dict, ranked: list[tuple[str, str]], **extra) -> dict:
    return {
        "id": q["id"],
        "question": q["question"],
        "lang": q["lang"],
        "type": q["type"],
        "split": q.get("split", "dev"),
        "outcome": q.get("outcome", "answered" if q["evidence"] else "not_in_reports"),
        "city": q.get("city"),
        "evidence": q["evidence"],
        "answer_points": q.get("answer_points", []),
        "ranked": [{"chunk_id": cid, "text": text} for cid, text in ranked],
        "ranked_texts": [text for _, text in ranked],
        **extra,
    }


def run_ours(assistant, questions: list[dict], k: int, progress=None, with_answers: bool = True) -> list[dict]:
    """Our pipeline through the same Python API the CLI uses."""
    rows = []
    for i, q in enumerate(questions):
        result = assistant.search(q["question"], k=RANK_DEPTH)
        ranked = [(h.chunk.chunk_id, h.chunk.text) for h in result.hits]
        extra: dict = {"timings_ms": {"total": result.timings_ms["retrieve"]}}
        if with_answers:
            answer = assistant.ask(q["question"], k=k)
            payload = answer.to_json()
            extra = {
                "answer": answer.answer,
                "found": answer.found,
                "status": answer.status,
                "answerability": payload.get("answerability"),
                "cited_texts": [c.text for c in answer.citations],
                "cited_ids": [c.chunk_id for c in answer.citations],
                "timings_ms": answer.timings_ms,
            }
            evidence = answer.verdict.evidence if answer.verdict is not None else None
            if evidence is not None and evidence.reader_input is not None:
                extra["_reader_input"] = evidence.reader_input  # written beside the run (write_run)
            if evidence is not None and evidence.lead_input is not None:
                extra["_lead_input"] = evidence.lead_input
        rows.append(_row(q, ranked, **extra))
        if progress:
            progress(i + 1, len(questions))
    return rows


def run_retriever(retriever, questions: list[dict], progress=None) -> list[dict]:
    rows = []
    for i, q in enumerate(questions):
        t = time.perf_counter()
        docs = retriever.invoke(q["question"])[:RANK_DEPTH]
        ms = (time.perf_counter() - t) * 1000
        rows.append(
            _row(
                q,
                [(f"{d.metadata.get('source', '')}#{n}", d.page_content) for n, d in enumerate(docs)],
                timings_ms={"total": ms},
            )
        )
        if progress:
            progress(i + 1, len(questions))
    return rows


def write_run(rows: list[dict], path: Path) -> None:
    """One JSON line per question; the reader's input vectors (what eval/calibrate.py fits the
    answerability reader on) go beside it, in :func:`reader_inputs_path`, and the leading sentences
    the composer chose among (what it fits the sentence selector on) in :func:`lead_inputs_path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    leads = {r["id"]: r["_lead_input"] for r in rows if r.get("_lead_input") is not None}
    if leads:
        owners = [i for i, (texts, _, _) in leads.items() for _ in texts]
        np.savez_compressed(
            lead_inputs_path(path),
            owner=np.array(owners),
            text=np.array([t for texts, _, _ in leads.values() for t in texts]),
            vector=np.concatenate([v for _, v, _ in leads.values()]).astype(np.float16),
            score=np.concatenate([b for _, _, b in leads.values()]),
        )
    vectors = {r["id"]: r["_reader_input"] for r in rows if r.get("_reader_input") is not None}
    with open(path, "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps({k: v for k, v in r.items() if not k.startswith("_")}, ensure_ascii=False) + "\n")
    if vectors:
        ids = list(vectors)
        np.savez_compressed(
            reader_inputs_path(path),
            ids=np.array(ids),
            question=np.stack([vectors[i][0] for i in ids]),
            sentence=np.stack([vectors[i][1] for i in ids]),
        )


def reader_inputs_path(run: Path) -> Path:
    return run.with_name(run.stem + ".reader.npz")


def read_reader_inputs(run: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Question id → (question vector, leading sentence vector), as :func:`write_run` stored them."""
    path = reader_inputs_path(run)
    if not path.exists():
        return {}
    with np.load(path) as data:
        return {str(i): (q, s) for i, q, s in zip(data["ids"], data["question"], data["sentence"], strict=True)}


def lead_inputs_path(run: Path) -> Path:
    return run.with_name(run.stem + ".leads.npz")


def read_lead_inputs(run: Path) -> dict[str, tuple[list[str], np.ndarray, np.ndarray]]:
    """Question id → (leading sentences, their vectors, their scores before the selector's), as
    :func:`write_run` stored them."""
    path = lead_inputs_path(run)
    if not path.exists():
        return {}
    out: dict[str, tuple[list[str], list[np.ndarray], list[float]]] = {}
    with np.load(path) as data:
        for owner, text, vector, score in zip(data["owner"], data["text"], data["vector"], data["score"], strict=True):
            texts, vectors, scores = out.setdefault(str(owner), ([], [], []))
            texts.append(str(text))
            vectors.append(vector.astype(np.float32))
            scores.append(float(score))
    return {i: (t, np.stack(v), np.array(s)) for i, (t, v, s) in out.items()}


def read_run(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def score_runs(out: Path) -> dict:
    """Score every run-*.jsonl in ``out``; write report.json, report.md and hit_at_k.png."""
    report: dict = {}
    for run in sorted(out.glob("run-*.jsonl")):
        rows = read_run(run)
        system = run.stem[len("run-") :]
        for r in rows:
            r["split_lang"] = f"{r.get('split')}/{r.get('lang')}"
        report[system] = {
            "overall": score_rows(rows),
            "split": breakdown(rows, "split"),
            "split_lang": breakdown(rows, "split_lang"),
            "lang": breakdown(rows, "lang"),
            "type": breakdown(rows, "type"),
        }
    (out / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    (out / "report.md").write_text(markdown(report), encoding="utf-8")
    _chart(report, out / "hit_at_k.png")
    return report


def _fmt(v) -> str:
    if v is None or v != v:
        return "–"
    return f"{v:.0f}" if isinstance(v, float) and v > 1.5 else f"{v:.3f}"


def markdown(report: dict) -> str:
    lines = [f"# Evaluation report ({time.strftime('%Y-%m-%d')})", ""]
    for scope in ("heldout", "dev"):
        lines += [
            f"## {'Held-out' if scope == 'heldout' else 'Dev'} split",
            "",
            "| system | " + " | ".join(HEADLINE) + " |",
            "|---" * (len(HEADLINE) + 1) + "|",
        ]
        for system, r in report.items():
            m = r["split"].get(scope, {})
            lines.append(f"| {system} | " + " | ".join(_fmt(m.get(h)) for h in HEADLINE) + " |")
        lines.append("")
    for system, r in report.items():
        lines += [
            f"## {system}: by language and type (both splits)",
            "",
            "| slice | n | hit@1 | hit@5 | mrr@10 |",
            "|---|---|---|---|---|",
        ]
        for field in ("lang", "type"):
            for key, m in r[field].items():
                lines.append(
                    f"| {field}={key} | {m['questions']} | {_fmt(m.get('hit@1'))} | {_fmt(m.get('hit@5'))} | "
                    f"{_fmt(m.get('mrr@10'))} |"
                )
        lines.append("")
    return "\n".join(lines)


def _chart(report: dict, path: Path) -> None:
    import matplotlib  # heavy, and only for the chart

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # after use("Agg"): no display needed

    systems = list(report)
    fig, ax = plt.subplots(figsize=(max(6, 1.2 * len(systems)), 4))
    width = 0.8 / 3
    for j, k in enumerate((1, 3, 5)):
        vals = [report[s]["overall"].get(f"hit@{k}") or 0 for s in systems]
        ax.bar([i + j * width for i in range(len(systems))], vals, width, label=f"hit@{k}")
    ax.set_xticks([i + width for i in range(len(systems))])
    ax.set_xticklabels(systems, rotation=30, ha="right", fontsize=8)
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of answerable questions")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def print_table(report: dict) -> None:
    heads = (
        "hit@5",
        "answer_hit@5",
        "false_abstention",
        "abstention_accuracy",
        "abstention[place_not_indexed]",
        "abstention[year_not_covered]",
        "abstention[not_in_reports]",
        "other_year_answered",
    )
    short = ("hit@5", "ans_hit@5", "false_abst", "abstention", "abst:place", "abst:year", "abst:topic", "other_year")
    print(f"{'system / slice':<34}" + "".join(f"{h:>11}" for h in short))
    for system, r in report.items():
        slices = [("all", r["overall"]), *r["split"].items(), *r.get("split_lang", {}).items()]
        for name, m in slices:
            print(f"{system + ' / ' + name:<34}" + "".join(f"{_fmt(m.get(h)):>11}" for h in heads))


def main(
    set_path: Path | None = None,
    k: int = 5,
    compare: bool = False,
    out: Path = Path("eval/results"),
    split: str | None = None,
    assistant=None,
) -> dict:
    """Run and score; returns the report dict."""
    questions = load_questions(set_path, split)
    out = Path(out)
    assistant = assistant or Assistant.load(Config.from_env(), build_if_missing=True)

    def bar(name):
        b = tqdm(total=len(questions), desc=name, file=sys.stderr)
        return lambda done, total: (b.update(done - b.n), b.close() if done >= total else None)

    write_run(run_ours(assistant, questions, k, bar("ours")), out / "run-ours.jsonl")
    if compare:
        base_settings = assistant.retriever.settings
        for name, settings in (
            ("ours-no-question-filters", replace(base_settings, question_filters=False)),
            ("ours-dense-only", replace(base_settings, lexical=False)),
            ("ours-bm25-only", replace(base_settings, dense=False)),
        ):
            ablation = assistant.with_retrieval(settings)
            write_run(run_ours(ablation, questions, k, bar(name), with_answers=False), out / f"run-{name}.jsonl")
        # the title-prefix ablation needs its own index (same chunks embedded without title/section)
        cfg = assistant.config.with_(index_dir=out / "index-no-title-prefix", title_prefix=False)
        index, _ = build_index(cfg, assistant.encoder, rebuild=True)
        plain = Assistant(cfg, index, assistant.encoder)
        write_run(
            run_ours(plain, questions, k, bar("ours-no-title-prefix"), with_answers=False),
            out / "run-ours-no-title-prefix.jsonl",
        )
        from eval.baselines import build_baselines  # heavy (LangChain community): only with --compare

        files = sorted(p for p in assistant.config.corpus[0].glob("*.txt"))
        for name, retriever in build_baselines(assistant, files).items():
            write_run(run_retriever(retriever, questions, bar(name)), out / f"run-{name}.jsonl")
    report = score_runs(out)
    print_table(report)
    return report


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--score-only":
        print_table(score_runs(Path(sys.argv[2])))
    else:
        main()
