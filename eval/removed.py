"""The evidence-removed test: does the assistant refuse when the reports do not hold the answer?

The question sets' negatives are questions their writers thought to ask; this test makes negatives of
every answerable question. Each is asked again of a copy of the reports from which every clause holding
one of its gold evidence strings has been deleted (a clause: the text between 。！？； or line ends; a
report's title line is never deleted). The report still speaks of the topic, often at length, but no
longer says what was asked: the right outcome is a refusal. Questions are split into groups by a hash
of their id; each group's evidence is deleted from one copy, indexed once (the embedding cache makes
the unchanged passages free). A question whose evidence still reaches its top passages (written across
a clause break, say) is skipped and counted.

It measures what the features of the extractive answerability check can and cannot see, and, with
``--llm`` and an endpoint configured (``RAG_LLM_BASE_URL``), how often a language model reading the
passages says they do not answer (rag/chain.py, ``NO_ANSWER``). Deleting a clause may leave the answer
in other words elsewhere: answered rows whose answer still holds every answer point are counted apart.

Run: .venv/bin/python -m eval.removed [--split dev] [--groups 4] [--limit N] [--llm] [--out DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path

from tqdm import tqdm

from eval.metrics import group_hit, squash
from eval.runner import load_questions
from rag import Assistant, Config, RagError, build_index

# a clause and what ends it: deleting one keeps the text around it intact
CLAUSE = re.compile(r"[^。！？；\n]*[。！？；]?\n?")
TITLE = "政府工作报告"  # a line naming this starts a report (the compilation splits on it): never deleted


def delete_clauses(text: str, evidence: set[str]) -> tuple[str, int]:
    """``text`` without the clauses that hold any of ``evidence`` (compared without whitespace, as the
    evaluation matches evidence); a deleted clause's line break is kept. Returns the text and how many
    clauses were deleted."""
    kept: list[str] = []
    deleted = 0
    for clause in CLAUSE.findall(text):
        flat = squash(clause)
        if flat and TITLE not in flat and any(e in flat for e in evidence):
            deleted += 1
            kept.append("\n" if clause.endswith("\n") else "")
        else:
            kept.append(clause)
    return "".join(kept), deleted


def group_of(question_id: str, groups: int) -> int:
    """A stable group for a question (the same on every run and machine)."""
    return int(hashlib.sha256(question_id.encode()).hexdigest(), 16) % groups


def evidence_strings(question: dict) -> set[str]:
    return {squash(a) for group in question["evidence"] for a in group if len(squash(a)) >= 4}


def write_corpus(sources: tuple[Path, ...], out: Path, evidence: set[str]) -> int:
    """Copy the report files of ``sources`` into ``out`` with the evidence clauses deleted from the text
    files (other formats are copied as they are); returns how many clauses were deleted."""
    out.mkdir(parents=True, exist_ok=True)
    deleted = 0
    for folder in sources:
        for f in sorted(p for p in folder.iterdir() if p.is_file() and p.name != "README.md"):
            if f.suffix.lower() in (".txt", ".md"):
                text, n = delete_clauses(f.read_text(encoding="utf-8"), evidence)
                (out / f.name).write_text(text, encoding="utf-8")
                deleted += n
            else:
                (out / f.name).write_bytes(f.read_bytes())
    return deleted


def run(
    config: Config,
    encoder,
    questions: list[dict],
    groups: int,
    out: Path,
    llm: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> list[dict]:
    """One row per answerable question with evidence: its status on the copy without its evidence."""
    asked = [q for q in questions if q.get("outcome", "answered") == "answered" and evidence_strings(q)]
    rows: list[dict] = []
    for g in range(groups):
        mine = [q for q in asked if group_of(q["id"], groups) == g]
        if not mine:
            continue
        folder = out / f"group{g}"
        evidence = set().union(*(evidence_strings(q) for q in mine))
        deleted = write_corpus(config.corpus, folder / "corpus", evidence)
        cfg = config.with_(corpus=(folder / "corpus",), index_dir=folder / "index", library_dir=folder / "library")
        index, _ = build_index(cfg, encoder, rebuild=True)
        assistant = Assistant(cfg, index, encoder)
        for q in mine:
            top = [h.chunk.text for h in assistant.search(q["question"], k=10).hits]
            row = {"id": q["id"], "lang": q["lang"], "group": g, "clauses_deleted": deleted}
            if all(group_hit(group, top) for group in q["evidence"]):
                rows.append({**row, "status": "skipped"})
            else:
                answer = assistant.ask(q["question"], llm=llm)
                body = squash(answer.answer)
                points = [squash(p) for p in q.get("answer_points") or [] if squash(p)]
                rows.append(
                    {
                        **row,
                        "status": answer.status,
                        "mode": answer.mode,
                        "points_in_answer": bool(points) and all(p in body for p in points),
                        "answer": answer.answer,
                    }
                )
            if progress:
                progress(len(rows), len(asked))
    return rows


def summary(rows: list[dict]) -> dict:
    """Per language and overall: questions asked, skipped, and the shares refused and answered."""
    out = {}
    for name, keep in (
        ("all", lambda r: True),
        ("en", lambda r: r["lang"] == "en"),
        ("zh", lambda r: r["lang"] == "zh"),
    ):
        mine = [r for r in rows if keep(r)]
        asked = [r for r in mine if r["status"] != "skipped"]
        refused = [r for r in asked if r["status"] != "answered"]
        answered = [r for r in asked if r["status"] == "answered"]
        out[name] = {
            "questions": len(mine),
            "skipped": len(mine) - len(asked),
            "refused": round(len(refused) / len(asked), 3) if asked else None,
            "refused_not_in_reports": round(sum(r["status"] == "not_in_reports" for r in asked) / len(asked), 3)
            if asked
            else None,
            "answered_with_the_answer_points": sum(bool(r.get("points_in_answer")) for r in answered),
        }
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", type=Path, default=None, help="question file (default eval/questions.jsonl)")
    ap.add_argument("--split", default="dev")
    ap.add_argument("--groups", type=int, default=4)
    ap.add_argument("--limit", type=int, default=None, help="ask only the first N answerable questions")
    ap.add_argument("--llm", action="store_true", help="answer through the configured LLM endpoint")
    ap.add_argument("--out", type=Path, default=Path("eval/results/removed"))
    args = ap.parse_args(argv)
    try:
        if args.groups < 1:
            raise RagError("--groups must be at least 1")
        config = Config.from_env()
        if args.llm and not config.llm_base_url:
            raise RagError("--llm needs an endpoint: set RAG_LLM_BASE_URL and RAG_LLM_MODEL")
        questions = [q for q in load_questions(args.set, args.split) if q.get("outcome", "answered") == "answered"]
        questions = questions[: args.limit] if args.limit else questions
        # the model as the assistant loads it (the index in use is loaded, or built, beside it: not changed)
        encoder = Assistant.load(config, build_if_missing=True).encoder
        bar = tqdm(total=len(questions), desc="evidence removed", file=sys.stderr)
        rows = run(config, encoder, questions, args.groups, args.out, args.llm, lambda n, _: bar.update(n - bar.n))
        bar.close()
    except (RagError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    report = summary(rows)
    args.out.mkdir(parents=True, exist_ok=True)
    with open(args.out / "rows.jsonl", "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    (args.out / "summary.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    for name, s in report.items():
        print(
            f"{name}: {s['questions']} questions, {s['skipped']} skipped (evidence still found); refused "
            f"{s['refused']}, as not in the reports {s['refused_not_in_reports']}; answered holding every "
            f"answer point {s['answered_with_the_answer_points']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
