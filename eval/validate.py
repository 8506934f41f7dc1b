"""Check a question set: schema, unique ids, and every evidence string inside the cleaned text of
the report(s) its question names.

Run: .venv/bin/python -m eval.validate [FILE ...]
(default: the dev and held-out sets; exit 1 and one line per problem)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from eval.metrics import squash
from rag import BUNDLED_CORPUS, collect_files, load_reports, normalize_line

TYPES = {"plan", "fact", "number", "list", "compare", "unanswerable"}
FIELDS = {"id", "question", "lang", "type", "city", "evidence", "answer_points", "split", "outcome"}
OUTCOMES = {"answered", "place_not_indexed", "year_not_covered", "not_in_reports"}


def cleaned_texts(corpus_dirs: list[Path]) -> dict[str, str]:
    """Cleaned text per place, squashed, from the same ingestion the index uses."""
    texts: dict[str, str] = {}
    for f in collect_files(corpus_dirs):
        for r in load_reports(f):
            texts[r.city] = texts.get(r.city, "") + squash(r.text)
    return texts


def problems(rows: list[dict], texts: dict[str, str]) -> list[str]:
    out = []
    seen: set[str] = set()
    for n, q in enumerate(rows, 1):
        where = f"line {n} ({q.get('id')})"
        missing = FIELDS - set(q)
        if missing:
            out.append(f"{where}: missing fields {sorted(missing)}")
            continue
        if q["id"] in seen:
            out.append(f"{where}: duplicate id")
        seen.add(q["id"])
        if (
            q["lang"] not in ("zh", "en")
            or q["type"] not in TYPES
            or q["split"] not in ("dev", "heldout")
            or q["outcome"] not in OUTCOMES
        ):
            out.append(f"{where}: bad lang/type/split/outcome")
        if (q.get("outcome") == "answered") != (q["type"] != "unanswerable"):
            out.append(f"{where}: answerable questions, and only they, have outcome 'answered'")
        if not isinstance(q["evidence"], list) or any(not isinstance(g, list) or not g for g in q["evidence"]):
            out.append(f"{where}: evidence must be a list of non-empty lists")
            continue
        if (q["type"] == "unanswerable") != (q["evidence"] == []):
            out.append(f"{where}: unanswerable questions, and only they, have no evidence")
        cities = q["city"] if isinstance(q["city"], list) else [q["city"]]
        pool = "".join(texts.get(c, "") for c in cities)
        if q["evidence"] and not pool:
            out.append(f"{where}: no indexed report for {cities}")
            continue
        for group in q["evidence"]:
            for alt in group:
                if not 4 <= len(squash(alt)) <= 60:
                    out.append(f"{where}: evidence length out of range: {alt!r}")
                if squash(alt) not in pool:
                    out.append(f"{where}: evidence not in the report text of {cities}: {alt!r}{_hint(alt, pool)}")
    return out


def _hint(alt: str, pool: str) -> str:
    """How to write an evidence string copied from a raw report file so that it matches: ingestion
    writes the ASCII punctuation of Chinese text full-width (``normalize_line``), and the metric
    matches the cleaned text the passages hold, so "增长8.2%,其中" must be written "增长8.2%，其中"."""
    cleaned = normalize_line(alt)
    if cleaned != alt and squash(cleaned) in pool:
        return f" (the cleaned text writes it {cleaned!r}: Chinese punctuation is full-width there)"
    return ""


def main(*paths: str) -> int:
    paths = paths or ("eval/questions.jsonl", "eval/heldout.jsonl")
    rows = [json.loads(x) for path in paths for x in Path(path).read_text(encoding="utf-8").splitlines() if x.strip()]
    found = problems(rows, cleaned_texts([BUNDLED_CORPUS]))
    for p in found:
        print(p)
    print(f"{len(rows)} questions, {len(found)} problems")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
