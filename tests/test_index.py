"""The index on disk: built from the fixture corpus, cached embeddings, atomic writes, named errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from rag.assistant import build_index
from rag.errors import IndexMismatchError, IndexNotFoundError, IndexWriteError
from rag.index import Index

pytestmark = pytest.mark.model


def test_fixture_index_has_every_fixture_report(assistant):
    cities = {r.city for r in assistant.reports()}
    assert cities == {"济南市", "银川市", "大安市", "德令哈市", "海东市", "西宁市"}
    manifest = json.loads((assistant.config.index_dir / "manifest.json").read_text())
    assert manifest["model"] == assistant.encoder.name and manifest["dimension"] == 384
    assert assistant.index.dense.ntotal == len(assistant.index.chunks)


def test_a_second_build_embeds_nothing(fixture_config, encoder, assistant):
    _, stats = build_index(fixture_config, encoder, rebuild=True)
    assert stats.embedded == 0 and stats.cached == stats.chunks


def test_adding_a_report_keeps_the_others_and_embeds_only_it(tmp_path, fixture_config, encoder, assistant):
    config = fixture_config.with_(index_dir=tmp_path / "index")
    build_index(config, encoder, rebuild=True)
    new = tmp_path / "新报告.txt"
    new.write_text(
        "2023年兰州市政府工作报告\n各位代表：\n一、2022年工作回顾\n兰州新建黄河风情线步道12公里。\n"
        "二、2023年工作安排\n兰州将新建口袋公园30个。\n",
        encoding="utf-8",
    )
    _, stats = build_index(config, encoder, paths=[new])
    assert stats.reports == 7 and 0 < stats.embedded < 5
    again, stats2 = build_index(config, encoder, paths=[new])
    assert any("same file" in n for n in stats2.notes) and again.manifest["reports"] == 7


def test_loading_with_another_model_says_what_to_run(fixture_config, assistant):
    with pytest.raises(IndexMismatchError, match="rag index --rebuild"):
        Index.load(fixture_config.index_dir, model="BAAI/bge-small-zh-v1.5")


def test_no_index_says_which_command_builds_it(tmp_path):
    with pytest.raises(IndexNotFoundError, match="rag index"):
        Index.load(tmp_path / "nothing")


def test_an_interrupted_build_leaves_the_previous_index_loadable(tmp_path, fixture_config, encoder, assistant):
    config = fixture_config.with_(index_dir=tmp_path / "index")
    build_index(config, encoder, rebuild=True)

    class Boom:
        name = encoder.name

        def encode_passages_with_spans(self, *a, **k):
            raise KeyboardInterrupt

    bad = tmp_path / "bad.txt"
    bad.write_text("2023年某某市政府工作报告\n一、2022年工作回顾\n完全新的一段文字，没有缓存。\n", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt):
        build_index(config, Boom(), paths=[bad])
    assert Index.load(config.index_dir).manifest["reports"] == 6
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".index.building")]


def test_a_read_only_index_folder_is_a_clear_error(tmp_path, fixture_config, encoder, assistant):
    # /proc refuses new folders even to root, so this runs (and can fail) whoever runs the tests
    unwritable = Path("/proc/govreport-rag-test") if os.geteuid() == 0 else tmp_path / "ro"
    if os.geteuid() != 0:
        unwritable.mkdir()
        unwritable.chmod(0o500)
    try:
        with pytest.raises(IndexWriteError):
            build_index(fixture_config.with_(index_dir=unwritable / "index"), encoder, rebuild=True)
    finally:
        if os.geteuid() != 0:
            unwritable.chmod(0o700)
