"""Chunks: inside one section of one report, cut at sentence ends, offsets pointing at the text."""

from __future__ import annotations

import re

import pytest

from rag.chunking import chunk_report, split_sentences
from rag.config import BUNDLED_CORPUS
from rag.ingest import assign_ids, collect_files, load_reports


@pytest.fixture(scope="module")
def reports():
    out = []
    for f in collect_files([BUNDLED_CORPUS]):
        out += load_reports(f)
    return assign_ids(out)


def test_chunk_offsets_point_into_the_cleaned_report_text(reports):
    for r in reports:
        for c in chunk_report(r):
            assert r.text[c.start : c.end] == c.text
            for s, e in c.sentences:
                assert c.start <= s < e <= c.end


def test_no_chunk_straddles_two_reports_or_sections(reports):
    for r in reports:
        for c in chunk_report(r):
            assert c.report_id == r.report_id
            # a title line may only open the report's own first chunk, never sit inside a chunk
            titles = [m.start() for m in re.finditer(r"^\d{4}年.{2,20}政府工作报告$", c.text, flags=re.M)]
            assert titles == [] or (titles == [0] and c.start == 0)


def test_chunk_ids_are_stable_and_unique(reports):
    first = [c.chunk_id for r in reports for c in chunk_report(r)]
    second = [c.chunk_id for r in reports for c in chunk_report(r)]
    assert first == second and len(set(first)) == len(first)


def test_chunk_sizes_stay_under_the_cap(reports):
    sizes = [len(c.text) for r in reports for c in chunk_report(r, 320, 480)]
    assert max(sizes) <= 480 and sum(sizes) / len(sizes) > 150


def test_haidong_chunks_have_no_line_breaks_inside_sentences(reports):
    haidong = next(r for r in reports if r.city == "海东市")
    for c in chunk_report(haidong):
        for s, e in c.sentences:
            assert "\n" not in haidong.text[s:e].strip()


@pytest.mark.parametrize(
    "text,expected",
    [
        ("增长8.2%。新增1.2万人！", ["增长8.2%。", "新增1.2万人！"]),
        ("他说：“要增长。”然后呢？", ["他说：“要增长。”", "然后呢？"]),
        ("GDP 6.5%;CPI 3%", ["GDP 6.5%;", "CPI 3%"]),
        ("", []),
    ],
)
def test_sentences_end_at_chinese_and_ascii_stops_never_inside_numbers(text, expected):
    assert [text[a:b] for a, b in split_sentences(text)] == expected
