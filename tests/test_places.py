"""Places named in questions, in Chinese, pinyin or English, matched from the corpus's own names."""

from __future__ import annotations

import pytest

from rag.places import find_places, slug, title_place

PLACES = {
    "西宁市": "西宁市",
    "海西州": "海西州",
    "大安市": "大安市",
    "珲春市": "珲春市",
    "济南市": "济南市",
    "银川市": "银川市",
    "青岛市黄岛区": title_place("2022年青岛市黄岛区（西海岸新区）政府工作报告", "青岛市黄岛区"),
    "长沙市望城区": "长沙市望城区",
}


@pytest.mark.parametrize(
    "question,expected",
    [
        ("What did Xining promise on air quality?", ["西宁市"]),
        ("西宁2020年大气污染治理", ["西宁市"]),
        ("Haixi Prefecture GDP", ["海西州"]),
        ("How many jobs did Da'an create?", ["大安市"]),
        ("Hunchun trade", ["珲春市"]),
        ("What are Jinan's main targets?", ["济南市"]),
        ("黄岛区的目标", ["青岛市黄岛区"]),
        ("West Coast New Area investment", ["青岛市黄岛区"]),
        ("望城区", ["长沙市望城区"]),
        ("济南和银川2023年的GDP增长目标", ["济南市", "银川市"]),
        ("What is the national GDP target?", []),
    ],
)
def test_places_are_found_in_either_language(question, expected):
    assert find_places(question, PLACES) == expected


def test_slugs_are_ascii():
    assert slug("西宁市") == "xining" and slug("青岛市黄岛区") == "qingdao-huangdao"


@pytest.mark.parametrize(
    ("city", "english"),
    [
        ("西宁市", "Xining"),
        ("大安市", "Da'an"),  # the apostrophe before a syllable starting with a, o or e
        ("西安市", "Xi'an"),
        ("青岛市黄岛区", "Qingdao Huangdao"),
        ("长沙市望城区", "Changsha Wangcheng"),
        ("海西州", "Haixi"),
        ("德令哈市", "Delingha"),
        ("珲春市", "Hunchun"),  # CC-CEDICT's reading of the name (pypinyin reads 珲 alone as hui)
    ],
)
def test_an_english_answer_names_a_place_in_pinyin_as_it_is_written(city, english):
    from rag.places import english_name

    assert english_name(city) == english
