"""UI handlers without a server: citations bound to their answer, what was searched, escaping,
feedback bound to its message, clearing, reports, uploads, evaluation progress, the background load."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import pytest

from ui.handlers import (
    add_report,
    clear,
    new_state,
    read_section,
    record_feedback,
    report_choices,
    respond,
    run_evaluation,
    section_choices,
    show_source,
    step_section,
)
from ui.loader import Loader
from ui.render import empty_panel_html, filters_text, md, no_paths, search_note

DATA = Path(__file__).parent / "data"


def run(assistant, message, state=None, history=None, **kw):
    return list(respond(assistant, message, history or [], state or new_state(), **kw))


def final(assistant, message, state=None, history=None, **kw):
    """(history, state) after the answer is complete."""
    last = run(assistant, message, state, history, **kw)[-1]
    return last[0], last[1]


# ---------------------------------------------------------------- pure rendering (no model)


def test_markdown_images_and_links_in_user_text_are_escaped():
    out = md("![x](http://127.0.0.1:7999/p.png) [a](http://e.com) <img src=x> **b**")
    assert "![" not in out and "](" not in out and "<img" not in out and "**" not in out


def test_server_paths_are_reduced_to_file_names():
    assert no_paths("cannot read /tmp/gradio/3f2a/2023年兰州.pdf: damaged") == "cannot read 2023年兰州.pdf: damaged"


@pytest.mark.parametrize(
    "answer, expected",
    [
        (
            {
                "lang": "zh",
                "question": "西宁2023年GDP目标",
                "filters": {"cities": ["海东市"], "explicit": ["cities"], "read_from_question": {"places": ["西宁市"]}},
            },
            ["筛选为海东市", "西宁市未用于检索"],
        ),
        (
            {
                "lang": "en",
                "question": "Xining GDP in 2023",
                "filters": {
                    "cities": ["海东市"],
                    "year": 2020,
                    "explicit": ["cities", "year"],
                    "read_from_question": {"places": ["西宁市"], "year": 2023},
                },
            },
            ["filtered to 海东市", "西宁市 named in the question was not searched", "2023 in the question"],
        ),
        (
            {
                "lang": "zh",
                "question": "那海东呢？",
                "searched_question": "海东2020年城镇新增就业目标是多少？",
                "filters": {
                    "cities": ["海东市"],
                    "year": 2020,
                    "explicit": [],
                    "read_from_question": {"places": ["海东市"]},
                },
                "citations": [{"report": "2023年海东市政府工作报告", "year": 2023}],
            },
            ["承接上一问", "海东2020年城镇新增就业目标是多少？", "引用的是《2023年海东市政府工作报告》"],
        ),
    ],
)
def test_the_search_note_says_what_a_filter_or_follow_up_changed(answer, expected):
    note = search_note(answer)
    assert all(e in note for e in expected), note


def test_no_note_when_nothing_was_overridden():
    assert (
        search_note(
            {
                "lang": "zh",
                "question": "海东GDP",
                "searched_question": "海东GDP",
                "filters": {"cities": ["海东市"], "explicit": [], "read_from_question": {"places": ["海东市"]}},
            }
        )
        == ""
    )


def test_the_empty_source_panel_gives_a_hint_in_the_users_language():
    assert "点击" in empty_panel_html("zh") and "Click a marker" in empty_panel_html("en")


# ---------------------------------------------------------------- with the model


@pytest.mark.model
def test_the_extractive_answer_comes_at_once_with_markers_that_carry_its_index(assistant):
    steps = run(assistant, "海东2023年地区生产总值预期增长多少？")
    assert len(steps) == 1  # complete in one update: nothing replays it line by line (LLM tokens: test_llm.py)
    history, state = steps[-1][0], steps[-1][1]
    assert "(#cite-0-1)" in history[-1]["content"] and "来源" in history[-1]["content"]
    assert state["turns"][0]["msg"] == 1 and state["turns"][0]["citations"][0]["city"] == "海东市"
    history, state = final(assistant, "What GDP growth target did Jinan set for 2023?", state, history)
    assert "(#cite-1-1)" in history[-1]["content"] and "(#cite-0-" not in history[-1]["content"]


@pytest.mark.model
def test_a_citation_of_an_earlier_answer_opens_that_answers_passage(assistant):
    history, state = final(assistant, "海东2023年地区生产总值预期增长多少？")
    history, state = final(assistant, "What GDP growth target did Jinan set for 2023?", state, history)
    first, second = show_source(assistant, "cite-0-1|7", state), show_source(assistant, "cite-1-1|8", state)
    assert "海东" in first and "5%左右" in first.split("<mark>", 1)[1]
    assert "济南" in second and "5.5%" in second.split("<mark>", 1)[1]


@pytest.mark.model
def test_passage_and_question_text_are_escaped(assistant):
    history, state = final(assistant, "<script>alert(1)</script> ![x](http://127.0.0.1:9/p.png) 海东GDP")
    assert "<script>" not in history[0]["content"] and "&lt;script&gt;" in history[0]["content"]
    assert "![x](" not in history[0]["content"]
    html = show_source(assistant, "cite-0-1", state)
    assert "<script>" not in html


@pytest.mark.model
def test_a_place_filter_that_contradicts_the_question_is_announced(assistant):
    history, state = final(assistant, "西宁2020年城镇新增就业目标是多少？", places=["海东市"])
    first_line = history[-1]["content"].split("\n")[0]
    assert "筛选为海东市" in first_line and "西宁市" in first_line
    assert {c["city"] for c in state["turns"][-1]["citations"]} <= {"海东市"}
    assert "海东市" in filters_text(["海东市"], None, None, 5)


@pytest.mark.model
def test_a_follow_up_says_what_it_searched_at_the_top_of_the_answer(assistant):
    history, state = final(assistant, "西宁2020年城镇新增就业目标是多少？")
    last = run(assistant, "那海东呢？", state=state, history=history)[-1]
    assert "承接上一问" in last[0][-1]["content"].split("\n")[0] and "海东" in last[0][-1]["content"].split("\n")[0]
    assert "检索问题" in last[4] and "海东" in last[4].split("检索问题")[1]


@pytest.mark.model
def test_an_english_question_gets_english_ui_text(assistant):
    last = run(assistant, "What GDP growth target did Jinan set for 2023?")[-1]
    assert last[5] == "en" and "Sources" in last[0][-1]["content"] and last[4].startswith("Answered")


@pytest.mark.model
def test_feedback_after_an_error_is_recorded_against_the_right_question(assistant, tmp_path):
    from rag import Assistant

    a = Assistant(assistant.config.with_(feedback_path=tmp_path / "fb.jsonl"), assistant.index, assistant.encoder)
    history, state = final(a, "海东2023年地区生产总值预期增长多少？")
    # a place filter that names no indexed place: an error message in the chat
    history, state = final(a, "火星2023年GDP目标？", state, history, places=["火星市"])
    history, state = final(a, "What GDP growth target did Jinan set for 2023?", state, history)
    assert history[3]["content"].startswith("⚠")
    history = record_feedback(a, state, history, True, 5)
    history = record_feedback(a, state, history, False, 3)
    lines = [json.loads(x) for x in (tmp_path / "fb.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(x["vote"], x["question"], x["message_index"]) for x in lines] == [
        ("up", "What GDP growth target did Jinan set for 2023?", 5),
        ("down", "火星2023年GDP目标？", 3),
    ]
    assert "error" in lines[1] and lines[0]["citations"]
    # confirmed under the message it was given on, in that message's language
    assert history[5]["content"].endswith("*✓ 👍 saved, thank you*") and history[3]["content"].endswith(
        "*✓ 已记录👎，谢谢*"
    )
    again = record_feedback(a, state, history, False, 5)
    assert again[5]["content"].count("✓") == 1 and "👎" in again[5]["content"]


@pytest.mark.model
def test_clear_forgets_sources_history_and_follow_up_context(assistant):
    history, state = final(assistant, "西宁2020年城镇新增就业目标是多少？")
    chat, state, panel, process, copy, searched = clear()
    assert chat == [] and state == new_state() and "点击" in panel and not process and not copy and not searched
    history, state = final(assistant, "那海东呢？", state)
    assert "承接上一问" not in history[-1]["content"]  # nothing left to follow up on


@pytest.mark.model
@pytest.mark.parametrize("question", __import__("ui.app", fromlist=["EXAMPLES"]).EXAMPLES)
def test_every_example_works_as_a_first_question(assistant, question):
    history, state = final(assistant, question)
    turn = state["turns"][-1]
    assert turn.get("found") and turn["citations"], history[-1]["content"]


@pytest.mark.model
def test_the_reports_picker_shows_titles_and_the_reader_walks_the_section_tree(assistant):
    choices = report_choices(assistant)
    assert all(not re.fullmatch(r"[a-z0-9-]+", label) for label, _ in choices)
    rid = next(v for label, v in choices if "海东" in label)
    sections = section_choices(assistant, rid)
    assert len(sections) > 2 and any(label.startswith("\u3000") for label, _ in sections)  # nested headings indented
    opening = read_section(assistant, rid, None)
    nxt = step_section(assistant, rid, None, 1)
    assert nxt == 0 and step_section(assistant, rid, nxt, 1) == 1 and step_section(assistant, rid, 0, -1) == 0
    first = read_section(assistant, rid, 0)
    assert "第 1 /" in first and first != opening


@pytest.mark.model
def test_uploads_say_indexed_duplicate_or_rejected_without_server_paths(assistant, tmp_path):
    from rag import Assistant, build_index

    config = assistant.config.with_(index_dir=tmp_path / "index")
    index, _ = build_index(config, assistant.encoder, rebuild=True)
    a = Assistant(config, index, assistant.encoder)
    upload = tmp_path / "gradio" / "a1b2c3"
    upload.mkdir(parents=True)
    good = upload / "2023年兰州市政府工作报告.txt"
    good.write_text(
        "2023年兰州市政府工作报告\n各位代表：\n一、2022年工作回顾\n兰州新建黄河风情线步道12公里。\n"
        "二、2023年工作安排\n兰州将新建口袋公园36个。\n",
        encoding="utf-8",
    )
    copy = upload / "copy.txt"
    copy.write_bytes(good.read_bytes())
    empty = upload / "empty.txt"
    empty.write_bytes(b"")
    msg = add_report(a, [str(good)])
    assert msg.startswith("✅") and "兰州" in msg
    msg = add_report(a, [str(copy), str(empty)])
    first, second = msg.split("<br>", 1)[0], msg.split("<br>")[-1]
    assert first.startswith("↩ copy.txt") and "duplicate" in first and "✅" not in msg
    assert second.startswith("❌ empty.txt") and "rejected" in second
    assert str(upload) not in msg and "/tmp" not in msg, msg


@pytest.mark.model
def test_the_evaluation_reports_progress_after_every_question(assistant, tmp_path):
    seen = []
    report, chart = run_evaluation(
        assistant, "all", tmp_path, lambda done, total: seen.append((done, total)), set_path=DATA / "eval_tiny.jsonl"
    )
    assert seen == [(i, 4) for i in range(5)] and "hit@" in report


@pytest.mark.model
def test_the_first_question_waits_for_the_background_load_with_a_loading_message(assistant):
    release = threading.Event()
    loader = Loader().start(lambda ld: (release.wait(), assistant)[1])
    steps = respond(loader, "海东2023年地区生产总值预期增长多少？", [], None)
    history, _, _, _, searched, _ = next(steps)
    assert "加载" in history[-1]["content"] and "加载" in searched
    release.set()
    history, state = list(steps)[-1][:2]
    assert "(#cite-0-1)" in history[-1]["content"] and len(history) == 2 and loader.ready


@pytest.mark.model
def test_a_failed_load_is_one_line_in_the_chat():
    def fail(_):
        from rag import IndexNotFoundError

        raise IndexNotFoundError("no index at /srv/x/index; build it with rag index")

    loader = Loader().start(fail)
    history = list(respond(loader, "海东GDP", [], None))[-1][0]
    assert history[-1]["content"].startswith("⚠") and "rag index" in history[-1]["content"]
    assert loader.failed and "/srv" not in history[-1]["content"]


def test_the_page_built_before_the_model_answers_several_questions_at_once():
    """The page's queue takes CONCURRENCY questions at once (set when the Blocks is made, not by a second
    ``demo.queue()`` that would rebuild Gradio's app); the uploads, removals and evaluation one at a time."""
    from ui.app import CONCURRENCY, build_app

    demo = build_app(Loader())
    assert CONCURRENCY == 4 and demo._queue.default_concurrency_limit == CONCURRENCY
    limits = {fn.name: fn.concurrency_limit for fn in demo.fns.values()}
    assert limits["_add"] == limits["_remove"] == limits["_eval"] == 1
