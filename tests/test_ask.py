"""Asking: cited answers in the question's language, "not found" for what the reports do not hold."""

from __future__ import annotations

import re

import pytest

from rag.errors import FilterError, QuestionError

pytestmark = pytest.mark.model


def test_a_chinese_number_question_is_answered_from_the_right_report_with_markers(assistant):
    answer = assistant.ask("海东2023年地区生产总值预期增长多少？")
    assert answer.found and answer.citations
    assert answer.citations[0].city == "海东市" and answer.citations[0].part == "plan"
    assert "5%" in answer.answer
    for line in answer.answer.splitlines()[1:]:
        assert re.search(r"\[\d+\]$", line)


def test_an_english_question_gets_an_english_lead_in(assistant):
    answer = assistant.ask("What GDP growth target did Jinan set for 2023?")
    assert answer.found and answer.answer.startswith("The ")
    assert {c.city for c in answer.citations} == {"济南市"}


def test_a_place_that_is_not_indexed_is_not_found_and_cites_nothing(assistant):
    answer = assistant.ask("兰州市2023年GDP增长目标是多少？")
    assert not answer.found and answer.citations == []


def test_the_json_contract(assistant):
    data = assistant.ask("西宁2020年在大气污染治理上有哪些打算？", k=3).to_json()
    assert set(data) >= {"question", "answer", "found", "filters", "citations", "timings_ms"}
    assert set(data["timings_ms"]) >= {"retrieve", "answer", "total"}
    assert len(data["citations"]) <= 3
    for n, c in enumerate(data["citations"], 1):
        assert c["n"] == n
        assert set(c) == {"n", "chunk_id", "text", "report", "city", "year", "section", "part", "score", "highlights"}
        for a, b in c["highlights"]:
            assert 0 <= a < b <= len(c["text"])
        assert f"[{n}]" in data["answer"]


def test_explicit_filters_override_the_question(assistant):
    answer = assistant.ask("2023年地区生产总值增长目标", cities=["银川市"])
    assert {c.city for c in answer.citations} == {"银川市"}
    with pytest.raises(FilterError, match="indexed places"):
        assistant.ask("GDP", cities=["火星市"])


@pytest.mark.parametrize("question", ["", "   ", "？？？！！", "🙂🙂"])
def test_unusable_questions_are_refused_with_a_clear_message(assistant, question):
    with pytest.raises(QuestionError):
        assistant.ask(question)


def test_a_very_long_question_is_truncated_and_says_so(assistant):
    answer = assistant.ask("海东地区生产总值" * 3000)
    assert any("truncated" in n for n in answer.notes)


def test_follow_ups_take_the_topic_of_the_previous_question(assistant):
    answer = assistant.ask("那海东呢？", history=["西宁2020年城镇新增就业目标是多少？"])
    assert "海东" in answer.searched_question and "就业" in answer.searched_question
    english = assistant.ask("What about Haidong?", history=["What GDP growth target did Jinan set for 2023?"])
    assert (
        english.searched_question.startswith("What GDP growth target did") and "Jinan" not in english.searched_question
    )
    standalone = assistant.ask("What GDP growth target did Yinchuan set for 2023?", history=["海东GDP"])
    assert standalone.searched_question == "What GDP growth target did Yinchuan set for 2023?"


def test_a_list_question_is_answered_from_the_sections_own_items_in_order(assistant):
    answer = assistant.ask("海东2023年重点任务有哪些？")
    items = [line for line in answer.answer.splitlines() if re.match(r"^\d+\. ", line)]
    assert len(items) >= 3
    assert items[0].startswith("1. 一是") and items[1].startswith("2. 二是")
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))


def test_a_list_the_report_does_not_have_is_not_made_up_from_another_list(assistant):
    # the same report does list its key tasks when asked for them…
    tasks = assistant.ask("海东2023年重点任务有哪些？")
    assert any(line.startswith("1. 一是") for line in tasks.answer.splitlines())
    # …but a list it does not have (民生实事) is not made up from them
    answer = assistant.ask("海东2023年有哪些民生实事？")
    assert answer.status in ("answered", "not_in_reports")
    assert not any(re.match(r"^\d+\. [一二三四五六七八九]是", line) for line in answer.answer.splitlines())


@pytest.mark.parametrize("question", ["大安2023年对学前教育有什么安排？", "What are Xining's plans for 2020?"])
def test_an_answer_never_quotes_the_heading_of_a_part_of_the_report(assistant, question):
    """ "二、2023年工作安排" names the part a passage is in, which its citation shows; as a quote it says
    nothing that was asked."""
    answer = assistant.ask(question)
    parts = {re.sub(r"[。；：\s]+$", "", c.section.split(" > ")[0]) for c in answer.citations}
    quoted = {re.sub(r"(\[\d+\])+$|[“”。；：\s]", "", line) for line in answer.answer.splitlines()[1:]}
    assert answer.found and parts and not parts & quoted
