"""Ingestion: every report parsed as it comes, compilations split, damage repaired, metadata read."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rag.config import BUNDLED_CORPUS
from rag.errors import IngestError
from rag.ingest import assign_ids, collect_files, load_reports, normalize_line

DATA = Path(__file__).parent / "data"
EXPECTED_PLACES = {
    "西宁市",
    "海西州",
    "海东市",
    "德令哈市",
    "济南市",
    "银川市",
    "定西市",
    "陇南市",
    "天水市",
    "酒泉市",
    "平凉市",
    "庆阳市",
    "中卫市",
    "菏泽市",
    "固原市",
    "宜春市",
    "珲春市",
    "大安市",
    "庄浪县",
    "龙子湖区",
    "青岛市黄岛区",
    "长沙市望城区",
    "芜湖市繁昌区",
}


@pytest.fixture(scope="module")
def bundled():
    reports = []
    for f in collect_files([BUNDLED_CORPUS]):
        reports += load_reports(f)
    return {r.city: r for r in assign_ids(reports)}


def test_bundled_corpus_gives_23_reports_one_per_place(bundled):
    assert set(bundled) == EXPECTED_PLACES


@pytest.mark.parametrize(
    "city,reviewed,plan",
    [
        ("海东市", 2022, 2023),
        ("济南市", 2022, 2023),
        ("西宁市", 2019, 2020),
        ("海西州", 2019, 2020),
        ("德令哈市", 2019, 2020),
        ("芜湖市繁昌区", 2022, 2023),
    ],
)
def test_reviewed_and_plan_years_come_from_the_section_headings(bundled, city, reviewed, plan):
    assert (bundled[city].reviewed_year, bundled[city].plan_year) == (reviewed, plan)


def test_levels_follow_the_place_suffix(bundled):
    assert bundled["庄浪县"].level == "县" and bundled["海西州"].level == "州" and bundled["龙子湖区"].level == "区"


def test_delivery_date_and_speaker_are_read_where_the_text_gives_them(bundled):
    assert bundled["西宁市"].date == "2020-03-29" and bundled["西宁市"].speaker == "张晓容"
    assert bundled["海东市"].date == "2023-02-15" and bundled["海东市"].speaker == "王华杰"
    assert bundled["济南市"].date == "2022-12-26"


def test_compilation_reports_keep_their_own_head_and_never_their_neighbours(bundled):
    for city, report in bundled.items():
        titles = re.findall(r"^\d{4}年.{2,20}政府工作报告$", report.text, flags=re.M)
        assert len(titles) <= 1, city  # no second report glued on
    assert bundled["银川市"].text.startswith("2022年银川市政府工作报告")
    assert "目录" not in bundled["济南市"].text.replace(" ", "")[:50]


def test_pdf_damage_is_repaired_in_haidong(bundled):
    text = bundled["海东市"].text
    assert text.startswith("政府工作报告")  # "政 府 工 作 报 告" normalised, cover debris dropped
    assert "会议文件" not in text
    assert "习近平总书记" in text  # "习近\n\n平总书记" rejoined
    assert "2023年2月15日" in text  # "2023 年 2 月 15 日" without the PDF's spaces
    for para in text.split("\n"):
        # every paragraph ends a sentence or is a heading/front-matter line: no hard wraps left
        assert para.endswith(("。", "！", "？", "：", "”", "；")) or len(para) <= 40, para[-30:]


def test_ascii_punctuation_becomes_chinese_but_numbers_stay():
    assert (
        normalize_line("过去一年,是德令哈经济社会发展极不平凡的一年:增长8.2%,达1,000人")
        == "过去一年，是德令哈经济社会发展极不平凡的一年：增长8.2%，达1,000人"
    )
    assert normalize_line("８．２％ 的 增长") == "8.2%的增长"


def test_sections_carry_a_part(bundled):
    parts = {s.part for s in bundled["济南市"].sections}
    assert {"review", "plan", "government"} <= parts
    glossary = [s for s in bundled["龙子湖区"].sections if "名词解释" in s.heading]
    assert glossary and glossary[0].part == "other"


def test_a_gbk_encoded_report_is_decoded(tmp_path):
    text = (DATA / "xining_2020.txt").read_text(encoding="utf-8")
    path = tmp_path / "gbk.txt"
    path.write_bytes(text.encode("gb18030"))
    [report] = load_reports(path)
    assert report.city == "西宁市"
    assert "地区生产总值增长6.5%以上" in report.text  # decoded, not mojibake


@pytest.mark.parametrize(
    "content,message",
    [(b"", "empty"), (b"\x00\x01\x02\x03binary", "binary"), (b"\xff\xfe\xfa\xfb" * 100 + b"\x81", "decode")],
)
def test_bad_files_get_a_one_line_error(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(IngestError) as err:
        load_reports(path)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_a_missing_path_says_so():
    with pytest.raises(IngestError, match="no such file"):
        collect_files([Path("/nonexistent/report.txt")])


def test_a_file_without_report_structure_is_one_section_with_a_warning(tmp_path):
    path = tmp_path / "note.txt"
    path.write_text("这是一段没有章节结构的文字。它讲的是城市绿化和道路建设。", encoding="utf-8")
    [report] = load_reports(path)
    assert not report.structured and report.warnings
