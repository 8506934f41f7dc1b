"""The `rag` command as a user runs it: one-line errors, JSON output."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


def run(args, env_extra, stdin=None):
    env = {**os.environ, **env_extra}
    return subprocess.run(
        [sys.executable, "-m", "rag.cli", *args], capture_output=True, text=True, env=env, input=stdin, timeout=600
    )


def test_asking_without_an_index_says_which_command_builds_it(tmp_path):
    out = run(["ask", "海东GDP"], {"RAG_INDEX_DIR": str(tmp_path / "none"), "RAG_CACHE_DIR": str(tmp_path)})
    assert out.returncode == 1
    assert out.stderr.strip().startswith("error:") and "rag index" in out.stderr
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_indexing_a_missing_path_is_one_line(tmp_path):
    out = run(["index", "/nonexistent.txt"], {"RAG_INDEX_DIR": str(tmp_path / "i"), "RAG_CACHE_DIR": str(tmp_path)})
    assert out.returncode == 1 and "no such file" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.model
def test_reports_json_and_batch_ask(assistant, fixture_config):
    env = {"RAG_INDEX_DIR": str(fixture_config.index_dir), "RAG_CACHE_DIR": str(fixture_config.cache_dir)}
    out = run(["reports", "--json"], env)
    rows = json.loads(out.stdout)
    assert {r["city"] for r in rows} == {r.city for r in assistant.reports()}
    assert all(
        set(r) >= {"report_id", "title", "city", "level", "reviewed_year", "plan_year", "date", "chunks"} for r in rows
    )
    out = run(
        ["ask", "--json", "-"], env, stdin="海东2023年GDP增长目标？\nWhat did Xining plan for 2020?\n\n兰州的目标\n"
    )
    lines = [json.loads(x) for x in out.stdout.splitlines()]
    assert len(lines) == 3 and all("citations" in x and "found" in x for x in lines)


@pytest.mark.model
def test_batch_mode_answers_100_questions_in_one_process_with_the_contract_on_every_line(assistant, fixture_config):
    env = {"RAG_INDEX_DIR": str(fixture_config.index_dir), "RAG_CACHE_DIR": str(fixture_config.cache_dir)}
    places = ["海东", "济南", "银川", "大安", "西宁", "德令哈", "Haidong", "Jinan", "Yinchuan", "兰州"]
    topics = [
        "地区生产总值增长目标是多少？",
        "新增就业多少人？",
        "生态环境保护有哪些打算？",
        "GDP target for 2023?",
        "去年取得了哪些成绩？",
        "政府自身建设怎么做？",
        "固定资产投资增长多少？",
        "空气质量怎么样？",
        "What are the main tasks?",
        "营商环境",
    ]
    questions = [f"{p}{t}" for p in places for t in topics]
    out = run(["ask", "--json", "-"], env, stdin="\n".join(questions) + "\n")
    lines = [json.loads(x) for x in out.stdout.splitlines()]
    assert len(lines) == 100
    for line, q in zip(lines, questions, strict=False):
        assert line["question"] == q and isinstance(line["found"], bool)
        assert set(line["timings_ms"]) >= {"retrieve", "answer", "total"}
        assert [c["n"] for c in line["citations"]] == list(range(1, len(line["citations"]) + 1))
        assert len(line["citations"]) <= 5
        assert line["found"] == (line["status"] == "answered")
        # a refusal cites nothing, except the one closest passage a year_not_covered answer labels as its own year
        assert line["found"] or len(line["citations"]) <= (1 if line["status"] == "year_not_covered" else 0)
