"""Scoring a run file: pure functions, no model, so old runs can be re-scored and compared.

A ranked list of passages answers a question at depth k when every evidence group has one of its
alternatives inside one of the top-k passages (whitespace ignored).
"""

from __future__ import annotations

import re
from collections import defaultdict
from statistics import median

KS = (1, 3, 5)
OUTCOMES = ("answered", "place_not_indexed", "year_not_covered", "not_in_reports")
FIGURE = re.compile(r"\d+(?:\.\d+)?\s*(?:%|‰|[万亿千百]?[元人户台家个项件座所公里亩吨条辆次天倍]{0,2})")


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text or "")


def group_hit(group: list[str], passages: list[str]) -> bool:
    alts = [squash(a) for a in group]
    return any(a and a in squash(p) for p in passages for a in alts)


def first_answering_depth(evidence: list[list[str]], ranked: list[str], max_depth: int = 10) -> int | None:
    """Smallest k such that the top-k passages satisfy every evidence group; None if none does."""
    if not evidence:
        return None
    for k in range(1, min(max_depth, len(ranked)) + 1):
        if all(group_hit(g, ranked[:k]) for g in evidence):
            return k
    return None


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    idx = min(len(values) - 1, max(0, int(round(q * (len(values) - 1)))))
    return values[idx]


def score_rows(rows: list[dict]) -> dict:
    """Metrics for one system's rows (each row: question fields + ranked texts + answer fields)."""
    answerable = [r for r in rows if r["evidence"]]
    unanswerable = [r for r in rows if not r["evidence"]]
    out: dict = {"questions": len(rows), "answerable": len(answerable), "unanswerable": len(unanswerable)}
    depths = [first_answering_depth(r["evidence"], r["ranked_texts"]) for r in answerable]
    for k in KS:
        out[f"hit@{k}"] = _mean([d is not None and d <= k for d in depths])
    out["mrr@10"] = _mean([1.0 / d if d else 0.0 for d in depths])
    if any("found" in r for r in rows):
        # answer level: the passages the answer cites hold every evidence group
        out["answer_hit@5"] = _mean(
            [
                bool(r.get("found")) and all(group_hit(g, r.get("cited_texts", [])[:5]) for g in r["evidence"])
                for r in answerable
            ]
        )
        cited = [(r, c) for r in answerable if r.get("found") for c in r.get("cited_texts", [])]
        out["citation_precision"] = _mean([any(group_hit(g, [c]) for g in r["evidence"]) for r, c in cited])
        figures = [(r, p) for r in answerable for p in r.get("answer_points", []) if FIGURE.fullmatch(p.strip())]
        out["answer_coverage"] = _mean([squash(p) in squash(r.get("answer", "")) for r, p in figures])
        out["abstention_accuracy"] = _mean([not r.get("found") for r in unanswerable])
        out["false_abstention"] = _mean([not r.get("found") for r in answerable])
        for outcome in OUTCOMES[1:]:
            group = [r for r in unanswerable if r.get("outcome") == outcome]
            out[f"abstention[{outcome}]"] = _mean([not r.get("found") for r in group])
            out[f"status_match[{outcome}]"] = _mean([r.get("status") == outcome for r in group])
        # a year no report covers must never be answered with another year's figure
        out["other_year_answered"] = _mean(
            [bool(r.get("found")) for r in unanswerable if r.get("outcome") == "year_not_covered"]
        )
    times = [r["timings_ms"]["total"] for r in rows if r.get("timings_ms")]
    if times:
        out["latency_p50_ms"] = percentile(times, 0.5)
        out["latency_p95_ms"] = percentile(times, 0.95)
    return out


def breakdown(rows: list[dict], field: str) -> dict[str, dict]:
    groups: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        groups[str(r.get(field))].append(r)
    return {key: score_rows(group) for key, group in sorted(groups.items())}


def _mean(values) -> float | None:
    """The mean, or None (JSON null, shown as "–") when there is nothing to average."""
    values = list(values)
    return float(sum(values)) / len(values) if values else None


__all__ = ["first_answering_depth", "score_rows", "breakdown", "percentile", "group_hit", "median"]
