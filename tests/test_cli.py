"""The `rag` command as a user runs it: one-line errors, JSON output."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


def run(args, env_extra, stdin=None):
    env = {**os.environ, **env_extra}
    return subprocess.run([sys.executable, "-m", "rag.cli", *args], capture_output=True, text=True, env=env,
                          input=stdin, timeout=600)


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
    assert all(set(r) >= {"report_id", "title", "city", "level", "reviewed_year", "plan_year", "date", "chunks"} for r in rows)
    out = run(["ask", "--json", "-"], env, stdin="海东2023年GDP增长目标？\nWhat did Xining plan for 2020?\n\n兰州的目标\n")
    lines = [json.loads(x) for x in out.stdout.splitlines()]
    assert len(lines) == 3 and all("citations" in x and "found" in x for x in lines)
