"""`rag ui` as a real process: the page is served before the model loads, the first question waits for
the load, --verbose prints each startup phase once, and bad options are one line, not a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


def _env(**extra) -> dict:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "GRADIO_ANALYTICS_ENABLED": "False",
        "HF_HUB_OFFLINE": "1",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def test_a_bad_port_is_one_line_and_exit_2(tmp_path):
    r = subprocess.run(
        [sys.executable, "-m", "rag.cli", "ui", "--port", "70000"],
        capture_output=True,
        text=True,
        env=_env(RAG_INDEX_DIR=str(tmp_path / "index")),
        timeout=120,
    )
    assert r.returncode == 2 and r.stderr.strip().startswith("error:") and "Traceback" not in r.stderr


@pytest.mark.model
def test_rag_ui_serves_the_page_first_then_answers_once_loaded(assistant, fixture_config):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_ui import first_answer, free_port, wait_for_page

    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "rag.cli", "ui", "--port", str(port), "--verbose"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
        env=_env(RAG_INDEX_DIR=str(fixture_config.index_dir), RAG_CACHE_DIR=str(fixture_config.cache_dir)),
    )
    try:
        wait_for_page(f"http://127.0.0.1:{port}/", proc, 300)
        answer = first_answer(f"http://127.0.0.1:{port}", "海东2023年地区生产总值预期增长多少？")
        assert answer["found"] and answer["citations"][0]["city"] == "海东市"
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=60)
    phases = [line for line in out.splitlines() if line.startswith("[startup]")]
    names = [p.split(":", 1)[0] for p in phases]
    assert len(names) == len(set(names)) >= 4  # each phase once
    served = next(i for i, p in enumerate(phases) if "page served" in p)
    ready = next(i for i, p in enumerate(phases) if "ready to answer" in p)
    assert served < ready  # the page came before the model
    assert "Traceback" not in out


def test_the_page_module_does_not_import_the_model_stack():
    """Importing the UI (what the page needs) must not pull in torch or sentence-transformers."""
    code = (
        "import sys, ui.app; heavy = [m for m in ('torch', 'sentence_transformers', 'faiss') if m in sys.modules];"
        "print(','.join(heavy))"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_env(), timeout=300, cwd=ROOT)
    assert r.returncode == 0 and r.stdout.strip() == "", r.stdout + r.stderr
