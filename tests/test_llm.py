"""LLM answers on request, against a real OpenAI-compatible HTTP server started inside the test
on 127.0.0.1 that returns scripted completions."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from rag import Assistant

pytestmark = [pytest.mark.llm, pytest.mark.model]
QUESTION = "海东2023年地区生产总值预期增长多少？"


class ScriptedLLM:
    """A local chat-completions server; ``reply`` is what the next request gets."""

    def __init__(self):
        self.reply = ""
        self.mode = "ok"  # ok | slow | garbage | error
        self.requests: list[dict] = []
        self.gate: threading.Event | None = None  # when set up, the last piece waits until the test opens it
        self.finished = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append(body)
                if outer.mode == "slow":
                    time.sleep(3)
                if outer.mode == "error":
                    self.send_response(500)
                    self.end_headers()
                    self.wfile.write(b"internal error")
                    return
                if outer.mode == "garbage":
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(b"<html>not json</html>")
                    return
                if body.get("stream"):
                    self.send_response(200)
                    self.send_header("Content-Type", "text/event-stream")
                    self.end_headers()
                    pieces = [outer.reply[i : i + 7] for i in range(0, len(outer.reply), 7)]
                    for i, piece in enumerate(pieces):
                        if outer.gate is not None and i == len(pieces) - 1:
                            outer.gate.wait(30)
                        chunk = {
                            "id": "c",
                            "object": "chat.completion.chunk",
                            "created": 0,
                            "model": "test",
                            "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}],
                        }
                        self.wfile.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
                        self.wfile.flush()
                    end = {
                        "id": "c",
                        "object": "chat.completion.chunk",
                        "created": 0,
                        "model": "test",
                        "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
                    }
                    outer.finished.set()  # every piece is out; only the end marker is left
                    self.wfile.write(f"data: {json.dumps(end)}\n\ndata: [DONE]\n\n".encode())
                    return
                payload = {
                    "id": "c",
                    "object": "chat.completion",
                    "created": 0,
                    "model": "test",
                    "choices": [
                        {"index": 0, "message": {"role": "assistant", "content": outer.reply}, "finish_reason": "stop"}
                    ],
                }
                data = json.dumps(payload, ensure_ascii=False).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        class QuietServer(ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass  # a client that gave up on a slow reply is expected here

        self.server = QuietServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture
def llm():
    server = ScriptedLLM()
    yield server
    server.close()


def _assistant(assistant, url: str) -> Assistant:
    config = assistant.config.with_(llm_base_url=url, llm_model="test", llm_timeout=1.0)
    return Assistant(config, assistant.index, assistant.encoder)


def test_a_good_llm_answer_is_streamed_renumbered_and_not_flagged(assistant, llm):
    a = _assistant(assistant, llm.url)
    hits = a.search(QUESTION).hits
    n = next(i for i, h in enumerate(hits, 1) if "5%左右" in h.chunk.text)
    llm.reply = f"海东市2023年地区生产总值预期增长5%左右[{n}]。"
    tokens: list[str] = []
    answer = a.ask(QUESTION, llm=True, on_token=tokens.append)
    assert answer.mode == "llm" and answer.found and not answer.flagged
    assert "".join(tokens) == llm.reply
    assert answer.answer.endswith("[1]。") and [c.n for c in answer.citations] == [1]
    assert "5%左右" in answer.citations[0].text


def test_the_prompt_carries_the_numbered_passages_and_the_question(assistant, llm):
    llm.reply = "地区生产总值增长5%左右[1]。"
    _assistant(assistant, llm.url).ask(QUESTION, llm=True, k=3)
    messages = llm.requests[-1]["messages"]
    prompt = "\n".join(m["content"] for m in messages)
    assert QUESTION in prompt and "[1]" in prompt and "[3]" in prompt and "[4]" not in prompt


def test_a_marker_outside_the_given_passages_is_removed_and_flagged(assistant, llm):
    llm.reply = "海东2023年地区生产总值增长5%左右[1]。另有说法[7]。"
    answer = _assistant(assistant, llm.url).ask(QUESTION, llm=True, k=3)
    body, _, warning = answer.answer.partition("⚠")
    assert answer.flagged and "[7]" not in body and "removed marker [7]" in warning


def test_a_figure_missing_from_the_cited_passage_is_flagged(assistant, llm):
    llm.reply = "海东2023年地区生产总值预期增长12.5%[1]。"
    answer = _assistant(assistant, llm.url).ask(QUESTION, llm=True)
    assert answer.flagged and "12.5%" in answer.answer.split("⚠")[-1]


def test_an_endpoint_that_finds_no_answer_makes_ask_refuse_with_its_reason(assistant, llm):
    llm.reply = "NO_ANSWER：这些段落没有给出海东2023年的增长目标。"
    a = _assistant(assistant, llm.url)
    tokens: list[str] = []
    answer = a.ask(QUESTION, llm=True, on_token=tokens.append)
    assert answer.status == "not_in_reports" and not answer.found and answer.mode == "llm"
    assert tokens == [answer.answer] and "NO_ANSWER" not in answer.answer
    assert answer.answer.startswith("没有找到答案：语言模型") and "没有给出海东2023年的增长目标" in answer.answer
    assert answer.citations  # the closest passages, to check the model's reading against
    assert answer.to_json()["status"] == "not_in_reports"
    prompt = llm.requests[-1]["messages"][0]["content"]
    assert "NO_ANSWER" in prompt  # the model was told how to say so


@pytest.mark.parametrize("mode", ["down", "slow", "garbage", "error"])
def test_a_failing_endpoint_falls_back_to_the_extractive_answer(assistant, llm, mode):
    url = llm.url
    if mode == "down":
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            url = f"http://127.0.0.1:{s.getsockname()[1]}/v1"  # nothing listens there once closed
    else:
        llm.mode = mode
    t0 = time.perf_counter()
    answer = _assistant(assistant, url).ask(QUESTION, llm=True)
    assert answer.mode == "extractive" and answer.found and answer.citations
    assert any("LLM unavailable" in n for n in answer.notes)
    assert time.perf_counter() - t0 < 30  # the 1 s timeout, not a hang


def test_the_chain_with_the_configured_endpoint_gives_what_ask_gives(assistant, llm):
    from rag import build_chain
    from rag.chain import chat_model

    a = _assistant(assistant, llm.url)
    llm.reply = "海东2023年地区生产总值预期增长5%左右[1]。"
    via_chain = build_chain(a, chat_model(a.config)).invoke({"question": QUESTION})
    via_ask = a.ask(QUESTION, llm=True)
    assert via_chain.mode == via_ask.mode == "llm"
    assert via_chain.answer == via_ask.answer and via_chain.to_json()["citations"] == via_ask.to_json()["citations"]


def test_the_ui_shows_the_models_tokens_before_the_endpoint_has_finished(assistant, llm):
    from ui.handlers import new_state, respond

    config = assistant.config.with_(llm_base_url=llm.url, llm_model="test", llm_timeout=30.0)
    a = Assistant(config, assistant.index, assistant.encoder)
    n = next(i for i, h in enumerate(a.search(QUESTION).hits, 1) if "5%左右" in h.chunk.text)
    llm.reply = f"海东市2023年地区生产总值预期增长5%左右[{n}]。"
    llm.gate = threading.Event()
    steps = respond(a, QUESTION, [], new_state(), llm=True)
    partial = None
    for step in steps:
        content = step[0][-1]["content"]
        if step[0][-1]["role"] == "assistant" and content.startswith("海东市"):
            partial = content
            break
    assert partial is not None and not llm.finished.is_set()  # a token is on screen while the server still sends
    assert "5%左右" not in partial  # the last piece has not been sent yet
    llm.gate.set()
    last = list(steps)[-1]
    history, state = last[0], last[1]
    assert "5%左右" in history[-1]["content"] and "(#cite-0-1)" in history[-1]["content"]
    assert state["turns"][0]["mode"] == "llm" and llm.finished.is_set()


@pytest.mark.parametrize("mode", ["error", "garbage"])
def test_the_ui_falls_back_to_the_extractive_answer_when_the_endpoint_fails(assistant, llm, mode):
    from ui.handlers import new_state, respond

    llm.mode = mode
    steps = list(respond(_assistant(assistant, llm.url), QUESTION, [], new_state(), llm=True))
    history, state = steps[-1][0], steps[-1][1]
    turn = state["turns"][0]
    assert turn.get("mode", "extractive") == "extractive" and turn["citations"]
    assert any("LLM unavailable" in n for n in turn["notes"])
    assert [m["role"] for m in history] == ["user", "assistant"] and "▍" not in history[-1]["content"]
    assert history[-1]["content"].startswith(assistant.ask(QUESTION).answer.split("\n")[0][:20])


def test_the_ui_shows_the_models_refusal_with_the_closest_passages_and_never_the_word(assistant, llm):
    from ui.handlers import new_state, respond

    llm.reply = "NO_ANSWER：这些段落没有给出海东2023年的增长目标。"
    steps = list(respond(_assistant(assistant, llm.url), QUESTION, [], new_state(), llm=True))
    shown = [s[0][-1]["content"] for s in steps if s[0][-1]["role"] == "assistant"]
    assert shown and all("NO_ANSWER" not in c for c in shown)  # not on screen at any step
    history, state = steps[-1][0], steps[-1][1]
    turn = state["turns"][0]
    assert turn["mode"] == "llm" and turn["citations"]
    assert history[-1]["content"].startswith("没有找到答案：语言模型") and "(#cite-0-1)" in history[-1]["content"]
