"""The evidence-removed test (eval/removed.py): answerable questions asked again of a copy of the reports
without the clauses that hold their evidence. Fast: the fixture corpus and the keyword encoder."""

from __future__ import annotations

import json

import pytest
from conftest import DATA

from eval import removed
from eval.metrics import squash


@pytest.mark.parametrize(
    ("text", "evidence", "expected", "deleted"),
    [
        ("主要目标：地区生产总值增长5%左右；固定资产投资增长7%。\n", {"增长5%左右"}, "固定资产投资增长7%。\n", 1),
        # the clause with the evidence goes, the ones around it stay
        ("一是稳增长。二是地区生产总值增长5% 左右。三是惠民生。", {"增长5%左右"}, "一是稳增长。三是惠民生。", 1),
        # a line break inside the evidence is ignored, as the evaluation ignores whitespace
        ("新增就业\n9000人。\n其他。\n", {"新增就业9000人"}, "新增就业\n9000人。\n其他。\n", 0),
        # a report's title line is never deleted, even when the evidence is in it
        ("2022年海东市政府工作报告\n海东市生产总值增长。\n", {"海东市"}, "2022年海东市政府工作报告\n\n", 1),
        ("没有要删的。", {"增长5%左右"}, "没有要删的。", 0),
    ],
)
def test_only_the_clauses_holding_the_evidence_are_deleted(text, evidence, expected, deleted):
    assert removed.delete_clauses(text, evidence) == (expected, deleted)


def test_a_question_is_asked_of_a_copy_without_its_evidence_and_the_index_in_use_is_untouched(
    tmp_path, fast_assistant, keyword_encoder
):
    questions = [json.loads(line) for line in (DATA / "eval_tiny.jsonl").read_text(encoding="utf-8").splitlines()]
    before = sorted(p.name for p in fast_assistant.config.index_dir.iterdir())
    config = fast_assistant.config.with_(corpus=(DATA,))
    rows = removed.run(config, keyword_encoder, questions, groups=2, out=tmp_path)
    answerable = [q for q in questions if q["evidence"]]
    assert sorted(r["id"] for r in rows) == sorted(q["id"] for q in answerable)  # the unanswerable one is not asked
    for q in answerable:
        row = next(r for r in rows if r["id"] == q["id"])
        corpus = tmp_path / f"group{row['group']}" / "corpus"
        text = "".join(squash(p.read_text(encoding="utf-8")) for p in corpus.glob("*.txt"))
        assert not any(squash(a) in text for group in q["evidence"] for a in group)
        assert row["status"] in ("answered", "not_in_reports", "place_not_indexed", "year_not_covered")
    # the copy of the reports without the evidence still holds the rest of them
    assert all((tmp_path / f"group{r['group']}" / "corpus" / "xining_2020.txt").exists() for r in rows)
    assert sorted(p.name for p in fast_assistant.config.index_dir.iterdir()) == before
    report = removed.summary(rows)
    assert report["all"]["questions"] == len(answerable) and report["all"]["skipped"] == 0


def test_a_bad_group_count_is_one_line_and_exit_code_1(capsys):
    assert removed.main(["--groups", "0"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: --groups must be at least 1") and err.count("\n") == 1
