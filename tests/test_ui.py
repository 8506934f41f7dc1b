"""UI handlers, without a server: streaming, citations, source panel, escaping, feedback, filters."""

from __future__ import annotations

import json

import pytest

from ui.app import filters_text, passage_html, record_feedback, respond, show_source

pytestmark = pytest.mark.model


def run(assistant, message, state=None, **kw):
    return list(respond(assistant, message, [], state or {"searched": [], "answers": []}, **kw))


def test_the_answer_streams_with_markers_and_sources(assistant):
    steps = run(assistant, "海东2023年地区生产总值预期增长多少？")
    assert len(steps) > 2  # streamed in several updates
    history, state, sources = steps[-1][0], steps[-1][1], steps[-1][2]
    assert "[\\[1\\]](#cite-1)" in history[-1]["content"] and "来源 / Sources" in history[-1]["content"]
    assert sources["choices"] and state["answers"][-1]["citations"][0]["city"] == "海东市"


def test_a_source_opens_with_the_used_sentences_highlighted(assistant):
    state = run(assistant, "海东2023年地区生产总值预期增长多少？")[-1][1]
    html = show_source(assistant, "[1] x", state)
    assert "<mark>" in html and "5%左右" in html.split("<mark>", 1)[1]


def test_passage_and_question_text_are_escaped(assistant):
    citation = dict(run(assistant, "海东2023年地区生产总值预期增长多少？")[-1][1]["answers"][-1]["citations"][0])
    view = assistant.passage(citation["chunk_id"])
    assert "<script>" not in passage_html(assistant, citation)
    history = run(assistant, "<script>alert(1)</script> 海东GDP")[-1][0]
    assert "<script>" not in history[0]["content"] and "&lt;script&gt;" in history[0]["content"]
    assert view.text in view.context


def test_a_place_filter_applies_to_the_next_question(assistant):
    state = run(assistant, "2023年地区生产总值增长目标", places=["银川市"])[-1][1]
    assert {c["city"] for c in state["answers"][-1]["citations"]} == {"银川市"}
    assert "银川市" in filters_text(["银川市"], None, None, 5)


def test_a_follow_up_keeps_the_topic_and_says_what_it_searched(assistant):
    state = run(assistant, "西宁2020年城镇新增就业目标是多少？")[-1][1]
    last = run(assistant, "那海东呢？", state=state)[-1]
    assert "Searched as" in last[6] and "海东" in last[6].split("Searched as")[1]


def test_feedback_is_appended_as_a_json_line(assistant, tmp_path):
    config = assistant.config.with_(feedback_path=tmp_path / "fb.jsonl")
    from rag import Assistant

    a = Assistant(config, assistant.index, assistant.encoder)
    state = run(a, "海东2023年地区生产总值预期增长多少？")[-1][1]
    record_feedback(a, state, liked=False)
    line = json.loads((tmp_path / "fb.jsonl").read_text(encoding="utf-8").splitlines()[-1])
    assert line["vote"] == "down" and line["question"].startswith("海东") and line["citations"]


def test_a_failing_llm_endpoint_shows_a_note_and_the_extractive_answer(assistant):
    import socket

    from rag import Assistant

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}/v1"  # closed again: nothing answers there
    a = Assistant(assistant.config.with_(llm_base_url=url, llm_model="m", llm_timeout=1.0), assistant.index,
                  assistant.encoder)
    history = list(respond(a, "海东2023年地区生产总值预期增长多少？", [], None, llm=True))[-1][0]
    assert "LLM unavailable" in history[-1]["content"] and "#cite-1" in history[-1]["content"]
