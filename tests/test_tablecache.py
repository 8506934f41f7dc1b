"""The derived-table cache: a table is derived once and loaded by later processes; a missing, damaged
or stale file is derived again and replaced; nothing about the cache can fail a question."""

from __future__ import annotations

import marshal
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag import dictionary, gazetteer, tablecache

TABLE = {"air quality": ("空气质量",), "job": ("就业", "岗位")}

# the functions whose tables the cache keeps, with the in-process memo each has on top
TABLE_FUNCTIONS = (
    dictionary.gloss_index,
    dictionary.char_gloss_index,
    dictionary.gloss_counts,
    dictionary.gloss_word_index,
    dictionary.english_words_of_glosses,
    gazetteer.chinese_index,
    gazetteer.english_index,
)


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


# ---------------------------------------------------------------- the dictionary's glossary

MINI_CEDICT = """\
# a few CC-CEDICT lines
空氣質量 空气质量 [kong1 qi4 zhi4 liang4] /air quality/
就業 就业 [jiu4 ye4] /employment/to get a job/
國內生產總值 国内生产总值 [guo2 nei4] /gross domestic product (GDP)/
"""


@pytest.fixture
def fresh_tables() -> Iterator[None]:
    """Forget the tables this process derived, before and after (the next user derives them again)."""
    for f in TABLE_FUNCTIONS:
        f.cache_clear()
    yield
    for f in TABLE_FUNCTIONS:
        f.cache_clear()


@pytest.fixture
def mini_cedict(tmp_path, monkeypatch, fresh_tables) -> Path:
    path = tmp_path / "cedict_ts.u8"
    path.write_text(MINI_CEDICT, encoding="utf-8")
    monkeypatch.setattr(dictionary, "_cedict_path", lambda: path)
    return path


def test_the_glossary_tables_are_cached_and_equal_to_derived_ones(folder, mini_cedict, monkeypatch):
    derived = (dictionary.gloss_index(), dictionary.gloss_word_index(), dictionary.english_words_of_glosses())
    assert derived[0]["gdp"] == ("国内生产总值",) and derived[1]["job"] == ("就业",)
    assert {p.name for p in folder.iterdir()} == {
        "gloss_index.marshal",
        "gloss_word_index.marshal",
        "english_words_of_glosses.marshal",
    }
    for f in TABLE_FUNCTIONS:
        f.cache_clear()

    # a second process: loads the files, without reading the dictionary's lines
    def no_reading():
        raise AssertionError("derived again instead of loaded")

    monkeypatch.setattr(dictionary, "_cedict_lines", no_reading)
    assert (dictionary.gloss_index(), dictionary.gloss_word_index(), dictionary.english_words_of_glosses()) == derived


def test_an_edited_dictionary_file_is_read_again(folder, mini_cedict):
    assert "employment" in dictionary.gloss_index()
    mini_cedict.write_text(MINI_CEDICT.replace("/employment/", "/work/"), encoding="utf-8")
    dictionary.gloss_index.cache_clear()
    assert "work" in dictionary.gloss_index() and "employment" not in dictionary.gloss_index()


def test_damaged_glossary_files_still_translate(folder, mini_cedict):
    translator = dictionary.Translator({"空气质量", "就业"})
    expected = translator.translate("air quality and jobs")
    assert [t.chinese for t in expected] == [("空气质量",), ("就业",)]
    for path in folder.iterdir():
        path.write_bytes(b"\x00not a table")
    for f in TABLE_FUNCTIONS:
        f.cache_clear()
    assert translator.translate("air quality and jobs") == expected


def test_damaged_table_files_never_break_a_question(fast_assistant, tmp_path, monkeypatch, fresh_tables):
    monkeypatch.setattr(tablecache, "_folder", tmp_path / "tables")
    questions = ["What GDP growth target did Jinan set for 2023?", "海东2023年地区生产总值预期增长多少？"]
    expected = [fast_assistant.ask(q).answer for q in questions]
    written = sorted(p.name for p in (tmp_path / "tables").iterdir())
    assert {"gloss_index.marshal", "gazetteer_chinese.marshal", "gazetteer_english.marshal"} <= set(written)
    for path in (tmp_path / "tables").iterdir():
        path.write_bytes(path.read_bytes()[:100])
    for f in TABLE_FUNCTIONS:
        f.cache_clear()
    assert [fast_assistant.ask(q).answer for q in questions] == expected
    assert sorted(p.name for p in (tmp_path / "tables").iterdir()) == written


def test_a_place_index_with_positions_outside_the_gazetteer_is_derived_again(folder, fresh_tables):
    expected = gazetteer.chinese_index()
    key = tablecache.table_key(gazetteer._chinese_key_parts())
    (folder / "gazetteer_chinese.marshal").write_bytes(marshal.dumps((tablecache.FORMAT, key, {"兰州": (10**6,)})))
    gazetteer.chinese_index.cache_clear()
    assert gazetteer.chinese_index() == expected
