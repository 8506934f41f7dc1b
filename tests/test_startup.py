"""What a user waits for at start: the encoder's prompts read without loading a model, the warm-up that
makes the first answer quick, and the "starting…" page that takes a question and hands it to the chat
page. No model, no browser (the browser half is in test_ui_browser.py)."""

from __future__ import annotations

import json
import threading

import pytest

from rag.encoder import Encoder


def _no_torch(self):
    raise AssertionError("the torch model was loaded")


def _st_folder(root, prompts: dict | None):
    folder = root / "my-local-model"  # a name with no model family in it: the folder's own prompts apply
    folder.mkdir()
    (folder / "modules.json").write_text("[]")
    if prompts is not None:
        (folder / "config_sentence_transformers.json").write_text(json.dumps({"prompts": prompts}))
    return folder


def test_a_local_models_prompts_are_read_from_its_folder_without_loading_it(tmp_path, monkeypatch):
    monkeypatch.setattr(Encoder, "_load_torch", _no_torch)
    folder = _st_folder(tmp_path, {"query": "Q: ", "document": "D: "})
    enc = Encoder(str(folder), cache_dir=tmp_path, runtime="torch")
    assert (enc.query_prefix, enc.passage_prefix) == ("Q: ", "D: ")


def test_a_local_model_without_prompts_gets_none(tmp_path, monkeypatch):
    monkeypatch.setattr(Encoder, "_load_torch", _no_torch)
    enc = Encoder(str(_st_folder(tmp_path, None)), cache_dir=tmp_path, runtime="torch")
    assert (enc.query_prefix, enc.passage_prefix) == ("", "")


def test_a_hub_models_prompts_still_come_from_the_loaded_model(tmp_path, monkeypatch):
    class Loaded:
        prompts = {"query": "search_query: ", "passage": "search_document: "}

    monkeypatch.setattr(Encoder, "_load_torch", lambda self: Loaded())
    enc = Encoder("someone/some-model", cache_dir=tmp_path, runtime="torch")
    assert (enc.query_prefix, enc.passage_prefix) == ("search_query: ", "search_document: ")


@pytest.mark.parametrize("name", ["intfloat/multilingual-e5-base", "BAAI/bge-small-zh-v1.5"])
def test_a_known_familys_prefixes_need_no_model(tmp_path, monkeypatch, name):
    monkeypatch.setattr(Encoder, "_load_torch", _no_torch)
    assert Encoder(name, cache_dir=tmp_path).query_prefix


# ---------------------------------------------------------------- the "starting…" page


def _get(url: str) -> str:
    import urllib.request

    with urllib.request.urlopen(url, timeout=10) as r:
        assert r.status == 200 and "form-action 'self'" in r.headers["Content-Security-Policy"]
        return r.read().decode("utf-8")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_starting_page_takes_a_question_and_says_it_is_queued():
    from ui.placeholder import Placeholder

    port = _free_port()
    placeholder = Placeholder("127.0.0.1", port)
    try:
        empty = _get(f"http://127.0.0.1:{port}/")
        assert '<form method="get" action="/"' in empty and 'name="q"' in empty and 'id="queued"' not in empty
        asked = _get(f"http://127.0.0.1:{port}/?q=%E6%B5%B7%E4%B8%9CGDP%3F")
        assert 'id="queued"' in asked and "海东GDP?" in asked and "<form" not in asked
        assert 'name="rag-placeholder"' in asked  # the page still reloads itself when the chat page is up
    finally:
        placeholder.close()


def test_a_question_on_the_starting_page_is_escaped():
    from ui.placeholder import page, question_of

    html = page(question_of("/?q=%3Cimg+src%3Dx+onerror%3Dalert(1)%3E")).decode()
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


@pytest.mark.parametrize(
    ("path", "question"),
    [("/", ""), ("/?q=", ""), ("/?q=What+about+Xining%3F", "What about Xining?"), ("/?__theme=dark&q=a", "a")],
)
def test_the_question_is_read_from_the_address(path, question):
    from ui.placeholder import question_of

    assert question_of(path) == question


# ---------------------------------------------------------------- the warm-up behind the page


class _RecordingAssistant:
    def __init__(self, log: list, fail_on: str | None = None):
        self.log, self.fail_on = log, fail_on

    def ask(self, question, **kw):
        if question == self.fail_on:
            raise RuntimeError("no glossary")
        self.log.append(question)


def test_the_first_answer_waits_only_for_the_chinese_warm_up(tmp_path, monkeypatch):
    import rag
    from ui.app import WARM_UP_CHINESE, WARM_UP_ENGLISH, load_assistant, warm_up_english
    from ui.loader import Loader

    log: list = []
    english_may_start = threading.Event()
    monkeypatch.setattr(rag.Assistant, "load", classmethod(lambda cls, config, **kw: _RecordingAssistant(log)))

    def english(ld, assistant):
        english_may_start.wait(10)
        warm_up_english(ld, assistant)

    (tmp_path / "manifest.json").write_text("{}")
    config = rag.Config(index_dir=tmp_path)
    loader = Loader().start(lambda ld: load_assistant(config, ld), then=english)
    assistant = loader.get(timeout=10)
    assert loader.ready and log == [WARM_UP_CHINESE]  # ready before the English warm-up has run
    english_may_start.set()
    loader.thread.join(10)
    assert log == [WARM_UP_CHINESE, WARM_UP_ENGLISH] and loader.get() is assistant
    assert [p for p, _ in loader.phases][-1] == "warm up English questions (after ready)"


def test_a_failed_warm_up_after_ready_leaves_the_assistant_ready():
    from ui.app import WARM_UP_ENGLISH, warm_up_english
    from ui.loader import Loader

    assistant = _RecordingAssistant([], fail_on=WARM_UP_ENGLISH)
    loader = Loader(verbose=True).start(lambda ld: assistant, then=warm_up_english)
    loader.thread.join(10)
    assert not loader.thread.is_alive() and loader.ready and loader.failed is None and loader.get() is assistant


def test_no_warm_up_after_a_failed_load():
    from ui.loader import Loader

    ran = []

    def fail(_):
        raise RuntimeError("broken index")

    loader = Loader().start(fail, then=lambda ld, a: ran.append(a))
    loader.thread.join(10)
    assert loader.failed and ran == []


@pytest.fixture
def warming(fast_assistant):
    """A loader whose assistant is ready and whose warm-up after ready holds until the test releases it."""
    from ui.loader import Loader

    gate = threading.Event()
    loader = Loader().start(lambda ld: fast_assistant, then=lambda ld, a: gate.wait(30))
    loader.get(timeout=30)
    yield loader, gate
    gate.set()


def test_a_chinese_question_is_answered_while_the_english_warm_up_runs(warming):
    from ui.handlers import respond

    loader, _ = warming
    first = next(respond(loader, "海东2023年地区生产总值预期增长多少？", [], None))
    assert "(#cite-0-1)" in first[0][-1]["content"] and not loader.warmed


def test_an_english_question_waits_for_the_english_warm_up_saying_so(warming):
    from ui.handlers import respond

    loader, gate = warming
    steps = respond(loader, "What GDP growth target did Jinan set for 2023?", [], None)
    history = next(steps)[0]
    assert history[-1]["content"].startswith("⏳") and "English" in history[-1]["content"]
    gate.set()
    history = list(steps)[-1][0]
    assert "(#cite-0-1)" in history[-1]["content"] and loader.warmed


def test_the_api_holds_an_english_question_until_the_english_warm_up_is_over(warming):
    from ui.handlers import api_ask

    loader, gate = warming
    out: list = []
    asking = threading.Thread(target=lambda: out.append(api_ask(loader, "What GDP growth target did Jinan set?")))
    asking.start()
    asking.join(1.0)  # not a speed check: an English question that did not wait would be answered by now
    assert out == []
    gate.set()
    asking.join(30)
    assert out and out[0]["citations"]
    assert api_ask(loader, "海东2023年地区生产总值预期增长多少？")["citations"]


# ---------------------------------------------------------------- what comes before the page


def _imported(code: str, names: tuple[str, ...]) -> list[str]:
    """Which of ``names`` a fresh interpreter has imported after running ``code``."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    probe = f"{code}\nimport sys\nprint(','.join(m for m in {names!r} if m in sys.modules))"
    env = {**os.environ, "PYTHONPATH": str(root), "GRADIO_ANALYTICS_ENABLED": "False"}
    r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=root, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    return [m for m in r.stdout.strip().split(",") if m]


# what `rag ui` loads behind its page: ~1 s of imports on 2 cores that once came before Gradio's
MODEL_STACK = ("numpy", "scipy", "pypinyin", "jieba", "faiss", "torch", "onnxruntime", "rag.assistant", "rag.index")


def test_the_cli_and_its_cheap_index_check_import_no_model_stack(tmp_path):
    """``python -m rag.cli ui`` imports ``rag`` and the CLI, and checks the index, before the "starting…"
    page answers and Gradio starts importing: none of it may pull in the model stack."""
    code = (
        "import rag, rag.cli\nfrom rag.manifest import check_manifest\n"
        f"try:\n    check_manifest({str(tmp_path)!r})\nexcept rag.IndexNotFoundError:\n    pass"
    )
    assert _imported(code, MODEL_STACK) == []


def test_the_package_face_gives_every_name_it_lists():
    import rag

    for name in rag.__all__:
        assert getattr(rag, name) is not None, name
    assert set(rag.__all__) <= set(dir(rag))
    with pytest.raises(AttributeError):
        _ = rag.no_such_name


def test_the_page_imports_gradio_without_its_stub_regeneration_and_no_model_stack():
    """``ui`` makes Gradio skip rewriting its own .pyi stubs for every component class (ui/fastimport.py);
    the components are otherwise Gradio's own, events included."""
    code = (
        "import ui.app, gradio as gr\nfrom ui.fastimport import stubs_skipped\nassert stubs_skipped()\n"
        "assert callable(gr.Button.click) and 'click' in [e.event_name for e in gr.Button.EVENTS]"
    )
    assert _imported(code, ("scipy", "pypinyin", "jieba", "faiss", "torch", "rag.assistant", "rag.index")) == []


def test_gradio_imported_before_the_ui_is_left_as_it_is():
    code = (
        "import gradio\nfrom ui.fastimport import skip_stub_generation, stubs_skipped\n"
        "assert not stubs_skipped() and not skip_stub_generation()"
    )
    assert "gradio" in _imported(code, ("gradio",))
