"""The derived-table cache: a table is derived once and loaded by later processes; a missing, damaged
or stale file is derived again and replaced; nothing about the cache can fail a question."""

from __future__ import annotations

import marshal
from pathlib import Path

import pytest

from rag import tablecache

TABLE = {"air quality": ("空气质量",), "job": ("就业", "岗位")}


class Builds:
    """A table's derivation that counts its calls."""

    def __init__(self, table=TABLE):
        self.table = table
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return self.table


@pytest.fixture
def folder(tmp_path, monkeypatch) -> Path:
    monkeypatch.setattr(tablecache, "_folder", None)
    tablecache.use_folder(tmp_path / "tables")
    return tmp_path / "tables"


def cached(build, parts=("source-1", "code-1"), kind=dict):
    return tablecache.cached("glossary", lambda: list(parts), build, kind)


def test_without_a_folder_every_call_derives_and_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.setattr(tablecache, "_folder", None)
    build = Builds()
    assert cached(build) == TABLE and cached(build) == TABLE
    assert build.calls == 2 and not any(tmp_path.iterdir())


def test_a_miss_derives_and_writes_and_the_next_call_loads_without_deriving(folder):
    build = Builds()
    assert cached(build) == TABLE
    assert build.calls == 1 and (folder / "glossary.marshal").is_file()
    assert cached(build) == TABLE
    assert build.calls == 1
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]  # the temporary file was renamed in


@pytest.mark.parametrize(
    "damage",
    [
        b"",  # an empty file (written by a crash before the atomic rename existed)
        b"\x00\x01garbage\xff",  # not marshal data
        "truncated",  # the right file cut in half
        marshal.dumps(42),  # marshal data of another shape
        marshal.dumps(("govreport-rag-table-1",)),  # a tuple of the wrong length
    ],
)
def test_a_damaged_file_is_derived_again_and_replaced(folder, damage):
    cached(Builds())
    path = folder / "glossary.marshal"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2] if damage == "truncated" else damage)
    build = Builds()
    assert cached(build) == TABLE and build.calls == 1
    assert cached(build) == TABLE and build.calls == 1  # the replaced file is good again


def test_a_changed_source_or_code_makes_the_file_stale(folder):
    cached(Builds())
    build = Builds({"air quality": ("空气",)})
    assert cached(build, parts=("source-2", "code-1")) == {"air quality": ("空气",)} and build.calls == 1
    assert cached(build, parts=("source-2", "code-2")) == {"air quality": ("空气",)} and build.calls == 2
    assert cached(build, parts=("source-2", "code-2")) == {"air quality": ("空气",)} and build.calls == 2


def test_a_file_of_the_right_key_but_another_kind_is_derived_again(folder):
    cached(Builds())
    build = Builds(frozenset({"air", "quality"}))
    assert cached(build, kind=frozenset) == frozenset({"air", "quality"}) and build.calls == 1


def test_a_folder_that_cannot_be_written_only_costs_the_derivation(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setattr(tablecache, "_folder", blocker / "tables")
    build = Builds()
    assert cached(build) == TABLE and cached(build) == TABLE and build.calls == 2


def test_a_key_that_cannot_be_computed_only_costs_the_derivation(folder):
    def parts():
        raise FileNotFoundError("the source file is gone")

    build = Builds()
    assert tablecache.cached("glossary", parts, build, dict) == TABLE and build.calls == 1
    assert not (folder / "glossary.marshal").exists()


def test_the_source_key_is_the_content(tmp_path):
    a, b = tmp_path / "a.u8", tmp_path / "b.u8"
    a.write_text("空气质量 空气质量 [kong1] /air quality/\n", encoding="utf-8")
    b.write_bytes(a.read_bytes())
    assert tablecache.source_key(a) == tablecache.source_key(b)
    b.write_text("就业 就业 [jiu4] /employment/\n", encoding="utf-8")
    assert tablecache.source_key(a) != tablecache.source_key(b)
